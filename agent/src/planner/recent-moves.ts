/**
 * The agent's own recent moves, for the yield planner's rule against reversals (`PlannerParams.minHoldSeconds`). The
 * runner records the legs of each yield plan it sends, and forgets them when the transaction reverts, is dropped or is
 * cancelled. Kept in memory: after a restart the rule starts afresh (a reversal then costs no more than one tick's
 * churn, and the journal keeps every move for audit). Pure: no I/O, no clock.
 */
import type { PlannedLeg, RecentMove } from "./types.js";

export class RecentMoves {
  private readonly byIntent = new Map<string, RecentMove[]>();

  /** The legs of a plan sent at `at` under `intentHash` that followed a yield estimate (a leg made without one, such
   *  as the first tick's equal split, binds nothing). */
  record(intentHash: string, legs: readonly PlannedLeg[], at: bigint): void {
    const moves = legs
      .filter((l) => l.to !== l.from && l.scoreWad !== undefined)
      .map((l) => ({ strategy: l.strategy, raised: l.to > l.from, at }));
    if (moves.length > 0) this.byIntent.set(intentHash, moves);
  }

  /** A plan that never took effect (reverted, dropped, cancelled). */
  forget(intentHash: string): void {
    this.byIntent.delete(intentHash);
  }

  /** The moves made after `now - keepSeconds`, oldest first; older ones are dropped. */
  since(now: bigint, keepSeconds: bigint): RecentMove[] {
    const out: RecentMove[] = [];
    for (const [hash, moves] of this.byIntent) {
      if (moves[0]!.at + keepSeconds <= now) this.byIntent.delete(hash);
      else out.push(...moves);
    }
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }
}
