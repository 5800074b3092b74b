/**
 * One vault's tick, in named stages (`VaultRunner.tick` reads as their list): read (one lens call, checked for
 * consistency); settle what is in flight; observe (quarantine inspection, metrics, price history, yield estimates);
 * write down a loss; judge the sessions; decide (plan, check the plan against the mirror of the on-chain checks,
 * simulate); execute (journal and send). Every stage logs with the vault's child logger; every decision is a metric.
 */
import { formatUnits } from "ethers";
import type { Logger } from "pino";
import { snapshotFaults } from "../chain/consistency.js";
import type { ChainReader } from "../chain/reader.js";
import type { SessionState, Target, VaultSnapshot } from "../chain/types.js";
import {
  checkRebalance,
  sessionFromSnapshot,
  type RebalanceCheckInput,
  type RebalanceVerdict,
} from "../checks/rebalance-check.js";
import { snapshotValuation } from "../checks/valuation.js";
import { formatPredicted } from "../checks/verdict.js";
import { formatErrorForPeople, hintFor } from "../errors.js";
import { classifyRevert, type RevertClass } from "../executor/classify.js";
import {
  intentCalldata,
  realizeLossCalldata,
  simulateRebalance,
  type CoSign,
  type Executor,
  type ReconcileReport,
} from "../executor/executor.js";
import {
  type DecisionProvenance,
  intentHash as hashOf,
  type IntentRecord,
  type LossRealization,
} from "../executor/intent.js";
import { askCoSigner } from "../cosign/client.js";
import { coSignatureProblem } from "../cosign/verify.js";
import type { JournalEntry } from "../executor/journal.js";
import { findLosses } from "../losses/find.js";
import type { CallSimulator, SendQuote } from "../executor/sender.js";
import { LensFaultError, RevertError } from "../failures.js";
import type { Metrics } from "../obs/metrics.js";
import type { TickReport, TickResult } from "../obs/tick-report.js";
import { RecentMoves } from "../planner/recent-moves.js";
import { DEFAULT_DRAFT_THRESHOLD, type DraftThreshold, findBindingBound } from "../drafts/detect.js";
import { type Draft, type DraftStore, draftHash, makeDraft } from "../drafts/store.js";
import {
  type BufferDraftSettings,
  type CeilingDraftSettings,
  ceilingsOutcome,
  clipRecord,
  findBufferCut,
  findSessionClip,
} from "../drafts/detect-limits.js";
import type { BoundEvidence, Hint } from "../drafts/evidence.js";
import { makeBufferDraft, makeCeilingsDraft } from "../drafts/make-limits.js";
import type { SessionCeilings } from "../chain/ceilings.js";
import type { CostModel, PlanDecision, Planner, PlannerInput, PlannerParams } from "../planner/types.js";
import {
  blamedStrategy,
  inspectStrategies,
  type QuarantineParams,
  type SeenPrice,
  type StrategyFinding,
} from "../quarantine/inspect.js";
import type { QuarantineList } from "../quarantine/store.js";
import { assessVault, describeLossAllowanceLow, type SessionPolicy, type VaultAssessment } from "../session/assess.js";
import { EndedSessions } from "../session/ended.js";
import type { SessionEnd, SessionEndReader } from "../session/why-ended.js";
import type { Clock } from "../util/clock.js";
import { formatAmount, formatChainTime, formatDuration, tokenUnits } from "../util/format.js";
import type { EstimateOptions, YieldEstimate } from "../yield/estimate.js";
import type { PriceHistory } from "../yield/history.js";
import { TrailingRateModel, type YieldModel } from "../yield/model.js";
import type { CircuitBreaker } from "./breaker.js";
import type { VaultEventLog } from "./event-log.js";
import { decisionProvenance } from "./provenance.js";

/**
 * Wall time past the end of a wait, with no new block, after which the node is taken to mine no blocks of its own (a
 * chain that mines only on transactions). Above any live chain's gap between blocks, so a slow block is not one.
 */
export const STALL_GRACE_SECONDS = 120;

/**
 * How long a co-signature asked for now stays good (its `deadline`, chain time): the co-signed intent may be in flight
 * that long; past it the daemon cancels it and plans again.
 */
export const COSIGN_DEADLINE_SECONDS = 900n;

/** Oldest recorded share price that stands in for the previous tick's after a restart. */
const RESTART_PRICE_MAX_AGE_SECONDS = 86_400n;

export interface VaultRunnerConfig {
  vault: string;
  label: string;
  agent: string;
  planner: Planner;
  plannerParams: PlannerParams;
  estimate: EstimateOptions;
  /** The yield model (default: the trailing rate of the price history, with `estimate`'s options). */
  yieldModel?: YieldModel;
  policy: SessionPolicy;
  gas: Omit<CostModel, "gasPriceWei">;
  quarantine: QuarantineParams;
  /**
   * Loss write-downs: whether to send them, and the shortfall under a mark taken as noise (base units, over rounding).
   */
  losses: { realize: boolean; tolerance: bigint };
  /** The co-signer service for plans above the step-up threshold (`vaults[].coSigner`); absent: such plans wait. */
  coSigner?: string;
  /** When a cap's cost is worth a drafted proposal (`drafts`); absent: the defaults. */
  draftThreshold?: DraftThreshold;
  /** When a lower idle buffer is drafted (`drafts.buffer`); absent: the defaults. */
  bufferDrafts?: BufferDraftSettings;
  /** When a raised session ceiling is drafted (`drafts.ceilings`); absent: the defaults. */
  ceilingDrafts?: CeilingDraftSettings;
}

