/**
 * The loop: every interval, every vault's snapshot read together (one batched round trip), then one tick per managed
 * vault, in order, each on its own snapshot. A vault whose tick fails is counted and retried at the next tick, the
 * others going on; the failure is logged once (and again only when it changes), and the first good
 * tick after it says `recovered`. A lens fault (the snapshot call reverts while the node answers, or the
 * snapshot does not add up) is not an outage: it is logged once per distinct fault, at error level, with its figures,
 * and shown as the vault's result and in `agent_lens_fault` until the lens answers properly again. `/health` reports
 * how recent the last good tick is, and turns unhealthy
 * after three ticks in a row where every vault failed or saw only stale state.
 */
import { formatEther } from "ethers";
import type { Logger } from "pino";
import type { KeyFunds } from "../executor/funds.js";
import { errorDetail, LensFaultError, RpcError, SignerError } from "../failures.js";
import type { Metrics } from "../obs/metrics.js";
import type { HealthReport } from "../obs/server.js";
import type { Clock } from "../util/clock.js";
import { formatDuration } from "../util/format.js";
import type { DaemonTick, TickReport } from "../obs/tick-report.js";
import type { VaultSnapshot } from "../chain/types.js";
import type { VaultRunner } from "./vault-runner.js";

export type { DaemonTick } from "../obs/tick-report.js";

export interface DaemonOptions {
  pollIntervalMs: number;
  /** Called (and awaited) after every tick with its results: the dashboard keeps the latest state from it. */
  onTick?: (ticks: DaemonTick[]) => void | Promise<void>;
  /** The agent key's balance: a key that cannot pay for a transaction makes the daemon not ready. */
  funds?: KeyFunds;
  /** Read each vault again after a tick that sent or settled something (`TickReport.after`): the dashboard shows the
   *  state after the transaction. One more lens call on those ticks. */
  readAfter?: boolean;
}

/** Whether one vault can act, from its last tick: `waiting` (cooldown, budget, not started) counts as able. */
export type VaultReadiness = { state: "can-act" | "waiting" | "cannot-act"; result: string; reason: string };

/**
 * `/ready`: whether the agent can act. Not ready (503) when the loop is not live, a vault stands down (session expired,
 * revoked or missing, agents paused), its breaker is open, its lens faults, its tick fails or sees only stale state, or
 * the key cannot pay for a transaction. Waiting out a cooldown or a spent budget is ready; a key below
 * `tx.lowBalanceEth` is ready with a warning.
 */
export interface ReadinessReport {
  ready: boolean;
  status: "ready" | "not-ready";
  reasons: string[];
  warnings: string[];
  vaults: Record<string, VaultReadiness>;
  key: { address: string; balanceWei: string | null; lowBalanceWei: string; low: boolean; cannotPay: boolean } | null;
}

/** A vault's readiness from its tick: stand-downs and stale state cannot act; waits can, later. */
function vaultReadiness(report: TickReport): VaultReadiness {
  const result = report.result;
  const reason = "reason" in result ? result.reason : result.kind;
  if (result.kind === "stand-down" || result.kind === "breaker-open" || result.kind === "stale")
    return { state: "cannot-act", result: result.kind, reason };
  // A write-down ends a tick before the session is judged: the assessment still says whether the agent could act.
  if (report.assessment?.mode === "stand-down")
    return { state: "cannot-act", result: "stand-down", reason: report.assessment.reason };
  if (result.kind === "deferred" && result.feeWait)
    return { state: "waiting", result: result.kind, reason: result.reason };
  if (result.kind === "wait" || report.assessment?.mode === "wait")
    return { state: "waiting", result: result.kind, reason: report.assessment?.reason ?? reason };
  return { state: "can-act", result: result.kind, reason };
}

export class Daemon {
  private lastTickAt: number | undefined;
  private consecutiveFailures = 0;
  private readonly lastResult = new Map<string, string>();
  private readonly lastReadiness = new Map<string, VaultReadiness>();
  /** The lens fault each vault is in, by label: its kind and message. */
  private readonly lensFaults = new Map<string, LensFaultError>();
  /** Vaults whose ticks fail, by label: since when (wall ms), how many ticks, and the failure logged last. */
  private readonly failing = new Map<string, { since: number; ticks: number; key: string }>();

  constructor(
    readonly runners: VaultRunner[],
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly options: DaemonOptions,
  ) {}

