/**
 * What one tick reports to those who watch the daemon (the dashboard, the CLI's plan report, the demo, the benches):
 * the snapshot it acted on, what it decided and why, what settled, and the vault's circuit breaker and quarantine as
 * the tick left them. Everything an observer shows comes from here: none of them reads the runner or the chain.
 */
import type { VaultSnapshot } from "../chain/types.js";
import type { RebalanceVerdict } from "../checks/rebalance-check.js";
import type { RevertClass } from "../executor/classify.js";
import type { ReconcileReport } from "../executor/executor.js";
import type { PlanDecision } from "../planner/types.js";
import type { QuarantineEntry } from "../quarantine/store.js";
import type { VaultAssessment } from "../session/assess.js";
import type { YieldEstimate } from "../yield/estimate.js";

export type TickResult =
  | { kind: "in-flight"; intentHash: string; state: string }
  | { kind: "breaker-open"; reason: string }
  | { kind: "wait" | "stand-down"; reason: string }
  | { kind: "stale"; reason: string }
  | { kind: "hold"; code: string; reason: string }
  | { kind: "rejected"; stage: "mirror" | "simulation"; error: string; class?: RevertClass }
  | { kind: "deferred"; reason: string; feeWait?: true }
  | { kind: "sent"; intentHash: string; hash: string; confirmed: boolean }
  | { kind: "realize-loss"; strategy: string; reason: string; intentHash: string; hash: string; confirmed: boolean }
  | { kind: "dry-run"; simulation: string };

export interface TickReport {
  vault: string;
  label: string;
  snapshot: VaultSnapshot;
  yields: Map<string, YieldEstimate>;
  assessment?: VaultAssessment;
  plan?: PlanDecision;
  verdict?: RebalanceVerdict;
  /**
   * Set while the vault waits for a chain time no block reaches: the node has mined nothing for longer than the wait
   * (see `VaultRunner.stalledWait`). Says what to do.
   */
  chainStall?: string;
  /**
   * A loss write-down sent (or deferred) this tick: the result too, unless the tick stood down, waited or found the
   * breaker open.
   */
  writeDown?: TickResult;
  settled: ReconcileReport[];
  result: TickResult;
  /** The vault's circuit breaker as the tick left it. */
  breaker: { open: boolean; reason?: string };
  /** The strategies in quarantine as the tick left them. */
  quarantine: QuarantineEntry[];
  /**
   * The vault read again after a tick that sent or settled something (`snapshot` is from before), when the tick was
   * asked to (`TickOptions.readAfter`) and the read succeeded.
   */
  after?: VaultSnapshot;
}

/** One vault's tick in the daemon's loop: its report, or the error that ended it. */
export type DaemonTick = { vault: string; report?: TickReport; error?: Error };
