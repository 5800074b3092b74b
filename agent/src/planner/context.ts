/**
 * What every planner needs to know about the room it has: per strategy the lowest and highest allocation it may plan,
 * the idle reserve, and the volume budget (a reduce-only session may raise none). Pure.
 */
import type { StrategyState } from "../chain/types.js";
import { BPS, DUST_DIVISOR, maxBig, minBig, mulDivDown, mulDivUp } from "../checks/math.js";
import { isPriceFrozen } from "../checks/price-rate.js";
import { positionValue } from "../checks/valuation.js";
import { formatAmount } from "../util/format.js";
import type { CostModel, PlanDecision, PlannerInput } from "./types.js";

export interface StrategyRoom {
  state: StrategyState;
  inScope: boolean;
  /** Whether the daemon quarantined it (see `PlannerInput.quarantined`). */
  quarantined: boolean;
  /** Whether less of its position can be withdrawn now than `PlannerInput.minWithdrawableBps` of it. */
  illiquid: boolean;
  /** Whether the share-price rate bound froze it (or would at `now`): exit-only, like a disabled strategy. */
  frozen: boolean;
  /**
   * Whether the plan may keep it up to its capacity: in scope, enabled, not frozen and not quarantined (else it is moved
   * out).
   */
  canKeep: boolean;
  /**
   * Whether the plan may raise it: it may be kept, it is not illiquid, the session is not reduce-only, and the vault
   * is not below its liquidity floor (where it refuses any raise).
   */
  canRaise: boolean;
  /** Lowest allocation reachable now: what it cannot release stays (liquidity), out-of-scope ones stay put. */
  floor: bigint;
  /**
   * Tighter of the two caps minus the safety margin, at most what the strategy accepts now (`maxDeposit`), and at most
   * its share of the room left in each of its risk groups (`shareRiskGroupRoom`).
   */
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

/** The volume a plan may move under the session's limits: the smaller of the volume left in the call and in the epoch,
 *  less the safety margin. */
export function sessionVolumeBudget(input: Pick<PlannerInput, "remaining" | "params">): bigint {
  const { remaining, params } = input;
  const limit = minBig(remaining.volumePerCall, remaining.volumeInEpoch);
  return limit - mulDivUp(limit, BigInt(params.safetyMarginBps), BPS);
}

export function planContext(input: PlannerInput): PlanContext {
  const { snapshot, session, params } = input;
  // The vault starts a rebalance from total assets valued live (the snapshot's figure), which the call can only lower
  // (by rounding the margin covers), and measures caps and the idle buffer without the deposits of the block it runs
  // in: plan caps on total less those deposits, and keep idle at the buffer of that base on top of them.
  const inflow = snapshot.inflowInBlock;
  const totalLow = maxBig(0n, snapshot.totalAssets - inflow);
  const margin = mulDivDown(totalLow, BigInt(params.safetyMarginBps), BPS);
  const reserve = inflow + mulDivUp(totalLow, BigInt(snapshot.bounds.idleBufferBps), BPS) + margin;
  const volumeBudget = sessionVolumeBudget(input);

  // The liquidity floor: a rebalance that raises a strategy must leave idle plus what the strategies let go (less the
  // block's deposits) at the floor's share of the total. Moving money between liquid places keeps that figure; money
  // into a liquidity group beyond its largest member takes it down one for one. Below the floor already, nothing may
  // be raised (de-risking still passes); above it, a group member is raised by at most the slack.
  const floorRequired =
    snapshot.liquidityFloorBps === 0 ? 0n : mulDivUp(totalLow, BigInt(snapshot.liquidityFloorBps), BPS) + margin;
  const liquidityNow = maxBig(0n, snapshot.availableLiquidity - inflow);
  const belowFloor = floorRequired !== 0n && liquidityNow < floorRequired;
  const floorSlack = floorRequired === 0n ? UNLIMITED : maxBig(0n, liquidityNow - floorRequired);

  const strategies = snapshot.strategies.map((state): StrategyRoom => {
    const inScope = ((session.scope >> BigInt(state.index)) & 1n) === 1n;
    const quarantine = input.quarantined?.get(state.strategy.toLowerCase());
    const cap = minBig(state.absoluteCap, mulDivDown(totalLow, BigInt(state.relativeCapBps), BPS));
    const cur = state.currentValue;
    // A full strategy accepts no more than `maxDeposit`, less the margin (others deposit into it too).
    const room = state.depositable - mulDivUp(state.depositable, BigInt(params.safetyMarginBps), BPS);
    let capacity = minBig(maxBig(0n, cap - margin), cur + room);
    if (state.liquidityGroup !== 0) capacity = minBig(capacity, cur + floorSlack);
    // A full exit may leave shares worth a position's 1 ppm plus one unit (the vault's rule for rounding-short
    // `maxRedeem`); a partial one stays within what can be withdrawn now, less the margin (interest and other lenders
    // move the figure between the snapshot and the block the call lands in).
    // A full exit that leaves dust brings that much less into idle than the plan moves: only an exit the vault needs
    // (a disabled or quarantined strategy) takes it; chasing yield, such a strategy gives what it can withdraw.
    const exact = state.redeemableShares >= state.shares && state.withdrawable >= cur;
    // Frozen by the share-price rate bound (on chain, or by a jump the vault would see now): exit-only, like disabled.
    const frozen = snapshot.maxPriceRateBps !== 0 && isPriceFrozen(state, snapshot.maxPriceRateBps, input.now);
    const leavingFully = !state.enabled || frozen || quarantine === true;
    const canExitFully = exact || (leavingFully && cur <= state.withdrawable + cur / DUST_DIVISOR + 1n);
    const withdrawable =
      state.withdrawable -
      mulDivUp(state.withdrawable, BigInt(params.safetyMarginBps), BPS) -
      minBig(state.withdrawable, 1n);
    // Out of scope, or quarantined to be left in place: it stays where it is.
    const floor =
      !inScope || quarantine === false
        ? cur
        : canExitFully
          ? 0n
          : cur > withdrawable
            ? cur - withdrawable
            : minBig(cur, 1n);
    const quarantined = quarantine !== undefined;
    // Too little of the position can come out now (a run on the strategy, or its market lent out): no new money
    // goes in until it can; it is not quarantined, as liquidity comes back when borrowers repay.
    const illiquid = state.shares > 0n && state.withdrawable * BPS < cur * BigInt(input.minWithdrawableBps ?? 0);
    const canKeep = inScope && state.enabled && !frozen && !quarantined;
    const canRaise = canKeep && !illiquid && !session.reduceOnly && !belowFloor;
    return { state, inScope, quarantined, frozen, illiquid, canKeep, canRaise, floor, capacity };
  });
  shareRiskGroupRoom(snapshot, strategies, totalLow, margin);
  // A full exit of a strategy whose `maxRedeem` rounds short brings up to its dust less into idle than its value.
  const exitDust = strategies.reduce(
    (sum, r) =>
      r.floor === 0n && r.state.shares > r.state.redeemableShares
        ? sum + r.state.currentValue / DUST_DIVISOR + 1n
        : sum,
    0n,
  );
  return {
    strategies,
    totalLive: snapshot.totalAssets,
    reserve: reserve + exitDust,
    volumeBudget: maxBig(0n, volumeBudget),
    margin,
  };
}

/** Larger than any real amount: no liquidity floor to keep. */
const UNLIMITED = 2n ** 255n;

/**
 * Risk-group caps as a shared cap over each group's members: the room a group has left (the tighter of its caps on
 * `totalLow`, less the margin, less what its listed members hold now) is split equally over the members the plan may
 * raise, and each such member's capacity is at most its value now plus its part (in each of its groups). So members
 * that all rise to their capacity keep the group within its cap, whatever the planner does with the rest; a group at
 * or over its cap lets none of its members rise (lowering them is always allowed). Conservative: room freed by a member
 * the plan lowers is not handed to the others in the same call. In place.
 */
function shareRiskGroupRoom(
  snapshot: PlannerInput["snapshot"],
  strategies: StrategyRoom[],
  totalLow: bigint,
  margin: bigint,
): void {
  const tagged = snapshot.strategies.reduce((mask, s) => mask | BigInt(s.riskGroups ?? 0), 0n);
  for (let id = 0; tagged >> BigInt(id) !== 0n; id++) {
    const bit = 1n << BigInt(id);
    if ((tagged & bit) === 0n) continue;
    // A tagged id the snapshot has no caps for caps at 0, as on chain.
    const group = snapshot.riskGroups?.find((g) => g.id === id) ?? { absoluteCap: 0n, relativeCapBps: 0 };
    const isMember = (s: StrategyState) => (BigInt(s.riskGroups ?? 0) & bit) !== 0n;
    const members = strategies.filter((r) => isMember(r.state));
    const cap = minBig(group.absoluteCap, mulDivDown(totalLow, BigInt(group.relativeCapBps), BPS));
    const held = members.reduce((sum, r) => sum + positionValue(r.state), 0n);
    const room = maxBig(0n, cap - margin - held);
    const raisers = members.filter((r) => r.canRaise);
    if (raisers.length === 0) continue;
    const part = room / BigInt(raisers.length);
    for (const r of raisers) r.capacity = minBig(r.capacity, positionValue(r.state) + part);
  }
}

/**
 * The holds every planner starts with: no listed strategy in the session's scope, or too little session budget left.
 */
export function sessionHold(input: PlannerInput, ctx: PlanContext): PlanDecision | undefined {
  if (!ctx.strategies.some((s) => s.inScope)) {
    return { kind: "hold", code: "nothing-in-scope", reason: "the session's scope covers no listed strategy" };
  }
  if (ctx.volumeBudget < input.params.minMove || input.remaining.callsInEpoch === 0n) {
    const volume = formatAmount(ctx.volumeBudget, input.snapshot.assetDecimals);
    return {
      kind: "hold",
      code: "no-session-budget",
      reason: `the session has ${volume} volume and ${input.remaining.callsInEpoch} calls left this epoch`,
    };
  }
  return undefined;
}

/** The hold of a reduce-only session with nothing the risk rules call to lower or empty. */
export function nothingToReduce(): PlanDecision {
  return { kind: "hold", code: "reduce-only", reason: "reduce-only session: nothing to reduce" };
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
