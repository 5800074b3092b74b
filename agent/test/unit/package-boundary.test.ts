/**
 * The agent runs as a package on its own: nothing under `src/` reaches outside `agent/src` (the repository's
 * typechain output, its `artifacts/`, the devnet or the tests), and every package it imports is a runtime dependency
 * of its package.json. A `require` or `import` of the contracts' build would fail only once installed.
 */
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const AGENT_DIR = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(AGENT_DIR, "src");
const manifest = JSON.parse(fs.readFileSync(path.join(AGENT_DIR, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  files: string[];
  bin: Record<string, string>;
};

function sources(): string[] {
  return fs
    .readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module specifier a file names: static and dynamic imports, re-exports, and require() calls. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const re of [
    /\bfrom\s+"([^"]+)"/g,
    /\bimport\s*\(\s*"([^"]+)"\s*\)/g,
    /\bimport\s+"([^"]+)"/g,
    /\brequire\s*\(\s*"([^"]+)"\s*\)/g,
  ]) {
    for (const m of text.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

const packageName = (spec: string) =>
  spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;

describe("the agent package's boundary", () => {
  it("src/ imports nothing outside agent/src, and no package that is not a runtime dependency", () => {
    const escapes: string[] = [];
    const undeclared: string[] = [];
    for (const file of sources()) {
      const rel = path.relative(AGENT_DIR, file);
      for (const spec of specifiers(fs.readFileSync(file, "utf8"))) {
        if (spec.startsWith(".")) {
          const target = path.resolve(path.dirname(file), spec);
          // package.json is shipped beside dist/ as it is beside src/.
          if (!target.startsWith(SRC + path.sep) && target !== path.join(AGENT_DIR, "package.json"))
            escapes.push(`${rel}: ${spec}`);
        } else if (
          !spec.startsWith("node:") &&
          !builtinModules.includes(spec) &&
          !(packageName(spec) in manifest.dependencies)
        ) {
          undeclared.push(`${rel}: ${spec}`);
        }
      }
    }
    expect(escapes, "relative imports that leave agent/src").toEqual([]);
    expect(undeclared, "packages imported by src/ but not in dependencies").toEqual([]);
  });

  it("the package ships what the daemon reads at run time: the compiled code, the bin, the dashboard", () => {
    for (const entry of ["bin/", "dist/", "dashboard/"]) expect(manifest.files, entry).toContain(entry);
    expect(manifest.bin["treasury-agent"]).toBe("./bin/treasury-agent.mjs");
    expect(manifest.dependencies, "tsx is a development tool; the package ships JavaScript").not.toHaveProperty("tsx");
  });
});
