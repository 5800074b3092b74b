/**
 * The soak: the daemon, wired as `run` wires it (two RPC endpoints with failover, file journal, wallet sender), ticks
 * against the real contracts on the embedded chain through two fault proxies, while the chain moves on (simulated
 * time, deposits, withdrawals, strategy yields). About every other tick is a fault episode: one fault kind on the first
 * endpoint or on both, at some rate; some episodes end with the daemon restarted from disk. The tick after an episode
 * runs without faults and must show recovery: no error, not acting on stale state, nothing left in flight, breaker
 * closed, healthy.
 *
 * Watched throughout, at the node's door (the proxies): every signed transaction that reaches a node for the first
 * time is decoded; a rebalance is checked by the mirror against the true state at that moment, and must already be in
 * the journal. At the end, the chain and the journal are reconciled: every transaction of the agent's on chain is one
 * journaled intent's, no nonce twice, no decision (state digest) executed twice, no revert.
 *
 * Time is simulated: the daemon's clock is a manual clock moved one poll interval per tick, the chain's clock is moved
 * by `evm_increaseTime`; nothing sleeps. Only timeouts cost wall time (one request timeout each).
 */
import fs from "node:fs";
import { Transaction, Wallet } from "ethers";
import type { Logger } from "pino";
import { fund } from "../../devnet/stack.js";
import { vaultInterface } from "../../src/abi/index.js";
import { LensReader } from "../../src/chain/reader.js";
import { checkRebalance, sessionFromSnapshot } from "../../src/checks/rebalance-check.js";
import { snapshotValuation } from "../../src/checks/valuation.js";
import { formatPredicted } from "../../src/checks/verdict.js";
import { parseConfig } from "../../src/config/load.js";
import { assertChain, createProvider, dataPaths } from "../../src/daemon/build.js";
import { createAgent } from "../../src/daemon/create-agent.js";
import type { DaemonTick } from "../../src/daemon/daemon.js";
import { FileJournal } from "../../src/executor/journal.js";
import { createLogger } from "../../src/obs/logger.js";
import { Metrics } from "../../src/obs/metrics.js";
import { ManualClock } from "../../src/util/clock.js";
import { AGENT, AGENT_KEY, startStack, tempDir } from "./daemon-harness.js";
import { FAULT_KINDS, FaultProxy, type FaultKind } from "./fault-proxy.js";
import { Random } from "./random.js";

export interface SoakOptions {
  ticks: number;
  seed: number;
  /** Chance that a tick (after a clean one) is a fault episode. */
  episodeRate?: number;
  /** Chance that an episode ends with the daemon restarted from disk. */
  restartRate?: number;
  requestTimeoutMs?: number;
}

export interface SoakFigures {
  ticks: number;
  seconds: number;
  /** Wall time per tick: moving the chain on, and the daemon's tick. */
  msPerTick?: { environment: number; daemon: number };
  episodes: number;
  episodesByKind: Record<FaultKind, number>;
  faultsInjected: Record<FaultKind, number>;
  restarts: number;
  /** Episodes where the submission was lost on every endpoint. */
  lostSubmissionEpisodes: number;
  /** Large withdrawals made while a journaled transaction had reached no node. */
  strandedWithdrawals: number;
  recoveries: number;
  recoveryFailures: string[];
  rebalances: number;
  submissions: number;
  cancellations: number;
  results: Record<string, number>;
  tickErrors: number;
  failovers: number;
  agentTransactions: number;
  duplicateSubmissions: number;
  mirrorRejectedSubmissions: number;
  unjournaledSubmissions: number;
  revertedOnChain: number;
  dropped: number;
  breakerTrips: number;
  /** Strategies quarantined: none of the soak's strategies is hostile, so any is a false alarm. */
  quarantines: number;
  problems: string[];
  /** Warning and error log lines by message, and the last few lines (for a failure's story). */
  warnings?: Record<string, number>;
  logTail?: string[];
}

const REBALANCE = vaultInterface.getFunction("rebalance")!;
/** Kinds that keep a request from reaching the node. */
const BLOCKING: FaultKind[] = ["drop", "timeout", "rate-limit", "http-error", "rpc-error"];
/** Method groups an episode may be limited to. */
const METHOD_GROUPS = [
  ["eth_call"],
  ["eth_estimateGas"],
  ["eth_sendRawTransaction"],
  ["eth_getTransactionReceipt", "eth_getTransactionByHash"],
  ["eth_getTransactionCount"],
  ["eth_getBlockByNumber", "eth_maxPriorityFeePerGas", "eth_blockNumber"],
];
const POLL_MS = 12_000;

