/**
 * Many chains, one daemon: two embedded chains (Hardhat's, on chain ids 31337 and 1337), each with the stack deployed
 * by the same deployer (so the vault has the same address on both), one configuration listing both networks, and the
 * daemon as `run` builds it for several chains (`createChains`). Each chain has its own journal and nonce sequence; a
 * chain whose node hangs delays no tick of the other; the dashboard shows both chains' vaults, each row labelled.
 */
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedChain, type EmbeddedChain } from "../../devnet/chain.js";
import { chainAccounts, deployStack, fund, grantSession, type Stack } from "../../devnet/stack.js";
import { parseConfig } from "../../src/config/load.js";
import { statusCommand } from "../../src/cli/report-commands.js";
import { createChains, type Chains } from "../../src/daemon/chains.js";
import { dataPaths } from "../../src/daemon/build.js";
import { Metrics } from "../../src/obs/metrics.js";
import { systemClock } from "../../src/util/clock.js";
import { AGENT, AGENT_KEY, tempDir } from "../support/daemon-harness.js";
import { FaultProxy } from "../support/fault-proxy.js";
import { memoryLogger } from "../support/logs.js";
import { treasuryAgent } from "../support/process.js";

const chains: EmbeddedChain[] = [];
const stacks: Stack[] = [];
let proxy: FaultProxy;

async function chainWithStack(chainId: number): Promise<{ chain: EmbeddedChain; stack: Stack }> {
  const chain = await startEmbeddedChain({ chainId });
  chains.push(chain);
  const stack = await deployStack(await chainAccounts(chain), { strategies: 2, seed: 10_000n });
  await fund(stack, stack.users[0]!, 100_000n * stack.unit);
  await grantSession(stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 500_000n * stack.unit,
    maxVolumePerEpoch: 5_000_000n * stack.unit,
  });
  stacks.push(stack);
  return { chain, stack };
}

beforeAll(async () => {
  await chainWithStack(31337);
  await chainWithStack(1337);
  // The second chain is reached through a proxy that can be made to hang.
  proxy = await FaultProxy.start({ upstream: chains[1]!.url, seed: 1, holdMs: 20_000 });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  for (const c of chains) await c.close();
});

function configFile(dataDir: string) {
  const network = { confirmations: 1, pollIntervalMs: 100, requestTimeoutMs: 1_500, retryFailedAfterMs: 0 };
  return {
    networks: [
      { name: "alpha", rpcUrl: chains[0]!.url, chainId: 31337, ...network },
      { name: "beta", rpcUrl: proxy.url, chainId: 1337, ...network, maxFeePerGasGwei: "900" },
    ],
    lens: stacks[0]!.lensAddress,
    dataDir,
    tx: { stuckAfterSeconds: 30, maxFeePerGasGwei: "500" },
    planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
    metrics: { port: 0 },
    vaults: [
      { address: stacks[0]!.vaultAddress, network: "alpha", label: "treasury-alpha" },
      { address: stacks[1]!.vaultAddress, network: "beta", chainId: 1337, label: "treasury-beta" },
    ],
  };
}

const config = (dataDir: string) => parseConfig(configFile(dataDir), { AGENT_PRIVATE_KEY: AGENT_KEY });

async function rebalances(stack: Stack): Promise<number> {
  return (await stack.vault.queryFilter(stack.vault.filters.Rebalanced())).length;
}