export interface VaultRunnerDeps {
  reader: ChainReader;
  history: PriceHistory;
  breaker: CircuitBreaker;
  /** Strategies the daemon no longer deposits into (kept on disk, released by the operator). */
  quarantine: QuarantineList;
  /** Where stand-downs, rejections before sending and quarantines are kept for the governance report; absent for
   *  read-only commands. */
  events?: VaultEventLog;
  /** Where proposals are drafted when a bound clips the plan (never sent); absent: none are (read-only commands). */
  drafts?: DraftStore;
  /** The flows and clipped ticks buffer and ceiling drafts rest on; absent: no such drafts. */
  evidence?: BoundEvidence;
  /** Reads the vault's session ceilings at a block (only in ticks that need them); absent: no ceiling drafts. */
  ceilings?(sessionManager: string, vault: string, blockTag: bigint): Promise<SessionCeilings>;
  /** Reads the vault's exposure ramp room (`rampRoom().exposureBps`) at a block, before a new buffer draft. */
  rampRoom?(vault: string, blockTag: bigint): Promise<number>;
  /** Simulation from the agent's address (dry runs use it; the executor simulates through its own sender). */
  simulator: CallSimulator;
  /** Absent in dry runs: nothing is ever sent. */
  executor?: Executor;
  /** Reads why a session ended early (its own loss allowance passed, moved to another key); absent: "revoked". */
  sessionEnds?: SessionEndReader;
  gasPrice(): Promise<bigint>;
  /** The code at an address ("0x": none), to tell a contract policy signer (ERC-1271) from a key. */
  code?(address: string): Promise<string>;
  /** The check mirror; replaceable only so tests can prove what the chain does when it is wrong. */
  check?: (input: RebalanceCheckInput) => RebalanceVerdict;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

export type { TickReport, TickResult } from "../obs/tick-report.js";

export interface TickOptions {
  /** Plan and simulate only: nothing is settled or sent. */
  dryRun?: boolean;
  /** After a tick that sent or settled something, read the vault again into `TickReport.after` (for the dashboard). */
  readAfter?: boolean;
  /** The tick's first read, already asked for (`VaultRunner.readSnapshot`): the daemon asks every vault's together. */
  snapshot?: Promise<VaultSnapshot>;
}

/** What settling found: the snapshot to act on and what settled, or a snapshot older than the floor. */
type Settled =
  | { kind: "current"; snapshot: VaultSnapshot; settled: ReconcileReport[] }
  | { kind: "stale"; snapshot: VaultSnapshot; settled: ReconcileReport[]; floor: bigint };

/** The vault as this tick acts on it: the snapshot (sessions seen to end merged in), its chain time, the tick's logger
 *  at its block, the yield estimates. */
interface Observation {
  snapshot: VaultSnapshot;
  now: bigint;
  log: Logger;
  yields: Map<string, YieldEstimate>;
  /** Sessions seen to end that were merged into the snapshot (not listed by the lens). */
  ended: SessionState[];
}

/** The session the tick acts through, or the result of a tick that waits or stands down. */
type SessionGate = { kind: "act"; session: SessionState } | { kind: "end"; result: TickResult };

/** A plan that passed the mirror and the simulation, priced at the fee quote it is sent at; or the tick's end. */
type Decision =
  | {
      kind: "send";
      plan: PlanDecision & { kind: "rebalance" };
      quote: SendQuote;
      provenance: DecisionProvenance;
      cosigned: boolean;
    }
  | { kind: "end"; result: TickResult };

export class VaultRunner {
  private lastMode: string | undefined;
  private lastHold: string | undefined;
  private readonly warned = new Set<string>();
  /** Sessions already warned about for their loss allowance nearly spent, by id. */
  private readonly lossWarned = new Set<string>();
  private ticks = 0;
  /** Newest snapshot block acted on; an older snapshot is stale. */
  private floorBlock = 0n;
  private staleStreak = 0;
  /** Share price of each strategy at the last tick, by lower-case address. */
  private readonly seen = new Map<string, SeenPrice>();
  private lastSnapshot: VaultSnapshot | undefined;
  /** Sessions seen at earlier ticks that have since expired or been revoked (the lens lists active ones only). */
  private readonly endedSessions = new EndedSessions();
  /** What the chain says of the configured session while it is not listed (read once; `end` undefined: nothing). */
  private preferredEnd: { end: SessionEnd | undefined } | undefined;
  /** The newest block seen and the wall time (ms) it was first seen at: how long the chain has stood still. */
  private head: { block: bigint; seenAtMs: number } | undefined;
  /** The wait (its resume time) already logged as unreachable without a new block. */
  private stallLogged: bigint | undefined;
  /** Write-downs the simulation refused, by `strategy:mark`: not tried again at the same mark. */
  private readonly lossRefused = new Set<string>();
  private readonly model: YieldModel;
  /** The legs of the yield plans sent, for the planner's rule against reversals. */
  private readonly moves = new RecentMoves();

  constructor(
    readonly config: VaultRunnerConfig,
    private readonly deps: VaultRunnerDeps,
  ) {
    this.model = config.yieldModel ?? new TrailingRateModel(config.estimate);
  }

  get breaker(): CircuitBreaker {
    return this.deps.breaker;
  }

  get quarantine(): QuarantineList {
    return this.deps.quarantine;
  }

  /**
   * Follows what this vault has in flight, sending nothing (`Executor.follow`), and acts on what settled as a tick
   * would (outcome metrics; a revert opens the breaker or quarantines the strategy it names). For `run --once`.
   */
  async follow(): Promise<ReconcileReport[]> {
    if (!this.deps.executor) return [];
    const reports = await this.deps.executor.follow(this.config.vault);
    for (const r of reports)
      if (r.state !== "pending" && r.state !== "awaiting-confirmations") this.afterSettled(r, this.deps.log);
    return reports;
  }

  /** This vault's intent sent and not yet settled, if any (the journal's; undefined in read-only runners). */
  inFlight(): JournalEntry | undefined {
    return this.deps.executor?.inFlight(this.config.vault);
  }

  private floor(): bigint {
    const settled = this.deps.executor?.lastSettledBlock(this.config.vault) ?? 0n;
    return settled > this.floorBlock ? settled : this.floorBlock;
  }

  /**
   * One tick, as its stages: settle what is in flight, observe the vault, write down a loss, judge the sessions, decide
   * on a plan, execute it. A stage that ends the tick gives its result.
   */
  async tick(options: TickOptions = {}): Promise<TickReport> {
    this.ticks++;
    // Settles and sends only with an executor, and never in a dry run.
    const executor = options.dryRun ? undefined : this.deps.executor;
    const first = await this.read(options.snapshot);
    const report: TickReport = {
      vault: this.config.vault,
      label: this.config.label,
      snapshot: first,
      yields: new Map(),
      settled: [],
      result: { kind: "hold", code: "", reason: "" },
      breaker: { open: false },
      quarantine: [],
    };

    const settled = await this.settle(first, executor);
    report.snapshot = settled.snapshot;
    report.settled = settled.settled;
    if (settled.kind === "stale") return this.finish(report, this.stale(settled), options);

    await this.refreshModel(settled.snapshot);
    const seen = this.observe(settled.snapshot, settled.settled);
    report.snapshot = seen.snapshot;
    report.yields = seen.yields;
    const inFlight = executor?.inFlight(this.config.vault);
    if (inFlight) {
      const state = settled.settled.find((r) => r.intentHash === inFlight.intentHash)?.state ?? "pending";
      return this.finish(report, { kind: "in-flight", intentHash: inFlight.intentHash, state }, options);
    }

    // A loss is written down first, breaker or session or not (it needs neither). A tick that would act ends with it:
    // the plan must see the vault's true marks, at the next tick. A tick that stands down or waits still says so.
    if (executor && this.config.losses.realize) report.writeDown = await this.realizeLoss(executor, seen, report);
    if (this.deps.breaker.open)
      return this.finish(report, { kind: "breaker-open", reason: this.deps.breaker.reason ?? "open" }, options);
    await this.explainEnded(seen);
    const gate = this.judgeSessions(seen, report);
    if (gate.kind === "end") return this.finish(report, gate.result, options);
    if (report.writeDown) return this.finish(report, report.writeDown, options);

    const decision = await this.decide(seen, gate.session, executor, report);
    if (decision.kind === "end") return this.finish(report, decision.result, options);
    return this.finish(report, await this.execute(seen, gate.session, decision, executor!, report), options);
  }

  /**
   * Settle: never act on state older than what was already seen, or older than the block our last intent settled in (a
   * lagging node would show the vault as it was before our own rebalance, and the same move would be planned again).
   * Then what was sent before (by this process or a previous one) is settled against this first read; settled in a
   * later block, the vault is read again so the plan sees our own rebalance.
   */
  private async settle(first: VaultSnapshot, executor: Executor | undefined): Promise<Settled> {
    const floor = this.floor();
    if (first.blockNumber < floor) return { kind: "stale", snapshot: first, settled: [], floor };
    if (!executor) return { kind: "current", snapshot: first, settled: [] };
    const settled = await executor.reconcile(this.config.vault, (record) => this.recheck(first, record));
    const settledAt = executor.lastSettledBlock(this.config.vault);
    if (settledAt <= first.blockNumber) return { kind: "current", snapshot: first, settled };
    const again = await this.read();
    if (again.blockNumber < settledAt) return { kind: "stale", snapshot: again, settled, floor: settledAt };
    return { kind: "current", snapshot: again, settled };
  }

