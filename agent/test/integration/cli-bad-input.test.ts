/**
 * Every command given bad arguments, and configurations whose wrong values only show at start (against the embedded
 * chain, where a good configuration would rebalance at once): a clear message naming the problem, no stack trace, a
 * non-zero exit, and no side effect on chain (the agent's nonce and the chain's block number unchanged, no journal).
 * Run in process through the CLI's entry (`runCli`), plus the real binary for the exit code itself.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { encryptKeystoreJson } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../devnet/anvil.js";
import type { LocalChain } from "../../devnet/chain.js";
import type { Stack } from "../../devnet/stack.js";
import { runCli } from "../../src/cli.js";
import { AGENT, AGENT_KEY, cliConfig, rebalancedEvents, startStack, tempDir } from "../support/daemon-harness.js";

const AGENT_DIR = path.resolve(import.meta.dirname, "../..");
const OTHER = "0x5555555555555555555555555555555555555555";

let chain: LocalChain;
let stack: Stack;
let dir: string;
let keystore: string;
let busy: http.Server;
let busyPort: number;
let deadUrl: string;

beforeAll(async () => {
  ({ chain, stack } = await startStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } }));
  dir = tempDir("agent-cli-bad-");
  keystore = path.join(dir, "agent.keystore.json");
  fs.writeFileSync(
    keystore,
    await encryptKeystoreJson({ address: AGENT, privateKey: AGENT_KEY }, "right-password", { scrypt: { N: 1 << 10 } }),
  );
  busy = http.createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
  busyPort = (busy.address() as AddressInfo).port;
  deadUrl = `http://127.0.0.1:${await freePort()}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((r) => busy?.close(() => r()));
  await chain?.close();
});

/** A configuration that would rebalance at once (equal weight, all money idle), changed by `change`. */
function config(change: (c: Record<string, any>) => unknown = () => undefined): string {
  const c = cliConfig(chain, stack, { dataDir: `state-${Math.random().toString(36).slice(2)}` });
  const replaced = change(c);
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, typeof replaced === "string" ? replaced : JSON.stringify(replaced ?? c));
  return file;
}

interface Case {
  name: string;
  argv: () => string[];
  env?: () => Record<string, string>;
  code: number;
  message: () => RegExp;
}

const good = () => config();
const withKey = () => ({ AGENT_PRIVATE_KEY: AGENT_KEY });