/** A logger that keeps only counts per message and the last lines (thousands of ticks would fill memory). */
function countingLogger() {
  const counts = new Map<string, number>();
  const last: string[] = [];
  const log: Logger = createLogger("warn", {
    write(chunk: string) {
      const msg = (JSON.parse(chunk) as { msg: string }).msg;
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
      last.push(chunk);
      if (last.length > 40) last.shift();
    },
  });
  return { log, counts, last };
}

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const started = Date.now();
  const random = new Random(options.seed);
  const episodeRate = options.episodeRate ?? 0.5;
  const restartRate = options.restartRate ?? 0.1;

  const { chain, stack } = await startStack({
    session: {
      perCall: 2_000_000n,
      perEpoch: 100_000_000n,
      durationSeconds: 60 * 86_400,
      maxCallsPerEpoch: 10_000,
      minInterval: 60,
    },
  });
  const proxies: FaultProxy[] = [];
  try {
    const primary = await FaultProxy.start({ upstream: chain.url, seed: options.seed + 1, holdMs: 2_000 });
    const secondary = await FaultProxy.start({ upstream: chain.url, seed: options.seed + 2, holdMs: 2_000 });
    proxies.push(primary, secondary);

    const dataDir = tempDir("agent-soak-");
    const config = parseConfig(
      {
        network: {
          rpcUrls: [primary.url, secondary.url],
          chainId: 31337,
          confirmations: 1,
          pollIntervalMs: POLL_MS,
          // Long enough that a loaded CI machine does not turn a slow answer into a failure; each injected timeout
          // costs it.
          requestTimeoutMs: options.requestTimeoutMs ?? 750,
          retryFailedAfterMs: 2 * POLL_MS,
        },
        lens: stack.lensAddress,
        dataDir,
        tx: { maxFeePerGasGwei: "500", stuckAfterSeconds: 60, feeBumpPercent: 25 },
        planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
        sessions: { warnBeforeExpirySeconds: 3_600, expiryMarginSeconds: 60 },
        metrics: { enabled: false },
        vaults: [{ address: stack.vaultAddress, label: "soak" }],
      },
      { AGENT_PRIVATE_KEY: AGENT_KEY },
    );
    const journalFile = dataPaths(config, AGENT).journal;
    const clock = new ManualClock();
    const logs = countingLogger();

    // ------------------------------------------------------------------------------------ watching the node's door
    const truth = new LensReader(chain.provider, stack.lensAddress);
    const firstSight = new Set<string>();
    const submissions: Array<{
      hash: string;
      nonce: number;
      kind: "rebalance" | "cancel" | "other";
      ok: boolean;
      error?: string;
      journaled: boolean;
    }> = [];
    const watch = async (raw: string, hash: string) => {
      if (firstSight.has(hash)) return;
      firstSight.add(hash);
      const tx = Transaction.from(raw);
      const journaled = fs.existsSync(journalFile) && fs.readFileSync(journalFile, "utf8").includes(hash);
      if (tx.to?.toLowerCase() === stack.vaultAddress.toLowerCase() && tx.data.startsWith(REBALANCE.selector)) {
        const [targets, sessionId] = vaultInterface.decodeFunctionData(REBALANCE, tx.data) as unknown as [
          Array<{ strategy: string; assets: bigint }>,
          bigint,
        ];
        const snapshot = await truth.snapshot(stack.vaultAddress, AGENT);
        const verdict = checkRebalance({
          snapshot,
          targets: targets.map((t) => ({ strategy: t.strategy, assets: t.assets })),
          sessionId,
          session: sessionFromSnapshot(snapshot, sessionId),
          agent: AGENT,
          valuation: snapshotValuation(snapshot),
          now: snapshot.timestamp,
        });
        submissions.push({
          hash,
          nonce: tx.nonce,
          kind: "rebalance",
          ok: verdict.ok,
          error: verdict.error && formatPredicted(verdict.error),
          journaled,
        });
      } else {
        submissions.push({
          hash,
          nonce: tx.nonce,
          kind: tx.to?.toLowerCase() === AGENT.toLowerCase() && tx.data === "0x" ? "cancel" : "other",
          ok: true,
          journaled,
        });
      }
    };
    primary.onSendRaw = watch;
    secondary.onSendRaw = watch;

    // ------------------------------------------------------------------------------------ the daemon, as `run` builds
    // it
    let failoversBefore = 0;
    const build = async () => {
      const metrics = new Metrics();
      const provider = createProvider(config, { log: logs.log, metrics, now: () => clock.nowMs() });
      await assertChain(provider, config, logs.log);
      // No dashboard is served: no read after a tick (the faults are drawn per request, as the soak has always sent
      // them).
      const agent = await createAgent(config, {
        wallet: new Wallet(AGENT_KEY),
        provider,
        clock,
        log: logs.log,
        metrics,
        readAfter: false,
      });
      return { daemon: agent.daemon, runner: agent.runners[0]!, journal: agent.journal, provider, metrics };
    };
    const failoversOf = async (m: Metrics) =>
      ((await m.registry.getMetricsAsJSON()).find((x) => x.name === "agent_rpc_failovers_total")?.values ?? []).reduce(
        (n, v) => n + Number(v.value),
        0,
      );
    let d = await build();

    // ------------------------------------------------------------------------------------ the chain moves on
    const users = stack.users.slice(0, 3);
    const environment = async (deposit: boolean) => {
      await chain.increaseTime(random.int(30, 300));
      if (deposit || random.chance(0.3))
        await fund(stack, random.pick(users.slice(1)), BigInt(random.int(5_000, 60_000)) * stack.unit);
      if (random.chance(0.12)) {
        const user = users[0]!;
        const max = await stack.vault.maxWithdraw(user.address);
        const amount = (BigInt(random.int(1_000, 40_000)) * stack.unit) % (max + 1n);
        if (amount > 0n) await (await stack.vault.connect(user).withdraw(amount, user.address, user.address)).wait();
      }
      if (random.chance(0.15))
        await (await random.pick(stack.strategies).simulateGain(BigInt(random.int(1, 3_000)) * stack.unit)).wait();
    };
    /** A large withdrawal: what turns a plan journaled but never delivered into one outside the bounds. */
    const bigWithdrawal = async () => {
      const maxes = await Promise.all(users.map((u) => stack.vault.maxWithdraw(u.address)));
      const i = maxes.indexOf(maxes.reduce((a, b) => (b > a ? b : a)));
      const amount = maxes[i]! / 2n;
      if (amount > 0n)
        await (await stack.vault.connect(users[i]!).withdraw(amount, users[i]!.address, users[i]!.address)).wait();
      figures.strandedWithdrawals++;
    };

    // ------------------------------------------------------------------------------------ ticks
    const figures: SoakFigures = {
      ticks: 0,
      seconds: 0,
      episodes: 0,
      episodesByKind: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
      faultsInjected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
      restarts: 0,
      lostSubmissionEpisodes: 0,
      strandedWithdrawals: 0,
      recoveries: 0,
      recoveryFailures: [],
      rebalances: 0,
      submissions: 0,
      cancellations: 0,
      results: {},
      tickErrors: 0,
      failovers: 0,
      agentTransactions: 0,
      duplicateSubmissions: 0,
      mirrorRejectedSubmissions: 0,
      unjournaledSubmissions: 0,
      revertedOnChain: 0,
      dropped: 0,
      breakerTrips: 0,
      quarantines: 0,
      problems: [],
    };
    const timing = { environment: 0, daemon: 0 };
    let episode: { kind: FaultKind; where: string; rate: number } | undefined;
    let lastSeenBlock = 0n;
    const total = options.ticks;
    for (let i = 1; i <= total; i++) {
      const recovering = episode;
      episode = undefined;
      const startEpisode = !recovering && i < total - 1 && random.chance(episodeRate);
      // One episode in ten: the submission is lost on every endpoint (the transaction is journaled, no node gets it).
      const lost = startEpisode && random.chance(0.1);
      const kind = startEpisode ? (lost ? random.pick(BLOCKING) : random.pick(FAULT_KINDS)) : undefined;
      const t0 = performance.now();
      // A journaled transaction that no node got: half the time the world changes under it before the next tick.
      const stranded = d.journal.inFlight().some((e) => !firstSight.has(e.attempts[e.attempts.length - 1]!.hash));
      if (stranded && random.chance(0.5)) await bigWithdrawal();
      await environment(kind === "send-after-accept" || kind === "drop" || lost);
      timing.environment += performance.now() - t0;
      if (recovering && random.chance(restartRate)) {
        // The daemon died during the fault; a new one starts from what is on disk.
        failoversBefore += await failoversOf(d.metrics);
        d.provider.destroy();
        d = await build();
        figures.restarts++;
      } else if (kind && lost) {
        for (const p of proxies) p.setFaults({ [kind]: 1 }, ["eth_sendRawTransaction"]);
        episode = { kind, where: "both (eth_sendRawTransaction: the submission is lost)", rate: 1 };
        figures.episodes++;
        figures.episodesByKind[kind]++;
        figures.lostSubmissionEpisodes++;
      } else if (kind) {
        const both = random.chance(0.4);
        const rate = random.pick([0.3, 0.6, 1]);
        const faulty = both ? [primary, secondary] : [primary];
        if (kind === "stale") {
          // Lag to a block the daemon has already seen (or before): what a daemon can tell is stale. A node lagging by
          // less is indistinguishable from a current one; the contracts' checks are the backstop there (see README).
          const head = BigInt(await chain.provider.getBlockNumber());
          const lag = Number(head - lastSeenBlock) + random.int(0, 2);
          for (const p of faulty) p.lag = lag;
        }
        // Half the episodes hit only some methods, so faults also land mid-tick (simulation, gas, submission,
        // receipts).
        const methods = kind !== "send-after-accept" && random.chance(0.5) ? random.pick(METHOD_GROUPS) : undefined;
        for (const p of faulty) p.setFaults({ [kind]: kind === "send-after-accept" ? 1 : rate }, methods);
        episode = { kind, where: `${both ? "both" : "primary"}${methods ? ` (${methods.join(",")})` : ""}`, rate };
        figures.episodes++;
        figures.episodesByKind[kind]++;
      }

      clock.advance(POLL_MS);
      const t1 = performance.now();
      const [tick] = (await d.daemon.tick()) as [DaemonTick];
      timing.daemon += performance.now() - t1;
      for (const p of proxies) p.clearFaults();
      figures.ticks++;
      const result = tick.error ? "error" : tick.report!.result.kind;
      figures.results[result] = (figures.results[result] ?? 0) + 1;
      if (tick.error) figures.tickErrors++;
      if (tick.report && tick.report.result.kind !== "stale") lastSeenBlock = tick.report.snapshot.blockNumber;
      if (d.runner.breaker.open) {
        figures.breakerTrips++;
        figures.problems.push(`tick ${i}: breaker open: ${d.runner.breaker.reason}`);
        d.runner.breaker.reset();
      }
      for (const q of d.runner.quarantine.release()) {
        figures.quarantines++;
        figures.problems.push(`tick ${i}: strategy ${q.strategy} quarantined: ${q.reason}`);
      }

      if (recovering) {
        const inFlight = d.journal.inFlight().length;
        const healthy = d.daemon.health().healthy;
        const why = tick.error
          ? `error: ${tick.error.message}${tick.error.cause instanceof Error ? `: ${tick.error.cause.message}` : ""}`
          : result === "stale"
            ? "acted as stale"
            : inFlight > 0
              ? `${inFlight} intent(s) still in flight (${JSON.stringify(tick.report!.result)})`
              : !healthy
                ? `unhealthy: ${JSON.stringify(d.daemon.health())}`
                : undefined;
        if (why === undefined) figures.recoveries++;
        else
          figures.recoveryFailures.push(
            `tick ${i} after ${recovering.kind} on ${recovering.where} at ${recovering.rate}: ${why}`,
          );
      }
    }
    // Two quiet ticks, then the books are closed.
    for (let i = 0; i < 2; i++) {
      await chain.increaseTime(120);
      clock.advance(POLL_MS);
      await d.daemon.tick();
    }
    failoversBefore += await failoversOf(d.metrics);
    d.provider.destroy();

    // ------------------------------------------------------------------------------------ reconcile chain and journal
    for (const p of proxies) for (const k of FAULT_KINDS) figures.faultsInjected[k] += p.stats.injected[k];
    figures.failovers = failoversBefore;
    figures.submissions = submissions.length;
    figures.mirrorRejectedSubmissions = submissions.filter((s) => !s.ok).length;
    figures.unjournaledSubmissions = submissions.filter((s) => !s.journaled).length;
    for (const s of submissions.filter((x) => !x.ok))
      figures.problems.push(`submission ${s.hash} nonce ${s.nonce} rejected by the mirror at send time: ${s.error}`);

    const journal = new FileJournal(journalFile);
    const entries = journal.entries();
    const mined = entries.filter((e) => e.outcome && e.outcome.status !== "dropped");
    figures.rebalances = entries.filter((e) => e.outcome?.status === "confirmed").length;
    figures.cancellations = entries.filter((e) => e.outcome?.status === "cancelled").length;
    figures.revertedOnChain = entries.filter((e) => e.outcome?.status === "reverted").length;
    figures.dropped = entries.filter((e) => e.outcome?.status === "dropped").length;
    figures.agentTransactions = await chain.provider.getTransactionCount(AGENT, "latest");
    if (journal.inFlight().length > 0) figures.problems.push(`${journal.inFlight().length} intent(s) left in flight`);

    // Duplicates: agent transactions no journaled intent accounts for, a nonce claimed twice, an intent on chain
    // twice, or one decision (the state it was made on) executed twice.
    const nonces = mined.map((e) => e.record.nonce);
    const distinctNonces = new Set(nonces).size;
    const unaccounted = figures.agentTransactions - distinctNonces;
    const events = await stack.vault.queryFilter(stack.vault.filters.Rebalanced(), 0, "latest");
    const eventIntents = events.map((e) => e.args.intentHash);
    const confirmed = new Map(entries.filter((e) => e.outcome?.status === "confirmed").map((e) => [e.intentHash, e]));
    const digests = [...confirmed.values()].map((e) => e.record.stateDigest);
    figures.duplicateSubmissions =
      Math.max(0, unaccounted) +
      (nonces.length - distinctNonces) +
      (eventIntents.length - new Set(eventIntents).size) +
      (digests.length - new Set(digests).size);
    if (unaccounted !== 0)
      figures.problems.push(`${figures.agentTransactions} agent transactions on chain, ${distinctNonces} journaled`);
    if (events.length !== confirmed.size)
      figures.problems.push(`${events.length} Rebalanced events, ${confirmed.size} confirmed intents`);
    for (const id of eventIntents)
      if (!confirmed.has(id)) figures.problems.push(`Rebalanced event with intent ${id} not confirmed in the journal`);
    const sorted = [...new Set(nonces)].sort((a, b) => a - b);
    if (sorted.some((n, i) => n !== i)) figures.problems.push(`journaled nonces are not 0..${sorted.length - 1}`);
    figures.seconds = Math.round((Date.now() - started) / 100) / 10;
    if (process.env.SOAK_PROFILE) {
      for (const p of proxies) {
        const ms = Object.entries(p.stats.msByMethod).map(
          ([m, t]) => `${m} ${(t / p.stats.byMethod[m]!).toFixed(1)}ms x${p.stats.byMethod[m]}`,
        );
        console.log(`proxy ${p.url}: ${ms.join("; ")}`);
      }
    }
    figures.msPerTick = {
      environment: Math.round(timing.environment / total),
      daemon: Math.round(timing.daemon / total),
    };
    figures.logTail = logs.last.slice(-12).map((l) => l.trim());
    figures.warnings = Object.fromEntries(logs.counts);
    return figures;
  } finally {
    for (const p of proxies) await p.close();
    await chain.close();
  }
}