  /** A snapshot older than the floor: what settled is acted on, and the first stale tick in a row is logged. */
  private stale(settled: Settled & { kind: "stale" }): TickResult {
    const log = this.tickLog(settled.snapshot);
    for (const r of settled.settled) this.afterSettled(r, log);
    const reason = `snapshot at block ${settled.snapshot.blockNumber} is older than block ${settled.floor} already seen (a lagging node); not acting on it`;
    if (!this.staleStreak++) log.warn({ floor: settled.floor.toString() }, reason);
    return { kind: "stale", reason };
  }

  /** A model with a view of the markets reads them at the snapshot's block; a failed read is logged, not fatal. */
  private async refreshModel(snapshot: VaultSnapshot): Promise<void> {
    if (!this.model.refresh) return;
    const strategies = snapshot.strategies.map((s) => s.strategy);
    await this.model.refresh(strategies, snapshot.blockNumber, snapshot.timestamp).catch((err: unknown) => {
      this.deps.log.warn({ err: (err as Error).message }, "market read for the yield model failed; last read kept");
    });
  }

  /**
   * Observe: the snapshot becomes the floor, sessions seen to end are merged back in, hostile or broken strategies are
   * quarantined, the state goes to the metrics and the price history, the yields are estimated, and what settled is
   * acted on (outcome metrics; a revert opens the breaker or quarantines the strategy it names).
   */
  private observe(fresh: VaultSnapshot, settled: ReconcileReport[]): Observation {
    const { config, deps } = this;
    this.floorBlock = fresh.blockNumber;
    if (this.head?.block !== fresh.blockNumber) this.head = { block: fresh.blockNumber, seenAtMs: deps.clock.nowMs() };
    if (this.staleStreak) this.tickLog(fresh).info({ ticks: this.staleStreak }, "snapshot current again");
    this.staleStreak = 0;
    const snapshot = this.endedSessions.merge(fresh);
    const listed = new Set(fresh.sessions.map((x) => x.id));
    const ended = snapshot.sessions.filter((x) => !listed.has(x.id));
    const log = this.tickLog(snapshot);
    const now = snapshot.timestamp;
    this.lastSnapshot = snapshot;
    this.inspect(snapshot, log);
    this.recordState(snapshot);
    deps.history.record(snapshot);
    const yields = new Map<string, YieldEstimate>();
    for (const s of snapshot.strategies) {
      const estimate = this.model.estimate(s.strategy, deps.history, now);
      if (estimate) {
        yields.set(s.strategy, estimate);
        deps.metrics.apr.set({ vault: config.label, strategy: s.strategy }, Number(estimate.aprWad) / 1e18);
      }
    }
    for (const r of settled) this.afterSettled(r, log);
    return { snapshot, now, log, yields, ended };
  }

  /**
   * Sessions that left the agent's list before their end: why, read once each from the session manager (over the
   * blocks since each was last listed). A read that fails leaves it a plain revocation for this tick; it is asked
   * again at the next.
   */
  private async explainEnded(seen: Observation): Promise<void> {
    const reader = this.deps.sessionEnds;
    if (!reader) return;
    const { snapshot, log } = seen;
    const ask = (sessionId: bigint, sinceBlock: bigint) =>
      reader
        .explain({
          sessionManager: snapshot.sessionManager,
          sessionId,
          vault: this.config.vault,
          agent: this.config.agent,
          sinceBlock,
          toBlock: snapshot.blockNumber,
        })
        .then(
          (end) => ({ end }),
          (err: unknown) => {
            log.warn(
              { sessionId: sessionId.toString(), err: (err as Error).message },
              `could not read why session #${sessionId} is not this key's; asking again at the next tick`,
            );
            return undefined;
          },
        );
    for (const { id, lastListedAt } of this.endedSessions.unexplained()) {
      const read = await ask(id, lastListedAt);
      if (read) this.endedSessions.explain(id, read.end);
    }
    // The session the config names, never seen listed (a start after it moved to another key): its state says.
    const preferred = this.config.policy.preferredSessionId;
    if (preferred === undefined || snapshot.sessions.some((s) => s.id === preferred)) {
      this.preferredEnd = undefined;
    } else if (!this.preferredEnd) {
      const read = await ask(preferred, snapshot.blockNumber);
      if (read) this.preferredEnd = { end: read.end };
    }
  }

  /** Why the chain ended each session that left, and the configured session's when it was never listed. */
  private knownEnds(): ReadonlyMap<bigint, SessionEnd> {
    const ends = new Map(this.endedSessions.ends());
    const preferred = this.config.policy.preferredSessionId;
    if (preferred !== undefined && this.preferredEnd?.end) ends.set(preferred, this.preferredEnd.end);
    return ends;
  }

  /** The session to act through, or the tick's end: the vault waits or stands down (said once per change). */
  private judgeSessions(seen: Observation, report: TickReport): SessionGate {
    const assessment = assessVault(seen.snapshot, this.config.policy, seen.now, this.knownEnds());
    report.assessment = assessment;
    this.reportSessions(seen.snapshot, assessment, seen.log);
    report.chainStall = this.stalledWait(seen.snapshot, assessment, seen.log);
    if (assessment.mode === "act") return { kind: "act", session: assessment.session! };
    return {
      kind: "end",
      result: {
        kind: assessment.mode,
        reason: report.chainStall ? `${assessment.reason}; ${report.chainStall}` : assessment.reason,
      },
    };
  }

