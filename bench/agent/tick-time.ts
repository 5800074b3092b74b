/**
 * Time per daemon tick of read, plan and check, through the daemon's own loop (`Daemon.tick` over `VaultRunner`s
 * configured as `run` configures them), split by stage with timing wrappers around the runner's parts:
 * - read: the reader's `snapshot` (one lens eth_call over loopback HTTP, or a snapshot already in memory), every
 *   vault's asked for together at the start of a tick: the wall time while any is outstanding;
 * - plan: yield estimation (the price-history sample and one estimate per strategy from the steady-state history,
 *   2,000 samples per strategy) and the planner;
 * - check: the pure mirror of the on-chain checks (`checkRebalance`) on the plan;
 * - tick: all of it, with session assessment, metrics and logging, and the encoding of the call a dry run simulates.
 * Nothing is sent: the runners have no executor and the dry run's simulation passes without a call here, so every
 * tick re-plans and ends with a checked plan.
 */
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import {
  checkRebalance,
  CircuitBreaker,
  createLogger,
  Daemon,
  decodeSnapshot,
  vaultInterface,
  FilePriceHistory,
  Metrics,
  QuarantineList,
  systemClock,
  vaultSetup,
  VaultRunner,
  type AgentConfig,
  type CallSimulator,
  type ChainReader,
  type PriceHistory,
  type RebalanceCheckInput,
  type VaultSnapshot,
} from "./agent-internals.js";
import { nowMs, summarize, type Summary } from "./stats.js";
import { writeHistoryFile } from "./synthetic.js";

export interface TickTimes {
  /** Whole tick over all vaults, ms. */
  tick: Summary;
  read: Summary;
  plan: Summary;
  check: Summary;
  /** read + plan + check. */
  readPlanCheck: Summary;
  planCheck: Summary;
  /** Ticks (of all vaults) that ended with a plan checked by the mirror. */
  checkedPlans: number;
  vaultTicks: number;
}

/**
 * A reader serving snapshots already in memory: a tick without RPC. Each read is one block (12 s) later than the
 * previous one, as on a chain where every tick sees a new block, so the history records a sample every few ticks.
 */
export function memoryReader(snapshots: Map<string, VaultSnapshot>, blockSeconds = 12n): ChainReader {
  const reads = new Map<string, bigint>();
  return {
    snapshot: async (vault) => {
      const s = snapshots.get(vault);
      if (!s) throw new Error(`no snapshot for ${vault}`);
      const k = reads.get(vault) ?? 0n;
      reads.set(vault, k + 1n);
      return { ...s, blockNumber: s.blockNumber + k, timestamp: s.timestamp + k * blockSeconds };
    },
  };
}

/**
 * A reader serving the node's answers already in memory (the lens's raw `snapshot` result per vault), decoding each at
 * every read as `LensReader` does: a tick of everything the agent does itself (decode, plan, check) without the node's
 * execution of the lens or the loopback transfer. Block and time advance as in `memoryReader`.
 */
export function answerReader(answers: Map<string, string>, blockSeconds = 12n): ChainReader {
  const reads = new Map<string, bigint>();
  return {
    snapshot: async (vault) => {
      const answer = answers.get(vault);
      if (answer === undefined) throw new Error(`no lens answer for ${vault}`);
      const s = decodeSnapshot(answer);
      const k = reads.get(vault) ?? 0n;
      reads.set(vault, k + 1n);
      return { ...s, blockNumber: s.blockNumber + k, timestamp: s.timestamp + k * blockSeconds };
    },
  };
}

/**
 * Runs `iterations` daemon ticks (after `warmup` untimed ones) over `config.vaults`, reading through `reader`.
 * `first` gives each vault's snapshot for the setup (decimals, history). Vaults listing the same strategies share one
 * price history (only the memory is shared; each vault's tick does its own estimation work).
 */
