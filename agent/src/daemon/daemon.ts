/**
 * The loop: every interval, one tick per managed vault, in order. A vault whose tick fails is logged and counted and
 * retried at the next tick; the others go on. A lens fault (the snapshot call reverts while the node answers, or the
 * snapshot does not add up) is not an outage: it is logged once per distinct fault, at error level, with its figures,
 * and shown as the vault's result and in `agent_lens_fault` until the lens answers properly again. `/health` reports how recent the last good tick is, and turns unhealthy
 * after three ticks in a row where every vault failed or saw only stale state.
 */
import type { Logger } from "pino";
import { LensFaultError, RpcError } from "../failures.js";
import type { Metrics } from "../obs/metrics.js";
import type { HealthReport } from "../obs/server.js";
import type { Clock } from "../util/clock.js";
import type { TickReport, VaultRunner } from "./vault-runner.js";

export interface DaemonOptions {
  pollIntervalMs: number;
  /** Called (and awaited) after every tick with its results: the dashboard keeps the latest state from it. */
  onTick?: (ticks: DaemonTick[]) => void | Promise<void>;
}

export type DaemonTick = { vault: string; report?: TickReport; error?: Error };

export class Daemon {
  private lastTickAt: number | undefined;
  private consecutiveFailures = 0;
  private readonly lastResult = new Map<string, string>();
  /** The lens fault each vault is in, by label: its kind and message. */
  private readonly lensFaults = new Map<string, LensFaultError>();

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
    for (const runner of this.runners) {
      const vault = runner.config.label;
      const stop = this.metrics.tickSeconds.startTimer({ vault });
      try {
        const report = await runner.tick();
        this.lensRecovered(vault);
        this.lastResult.set(vault, report.result.kind);
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
        const kind = err instanceof RpcError ? "rpc" : "internal";
        this.metrics.tickErrors.inc({ vault, kind });
        this.log.error({ vault, err }, "tick failed; retrying next interval");
        this.lastResult.set(vault, "error");
        out.push({ vault, error: err as Error });
      } finally {
        stop();
      }
    }
    this.consecutiveFailures = failures === this.runners.length ? this.consecutiveFailures + 1 : 0;
    this.lastTickAt = this.clock.nowMs();
    this.metrics.lastTick.set(this.lastTickAt / 1000);
    try {
      await this.options.onTick?.(out);
    } catch (err) {
      this.log.warn({ err }, "the tick observer failed");
    }
    return out;
  }

  /** Counts every tick in the fault; logs it when it is new for the vault (another kind, revert or figures). */
  private lensFault(vault: string, err: LensFaultError): void {
    this.metrics.tickErrors.inc({ vault, kind: err.kind });
    this.metrics.lensFault.set({ vault, kind: err.kind }, 1);
    this.lastResult.set(vault, err.kind);
    const previous = this.lensFaults.get(vault);
    this.lensFaults.set(vault, err);
    if (previous?.kind !== err.kind && previous) this.metrics.lensFault.set({ vault, kind: previous.kind }, 0);
    if (previous?.message === err.message) return;
    const fields = { vault, kind: err.kind, ...err.detail };
    this.log.error(fields, `${err.message}; standing down for this vault (not a node outage: no plan, nothing sent) until the lens answers properly`);
  }

  private lensRecovered(vault: string): void {
    const previous = this.lensFaults.get(vault);
    if (!previous) return;
    this.lensFaults.delete(vault);
    this.metrics.lensFault.set({ vault, kind: previous.kind }, 0);
    this.log.info({ vault, was: previous.kind }, "the lens answers properly again");
  }

  async run(signal: AbortSignal): Promise<void> {
    this.log.info({ vaults: this.runners.map((r) => r.config.vault), intervalMs: this.options.pollIntervalMs }, "daemon started");
    while (!signal.aborted) {
      await this.tick();
      await this.clock.sleep(this.options.pollIntervalMs, signal);
    }
    this.log.info("daemon stopped");
  }

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