  async tick(): Promise<DaemonTick[]> {
    const out: DaemonTick[] = [];
    let failures = 0;
    const snapshots = this.readAll();
    for (const [i, runner] of this.runners.entries()) {
      const vault = runner.config.label;
      const stop = this.metrics.tickSeconds.startTimer({ vault });
      try {
        const report = await runner.tick({ readAfter: this.options.readAfter, snapshot: snapshots[i] });
        this.tickRecovered(vault);
        this.lensRecovered(vault);
        this.lastResult.set(vault, report.result.kind);
        this.lastReadiness.set(vault, vaultReadiness(report));
        // A vault whose node keeps answering from the past is not working either: counted toward unhealthy.
        if (report.result.kind === "stale") failures++;
        out.push({ vault, report });
      } catch (err) {
        failures++;
        if (err instanceof LensFaultError) {
          this.lensFault(vault, err);
          out.push({ vault, error: err });
          continue;
        }
        // A remote signer that fails is a failed send: nothing was journaled or broadcast, the next tick tries again.
        const kind = err instanceof RpcError ? "rpc" : err instanceof SignerError ? "signer" : "internal";
        this.metrics.tickErrors.inc({ vault, kind });
        this.tickFailed(vault, kind, err as Error);
        this.lastResult.set(vault, "error");
        this.lastReadiness.set(vault, {
          state: "cannot-act",
          result: "error",
          reason: `tick failed: ${(err as Error).message}`,
        });
        out.push({ vault, error: err as Error });
      } finally {
        stop();
      }
    }
    this.consecutiveFailures = failures === this.runners.length ? this.consecutiveFailures + 1 : 0;
    this.lastTickAt = this.clock.nowMs();
    this.metrics.lastTick.set(this.lastTickAt / 1000);
    this.metrics.ready.set(this.readiness().ready ? 1 : 0);
    try {
      await this.options.onTick?.(out);
    } catch (err) {
      this.log.warn({ err }, "the tick observer failed");
    }
    return out;
  }

  /**
   * Every vault's snapshot, asked for at once: the provider sends requests issued together as one JSON-RPC batch, so
   * the fleet is read in one round trip instead of one per vault. Each vault's tick then takes its own snapshot, in
   * order; a read that fails fails that vault's tick alone (handled there, not left as an unhandled rejection here).
   */
  private readAll(): Promise<VaultSnapshot>[] {
    return this.runners.map((runner) => {
      const snapshot = runner.readSnapshot();
      snapshot.catch(() => undefined);
      return snapshot;
    });
  }

  /**
   * A failed tick (the node down, or an internal error) is logged once, at error level, when the vault starts failing
   * and again only when the failure changes; the ticks in between are debug lines (and counted in
   * `agent_tick_errors_total`). The first good tick after it says `recovered`.
   */
  private tickFailed(vault: string, kind: string, err: Error): void {
    const detail = errorDetail(err);
    // A node outage is one failure whichever request of the tick it cut; an internal error is told by its message.
    const key = kind === "rpc" ? kind : `${kind}:${err.message}`;
    const was = this.failing.get(vault);
    if (!was) {
      this.failing.set(vault, { since: this.clock.nowMs(), ticks: 1, key });
      const every =
        this.options.pollIntervalMs < 1_000
          ? `${this.options.pollIntervalMs} ms`
          : formatDuration(Math.round(this.options.pollIntervalMs / 1000));
      this.log.error(
        { vault, kind, err },
        `tick failed: ${detail}; retrying every ${every} (logged again when the failure changes, and when it recovers)`,
      );
      return;
    }
    was.ticks++;
    if (was.key !== key) {
      was.key = key;
      this.log.error({ vault, kind, err, failedTicks: was.ticks }, `tick still failing, now: ${detail}`);
    } else {
      this.log.debug({ vault, kind, failedTicks: was.ticks }, `tick failed again: ${detail}`);
    }
  }

  private tickRecovered(vault: string): void {
    const was = this.failing.get(vault);
    if (!was) return;
    this.failing.delete(vault);
    const seconds = Math.round((this.clock.nowMs() - was.since) / 1000);
    this.log.info(
      { vault, failedTicks: was.ticks, downSeconds: seconds },
      `recovered: vault ${vault} ticks again after ${was.ticks} failed tick${was.ticks === 1 ? "" : "s"} over ${formatDuration(seconds)}`,
    );
  }