  /**
   * Decide: plan first at no gas cost. Gas decides only whether a plan is worth making (the `Planner` contract), so a
   * plan that holds at no cost holds at any price: an idle tick needs no fee quote. A plan that moves is checked
   * against the mirror of the on-chain checks, then simulated (by the executor, with the fee quote it will be sent at;
   * alone in a dry run) and planned again at that price.
   */
  private async decide(
    seen: Observation,
    session: SessionState,
    executor: Executor | undefined,
    report: TickReport,
  ): Promise<Decision> {
    const { config, deps } = this;
    const { snapshot, now, log } = seen;
    const inputAt = (gasPriceWei: bigint): PlannerInput => ({
      snapshot,
      sessionId: session.id,
      session: session.session,
      remaining: session.remaining,
      yields: seen.yields,
      params: config.plannerParams,
      cost: { ...config.gas, gasPriceWei },
      now,
      quarantined: new Map(deps.quarantine.entries().map((e) => [e.strategy.toLowerCase(), e.exit])),
      minWithdrawableBps: config.quarantine.minWithdrawableBps,
      rateAfter: this.model.rateAfter?.bind(this.model),
      recentMoves: this.moves.since(now, config.plannerParams.minHoldSeconds),
    });
    const planAt = (gasPriceWei: bigint): PlanDecision => config.planner.plan(inputAt(gasPriceWei));
    const free = planAt(0n);
    report.plan = free;
    await this.draft(inputAt(0n), free, seen);
    if (free.kind === "hold") return this.hold(free, log);

    const checkAs = (cosigned: boolean) =>
      (deps.check ?? checkRebalance)({
        snapshot,
        targets: free.targets,
        sessionId: session.id,
        session: session.session,
        agent: config.agent,
        valuation: snapshotValuation(snapshot),
        now,
        cosigned,
      });
    let verdict = checkAs(false);
    let cosigned = false;
    if (verdict.error?.name === "CoSignatureRequired") {
      // Only the policy signer's co-signature is missing: without a co-signer the move waits (no breaker); with one,
      // the plan is checked as the co-signed call and the co-signer is asked when it is sent.
      if (!config.coSigner) return this.coSignatureHold(snapshot, "no co-signer configured (vaults[].coSigner)", log);
      cosigned = true;
      verdict = checkAs(true);
    }
    report.verdict = verdict;
    if (!verdict.ok) {
      this.lastHold = undefined;
      const error = formatPredicted(verdict.error!);
      deps.metrics.rejected.inc({ vault: config.label, stage: "mirror", error: verdict.error!.name });
      log.error(
        {
          ...planFields(snapshot, session.id, free),
          error: this.forPeople(error, snapshot),
          errorBaseUnits: error,
          hint: hintFor(verdict.error!.name),
        },
        "plan outside bounds; not sent",
      );
      return { kind: "end", result: { kind: "rejected", stage: "mirror", error } };
    }
    /** The plan at the real gas price: a hold, or the same targets (anything else breaks the planner contract). */
    const priced = (gasPriceWei: bigint): PlanDecision => {
      const plan = planAt(gasPriceWei);
      report.plan = plan;
      if (plan.kind === "rebalance" && !sameTargets(plan.targets, free.targets)) {
        throw new Error(`planner ${config.planner.name} changed its targets with the gas price`);
      }
      return plan;
    };

    if (!executor) {
      const plan = priced(await deps.gasPrice());
      if (plan.kind === "hold") return this.hold(plan, log);
      this.lastHold = undefined;
      if (cosigned)
        return {
          kind: "end",
          result: { kind: "dry-run", simulation: "needs a co-signature (not asked in a dry run)" },
        };
      const revert = await simulateRebalance(
        deps.simulator,
        config.vault,
        plan.targets,
        session.id,
        snapshot.blockNumber,
      );
      return { kind: "end", result: { kind: "dry-run", simulation: revert ? describe(revert) : "would pass" } };
    }

    // While the base fee is above the ceiling, the plan is not simulated again: one fee read a tick until it falls.
    const feeWait = await executor.feeWait(config.vault);
    if (feeWait) return { kind: "end", result: { kind: "deferred", reason: feeWait, feeWait: true } };
    const prepared = await executor.prepare(
      config.vault,
      free.targets,
      session.id,
      snapshot.blockNumber,
      session.session.maxLoss !== 0n,
      cosigned,
    );
    if (prepared.status === "rejected") {
      this.lastHold = undefined;
      const cls = this.onRevert(
        prepared.error,
        "simulation",
        log,
        snapshot.blockNumber,
        free.targets.map((t) => t.strategy),
      );
      return {
        kind: "end",
        result: { kind: "rejected", stage: "simulation", error: describe(prepared.error), class: cls },
      };
    }
    const plan = priced(prepared.quote.baseFee + prepared.quote.tip);
    if (plan.kind === "hold") return this.hold(plan, log);
    this.lastHold = undefined;
    const spike = await executor.feeWait(config.vault, prepared.quote);
    if (spike) return { kind: "end", result: { kind: "deferred", reason: spike, feeWait: true } };
    const provenance = decisionProvenance(
      inputAt(prepared.quote.baseFee + prepared.quote.tip),
      config,
      this.model.name,
      seen.ended,
      deps.history,
    );
    return { kind: "send", plan, quote: prepared.quote, provenance, cosigned };
  }

  /**
   * Drafts proposals when a bound keeps the plan from earning more, and marks drafts whose bound changed superseded:
   * a cap (drafts/detect.ts), the idle buffer and the session ceilings with their evidence (drafts/detect-limits.ts).
   * When the fix is a session grant, not a proposal, leaves a hint for `status`. Never sends anything; a failure is
   * logged, never a reason to stop the tick.
   */
  private async draft(input: PlannerInput, plan: PlanDecision, seen: Observation): Promise<void> {
    const store = this.deps.drafts;
    if (!store) return;
    const { config } = this;
    const { snapshot } = seen;
    try {
      const drafts: Draft[] = [];
      const finding = findBindingBound(config.planner, input, plan, config.draftThreshold);
      if (finding) drafts.push(makeDraft(store.chainId, config.label, snapshot, finding, seen.yields));
      const limits = await this.draftLimits(store, input, plan, seen);
      drafts.push(...limits.drafts);
      for (const written of store.observe(snapshot, drafts, limits.ceilings)) {
        seen.log.warn(
          { draft: written.hash, kind: written.kind ?? "caps", changes: written.changes },
          `proposal drafted (not sent): ${written.rationale}`,
        );
      }
    } catch (err) {
      seen.log.error({ err: (err as Error).message }, "drafting a proposal failed");
    }
  }

  /** The exposure ramp's room as last read for a buffer draft, and when (chain time): read at most once an hour. */
  private rampRoomRead?: { at: bigint; value: number };

  /** The ceilings as last read, and when (chain time): read at most once an hour. */
  private ceilingsRead?: { at: bigint; value: SessionCeilings };

  /** The vault's ceilings: as read within the hour, or read now at the snapshot's block (two calls). */
  private async ceilingsNow(snapshot: VaultSnapshot): Promise<SessionCeilings | undefined> {
    const read = this.deps.ceilings;
    if (!read) return undefined;
    const last = this.ceilingsRead;
    if (last && snapshot.timestamp >= last.at && snapshot.timestamp - last.at < 3_600n) return last.value;
    const value = await read(snapshot.sessionManager, snapshot.vault, snapshot.blockNumber);
    this.ceilingsRead = { at: snapshot.timestamp, value };
    return value;
  }

