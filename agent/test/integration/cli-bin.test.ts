/**
 * The `treasury-agent` command as an operator starts it: through the workspace's bin links (`pnpm exec` from the
 * repository root, `pnpm --filter ./agent exec`), its help, and a reader that closes the pipe early. Real processes.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_FIELDS } from "../../src/config/load.js";
import { runProcess } from "../support/process.js";

const AGENT_DIR = path.resolve(import.meta.dirname, "../..");
describe("the treasury-agent command", () => {
  it("is on the workspace's PATH: pnpm exec from the root and pnpm --filter ./agent exec", async () => {
    const [root, filtered] = await Promise.all([
      runProcess("pnpm", ["exec", "treasury-agent", "--help"]),
      runProcess("pnpm", ["--filter", "./agent", "exec", "treasury-agent", "--help"]),
    ]);
    for (const r of [root, filtered]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, "the agent's help").toMatch(/^Usage: treasury-agent \[options\] \[command\]/);
      expect(r.stderr, "no error").toBe("");
    }
  });

  it("started by name, runs Node with the memory options of its first line (agent README, Memory)", async () => {
    const first = fs.readFileSync(path.join(AGENT_DIR, "bin/treasury-agent.mjs"), "utf8").split("\n", 1)[0]!;
    expect(first).toMatch(/^#!\/usr\/bin\/env -S node /);
    const options = first.replace(/^#!\/usr\/bin\/env -S node /, "").split(" ");
    expect(options.some((o) => o.startsWith("--max-semi-space-size="))).toBe(true);
    // A preloaded script reports the options the kernel and `env -S` gave Node (this Node first on PATH).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bin-"));
    const report = path.join(dir, "report.cjs");
    fs.writeFileSync(report, "process.stderr.write(JSON.stringify(process.execArgv) + '\\n');\n");
    const r = await runProcess(path.join(AGENT_DIR, "bin/treasury-agent.mjs"), ["--help"], {
      cwd: AGENT_DIR,
      env: {
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
        NODE_OPTIONS: `--require ${report}`,
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr.split("\n")[0]!)).toEqual(options);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("--help names every environment variable the configuration reads", async () => {
    const r = await runProcess(process.execPath, ["bin/treasury-agent.mjs", "--help"], { cwd: AGENT_DIR });
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, " ");
    for (const name of ["AGENT_CONFIG", ...Object.keys(ENV_FIELDS)]) expect(help, name).toContain(name);
    expect(help).toContain("AGENT_RPC_TIMEOUT_MS");
  });

  it("a reader that stops early ends it quietly: no EPIPE stack trace, exit 0", async () => {
    // `head -1` closes the pipe after a line; `true` before the first (the help comes in two writes, so `true` is the
    // one that makes the closed pipe certain rather than a race).
    for (const reader of ["head -1", "true"]) {
      const r = await runProcess("bash", ["-c", `set -o pipefail; node bin/treasury-agent.mjs --help | ${reader}`], {
        cwd: AGENT_DIR,
      });
      expect(r.stderr, `${reader}: nothing on stderr`).toBe("");
      expect(r.code, `${reader}: the pipeline succeeds`).toBe(0);
      if (reader === "head -1") expect(r.stdout).toBe("Usage: treasury-agent [options] [command]\n");
    }
  });
});