  /** Counts every tick in the fault; logs it when it is new for the vault (another kind, revert or figures). */
  private lensFault(vault: string, err: LensFaultError): void {
    this.metrics.tickErrors.inc({ vault, kind: err.kind });
    this.metrics.lensFault.set({ vault, kind: err.kind }, 1);
    this.lastResult.set(vault, err.kind);
    this.lastReadiness.set(vault, { state: "cannot-act", result: err.kind, reason: err.message });
    const previous = this.lensFaults.get(vault);
    this.lensFaults.set(vault, err);
    if (previous?.kind !== err.kind && previous) this.metrics.lensFault.set({ vault, kind: previous.kind }, 0);
    if (previous?.message === err.message) return;
    const fields = { vault, kind: err.kind, ...err.detail };
    this.log.error(
      fields,
      `${err.message}; standing down for this vault (not a node outage: no plan, nothing sent) until the lens answers properly`,
    );
  }

  private lensRecovered(vault: string): void {
    const previous = this.lensFaults.get(vault);
    if (!previous) return;
    this.lensFaults.delete(vault);
    this.metrics.lensFault.set({ vault, kind: previous.kind }, 0);
    this.log.info({ vault, was: previous.kind }, "the lens answers properly again");
  }

  /**
   * Ticks every interval until `signal` aborts (its reason, e.g. "SIGTERM", is named in the last line). A tick under
   * way when it aborts is finished first: nothing is left half-sent.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.log.info(
      { vaults: this.runners.map((r) => r.config.vault), intervalMs: this.options.pollIntervalMs },
      "daemon started",
    );
    let ticks = 0;
    while (!signal.aborted) {
      await this.tick();
      ticks++;
      await this.clock.sleep(this.options.pollIntervalMs, signal);
    }
    const inFlight = this.runners.filter((r) => r.inFlight()).map((r) => r.config.label);
    const reason = signal.reason === undefined || signal.reason instanceof Error ? "" : ` (${String(signal.reason)})`;
    this.log.info(
      { ticks, inFlight, reason: signal.reason instanceof Error ? undefined : signal.reason },
      `daemon stopped${reason} after ${ticks} tick${ticks === 1 ? "" : "s"}` +
        (inFlight.length > 0
          ? `; a transaction is still in flight for ${inFlight.join(", ")}: it stays in the journal and the next start settles it first`
          : ""),
    );
  }

  /** Whether the agent can act now (see `ReadinessReport`): the body of `/ready`. */
  readiness(): ReadinessReport {
    const reasons: string[] = [];
    const warnings: string[] = [];
    const live = this.health();
    if (!live.healthy)
      reasons.push(this.lastTickAt === undefined ? "no tick yet" : "the loop is not healthy (see /health)");
    const vaults: Record<string, VaultReadiness> = {};
    for (const r of this.runners) {
      const label = r.config.label;
      const v = r.breaker.open
        ? {
            state: "cannot-act" as const,
            result: "breaker-open",
            reason: `circuit breaker open: ${r.breaker.reason ?? "open"}`,
          }
        : (this.lastReadiness.get(label) ?? { state: "cannot-act" as const, result: "none", reason: "no tick yet" });
      vaults[label] = v;
      if (v.state === "cannot-act") reasons.push(`${label}: ${v.reason}`);
    }
    const funds = this.options.funds;
    if (funds?.cannotPay)
      reasons.push(
        `the agent key ${funds.address} cannot pay for a transaction (${formatEther(funds.balance ?? 0n)} ETH)`,
      );
    else if (funds?.low)
      warnings.push(
        `the agent key ${funds.address} holds ${formatEther(funds.balance!)} ETH, below tx.lowBalanceEth (${formatEther(funds.lowBalance)} ETH)`,
      );
    const ready = reasons.length === 0;
    return {
      ready,
      status: ready ? "ready" : "not-ready",
      reasons,
      warnings,
      vaults,
      key: funds
        ? {
            address: funds.address,
            balanceWei: funds.balance?.toString() ?? null,
            lowBalanceWei: funds.lowBalance.toString(),
            low: funds.low,
            cannotPay: funds.cannotPay,
          }
        : null,
    };
  }

  /** Liveness: the loop runs and its ticks succeed (the body of `/health`); whether the agent can act is `/ready`. */
  health(): HealthReport {
    const now = this.clock.nowMs();
    const stale = this.lastTickAt === undefined || now - this.lastTickAt > 3 * this.options.pollIntervalMs + 30_000;
    const breakers = this.runners.filter((r) => r.breaker.open).map((r) => r.config.label);
    return {
      healthy: !stale && this.consecutiveFailures < 3 && breakers.length === 0,
      lastTickAt: this.lastTickAt === undefined ? null : new Date(this.lastTickAt).toISOString(),
      consecutiveFailures: this.consecutiveFailures,
      breakersOpen: breakers,
      vaults: Object.fromEntries(this.lastResult),
    };
  }
}