  /** The buffer and ceiling drafts of the tick (see `draft`), and the ceilings when the tick read them. */
  private async draftLimits(
    store: DraftStore,
    input: PlannerInput,
    plan: PlanDecision,
    seen: Observation,
  ): Promise<{ drafts: Draft[]; ceilings?: SessionCeilings }> {
    const { config, deps } = this;
    const { snapshot } = seen;
    const evidence = deps.evidence;
    if (!evidence) return { drafts: [] };
    const drafts: Draft[] = [];
    let dirty = evidence.recordFlow(snapshot);
    let cut = findBufferCut(config.planner, input, plan, evidence.flows, config.bufferDrafts);
    // A new draft (not one on disk already): within the exposure ramp's room, read for it (one call, at most hourly: a
    // room that refills is seen within the hour).
    const bound = [{ idleBufferBps: snapshot.bounds.idleBufferBps }];
    if (cut && deps.rampRoom && !store.has(draftHash(store.chainId, snapshot.vault, bound, "buffer"))) {
      const last = this.rampRoomRead;
      const fresh = last && snapshot.timestamp >= last.at && snapshot.timestamp - last.at < 3_600n;
      const room = fresh ? last.value : await deps.rampRoom(snapshot.vault, snapshot.blockNumber);
      if (!fresh) this.rampRoomRead = { at: snapshot.timestamp, value: room };
      if (room < cut.idleBufferBps.now - cut.idleBufferBps.proposed)
        cut = findBufferCut(config.planner, input, plan, evidence.flows, config.bufferDrafts, room);
    }
    if (cut) drafts.push(makeBufferDraft(store.chainId, config.label, snapshot, cut));

    let ceilings: SessionCeilings | undefined;
    let hint: Hint | undefined;
    const threshold = config.draftThreshold ?? DEFAULT_DRAFT_THRESHOLD;
    const clip =
      deps.ceilings && config.ceilingDrafts?.enabled !== false
        ? findSessionClip(config.planner, input, plan, threshold)
        : undefined;
    if (clip && deps.ceilings) {
      evidence.recordClip(clipRecord(clip, snapshot.timestamp));
      dirty = true;
      ceilings = (await this.ceilingsNow(snapshot))!;
      const outcome = ceilingsOutcome(input, clip, ceilings, evidence.clips, config.ceilingDrafts);
      const noAdmin = ceilings.sessionAdmin !== undefined && BigInt(ceilings.sessionAdmin) === 0n;
      if (noAdmin && outcome.kind !== "wait") {
        // Nobody grants within the ceilings: raising them changes nothing; governance grants the session itself.
        const which = clip.limit === "per-call" ? "volume per call" : "volume per epoch";
        hint = {
          at: snapshot.timestamp,
          text:
            `the session's ${which} clipped the plan: the vault has no session admin, so raising the ceilings ` +
            "grants nothing; governance grants a larger session itself (not drafted)",
        };
      } else if (outcome.kind === "draft")
        drafts.push(makeCeilingsDraft(store.chainId, config.label, snapshot, outcome.finding));
      else if (outcome.kind === "grant") {
        const amount = (v: bigint) => formatAmount(v, snapshot.assetDecimals, 2);
        const which = outcome.limit === "per-call" ? "volume per call" : "volume per epoch";
        hint = {
          at: snapshot.timestamp,
          text:
            `the session's ${which} clipped the plan in ${outcome.summary.ticks} ticks since ` +
            `${formatChainTime(outcome.summary.since)}, leaving up to ${amount(outcome.summary.largestUnmoved)} unmoved ` +
            `in one tick: a session of ${amount(outcome.needed)} ${which} fits under the ceiling ` +
            `(${amount(outcome.room)} of ${amount(outcome.ceiling)} free): the session admin can grant it, no ` +
            "proposal is needed",
        };
      }
    } else if (store.hasOpen(snapshot.vault, "ceilings")) {
      ceilings = await this.ceilingsNow(snapshot);
    }
    if (evidence.setHint(hint)) {
      dirty = true;
      if (hint) seen.log.info({ hint: hint.text }, "a session grant would let the plan move more (no proposal)");
    }
    if (dirty) evidence.save();
    return { drafts, ...(ceilings ? { ceilings } : {}) };
  }

  /** A plan above the step-up threshold without a co-signature waits, saying why (no breaker, no quarantine). */
  private coSignatureHold(snapshot: VaultSnapshot, why: string, log: Logger): Decision {
    const above = formatAmount(snapshot.stepUpThreshold, snapshot.assetDecimals, 2);
    // Said again whenever the reason changes (the co-signer down, then refusing).
    const reason = `co-signature required above ${above}: ${why}`;
    if (this.lastHold === `co-signature-required:${reason}`) {
      return { kind: "end", result: { kind: "hold", code: "co-signature-required", reason } };
    }
    log.info({ code: "co-signature-required" }, `holding: ${reason}`);
    this.lastHold = `co-signature-required:${reason}`;
    return { kind: "end", result: { kind: "hold", code: "co-signature-required", reason } };
  }

  /**
   * Asks the configured co-signer to co-sign an intent, and checks the answer as the vault will before it is used: an
   * EOA policy signer is recovered from the EIP-712 digest, a contract one is asked `isValidSignature` by eth_call.
   */
  private coSigner(snapshot: VaultSnapshot, log: Logger): CoSign {
    const url = this.config.coSigner!;
    const policySigner = snapshot.policySigner;
    return async (record, intentHash) => {
      const ask = {
        chainId: record.chainId,
        vault: record.vault,
        sessionId: record.sessionId,
        agent: record.agent,
        targets: record.targets,
        intentHash,
        deadline: snapshot.timestamp + COSIGN_DEADLINE_SECONDS,
        decision: {
          planner: record.planner,
          reason: record.reason,
          volume: record.volume,
          expectedGain: record.expectedGain,
          blockNumber: record.blockNumber,
          stateDigest: record.stateDigest,
          nonce: record.nonce,
          createdAt: record.createdAt,
        },
      };
      const answer = await askCoSigner(url, ask);
      if ("refused" in answer) return answer;
      const problem = await coSignatureProblem(ask, answer.signature, policySigner, {
        code: (a) => (this.deps.code ? this.deps.code(a) : Promise.resolve("0x")),
        call: (to, data) => this.deps.simulator.call(to, data, Number(snapshot.blockNumber)),
      });
      if (problem) return { refused: `the co-signature from ${url} does not verify (${problem}); not sent` };
      log.info(
        { intentHash, coSigner: url, policySigner, deadline: ask.deadline.toString() },
        `co-signed by ${url} for the policy signer ${policySigner}, good until ${formatChainTime(ask.deadline)}; sending rebalanceCosigned`,
      );
      return { coSignature: { deadline: ask.deadline, signature: answer.signature, coSigner: url } };
    };
  }

  /** A plan that holds ends the tick; its reason is logged when it changes. */
  private hold(plan: PlanDecision & { kind: "hold" }, log: Logger): Decision {
    if (this.lastHold !== plan.code) log.info({ code: plan.code }, `holding: ${plan.reason}`);
    this.lastHold = plan.code;
    return { kind: "end", result: { kind: "hold", code: plan.code, reason: plan.reason } };
  }

  /**
   * Execute: the executor journals the plan, then sends it (simulating once more at the quote); its legs are recorded
   * for the planner's rule against reversals, and what settled at once is acted on.
   */
  private async execute(
    seen: Observation,
    session: SessionState,
    decision: Decision & { kind: "send" },
    executor: Executor,
    report: TickReport,
  ): Promise<TickResult> {
    const { snapshot, now, log } = seen;
    const { plan, quote, provenance } = decision;
    const units = (v: bigint) => tokenUnits(v, snapshot.assetDecimals);
    log.info(
      {
        ...planFields(snapshot, session.id, plan),
        reason: plan.reason,
        expectedGain: units(plan.expectedGain),
        expectedGainBaseUnits: plan.expectedGain.toString(),
        gasCost: units(plan.gasCost),
        gasCostBaseUnits: plan.gasCost.toString(),
      },
      "plan passes the checks and the simulation; sending",
    );
    const submitted = await executor.submit({
      snapshot,
      sessionId: session.id,
      targets: plan.targets,
      planner: this.config.planner.name,
      reason: plan.reason,
      volume: plan.volume,
      expectedGain: plan.expectedGain,
      quote,
      provenance,
      ...(decision.cosigned ? { coSign: this.coSigner(snapshot, log) } : {}),
    });
    if (submitted.status === "held") {
      const held = this.coSignatureHold(snapshot, submitted.reason, log);
      return (held as Decision & { kind: "end" }).result;
    }
    if (submitted.status === "rejected") {
      const cls = this.onRevert(
        submitted.error,
        "simulation",
        log,
        snapshot.blockNumber,
        plan.targets.map((t) => t.strategy),
      );
      return { kind: "rejected", stage: "simulation", error: describe(submitted.error), class: cls };
    }
    if (submitted.status === "deferred") {
      log.warn(submitted.reason);
      return { kind: "deferred", reason: submitted.reason };
    }
    // Forced plans too: a strategy trimmed back under its cap (or lowered to restore the buffer) is not raised again
    // within the hold, which would be a reversal the agent caused; the rule never holds a forced leg back.
    this.moves.record(submitted.intentHash, plan.legs, now);
    if (submitted.settled) {
      report.settled.push(submitted.settled);
      this.afterSettled(submitted.settled, log);
    }
    return {
      kind: "sent",
      intentHash: submitted.intentHash,
      hash: submitted.hash,
      confirmed: submitted.settled?.state === "confirmed",
    };
  }