const cases: Case[] = [
  // Arguments (commander prints the problem, then the help)
  { name: "no command", argv: () => [], code: 2, message: () => /Usage: treasury-agent \[options\] \[command\]/ },
  {
    name: "unknown command",
    argv: () => ["frobnicate"],
    code: 2,
    message: () => /error: unknown command 'frobnicate'/,
  },
  {
    name: "run: unknown option",
    argv: () => ["run", "--bogus", "--config", good()],
    env: withKey,
    code: 2,
    message: () => /error: unknown option '--bogus'/,
  },
  {
    name: "run: --config without a path",
    argv: () => ["run", "--config"],
    code: 2,
    message: () => /error: option '-c, --config <path>' argument missing/,
  },
  {
    name: "run: an extra argument",
    argv: () => ["run", "now", "--config", good()],
    env: withKey,
    code: 2,
    message: () => /error: too many arguments for 'run'/,
  },
  {
    name: "run --once --once=3",
    argv: () => ["run", "--once=3", "--config", good()],
    env: withKey,
    code: 2,
    message: () => /error: unknown option '--once=3'/,
  },
  {
    name: "plan: --vault without a value",
    argv: () => ["plan", "--config", good(), "--vault"],
    code: 2,
    message: () => /error: option '--vault <address\|label>' argument missing/,
  },
  {
    name: "plan: --vault naming no configured vault (address)",
    argv: () => ["plan", "--config", good(), "--vault", OTHER],
    code: 2,
    message: () =>
      new RegExp(
        `^treasury-agent: --vault ${OTHER}: no configured vault has this address or label \\(configured: main \\(${stack.vaultAddress}\\)\\)$`,
        "m",
      ),
  },
  {
    name: "plan: --vault naming no configured vault (label)",
    argv: () => ["plan", "--config", good(), "--vault", "treasury"],
    code: 2,
    message: () => /--vault treasury: no configured vault has this address or label/,
  },
  {
    name: "plan: --vault that is not an address",
    argv: () => ["plan", "--config", good(), "--vault", "0xnot"],
    code: 2,
    message: () => /--vault 0xnot: no configured vault/,
  },
  {
    name: "run: --release-quarantine with a value that is not an address",
    argv: () => ["run", "--once", "--release-quarantine", "strategy-2", "--config", good()],
    env: withKey,
    code: 2,
    message: () =>
      /error: option '--release-quarantine \[strategy\]' argument 'strategy-2' is invalid\. not a strategy address/,
  },
  {
    name: "run: --release-quarantine naming a strategy no vault has in quarantine",
    argv: () => ["run", "--once", "--release-quarantine", OTHER, "--config", good()],
    env: withKey,
    code: 2,
    message: () =>
      new RegExp(`^treasury-agent: --release-quarantine: no vault has strategy ${OTHER} in quarantine$`, "m"),
  },
  {
    name: "status: an option of another command",
    argv: () => ["status", "--once", "--config", good()],
    code: 2,
    message: () => /error: unknown option '--once'/,
  },
  {
    name: "status: --dry-run",
    argv: () => ["status", "--dry-run", "--config", good()],
    code: 2,
    message: () => /error: unknown option '--dry-run'/,
  },
  {
    name: "sessions: extra arguments",
    argv: () => ["sessions", "a", "b", "--config", good()],
    code: 2,
    message: () => /error: too many arguments for 'sessions'/,
  },
  // The configuration file itself
  {
    name: "run: no config anywhere",
    argv: () => ["run", "--once"],
    env: withKey,
    code: 2,
    message: () => /^treasury-agent: invalid config: no config file \(pass --config or set AGENT_CONFIG\)$/m,
  },
  {
    name: "status: a config file that does not exist",
    argv: () => ["status", "--config", "/nonexistent/agent.json"],
    code: 2,
    message: () => /invalid config: cannot read \/nonexistent\/agent\.json/,
  },
  {
    name: "sessions: a directory as config",
    argv: () => ["sessions", "--config", dir],
    code: 2,
    message: () => new RegExp(`invalid config: cannot read ${dir}`),
  },
  {
    name: "plan: a config that is not JSON",
    argv: () => ["plan", "--config", config(() => "{ network: ")],
    code: 2,
    message: () => /invalid config: .* is not valid JSON/,
  },
  {
    name: "plan: a config that is a JSON list",
    argv: () => ["plan", "--config", config(() => "[1, 2]")],
    code: 2,
    message: () => /invalid config: the file must hold a JSON object/,
  },
  {
    name: "run: a vault address that is not one",
    argv: () => ["run", "--once", "--config", config((c) => void (c.vaults[0].address = "0xnot"))],
    env: withKey,
    code: 2,
    message: () => /invalid config: vaults\.0\.address: not an address/,
  },
  {
    name: "run: a zero fee ceiling",
    argv: () => ["run", "--once", "--config", config((c) => void (c.tx.maxFeePerGasGwei = "0"))],
    env: withKey,
    code: 2,
    message: () => /invalid config: tx\.maxFeePerGasGwei: above zero/,
  },
  {
    name: "run: a secret in the file",
    argv: () => ["run", "--once", "--config", config((c) => void (c.key = { privateKey: AGENT_KEY }))],
    code: 2,
    message: () => /invalid config: key\.privateKey: secrets are read from the environment only/,
  },
  {
    name: "run: a bad environment value",
    argv: () => ["run", "--once", "--config", good()],
    env: () => ({ ...withKey(), AGENT_METRICS_PORT: "99999" }),
    code: 2,
    message: () => /invalid config: metrics\.port: at most 65535/,
  },
  {
    name: "run: an RPC URL without a scheme",
    argv: () => ["run", "--once", "--config", good()],
    env: () => ({ ...withKey(), AGENT_RPC_URL: "localhost:8545" }),
    code: 2,
    message: () => /invalid config: network\.rpcUrl: not an http\(s\) URL/,
  },
  // Wrong values that only the chain, the disk or the key can reveal
  {
    name: "run: lens is not a contract",
    argv: () => ["run", "--once", "--config", config((c) => void (c.lens = OTHER))],
    env: withKey,
    code: 2,
    message: () => new RegExp(`invalid config: lens: no contract at ${OTHER} \\(expected a TreasuryLens\\)`),
  },
  {
    name: "run: lens is another contract",
    argv: () => ["run", "--once", "--config", config((c) => void (c.lens = stack.vaultAddress))],
    env: withKey,
    code: 2,
    message: () =>
      /invalid config: vaults\.0\.address: the lens 0x[0-9a-fA-F]{40} cannot read 0x[0-9a-fA-F]{40}; is it a treasury vault, and lens a TreasuryLens\?/,
  },
  {
    name: "status: the vault is another contract",
    argv: () => ["status", "--config", config((c) => void (c.vaults[0].address = stack.strategyAddresses[0]))],
    env: () => ({ AGENT_ADDRESS: AGENT }),
    code: 2,
    message: () => /invalid config: vaults\.0\.address: the lens .* cannot read/,
  },
  {
    name: "sessions: the vault is not a contract",
    argv: () => ["sessions", "--config", config((c) => void (c.vaults[0].address = OTHER))],
    env: () => ({ AGENT_ADDRESS: AGENT }),
    code: 2,
    message: () => /invalid config: vaults\.0\.address: no contract at 0x5555/,
  },
  {
    name: "status: the endpoint serves another chain",
    argv: () => ["status", "--config", config((c) => void (c.network.chainId = 5))],
    env: () => ({ AGENT_ADDRESS: AGENT }),
    code: 2,
    message: () =>
      /invalid config: network\.chainId: the RPC endpoint http:\/\/127\.0\.0\.1:\d+ serves chain 31337, the configuration expects 5/,
  },
  {
    name: "run: more decimals than the asset has",
    argv: () => ["run", "--once", "--config", config((c) => void (c.planner.minMove = "1000.1234567"))],
    env: withKey,
    code: 2,
    message: () => /invalid config: planner\.minMove: "1000\.1234567" has 7 decimals; the vault's asset has 6/,
  },
  {
    name: "run: a vault's own planner value with too many decimals",
    argv: () => [
      "run",
      "--once",
      "--config",
      config((c) => void (c.vaults[0].planner = { nativePriceInAsset: "3000.0000001" })),
    ],
    env: withKey,
    code: 2,
    message: () => /invalid config: vaults\.0\.planner\.nativePriceInAsset: "3000\.0000001" has 7 decimals/,
  },
  {
    name: "run: a data directory that cannot be created",
    argv: () => ["run", "--once", "--config", config((c) => void (c.dataDir = `${keystore}/state`))],
    env: withKey,
    code: 2,
    message: () => /invalid config: dataDir: cannot write to .*agent\.keystore\.json\/state \(ENOTDIR\)/,
  },
  {
    name: "run: a keystore that does not exist",
    argv: () => ["run", "--once", "--config", config((c) => void (c.key = { keystorePath: "missing.json" }))],
    env: () => ({ AGENT_KEYSTORE_PASSWORD: "right-password" }),
    code: 2,
    message: () =>
      new RegExp(
        `the keystore ${dir}/missing\\.json does not exist \\(key\\.keystorePath "missing\\.json" is relative: taken from the config file's folder ${dir}\\)`,
      ),
  },
  {
    name: "run: the wrong keystore password",
    argv: () => ["run", "--once", "--config", config((c) => void (c.key = { keystorePath: keystore }))],
    env: () => ({ AGENT_KEYSTORE_PASSWORD: "wrong-password-777" }),
    code: 2,
    message: () =>
      /wrong password for the keystore .* \(the password from AGENT_KEYSTORE_PASSWORD does not decrypt it\)/,
  },
  {
    name: "run: no key at all",
    argv: () => ["run", "--once", "--config", good()],
    code: 2,
    message: () => /invalid config: key: no signing key/,
  },
  {
    name: "run: agentAddress that is not the key's",
    argv: () => ["run", "--once", "--config", config((c) => void (c.agentAddress = OTHER))],
    env: withKey,
    code: 2,
    message: () => new RegExp(`invalid config: agentAddress: ${OTHER} is not the key's address ${AGENT}`),
  },
  {
    name: "run: a metrics port in use",
    argv: () => ["run", "--once", "--config", config((c) => void (c.metrics = { port: busyPort }))],
    env: withKey,
    code: 2,
    message: () =>
      new RegExp(`invalid config: metrics\\.port: cannot listen on 127\\.0\\.0\\.1:${busyPort} \\(EADDRINUSE\\)`),
  },
  {
    name: "status: no agent to report on",
    argv: () => ["status", "--config", good()],
    code: 2,
    message: () => /invalid config: agentAddress: set agentAddress \(or a key\)/,
  },
  {
    name: "run: an RPC endpoint nobody answers at",
    argv: () => ["run", "--once", "--config", config((c) => void (c.network.rpcUrl = deadUrl))],
    env: withKey,
    code: 1,
    message: () => new RegExp(`cannot reach the RPC endpoint: ${deadUrl} \\(connection: `),
  },
];

