/**
 * The agent as an operator installs it, alone: `pnpm pack` (which compiles it to dist/ and applies publishConfig),
 * `npm install <tarball>` into an empty folder outside the repository, then the installed `treasury-agent` against a
 * chain, and the package's front door imported by name. Nothing of the repository (its node_modules, typechain
 * output or artifacts) is reachable from there.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT, useStack } from "../support/daemon-harness.js";
import { AGENT_DIR, ROOT, runProcess } from "../support/process.js";

const env = useStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } });
let home: string;
let bin: string;
let configPath: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "agent-install-"));
  expect(path.relative(ROOT, home).startsWith(".."), "the install folder is outside the repository").toBe(true);
  const packed = await runProcess("pnpm", ["pack", "--pack-destination", home], { cwd: AGENT_DIR, timeoutMs: 120_000 });
  expect(packed.code, packed.stderr + packed.stdout).toBe(0);
  const tarball = fs.readdirSync(home).find((f) => f.endsWith(".tgz"));
  expect(tarball, "pnpm pack wrote a tarball").toBeDefined();
  fs.writeFileSync(path.join(home, "package.json"), JSON.stringify({ private: true }));
  const installed = await runProcess(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(home, tarball!)],
    { cwd: home, timeoutMs: 180_000 },
  );
  expect(installed.code, installed.stderr + installed.stdout).toBe(0);
  bin = path.join(home, "node_modules/.bin/treasury-agent");
  configPath = path.join(home, "agent.config.json");
  fs.writeFileSync(
    configPath,
    JSON.stringify({
      network: { rpcUrl: env.chain.url, chainId: 31337 },
      lens: env.stack.lensAddress,
      agentAddress: AGENT,
      dataDir: "state",
      tx: { maxFeePerGasGwei: "100" },
      planner: { minMove: "1000", nativePriceInAsset: "3000" },
      vaults: [{ address: env.stack.vaultAddress, label: "treasury" }],
    }),
  );
}, 300_000);

afterAll(() => {
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** The installed command, from the install folder, with none of the test's AGENT_* variables. */
const installedAgent = (args: string[]) => {
  const clean = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith("AGENT_"))
      .map((k) => [k, ""]),
  );
  return runProcess(bin, args, { cwd: home, env: clean });
};

describe("the agent installed from its tarball", () => {
  it("ships compiled JavaScript, the dashboard and the bin; no TypeScript sources, no tsx", () => {
    const pkg = path.join(home, "node_modules/@agent-treasury/agent");
    expect(fs.existsSync(path.join(pkg, "dist/cli.js"))).toBe(true);
    expect(fs.existsSync(path.join(pkg, "dist/index.d.ts"))).toBe(true);
    expect(fs.existsSync(path.join(pkg, "dashboard/index.html"))).toBe(true);
    expect(
      fs.existsSync(path.join(pkg, "deploy/treasury-agent.service")),
      "the systemd units ship with the package",
    ).toBe(true);
    expect(fs.existsSync(path.join(pkg, "src")), "no sources: the bin runs dist/").toBe(false);
    expect(fs.existsSync(path.join(home, "node_modules/tsx")), "tsx is not installed with it").toBe(false);
  });

  it("treasury-agent --help and --version", async () => {
    const help = await installedAgent(["--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: treasury-agent \[options\] \[command\]/);
    expect(help.stderr).toBe("");
    const version = await installedAgent(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(fs.readFileSync(path.join(AGENT_DIR, "package.json"), "utf8")).version,
    );
  });

  it("treasury-agent status reads the vault through the lens", async () => {
    const r = await installedAgent(["status", "--config", configPath]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Agent ${AGENT} on chain 31337`);
    expect(r.stdout).toContain("Vault treasury");
    expect(r.stdout).toContain("circuit breaker: closed");
  });

  it("the front door is importable by the package's name", async () => {
    const script = `import("@agent-treasury/agent").then((m) => console.log(JSON.stringify({ version: m.AGENT_VERSION, parseConfig: typeof m.parseConfig, LensReader: typeof m.LensReader, createAgent: typeof m.createAgent })))`;
    const r = await runProcess(process.execPath, ["-e", script], { cwd: home });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      version: expect.any(String),
      parseConfig: "function",
      LensReader: "function",
      createAgent: "function",
    });
  });
});