  /**
   * Ends the tick with `result`: counted, with the breaker and the quarantine as the tick leaves them, and, when asked,
   * the vault read again after a tick that sent or settled something (a failed read leaves it out).
   */
  private async finish(report: TickReport, result: TickResult, options: TickOptions): Promise<TickReport> {
    report.result = result;
    this.deps.metrics.decisions.inc({ vault: this.config.label, result: result.kind });
    if (!options.dryRun) this.recordEvent(report.snapshot, result);
    report.breaker = { open: this.deps.breaker.open, reason: this.deps.breaker.reason };
    report.quarantine = this.deps.quarantine.entries();
    if (options.readAfter && (result.kind === "sent" || report.settled.length > 0)) {
      report.after = await this.deps.reader.snapshot(this.config.vault, this.config.agent).catch(() => undefined);
    }
    return report;
  }

  /**
   * Keeps what the chain cannot show in the vault's event log: a stand-down and its reason, the first tick after it
   * that does not stand down, a plan refused before sending.
   */
  private recordEvent(snapshot: VaultSnapshot, result: TickResult): void {
    const log = this.deps.events;
    if (!log) return;
    const at = { at: snapshot.timestamp.toString(), block: snapshot.blockNumber.toString() };
    try {
      if (result.kind === "stand-down") log.append({ kind: "stand-down", ...at, reason: result.reason });
      else if (log.latest?.kind === "stand-down")
        log.append({ kind: "resumed", ...at, reason: `tick result: ${result.kind}` });
      if (result.kind === "rejected")
        log.append({ kind: "rejected", ...at, reason: `refused by the ${result.stage}: ${result.error}` });
    } catch (err) {
      this.deps.log.warn({ file: log.file, err: (err as Error).message }, "could not write the vault's event log");
    }
  }

  /** The tick's logger at a snapshot's block. */
  private tickLog(snapshot: VaultSnapshot): Logger {
    return this.deps.log.child({ tick: this.ticks, block: snapshot.blockNumber.toString() });
  }

  /** Asks for the vault's lens snapshot, unchecked: `tick` checks it when it takes it (`TickOptions.snapshot`). */
  readSnapshot(): Promise<VaultSnapshot> {
    return this.deps.reader.snapshot(this.config.vault, this.config.agent);
  }

  /**
   * The lens snapshot (`asked`: one already asked for, else asked now), refused (`LensFaultError`,
   * `snapshot-inconsistent`) when it does not add up: a strategy missing or
   * listed twice would have the planner move money by a picture that is not the vault. Nothing of it is used, not even
   * to settle what is in flight; the daemon logs the figures and stands down for this vault until it adds up again.
   */
  private async read(asked = this.readSnapshot()): Promise<VaultSnapshot> {
    const snapshot = await asked;
    const faults = snapshotFaults(snapshot);
    if (faults.length === 0) return snapshot;
    throw new LensFaultError(
      "snapshot-inconsistent",
      `lens snapshot of vault ${snapshot.vault} at block ${snapshot.blockNumber} does not add up: ${faults.map((f) => f.detail).join("; ")}`,
      { faults: faults.map((f) => f.code) },
    );
  }

  /**
   * Sends `realizeLoss` for the first strategy this snapshot shows below its mark (past the tolerance), unless a
   * write-down was already sent at that mark or refused by the simulation: one per strategy per mark. One per tick,
   * ending it: this tick's plan would be made on the mark before it.
   */
  private async realizeLoss(
    executor: Executor,
    seen: Observation,
    report: TickReport,
  ): Promise<TickResult | undefined> {
    const { snapshot, log } = seen;
    const amount = (v: bigint) => formatAmount(v, snapshot.assetDecimals, snapshot.assetDecimals);
    for (const loss of findLosses(snapshot, this.config.losses.tolerance)) {
      const mark = `${loss.strategy.toLowerCase()}:${loss.allocation}`;
      if (this.lossRefused.has(mark) || executor.lossRealizationSent(this.config.vault, loss.strategy, loss.allocation))
        continue;
      const units = (v: bigint) => tokenUnits(v, snapshot.assetDecimals);
      const fields = {
        strategy: loss.strategy,
        allocation: units(loss.allocation),
        value: units(loss.value),
        loss: units(loss.loss),
        allocationBaseUnits: loss.allocation.toString(),
        valueBaseUnits: loss.value.toString(),
        lossBaseUnits: loss.loss.toString(),
      };
      const reason = `strategy #${loss.index} ${loss.strategy} is worth ${amount(loss.value)} against the vault's mark of ${amount(loss.allocation)}: a loss of ${amount(loss.loss)}`;
      const submitted = await executor.realizeLoss(snapshot, loss, reason);
      if (submitted.status === "rejected") {
        this.lossRefused.add(mark);
        log.error(
          { ...fields, error: describe(submitted.error) },
          `${reason}; realizeLoss would revert (${describe(submitted.error)}), not sent`,
        );
        continue;
      }
      // A write-down needs no co-signature: never "held".
      if (submitted.status === "deferred" || submitted.status === "held") {
        if (submitted.status === "deferred" && submitted.feeWait)
          return { kind: "deferred", reason: submitted.reason, feeWait: true };
        log.warn(submitted.reason);
        return { kind: "deferred", reason: submitted.reason };
      }
      this.deps.metrics.lossesRealized.inc({ vault: this.config.label, strategy: loss.strategy });
      log.warn({ ...fields, tx: submitted.hash }, `${reason}; writing it down (realizeLoss)`);
      if (submitted.settled) {
        report.settled.push(submitted.settled);
        this.afterSettled(submitted.settled, log);
      }
      const confirmed = submitted.settled?.state === "confirmed";
      return {
        kind: "realize-loss",
        strategy: loss.strategy,
        reason,
        intentHash: submitted.intentHash,
        hash: submitted.hash,
        confirmed,
      };
    }
    return undefined;
  }