describe("one daemon on two chains", () => {
  let daemon: Chains;
  let dataDir: string;
  const logs = memoryLogger();

  beforeAll(async () => {
    dataDir = tempDir("agent-chains-");
    daemon = await createChains(config(dataDir), {
      wallet: new Wallet(AGENT_KEY),
      log: logs.log,
      metrics: new Metrics(),
      clock: systemClock,
    });
  }, 60_000);

  afterAll(async () => {
    await daemon?.close();
  });

  it("the stack has one address on both chains, and the lens of one serves both (same deployer, same nonces)", () => {
    expect(stacks[1]!.vaultAddress, "the vault's address").toBe(stacks[0]!.vaultAddress);
    expect(stacks[1]!.lensAddress, "the lens's address").toBe(stacks[0]!.lensAddress);
    expect(daemon.chains.map((c) => [c.name, c.chainId, c.config.vaults.map((v) => v.label)])).toEqual([
      ["alpha", 31337, ["treasury-alpha"]],
      ["beta", 1337, ["treasury-beta"]],
    ]);
    expect(daemon.chains[1]!.config.tx.maxFeePerGasGwei, "beta's own fee ceiling").toBe("900");
    expect(daemon.chains[0]!.config.tx.maxFeePerGasGwei, "alpha keeps tx's").toBe("500");
  });

  it("a hanging chain delays no tick of the other: alpha rebalances on time while beta's node hangs, then beta recovers", async () => {
    const [alpha, beta] = daemon.chains;
    const before = await rebalances(stacks[0]!);
    proxy.setFaults({ timeout: 1 });
    const stop = new AbortController();
    const loop = daemon.run(stop.signal);
    const started = Date.now();
    try {
      // Alpha polls every 100 ms; beta's every request hangs until cut off at 1.5 s. Alpha's first rebalance is not
      // held behind beta.
      while ((await rebalances(stacks[0]!)) === before && Date.now() - started < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await rebalances(stacks[0]!), "alpha rebalanced").toBe(before + 1);
      // Alpha keeps ticking at its own pace while beta is stuck: over 3 s, many ticks (ticking in turn with beta, at
      // most one per beta timeout of 1.5 s: two or three).
      const ticks = new Set<string>();
      const window = Date.now();
      while (Date.now() - window < 3_000) {
        ticks.add(String(alpha!.agent.daemon.health().lastTickAt));
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(ticks.size, "alpha's ticks in 3 s while beta's node hangs").toBeGreaterThanOrEqual(8);
      const betaHealth = beta!.agent.daemon.health();
      expect(proxy.stats.injected.timeout, "beta's node was asked and hung").toBeGreaterThan(0);
      expect(
        daemon.readiness().reasons.some((r) => r.startsWith("beta: ")),
        "beta named as not ready",
      ).toBe(true);
      expect(
        daemon.readiness().reasons.some((r) => r.startsWith("alpha: ")),
        "alpha is ready",
      ).toBe(false);
      expect(betaHealth.consecutiveFailures, "beta's ticks fail, counted on beta alone").toBeGreaterThan(0);
      expect(alpha!.agent.daemon.health().consecutiveFailures).toBe(0);
      // Beta's node answers again: its loop recovers by itself.
      proxy.clearFaults();
      const back = Date.now();
      while (Number(beta!.agent.daemon.health().consecutiveFailures) > 0 && Date.now() - back < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(beta!.agent.daemon.health().consecutiveFailures, "beta ticks again").toBe(0);
      while ((await rebalances(stacks[1]!)) === 0 && Date.now() - back < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await rebalances(stacks[1]!), "beta rebalanced once its node answered").toBe(1);
    } finally {
      proxy.clearFaults();
      stop.abort("test");
      await loop;
    }
  }, 40_000);

  it("each chain's vault was rebalanced once, with a journal and a nonce sequence per chain", async () => {
    // Nothing sent again: each chain waits out its own session's minimum interval.
    const ticks = await daemon.tick();
    expect(ticks.map((t) => [t.vault, t.error?.message, t.report?.result.kind])).toEqual([
      ["treasury-alpha", undefined, "wait"],
      ["treasury-beta", undefined, "wait"],
    ]);
    for (const [i, stack] of stacks.entries()) {
      expect(await rebalances(stack), `chain ${i}: one Rebalanced event`).toBe(1);
      expect(await stack.asset.balanceOf(stack.strategyAddresses[0]!), `chain ${i}: money moved`).toBeGreaterThan(
        10_000n * stack.unit,
      );
    }
    for (const c of daemon.chains) {
      const file = dataPaths(c.config, AGENT).journal;
      expect(file, "the journal sits under the chain's own folder").toContain(
        `${path.sep}${c.chainId}${path.sep}journal-`,
      );
      expect(fs.existsSync(file), `${c.name}'s journal`).toBe(true);
      const entries = c.agent.journal.entries();
      expect(entries.map((e) => e.record.vault)).toEqual([c.config.vaults[0]!.address]);
      // Each chain's first transaction from the key takes nonce 0: the sequences are apart.
      expect(entries[0]!.record.nonce, `${c.name}: its own nonce sequence`).toBe(0);
      expect(await chains[c.chainId === 31337 ? 0 : 1]!.provider.getTransactionCount(AGENT)).toBe(1);
    }
  });

  it("the dashboard lists both chains' vaults together, each row, entry and reason labelled with its chain", async () => {
    const server = (await daemon.serve({ port: 0 }))!;
    try {
      const view = (await (await fetch(`http://127.0.0.1:${server.port}/api/dashboard`)).json()) as {
        chains: Array<{ name: string; chainId: number }>;
        vaults: Array<{ label: string; chain: string; chainId: number; address: string; totalAssets: string }>;
        journal: Array<{ chain: string; chainId: number }>;
      };
      expect(view.chains.map((c) => [c.name, c.chainId])).toEqual([
        ["alpha", 31337],
        ["beta", 1337],
      ]);
      expect(view.vaults.map((v) => [v.label, v.chain, v.chainId])).toEqual([
        ["treasury-alpha", "alpha", 31337],
        ["treasury-beta", "beta", 1337],
      ]);
      for (const [i, v] of view.vaults.entries()) {
        expect(BigInt(v.totalAssets), `${v.label}: the chain's figure`).toBe(await stacks[i]!.vault.totalAssets());
      }
      expect(view.journal.map((e) => [e.chain, e.chainId]).sort()).toEqual([
        ["alpha", 31337],
        ["beta", 1337],
      ]);
      const health = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as {
        healthy: boolean;
        chains: Record<string, { healthy: boolean }>;
      };
      expect(health.healthy).toBe(true);
      expect(Object.keys(health.chains)).toEqual(["alpha", "beta"]);
    } finally {
      await server.close();
    }
  });

  it("status lists both chains' vaults, each labelled with its chain; a chain that hangs is named and the other still shown", async () => {
    const file = path.join(dataDir, "agent.json");
    fs.writeFileSync(file, JSON.stringify({ ...configFile(dataDir), agentAddress: AGENT, log: { level: "silent" } }));
    const out: string[] = [];
    await statusCommand({ config: file }, (t) => out.push(t));
    const text = out.join("\n");
    expect(text).toContain(`Agent ${AGENT} on chain 31337 (network alpha)`);
    expect(text).toContain(`Agent ${AGENT} on chain 1337 (network beta)`);
    expect(text).toMatch(/Vault treasury-alpha \[alpha, chain 31337\] \(0x[0-9a-fA-F]{40}\) at block/);
    expect(text).toMatch(/Vault treasury-beta \[beta, chain 1337\] \(0x[0-9a-fA-F]{40}\) at block/);

    proxy.setFaults({ timeout: 1 });
    const partial: string[] = [];
    try {
      await expect(statusCommand({ config: file }, (t) => partial.push(t))).rejects.toThrow(/1500 ms|timeout|reach/i);
    } finally {
      proxy.clearFaults();
    }
    const shown = partial.join("\n");
    expect(shown, "alpha still shown").toMatch(/Vault treasury-alpha \[alpha, chain 31337\]/);
    expect(shown).toMatch(/Chain beta \(1337\): cannot be read: /);
  }, 30_000);

  it("treasury-agent run --once ticks both chains from one config file; a vault naming no listed network stops it at start", async () => {
    const dir = tempDir("agent-chains-cli-");
    const file = path.join(dir, "agent.json");
    fs.writeFileSync(file, JSON.stringify({ ...configFile("state"), log: { level: "info" } }));
    const env = { AGENT_PRIVATE_KEY: AGENT_KEY };
    // Something to do on both chains: a deposit, counted from the next block, past each session's minimum interval.
    for (const [i, stack] of stacks.entries()) {
      await fund(stack, stack.users[0]!, 100_000n * stack.unit);
      await chains[i]!.increaseTime(120);
    }
    const r = await treasuryAgent(["run", "--once", "--config", file], { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const lines = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; chain?: string; chains?: string[] });
    expect(lines.find((l) => l.msg === "configuration loaded")?.chains).toEqual(["alpha (31337)", "beta (1337)"]);
    expect(new Set(lines.filter((l) => l.chain).map((l) => l.chain)), "each chain's lines name it").toEqual(
      new Set(["alpha", "beta"]),
    );
    for (const id of [31337, 1337])
      expect(fs.existsSync(path.join(dir, "state", String(id))), `chain ${id}'s folder`).toBe(true);

    // doctor checks each chain with its own endpoints and vaults, every check naming its chain.
    const doctor = await treasuryAgent(["doctor", "--json", "--config", file], { env, timeoutMs: 60_000 });
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string }> }).checks;
    expect(checks.find((c) => c.name === "vault treasury-alpha [alpha]")?.status, doctor.stdout).toBe("ok");
    expect(checks.find((c) => c.name === "vault treasury-beta [beta]")?.status, doctor.stdout).toBe("ok");
    // journal compact: each chain's journal against its own chain's final block.
    const compact = await treasuryAgent(["journal", "compact", "--config", file], { env, timeoutMs: 60_000 });
    expect(compact.code, compact.stderr).toBe(0);
    for (const id of [31337, 1337]) expect(compact.stdout).toContain(`${path.sep}${id}${path.sep}journal-`);

    const bad = configFile("state");
    bad.vaults[1]!.network = "gamma";
    fs.writeFileSync(file, JSON.stringify(bad));
    const refused = await treasuryAgent(["run", "--once", "--config", file], { env, timeoutMs: 30_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'invalid config: vaults.1.network: no network named "gamma" (networks: "alpha", "beta")',
    );
  }, 90_000);
});