/** One line of JSON and one readable line. */
export function describeSoak(f: SoakFigures): string[] {
  const { problems, recoveryFailures, warnings: _w, logTail: _l, ...numbers } = f;
  const kinds = (r: Record<string, number>) =>
    Object.entries(r)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
  return [
    `SOAK ${JSON.stringify({ ...numbers, recoveryFailures: recoveryFailures.length, problems: problems.length })}`,
    `soak: ${f.ticks} ticks in ${f.seconds}s; ${f.episodes} fault episodes (${kinds(f.episodesByKind)}); faults injected: ${kinds(f.faultsInjected)}; ` +
      `${f.restarts} restarts, ${f.lostSubmissionEpisodes} lost submissions, ${f.strandedWithdrawals} withdrawals under one; ${f.rebalances} rebalances, ${f.cancellations} cancellations, ${f.submissions} submissions, ${f.failovers} failovers; ` +
      `recovered within one tick after ${f.recoveries} of ${f.episodes} episodes; duplicates ${f.duplicateSubmissions}, mirror-rejected ${f.mirrorRejectedSubmissions}, ` +
      `reverted ${f.revertedOnChain}, dropped ${f.dropped}, breaker trips ${f.breakerTrips}, quarantines ${f.quarantines}; results: ${kinds(f.results)}`,
  ];
}
