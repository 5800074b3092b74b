/**
 * A daemon wired exactly as `run` wires it (`createAgent`: config parsed by the one schema, lens reader, file journal
 * and history, wallet sender), against the real contracts on the embedded chain. Tests choose the clock and may swap
 * the planner
 * or the check mirror.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startLocalChain, type LocalChain, type LocalNode } from "../../devnet/chain.js";
import {
  chainAccounts,
  deployStack,
  devKey,
  fund,
  grantSession,
  type GrantOptions,
  type Stack,
  type StackOptions,
} from "../../devnet/stack.js";
import { parseConfig } from "../../src/config/load.js";
import type { AgentConfig } from "../../src/config/schema.js";
import { assertChain, createProvider, type BuildOptions } from "../../src/daemon/build.js";
import { createAgent } from "../../src/daemon/create-agent.js";
import { assembleDaemon } from "../../src/daemon/assemble.js";
import { Metrics } from "../../src/obs/metrics.js";
import type { Clock } from "../../src/util/clock.js";
import { systemClock } from "../../src/util/clock.js";
import { memoryLogger } from "./logs.js";

export const AGENT_KEY = devKey(3);
export const AGENT = new Wallet(AGENT_KEY).address;

export function tempDir(prefix = "agent-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface StackSetup {
  /** Mock strategies (3 by default), each seeded by an outside depositor with `seed` whole tokens (100,000). */
  strategies?: number;
  seed?: bigint;
  /** Whole tokens `users[0]` deposits into the vault (1,000,000 by default; 0: none). */
  deposit?: bigint;
  /** A session for AGENT (a week long unless `durationSeconds` says), with these volume limits in whole tokens. */
  session?: Omit<GrantOptions, "agent" | "durationSeconds" | "maxVolumePerCall" | "maxVolumePerEpoch"> & {
    perCall: bigint;
    perEpoch: bigint;
    durationSeconds?: number;
  };
  /** Curated lending vaults over Morpho Blue markets as the strategies (the devnet's lending world). */
  lending?: StackOptions["lending"];
  /** Which node (default AGENT_TEST_NODE, else Hardhat's): anvil for what only it can do, such as reorgs. */
  node?: LocalNode;
}

/** The shared set-up of the integration tests: an embedded chain (or anvil, see `startLocalChain`) and the stack. */
export async function startStack(o: StackSetup = {}): Promise<{ chain: LocalChain; stack: Stack }> {
  const chain = await startLocalChain({ node: o.node });
  const stack = await deployStack(await chainAccounts(chain), {
    strategies: o.strategies ?? 3,
    seed: o.seed ?? 100_000n,
    lending: o.lending,
  });
  const deposit = o.deposit ?? 1_000_000n;
  if (deposit > 0n) await fund(stack, stack.users[0]!, deposit * stack.unit);
  if (o.session) {
    const { perCall, perEpoch, ...rest } = o.session;
    const unit = stack.unit;
    await grantSession(stack, {
      agent: AGENT,
      durationSeconds: 7 * 86_400,
      maxVolumePerCall: perCall * unit,
      maxVolumePerEpoch: perEpoch * unit,
      ...rest,
    });
  }
  return { chain, stack };
}

/**
 * The test file's chain and stack (`startStack`), every test starting from the state after the set-up (a chain
 * snapshot, reverted before each test). Read `chain` and `stack` inside tests.
 */
export function useStack(o: StackSetup = {}) {
  const env = {} as { chain: LocalChain; stack: Stack };
  let base: string;
  beforeAll(async () => {
    Object.assign(env, await startStack(o));
    base = await env.chain.snapshot();
  }, 60_000);
  afterAll(async () => {
    await env.chain?.close();
  });
  beforeEach(async () => {
    await env.chain.revert(base);
    base = await env.chain.snapshot();
  });
  return env as Readonly<typeof env>;
}