const ENV_KEYS = [
  "AGENT_CONFIG",
  "AGENT_PRIVATE_KEY",
  "AGENT_KEYSTORE_PASSWORD",
  "AGENT_ADDRESS",
  "AGENT_METRICS_PORT",
  "AGENT_RPC_URL",
];

async function cli(argv: string[], env: Record<string, string> = {}) {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, env);
  let out = "";
  let err = "";
  try {
    const code = await runCli(["node", "treasury-agent", ...argv], {
      print: (t) => (out += `${t}\n`),
      writeOut: (t) => (out += t),
      writeErr: (t) => (err += t),
    });
    return { code, out, err };
  } finally {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

const journals = () => fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).includes("journal-"));

describe("bad arguments and bad values: a clear message, a non-zero exit, nothing on chain", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const nonce = await chain.provider.getTransactionCount(AGENT, "latest");
    const block = await chain.provider.getBlockNumber();
    const r = await cli(c.argv(), c.env?.());
    if (process.env.SHOW_CLI) console.log(`--- ${c.name}: exit ${r.code}\n${r.err.split("\n").slice(0, 2).join("\n")}`);
    expect(r.code, r.err).toBe(c.code);
    expect(r.err, "the message names the problem").toMatch(c.message());
    expect(r.err, "no stack trace").not.toMatch(/\n\s+at /);
    expect(r.out, "no report printed").not.toMatch(/Vault main|Decision:/);
    expect(r.err + r.out, "no secret echoed").not.toContain(AGENT_KEY.slice(2, 20));
    expect(r.err + r.out).not.toContain("wrong-password-777");
    expect(await chain.provider.getTransactionCount(AGENT, "latest"), "the agent sent nothing").toBe(nonce);
    expect(await chain.provider.getBlockNumber(), "nobody sent anything").toBe(block);
    expect(journals(), "nothing journaled").toEqual([]);
  });

  it("help is not an error", async () => {
    for (const argv of [["--help"], ["run", "--help"], ["plan", "-h"]]) {
      const r = await cli(argv);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.out).toMatch(/Usage: treasury-agent/);
    }
  });

  it("the real binary exits 2 on a bad argument and on a bad value found at start", async () => {
    const run = (argv: string[], env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...argv], {
          cwd: AGENT_DIR,
          env: { ...process.env, AGENT_CONFIG: "", ...env },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
    const nonce = await chain.provider.getTransactionCount(AGENT, "latest");
    const [usage, chainId] = await Promise.all([
      run(["run", "--bogus"], {}),
      run(
        [
          "run",
          "--once",
          "--config",
          config((c) => {
            c.network.chainId = 5;
            c.key = { keystorePath: keystore };
          }),
        ],
        { AGENT_KEYSTORE_PASSWORD: "right-password" },
      ),
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("error: unknown option '--bogus'");
    expect(chainId.code).toBe(2);
    expect(chainId.stderr).toMatch(
      /^treasury-agent: invalid config: network\.chainId: the RPC endpoint http:\/\/127\.0\.0\.1:\d+ serves chain 31337, the configuration expects 5\n$/,
    );
    expect(await chain.provider.getTransactionCount(AGENT, "latest")).toBe(nonce);
  });

  it("control: the same good configuration does rebalance (so an unchanged nonce above means something)", async () => {
    const nonce = await chain.provider.getTransactionCount(AGENT, "latest");
    const r = await cli(["run", "--once", "--config", good()], withKey());
    expect(r.code, r.err).toBe(0);
    expect(await chain.provider.getTransactionCount(AGENT, "latest")).toBe(nonce + 1);
    expect(await rebalancedEvents(stack)).toHaveLength(1);
  });
});