  /**
   * Whether a journaled plan still passes on this tick's snapshot: the mirror, then the simulation at the snapshot's
   * block. Asked before the executor sends that plan again (re-broadcast or fee bump).
   */
  private async recheck(snapshot: VaultSnapshot, record: IntentRecord): Promise<string | undefined> {
    if (record.action) return this.recheckLoss(snapshot, record.action);
    if (record.coSignature && snapshot.timestamp > record.coSignature.deadline)
      return `the co-signature's deadline ${formatChainTime(record.coSignature.deadline)} has passed (plan again, ask again)`;
    const check = this.deps.check ?? checkRebalance;
    const verdict = check({
      snapshot,
      targets: record.targets,
      sessionId: record.sessionId,
      session: sessionFromSnapshot(snapshot, record.sessionId),
      agent: this.config.agent,
      valuation: snapshotValuation(snapshot),
      now: snapshot.timestamp,
      cosigned: record.coSignature !== undefined,
    });
    if (!verdict.ok) return `mirror: ${formatPredicted(verdict.error!)}`;
    if (record.coSignature) {
      // The journaled co-signed call itself (its preview would refuse it for want of the co-signature).
      try {
        await this.deps.simulator.call(
          this.config.vault,
          intentCalldata(record, hashOf(record)),
          Number(snapshot.blockNumber),
        );
        return undefined;
      } catch (err) {
        if (err instanceof RevertError) return `simulation: ${describe(err)}`;
        throw err;
      }
    }
    const revert = await simulateRebalance(
      this.deps.simulator,
      this.config.vault,
      record.targets,
      record.sessionId,
      snapshot.blockNumber,
    );
    return revert ? `simulation: ${describe(revert)}` : undefined;
  }

  /** A journaled write-down still makes sense while the mark it was sent on stands and the call would pass. */
  private async recheckLoss(snapshot: VaultSnapshot, action: LossRealization): Promise<string | undefined> {
    const now = snapshot.strategies.find((s) => s.strategy.toLowerCase() === action.strategy.toLowerCase());
    if (now?.allocation !== action.allocation)
      return `the mark of ${action.strategy} is no longer ${action.allocation}`;
    try {
      await this.deps.simulator.call(
        this.config.vault,
        realizeLossCalldata(action.strategy),
        Number(snapshot.blockNumber),
      );
      return undefined;
    } catch (err) {
      if (err instanceof RevertError) return `simulation: ${describe(err)}`;
      throw err;
    }
  }

  private afterSettled(report: ReconcileReport, log: Logger): void {
    if (report.action === "realize-loss") {
      // A write-down that reverted changes nothing and risks nothing: no breaker, and not tried again at that mark.
      if (report.state === "reverted")
        log.error(
          { tx: report.hash, error: report.revert ? describe(report.revert) : "unknown" },
          "loss write-down reverted on chain",
        );
      return;
    }
    if (
      report.state === "confirmed" ||
      report.state === "reverted" ||
      report.state === "dropped" ||
      report.state === "cancelled"
    ) {
      this.deps.metrics.outcomes.inc({ vault: this.config.label, status: report.state });
    }
    if (report.state === "reverted" || report.state === "dropped" || report.state === "cancelled")
      this.moves.forget(report.intentHash);
    if (report.state === "reverted") this.onRevert(report.revert, "chain", log, this.floorBlock, []);
  }

  /**
   * Stand down, wait, quarantine, or open the breaker, by the revert's class. A strategy the error names (its own call
   * failed inside a leg) is quarantined and left in place, and the vault carries on without it. A plan that moved out
   * of quarantined strategies and reverted for any other permanent reason leaves them in place from now on (the exit
   * is not tried again), instead of stopping the whole vault.
   */
  private onRevert(
    error: RevertError | undefined,
    stage: "simulation" | "chain",
    log: Logger,
    block: bigint,
    touched: string[],
  ): RevertClass {
    const cls = classifyRevert(error?.decoded);
    const what = error ? describe(error) : "unknown revert";
    const said = this.lastSnapshot ? this.forPeople(what, this.lastSnapshot) : what;
    const hint = hintFor(error?.decoded?.name);
    this.deps.metrics.rejected.inc({ vault: this.config.label, stage, error: error?.decoded?.name ?? "unknown" });
    const blamed = cls === "quarantine" ? blamedStrategy(error?.decoded) : undefined;
    if (cls === "replan") {
      // A full strategy or one short of liquidity right now: healthy; the next snapshot shows the room it has.
      log.info(
        { error: what, stage },
        "a strategy's room or liquidity moved under the plan; planning again at the next tick",
      );
      return cls;
    }
    if (blamed) {
      const finding: StrategyFinding = {
        strategy: blamed,
        index: this.indexOf(blamed),
        code: "call-reverted",
        exit: false,
        detail: `its call failed in a rebalance leg (${stage}: ${what})`,
      };
      this.quarantineStrategy(finding, block, log);
      return cls;
    }
    const exiting = touched.filter((t) => this.deps.quarantine.get(t)?.exit);
    if (cls === "permanent" && exiting.length > 0) {
      for (const strategy of exiting) {
        this.quarantineStrategy(
          {
            strategy,
            index: this.indexOf(strategy),
            code: "exit-failed",
            exit: false,
            detail: `moving out of it reverted (${stage}: ${what})`,
          },
          block,
          log,
        );
      }
      return "quarantine";
    }
    if (cls === "permanent" || cls === "quarantine") {
      this.deps.breaker.trip(`${stage}: ${what}`, new Date(this.deps.clock.nowMs()));
      this.deps.metrics.breaker.set({ vault: this.config.label }, 1);
      log.error(
        { error: said, errorBaseUnits: what, stage, ...(hint ? { hint } : {}) },
        `permanent revert (${said}${hint ? `: ${hint}` : ""}); circuit breaker open, no retries until reset`,
      );
      return "permanent";
    } else if (cls === "stand-down") {
      log.warn(
        { error: said, errorBaseUnits: what, stage, ...(hint ? { hint } : {}) },
        `the session can no longer act (${said}${hint ? `: ${hint}` : ""}); standing down`,
      );
    } else {
      log.info({ error: said, errorBaseUnits: what, stage }, `rate or budget limit (${said}); waiting`);
    }
    return cls;
  }

  /**
   * Quarantines what this snapshot shows to be hostile or broken, then remembers each share price for the next tick.
   */
  private inspect(snapshot: VaultSnapshot, log: Logger): void {
    // After a restart, the newest recorded sample stands in for the previous tick unless it is over a day old (a long
    // stop would make normal yield look like a jump).
    const seen = (strategy: string): SeenPrice | undefined => {
      const inMemory = this.seen.get(strategy.toLowerCase());
      if (inMemory) return inMemory;
      const last = this.deps.history.last(strategy);
      if (!last || snapshot.timestamp - last.timestamp > RESTART_PRICE_MAX_AGE_SECONDS) return undefined;
      return { sharePrice: last.sharePrice, blockNumber: last.blockNumber };
    };
    for (const finding of inspectStrategies(snapshot, seen, this.config.quarantine))
      this.quarantineStrategy(finding, snapshot.blockNumber, log);
    for (const s of snapshot.strategies) {
      if (s.sharePrice > 0n)
        this.seen.set(s.strategy.toLowerCase(), { sharePrice: s.sharePrice, blockNumber: snapshot.blockNumber });
    }
  }

