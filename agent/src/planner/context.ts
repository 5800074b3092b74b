/**
 * What every planner needs to know about the room it has: per strategy the lowest and highest allocation it may plan,
 * the idle reserve, and the volume budget. Pure.
 */
import type { StrategyState } from "../chain/types.js";
import { BPS, maxBig, minBig, mulDivDown, mulDivUp } from "../checks/math.js";
import type { CostModel, PlannerInput } from "./types.js";

export interface StrategyRoom {
  state: StrategyState;
  inScope: boolean;
  /** Whether the daemon quarantined it (see `PlannerInput.quarantined`). */
  quarantined: boolean;
  /** Whether the plan may raise it: in scope, enabled and not quarantined. */
  canRaise: boolean;
  /** Lowest allocation reachable now: what it cannot release stays (liquidity), out-of-scope ones stay put. */
  floor: bigint;
  /** Tighter of the two caps, minus the safety margin. */
  capacity: bigint;
}

export interface PlanContext {
  strategies: StrategyRoom[];
  /** Total assets as the vault values them (live, gains limited by its gain rate). */
  totalLive: bigint;
  /** Idle to keep: the buffer on the highest total the vault may see, plus the margin. */
  reserve: bigint;
  /** Volume the call may move: the session's per-call and epoch room, minus the margin. */
  volumeBudget: bigint;
  margin: bigint;
}

export function planContext(input: PlannerInput): PlanContext {
  const { snapshot, session, remaining, params } = input;
  // The vault starts a rebalance from total assets valued live (the snapshot's figure), which the call can only lower
  // (by rounding the margin covers), and measures caps and the idle buffer without the deposits of the block it runs
  // in: plan caps on total less those deposits, and keep idle at the buffer of that base on top of them.
  const inflow = snapshot.inflowInBlock;
  const totalLow = maxBig(0n, snapshot.totalAssets - inflow);
  const margin = mulDivDown(totalLow, BigInt(params.safetyMarginBps), BPS);
  const reserve = inflow + mulDivUp(totalLow, BigInt(snapshot.bounds.idleBufferBps), BPS) + margin;
  const limit = minBig(remaining.volumePerCall, remaining.volumeInEpoch);
  const volumeBudget = limit - mulDivUp(limit, BigInt(params.safetyMarginBps), BPS);

  const strategies = snapshot.strategies.map((state): StrategyRoom => {
    const inScope = ((session.scope >> BigInt(state.index)) & 1n) === 1n;
    const quarantine = input.quarantined?.get(state.strategy.toLowerCase());
    const cap = minBig(state.absoluteCap, mulDivDown(totalLow, BigInt(state.relativeCapBps), BPS));
    const capacity = maxBig(0n, cap - margin);
    const cur = state.currentValue;
    // A full exit needs every share redeemable now; a partial one, the amount withdrawable now.
    const canExitFully = state.withdrawable >= cur && state.redeemableShares >= state.shares;
    // Out of scope, or quarantined to be left in place: it stays where it is.
    const floor = !inScope || quarantine === false ? cur : canExitFully ? 0n : cur > state.withdrawable ? cur - state.withdrawable : minBig(cur, 1n);
    const quarantined = quarantine !== undefined;
    return { state, inScope, quarantined, canRaise: inScope && state.enabled && !quarantined, floor, capacity };
  });
  return { strategies, totalLive: snapshot.totalAssets, reserve, volumeBudget: maxBig(0n, volumeBudget), margin };
}

/** Gas of a call with `legs` legs, in asset units. */
export function gasCostInAssets(cost: CostModel, legs: number): bigint {
  const gas = cost.baseGas + cost.gasPerLeg * BigInt(legs);
  return (gas * cost.gasPriceWei * cost.assetPerNative) / 10n ** 18n;
}

/** `#1 0xa513E6`: a strategy's index in the vault and the start of its address. */
export function strategyLabel(input: PlannerInput, strategy: string): string {
  const index = input.snapshot.strategies.find((s) => s.strategy === strategy)?.index;
  return `${index === undefined ? "" : `#${index} `}${strategy.slice(0, 8)}`;
}