describe("a chain down at start", () => {
  it("the others start and tick; the down chain is shown waiting, then joins once its node answers", async () => {
    proxy.setFaults({ timeout: 1 });
    const logs = memoryLogger();
    const daemon = await createChains(config(tempDir("agent-chains-down-")), {
      wallet: new Wallet(AGENT_KEY),
      log: logs.log,
      metrics: new Metrics(),
      clock: systemClock,
    });
    const stop = new AbortController();
    let loop: Promise<void> | undefined;
    try {
      expect(daemon.chains.map((c) => c.name)).toEqual(["alpha"]);
      expect(daemon.waiting.map((w) => w.name)).toEqual(["beta"]);
      expect(logs.messages().some((m) => /chain beta \(1337\) cannot be reached at start/.test(m))).toBe(true);
      const view = daemon.view() as { vaults: Array<{ label: string; chain: string; ready: boolean; error: string }> };
      expect(view.vaults.map((v) => [v.label, v.chain, v.ready])).toEqual([
        ["treasury-alpha", "alpha", false],
        ["treasury-beta", "beta", false],
      ]);
      expect(view.vaults[1]!.error).toMatch(/^chain beta not reached since start: /);
      expect(daemon.readiness().reasons.some((r) => r.startsWith("beta: not reached since start"))).toBe(true);
      expect(daemon.health().healthy).toBe(false);

      loop = daemon.run(stop.signal);
      const alpha = daemon.chains[0]!;
      const started = Date.now();
      while (alpha.agent.daemon.health().lastTickAt === null && Date.now() - started < 5_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(alpha.agent.daemon.health().lastTickAt, "alpha ticks while beta is down").not.toBeNull();
      proxy.clearFaults();
      const back = Date.now();
      while (daemon.chains.length < 2 && Date.now() - back < 15_000) await new Promise((r) => setTimeout(r, 50));
      expect(
        daemon.chains.map((c) => c.name),
        "beta joined, in the networks' order",
      ).toEqual(["alpha", "beta"]);
      expect(daemon.waiting).toEqual([]);
      const beta = daemon.chains[1]!;
      while (beta.agent.daemon.health().lastTickAt === null && Date.now() - back < 15_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(beta.agent.daemon.health().lastTickAt, "beta ticks in its own loop").not.toBeNull();
    } finally {
      proxy.clearFaults();
      stop.abort("test");
      await loop;
      await daemon.close();
    }
  }, 60_000);
});