export async function timeTicks(options: {
  config: AgentConfig;
  agent: string;
  reader: ChainReader;
  first: (vault: string) => Promise<VaultSnapshot>;
  iterations: number;
  warmup?: number;
}): Promise<TickTimes> {
  const { config, agent, reader } = options;
  const timers = { read: 0, plan: 0, check: 0, checked: 0 };
  const timed = <T>(stage: "read" | "plan" | "check", fn: () => T): T => {
    const t = nowMs();
    try {
      return fn();
    } finally {
      timers[stage] += nowMs() - t;
    }
  };
  // The daemon asks for every vault's snapshot at once: the read is the wall time while any of them is outstanding
  // (summing each read's own time would count the same round trip once per vault).
  const reading = { count: 0, since: 0 };
  const timedReader: ChainReader = {
    snapshot: async (vault, a) => {
      if (reading.count++ === 0) reading.since = nowMs();
      try {
        return await reader.snapshot(vault, a);
      } finally {
        if (--reading.count === 0) timers.read += nowMs() - reading.since;
      }
    },
  };
  const timedCheck = (input: RebalanceCheckInput) => {
    timers.checked++;
    return timed("check", () => checkRebalance(input));
  };
  // A simulation that passes, as the vault's `previewRebalance` answers a call it would accept.
  const passing = vaultInterface.encodeFunctionResult("previewRebalance", [
    {
      ok: true,
      reason: "0x",
      volume: 0n,
      predictedLoss: 0n,
      lossHeadroom: 0n,
      callVolumeHeadroom: 0n,
      epochVolumeHeadroom: 0n,
      capHeadroom: [],
      idleAfter: 0n,
      totalAssetsAfter: 0n,
    },
  ]);
  const noSimulation: CallSimulator = { address: agent, call: async () => passing };
  const log = createLogger("silent");
  const metrics = new Metrics();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bench-ticks-"));
  const histories = new Map<string, FilePriceHistory>();
  const runners: VaultRunner[] = [];
  try {
    for (const [i, v] of config.vaults.entries()) {
      const first = await options.first(v.address);
      const { runnerConfig, history } = vaultSetup(config, i, agent, first.assetDecimals);
      const planner = runnerConfig.planner;
      runnerConfig.planner = { name: planner.name, plan: (input) => timed("plan", () => planner.plan(input)) };
      const key = first.strategies.map((s) => s.strategy).join(",");
      let prices = histories.get(key);
      if (!prices) {
        const file = path.join(dir, `${histories.size}.bin`);
        writeHistoryFile(file, first);
        prices = new FilePriceHistory(file, history, false);
        histories.set(key, prices);
      }
      const shared = prices;
      const timedHistory: PriceHistory = {
        record: (snapshot) => timed("plan", () => shared.record(snapshot)),
        samples: (strategy) => shared.samples(strategy),
        samplesDigest: (strategy) => shared.samplesDigest(strategy),
        last: (strategy) => shared.last(strategy),
        estimate: (strategy, now, o) => timed("plan", () => shared.estimate(strategy, now, o)),
      };
      runners.push(
        new VaultRunner(runnerConfig, {
          reader: timedReader,
          history: timedHistory,
          breaker: new CircuitBreaker(undefined),
          quarantine: new QuarantineList(undefined),
          simulator: noSimulation,
          gasPrice: async () => 1_000_000_000n,
          check: timedCheck,
          clock: systemClock,
          log,
          metrics,
        }),
      );
    }
    const daemon = new Daemon(runners, systemClock, log, metrics, { pollIntervalMs: config.network.pollIntervalMs });
    for (let i = 0; i < (options.warmup ?? 3); i++) await daemon.tick();
    const tick: number[] = [];
    const read: number[] = [];
    const plan: number[] = [];
    const check: number[] = [];
    timers.checked = 0;
    for (let i = 0; i < options.iterations; i++) {
      timers.read = 0;
      timers.plan = 0;
      timers.check = 0;
      const t = nowMs();
      const results = await daemon.tick();
      const total = nowMs() - t;
      const failed = results.find((r) => r.error);
      if (failed) throw new Error(`bench tick failed for ${failed.vault}`, { cause: failed.error });
      tick.push(total);
      read.push(timers.read);
      check.push(timers.check);
      plan.push(timers.plan);
    }
    return {
      tick: summarize(tick),
      read: summarize(read),
      plan: summarize(plan),
      check: summarize(check),
      readPlanCheck: summarize(read.map((r, i) => r + plan[i]! + check[i]!)),
      planCheck: summarize(plan.map((p, i) => p + check[i]!)),
      checkedPlans: timers.checked,
      vaultTicks: options.iterations * runners.length,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
