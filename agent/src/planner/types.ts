/**
 * The planner interface. A planner is pure: state, bounds, session budget, yield estimates and `now` in; a
 * rebalance or a reason to hold out. Planners never do I/O and never read the clock.
 */
import type { SessionRecord, SessionRemaining, Target, VaultSnapshot } from "../chain/types.js";
import type { YieldEstimate } from "../yield/estimate.js";
import type { RateAfter } from "../yield/model.js";

export interface PlannerParams {
  /** Smallest leg worth making, in assets. */
  minMove: bigint;
  /** Distance kept inside every cap, the idle buffer and the session's volume limits, in bps (of total assets, or of
   *  the volume limit). Covers rounding and yield accrued between the read and the block that includes the call. */
  safetyMarginBps: number;
  /** Anti-churn horizon: a move must earn more than its gas within this many seconds. */
  horizonSeconds: bigint;
  /** Smallest difference in risk-adjusted yield worth a move between two places (WAD, 1e18 = 100%/year). */
  minSpreadWad: bigint;
  /** Yield discount per strategy for its risk, WAD per year, by lower-case address. */
  riskPremiumWad: Readonly<Record<string, bigint>>;
  /** Weight of the observed yield volatility in the score, in bps (10_000 = subtract one volatility). */
  volatilityWeightBps: number;
  /**
   * A one-off loss any strategy may plausibly take, as a share of what it holds (WAD: 1e15 = 0.1%); 0 turns the rule
   * off. Above a strategy's equal share the planner puts money in only when the extra yield over the horizon beats this
   * loss on the extra amount: its score there is lower by `plausibleLossWad × year / horizonSeconds`.
   */
  plausibleLossWad: bigint;
  /** A strategy the agent raised is not lowered within this many seconds, nor one it lowered raised, unless a risk
   *  sign calls for it (0: no such rule). */
  minHoldSeconds: bigint;
}

/** One strategy the agent moved: which way, and when (chain time of the plan). */
export interface RecentMove {
  strategy: string;
  raised: boolean;
  at: bigint;
}

/** Turns gas into asset units for the anti-churn test. */
export interface CostModel {
  gasPriceWei: bigint;
  /** Gas of a rebalance call without legs, and per leg. */
  baseGas: bigint;
  gasPerLeg: bigint;
  /** Asset base units per 1e18 wei of the native coin (e.g. 3000e6 for USDC when ETH is at 3000). */
  assetPerNative: bigint;
}

export interface PlannerInput {
  snapshot: VaultSnapshot;
  sessionId: bigint;
  session: SessionRecord;
  /** What the session has left at `now`. */
  remaining: SessionRemaining;
  /** Yield estimates by checksummed strategy address; a missing one counts as no signal. */
  yields: ReadonlyMap<string, YieldEstimate>;
  params: PlannerParams;
  cost: CostModel;
  now: bigint;
  /** Quarantined strategies by lower-case address: true to move out as liquidity allows, false to leave in place.
   *  Neither kind is raised. */
  quarantined?: ReadonlyMap<string, boolean>;
  /**
   * A strategy holding the vault's money of which less than this share (bps) can be withdrawn now gets no new money
   * (0 or missing: no such rule).
   */
  minWithdrawableBps?: number;
  /** The rate after the agent's own move, from a model with a view of the strategy's market (`YieldModel.rateAfter`):
   *  the planner then allocates in chunks by the marginal rate. Missing: rates do not depend on the move. */
  rateAfter?: RateAfter;
  /** The agent's own moves sent recently (at least those within `minHoldSeconds`), oldest first. */
  recentMoves?: readonly RecentMove[];
}

export interface PlannedLeg {
  strategy: string;
  from: bigint;
  to: bigint;
  /** Risk-adjusted yield used for the decision (WAD per year), when the planner has one. */
  scoreWad?: bigint;
}

export type HoldCode =
  | "no-session-budget"
  | "no-yield-signal"
  | "balanced"
  | "below-min-move"
  | "gain-below-gas"
  | "nothing-in-scope"
  /** A reduce-only session, and nothing the risk rules call to lower or empty. */
  | "reduce-only"
  /** The plan would lose more than the session's own loss allowance has left. */
  | "session-loss-allowance"
  /** The plan's volume is above the vault's step-up threshold and no co-signature is at hand: it waits, no breaker. */
  | "co-signature-required";

export type PlanDecision =
  | {
      kind: "rebalance";
      targets: Target[];
      legs: PlannedLeg[];
      volume: bigint;
      /** Expected risk-adjusted gain over the horizon, in assets (negative for a forced move that costs yield). */
      expectedGain: bigint;
      gasCost: bigint;
      /**
       * Whether the plan restores a bound (idle buffer, a lowered cap, a disabled strategy) rather than chase yield.
       */
      forced: boolean;
      reason: string;
    }
  | { kind: "hold"; code: HoldCode; reason: string };

/**
 * The gas price decides only whether a plan is worth making: for the same input, a planner returns the same targets at
 * any gas price or holds, and a plan that holds at one price holds at every higher one. The daemon relies on it to plan
 * before it asks the node for fees.
 */
export interface Planner {
  readonly name: string;
  plan(input: PlannerInput): PlanDecision;
}