  private quarantineStrategy(finding: StrategyFinding, block: bigint, log: Logger): void {
    const before = this.deps.quarantine.get(finding.strategy);
    const added = this.deps.quarantine.add({
      strategy: finding.strategy,
      code: finding.code,
      reason: finding.detail,
      exit: finding.exit,
      block: block.toString(),
      since: new Date(this.deps.clock.nowMs()).toISOString(),
    });
    const label = `${finding.index >= 0 ? `#${finding.index} ` : ""}${finding.strategy}`;
    const fields = { strategy: finding.strategy, code: finding.code, exit: finding.exit };
    if (added) {
      try {
        this.deps.events?.append({
          kind: "quarantine",
          at: this.lastSnapshot?.timestamp.toString() ?? "0",
          block: block.toString(),
          reason: `${finding.strategy} (${finding.code}, ${finding.exit ? "moving out" : "left in place"}): ${finding.detail}`,
        });
      } catch (err) {
        log.warn({ err: (err as Error).message }, "could not write the vault's event log");
      }
      const then = finding.exit
        ? "moving out as far as its liquidity allows"
        : "leaving its position in place for governance";
      log.error(fields, `quarantining strategy ${label}: ${finding.detail}; no new deposits, ${then}`);
    } else if (before?.exit && !finding.exit) {
      log.error(
        fields,
        `quarantined strategy ${label}: ${finding.detail}; no longer moving out of it, its position is left for governance`,
      );
    }
    this.deps.metrics.quarantined.set({ vault: this.config.label, strategy: finding.strategy }, 1);
  }

  /** A formatted treasury error as people read it: amounts in the asset's units, times as chain time. */
  private forPeople(text: string, snapshot: VaultSnapshot): string {
    return formatErrorForPeople(text, { decimals: snapshot.assetDecimals });
  }

  private indexOf(strategy: string): number {
    return this.lastSnapshot?.strategies.find((s) => s.strategy.toLowerCase() === strategy.toLowerCase())?.index ?? -1;
  }

  private recordState(snapshot: VaultSnapshot): void {
    const { metrics } = this.deps;
    const vault = this.config.label;
    const units = (v: bigint) => Number(formatUnits(v, snapshot.assetDecimals));
    metrics.ticks.inc({ vault });
    metrics.totalAssets.set({ vault }, units(snapshot.totalAssets));
    metrics.idle.set({ vault }, units(snapshot.idle));
    metrics.breaker.set({ vault }, this.deps.breaker.open ? 1 : 0);
    for (const s of snapshot.strategies) {
      metrics.allocation.set({ vault, strategy: s.strategy }, units(s.currentValue));
      metrics.quarantined.set({ vault, strategy: s.strategy }, this.deps.quarantine.get(s.strategy) ? 1 : 0);
    }
    for (const s of snapshot.sessions) {
      const labels = { vault, session: s.id.toString() };
      metrics.sessionTimeLeft.set(labels, Number(s.remaining.timeLeft));
      metrics.sessionVolumeLeft.set(labels, units(s.remaining.volumeInEpoch));
    }
  }

  /**
   * A wait (cooldown, spent budget, a session not started) ends at a chain time, and chain time moves only with blocks.
   * A node that mines only on transactions (Hardhat's or Anvil's automine) makes none while nobody sends, so the wait
   * would never end. The daemon does not act on a guessed clock: the contracts judge a call by its block's timestamp,
   * and the simulation runs at the snapshot's block, where the wait is still on. Instead, once wall time has passed
   * the wait's end by `STALL_GRACE_SECONDS` with no new block, it says so once (warn), names the chain time the wait
   * ends at and what to do, keeps it in the tick's result and `agent_chain_stalled`, and acts at the first block past
   * it.
   */
  private stalledWait(snapshot: VaultSnapshot, assessment: VaultAssessment, log: Logger): string | undefined {
    const stalled = (() => {
      if (assessment.mode !== "wait" || assessment.resumeAt === undefined || !this.head) return undefined;
      const stillSeconds = Math.floor((this.deps.clock.nowMs() - this.head.seenAtMs) / 1000);
      const waitSeconds = Number(assessment.resumeAt - snapshot.timestamp);
      if (stillSeconds < waitSeconds + STALL_GRACE_SECONDS) return undefined;
      return (
        `the node has mined no block for ${formatDuration(stillSeconds)} of wall time (chain time stands at ${formatChainTime(snapshot.timestamp)}, ` +
        `block ${snapshot.blockNumber}), and the wait ends at chain time ${formatChainTime(assessment.resumeAt)}, which only a new block reaches: ` +
        `the node mines only on transactions. Mine a block (evm_mine or hardhat_mine) or turn on interval mining; the daemon sends nothing just to make one`
      );
    })();
    this.deps.metrics.chainStalled.set({ vault: this.config.label }, stalled ? 1 : 0);
    if (stalled && this.stallLogged !== assessment.resumeAt) {
      this.stallLogged = assessment.resumeAt;
      log.warn({ resumeAt: assessment.resumeAt!.toString(), chainTime: snapshot.timestamp.toString() }, stalled);
    }
    return stalled;
  }

  private reportSessions(snapshot: VaultSnapshot, assessment: VaultAssessment, log: Logger): void {
    for (const mode of ["act", "wait", "stand-down"]) {
      this.deps.metrics.mode.set({ vault: this.config.label, mode }, mode === assessment.mode ? 1 : 0);
    }
    const key = `${assessment.mode}:${assessment.reason}`;
    if (key !== this.lastMode) {
      const fields = { mode: assessment.mode };
      if (assessment.mode === "stand-down") log.warn(fields, `standing down: ${assessment.reason}`);
      else log.info(fields, assessment.reason);
      this.lastMode = key;
    }
    for (const s of assessment.expiringSoon) {
      const id = s.id.toString();
      if (this.warned.has(id)) continue;
      this.warned.add(id);
      const endsAt = snapshot.timestamp + s.timeLeft;
      log.warn(
        { sessionId: id, secondsLeft: s.timeLeft.toString(), endsAt: endsAt.toString() },
        `session #${id} expires in ${formatDuration(s.timeLeft)} (at chain time ${formatChainTime(endsAt)}); ask the session admin for a new one`,
      );
    }
    for (const s of assessment.lossAllowanceLow) {
      const id = s.id.toString();
      if (this.lossWarned.has(id)) continue;
      this.lossWarned.add(id);
      log.warn(
        {
          sessionId: id,
          lossUsedBaseUnits: s.lossUsed.toString(),
          maxLossBaseUnits: s.maxLoss.toString(),
          lossLeftBaseUnits: s.lossLeft.toString(),
        },
        describeLossAllowanceLow(s, snapshot.assetDecimals),
      );
    }
  }
}

/** A plan's session and targets for the logs: amounts in token units for people, `…BaseUnits` for machines. */
function planFields(snapshot: VaultSnapshot, sessionId: bigint, plan: { targets: Target[]; volume: bigint }) {
  const units = (v: bigint) => tokenUnits(v, snapshot.assetDecimals);
  return {
    sessionId: sessionId.toString(),
    targets: plan.targets.map((t) => `${t.strategy}=${units(t.assets)}`),
    targetsBaseUnits: plan.targets.map((t) => `${t.strategy}=${t.assets}`),
    volume: units(plan.volume),
    volumeBaseUnits: plan.volume.toString(),
  };
}

function sameTargets(a: Target[], b: Target[]): boolean {
  return a.length === b.length && a.every((t, i) => t.strategy === b[i]!.strategy && t.assets === b[i]!.assets);
}

function describe(error: RevertError): string {
  return error.decoded?.text ?? error.message;
}