export function testConfig(
  chain: LocalChain,
  stack: Stack,
  dataDir: string,
  over: Record<string, unknown> = {},
): AgentConfig {
  const file = {
    network: { rpcUrl: chain.url, chainId: chain.chainId, confirmations: 1, pollIntervalMs: 100 },
    lens: stack.lensAddress,
    dataDir,
    tx: { stuckAfterSeconds: 30, feeBumpPercent: 25, maxFeePerGasGwei: "500" },
    planner: {
      strategy: "yield",
      minMove: "1000",
      safetyMarginBps: 5,
      horizonDays: 30,
      minSpreadBps: 25,
      minSamples: 2,
      minWindowMinutes: 30,
      sampleIntervalSeconds: 0,
      nativePriceInAsset: "3000",
    },
    sessions: { warnBeforeExpirySeconds: 3_600, expiryMarginSeconds: 60 },
    metrics: { port: 0 },
    vaults: [{ address: stack.vaultAddress, label: "main" }],
    ...over,
  };
  return parseConfig(file, { AGENT_PRIVATE_KEY: AGENT_KEY });
}

/**
 * A configuration file's content as an operator writes it for the CLI: the stack's vault (label "main"), a plan at
 * once with equal weights, silent logs, a data folder "state" beside the file; `over` replaces top-level sections.
 */
export function cliConfig(chain: LocalChain, stack: Stack, over: Record<string, unknown> = {}): Record<string, any> {
  return {
    network: { rpcUrl: chain.url, chainId: chain.chainId, pollIntervalMs: 100, requestTimeoutMs: 2_000 },
    lens: stack.lensAddress,
    dataDir: "state",
    tx: { maxFeePerGasGwei: "100" },
    planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
    metrics: { port: 0 },
    log: { level: "silent" },
    vaults: [{ address: stack.vaultAddress, label: "main" }],
    ...over,
  };
}

export async function startDaemon(
  chain: LocalChain,
  config: AgentConfig,
  options: {
    clock?: Clock;
    overrides?: BuildOptions["overrides"];
    sender?: BuildOptions["sender"];
    /** Reads snapshots in place of the lens reader (e.g. one that reproduces a lens bug). */
    reader?: BuildOptions["reader"];
    /** Reach the chain as `run` does: through the configured endpoints (with failover), not the test's own provider. */
    viaConfig?: boolean;
  } = {},
) {
  const logs = memoryLogger();
  const metrics = new Metrics();
  const clock = options.clock ?? systemClock;
  const provider = options.viaConfig
    ? createProvider(config, { log: logs.log, metrics, now: () => clock.nowMs() })
    : chain.provider;
  if (options.viaConfig) await assertChain(provider, config, logs.log);
  const agent = await createAgent(config, {
    wallet: new Wallet(AGENT_KEY),
    provider,
    clock,
    log: logs.log,
    metrics,
    sender: options.sender,
    reader: options.reader,
    overrides: options.overrides,
  });
  return {
    daemon: agent.daemon,
    runner: agent.runners[0]!,
    journal: agent.journal,
    records: agent.records,
    executor: agent.executor!,
    logs,
    metrics,
    provider,
  };
}

/** The daemon as `run` assembles it (dashboard included) on the test's chain, with the agent key and silent logs. */
export function assembleTestDaemon(chain: LocalChain, config: AgentConfig, metrics = new Metrics()) {
  return assembleDaemon({
    config,
    provider: chain.provider,
    wallet: new Wallet(AGENT_KEY),
    chainId: 31337n,
    clock: systemClock,
    log: memoryLogger().log,
    metrics,
  });
}

/** `Rebalanced` events of the vault, oldest first. */
/**
 * The vault's Rebalanced events; on anvil once the agent's transactions are mined: anvil mines just after answering
 * eth_sendRawTransaction, so a tick that sent may return before its block exists (waits at most 5 s).
 */
export async function rebalancedEvents(stack: Stack) {
  const provider = stack.vault.runner!.provider!;
  // Hardhat's chain mines before it answers (and tests with automine off count pending transactions on purpose).
  for (let i = 0; process.env.AGENT_TEST_NODE === "anvil" && i < 50; i++) {
    const [pending, latest] = await Promise.all([
      provider.getTransactionCount(AGENT, "pending"),
      provider.getTransactionCount(AGENT, "latest"),
    ]);
    if (pending === latest) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return await stack.vault.queryFilter(stack.vault.filters.Rebalanced(), 0, "latest");
}

export async function metricValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return Number(value?.value ?? 0);
}
