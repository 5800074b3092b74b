/**
 * Pure mirror of `TreasuryVault.previewRebalance` (which runs the real rebalance and undoes it): every check in the
 * vault's order (shape, share-price rate bound, session, withdraw limits and idle, caps, risk-group caps, idle buffer,
 * liquidity floor, per-call loss, epoch loss budget, drawdown, step-up co-signature, the session's own loss allowance),
 * with the same error names and arguments, and the same figures. No I/O:
 * the vault state comes from a lens snapshot, the strategies' share math from a `StrategyValuation`, and the time is
 * given.
 *
 * Valuation as the vault does it: total assets before are the snapshot's (valued live, gains capped by the gain rate);
 * a leg's current value is its live value (`previewRedeem` of the vault's shares), or its book value where the views
 * fail. After the moves each touched leg is booked at min(live value after, value before - assets that left + assets
 * that arrived), total assets fall by any drop of idle plus the touched legs (never rise), and caps, the buffer and the
 * loss limits are measured without the deposits of the current block.
 *
 * When the call would revert, `previewRebalance` reports only the reason, the volume and the session's volume headroom
 * (every other figure 0); so does the mirror.
 */
import type { SessionRecord, StrategyState, Target, VaultSnapshot } from "../chain/types.js";
import { BPS, DUST_DIVISOR, maxBig, minBig, mulDivDown, mulDivUp } from "./math.js";
import { isPriceFrozen } from "./price-rate.js";
import { checkSession, checkSessionLoss, sessionRemaining } from "./session-check.js";
import { positionValue, viewsFail, type StrategyValuation } from "./valuation.js";
import { predicted, type PredictedError } from "./verdict.js";

export interface RebalanceCheckInput {
  snapshot: VaultSnapshot;
  targets: Target[];
  sessionId: bigint;
  /** The stored session for `sessionId` (any agent, any vault); undefined when never granted. */
  session: SessionRecord | undefined;
  /** The address that would call `rebalance`. */
  agent: string;
  valuation: StrategyValuation;
  /** Block time the checks run at; defaults to the snapshot's. */
  now?: bigint;
  /** Whether the call carries the policy signer's co-signature (`rebalanceCosigned`): the step-up does not apply. */
  cosigned?: boolean;
}

/** What `previewRebalance` returns, with the reason as a predicted error instead of bytes. */
export interface RebalanceVerdict {
  ok: boolean;
  error: PredictedError | undefined;
  volume: bigint;
  predictedLoss: bigint;
  lossHeadroom: bigint;
  callVolumeHeadroom: bigint;
  epochVolumeHeadroom: bigint;
  capHeadroom: bigint[];
  idleAfter: bigint;
  totalAssetsAfter: bigint;
}

interface Leg {
  strategy: string;
  config: StrategyState;
  /** Live value before the call, or book value where the strategy's views fail. */
  current: bigint;
  target: bigint;
}

/**
 * What the legs did: the first error they raise (a withdraw limit, or idle short of a deposit), idle and values after.
 */
interface Moves {
  error: PredictedError | undefined;
  idleAfter: bigint;
  /** Each leg's value as the vault books it after the call. */
  afterValues: bigint[];
  /** Per leg, assets it sent to idle (withdrawal) or took from it (deposit, negative). */
  moved: bigint[];
}

/** Looks a session up in the snapshot (the agent's sessions for this vault). */
export function sessionFromSnapshot(snapshot: VaultSnapshot, sessionId: bigint): SessionRecord | undefined {
  return snapshot.sessions.find((s) => s.id === sessionId)?.session;
}

export function checkRebalance(input: RebalanceCheckInput): RebalanceVerdict {
  const { snapshot, targets, valuation } = input;
  const now = input.now ?? snapshot.timestamp;
  const verdict: RebalanceVerdict = {
    ok: false,
    error: undefined,
    volume: 0n,
    predictedLoss: 0n,
    lossHeadroom: 0n,
    callVolumeHeadroom: 0n,
    epochVolumeHeadroom: 0n,
    capHeadroom: targets.map(() => 0n),
    idleAfter: 0n,
    totalAssetsAfter: 0n,
  };

  // 1. Shape: empty, unlisted, duplicate, raising a disabled strategy. Every figure stays 0.
  const byAddress = new Map(snapshot.strategies.map((s) => [s.strategy.toLowerCase(), s]));
  const shape = shapeError(targets, byAddress);
  if (shape) {
    verdict.error = shape;
    return verdict;
  }

  // The plan: current values (live, or book where views fail), touched mask, volume. Total before is the snapshot's.
  const legs: Leg[] = targets.map((t) => {
    const config = byAddress.get(t.strategy.toLowerCase())!;
    return { strategy: config.strategy, config, current: positionValue(config), target: t.assets };
  });
  let touchedMask = 0n;
  let raisedMask = 0n;
  let volume = 0n;
  for (const leg of legs) {
    touchedMask |= 1n << BigInt(leg.config.index);
    if (leg.target > leg.current) raisedMask |= 1n << BigInt(leg.config.index);
    volume += leg.target > leg.current ? leg.target - leg.current : leg.current - leg.target;
  }
  const totalBefore = snapshot.totalAssets;
  // The live value the vault's total is capped by: idle plus every listed position (book value where views fail).
  const liveBefore = snapshot.strategies.reduce((sum, s) => sum + positionValue(s), snapshot.idle);
  verdict.volume = volume;
  const remaining = sessionRemaining(input.session, snapshot.agentsPaused, now);
  verdict.callVolumeHeadroom = remaining.volumePerCall > volume ? remaining.volumePerCall - volume : 0n;
  verdict.epochVolumeHeadroom = remaining.volumeInEpoch > volume ? remaining.volumeInEpoch - volume : 0n;

  // 1b. The share-price rate bound (when on): a leg may not raise a frozen strategy, nor one whose price moved from its
  // mark beyond the bound.
  const frozen = priceRateError(snapshot, legs, now);
  if (frozen) return fail(verdict, frozen);

  // 2. Session, scope and rate (SessionManager.consume).
  const sessionError = checkSession({
    sessionId: input.sessionId,
    session: input.session,
    agent: input.agent,
    vault: snapshot.vault,
    agentsPaused: snapshot.agentsPaused,
    touchedMask,
    raisedMask,
    volume,
    now,
  });
  if (sessionError) return fail(verdict, sessionError);

  // 3. The legs: withdrawals (each within what the strategy lets go now), then deposits (each within idle).
  const moves = executeLegs(legs, snapshot.idle, valuation);
  if (moves.error) return fail(verdict, moves.error);
  const { idleAfter, afterValues } = moves;

  // Value of idle plus the touched legs before and after. A leg counts for at
  // most its target in the loss: a gain a strategy reports during the call cannot pay for another leg's loss.
  let valueBefore = snapshot.idle;
  let booked = idleAfter;
  let valueAfter = idleAfter;
  legs.forEach((leg, i) => {
    valueBefore += leg.current;
    booked += afterValues[i]!;
    valueAfter += minBig(afterValues[i]!, leg.target);
  });
  // What the moves took off the live value comes off it: recorded total assets never exceed what is left, nor rise.
  const drop = valueBefore > booked ? valueBefore - booked : 0n;
  const totalAfter = minBig(totalBefore, liveBefore > drop ? liveBefore - drop : 0n);
  const loss = valueBefore > valueAfter ? valueBefore - valueAfter : 0n;

  // 4-7. Caps, idle buffer, per-call loss, epoch loss budget, without the current block's deposits.
  const outcome = checkOutcome(snapshot, legs, afterValues, idleAfter, totalAfter, totalBefore, loss, now, moves);
  // 8. Drawdown guard, 9. the step-up, then 10. the session's own loss allowance (the session passed its checks).
  const error =
    outcome.error ??
    drawdownError(snapshot, legs, afterValues, totalAfter, loss) ??
    stepUpError(snapshot, volume, input.cosigned === true) ??
    checkSessionLoss(input.sessionId, input.session!, loss);
  if (error) return fail(verdict, error);

  verdict.ok = true;
  verdict.predictedLoss = loss;
  verdict.lossHeadroom = outcome.lossHeadroom;
  verdict.capHeadroom = outcome.capHeadroom;
  verdict.idleAfter = idleAfter;
  verdict.totalAssetsAfter = totalAfter;
  return verdict;
}

/** A verdict for a call that would revert: the reason, the volume and the session headroom; every other figure 0. */
function fail(verdict: RebalanceVerdict, error: PredictedError): RebalanceVerdict {
  verdict.error = error;
  return verdict;
}

function shapeError(targets: Target[], byAddress: Map<string, StrategyState>): PredictedError | undefined {
  if (targets.length === 0) return predicted("EmptyRebalance");
  const seen = new Set<number>();
  for (const t of targets) {
    const config = byAddress.get(t.strategy.toLowerCase());
    if (!config) return predicted("StrategyNotListed", { strategy: t.strategy });
    if (seen.has(config.index)) return predicted("DuplicateTarget", { strategy: config.strategy });
    seen.add(config.index);
    if (!config.enabled && t.assets > positionValue(config)) {
      return predicted("StrategyDisabled", { strategy: config.strategy });
    }
  }
  return undefined;
}

/** `_checkMarks`: the first leg that raises a frozen (or jumped) strategy, when the bound is on. */
function priceRateError(snapshot: VaultSnapshot, legs: Leg[], now: bigint): PredictedError | undefined {
  if (snapshot.maxPriceRateBps === 0) return undefined;
  for (const leg of legs) {
    const s = leg.config;
    if (leg.target > leg.current && isPriceFrozen(s, snapshot.maxPriceRateBps, now)) {
      return predicted("StrategyFrozen", { strategy: s.strategy, markPrice: s.markPrice, price: s.price });
    }
  }
  return undefined;
}

/**
 * The legs as `_executeLegs` runs them: withdrawal legs in order (a full exit redeems every share, a partial one
 * withdraws the difference), then deposit legs in order; each touched leg is booked at min(live value after, value
 * before - assets that left + assets that arrived), the book alone where its views fail.
 */
function executeLegs(legs: Leg[], idleBefore: bigint, valuation: StrategyValuation): Moves {
  const afterValues = legs.map((leg) => leg.current);
  const received = legs.map(() => 0n);
  let idle = idleBefore;
  for (const [i, leg] of legs.entries()) {
    if (leg.target >= leg.current) continue;
    const s = leg.config;
    // The strategy must let that much go now. A full exit redeems `maxRedeem`; the shares it keeps may be worth at
    // most 1 ppm of the position plus one unit (rounding-short `maxRedeem`, as lending vaults have).
    const redeemShares = minBig(s.shares, s.redeemableShares);
    const limited =
      leg.target === 0n
        ? s.shares > s.redeemableShares && leg.current > s.withdrawable + leg.current / DUST_DIVISOR + 1n
        : leg.current - leg.target > s.withdrawable;
    if (limited) {
      return {
        error: predicted("StrategyWithdrawLimited", {
          strategy: leg.strategy,
          requested: leg.current - leg.target,
          available: s.withdrawable,
        }),
        idleAfter: 0n,
        afterValues: [],
        moved: [],
      };
    }
    received[i] = leg.target === 0n ? valuation.previewRedeem(leg.strategy, redeemShares) : leg.current - leg.target;
    idle += received[i]!;
    afterValues[i] = leg.current > received[i]! ? leg.current - received[i]! : 0n;
  }
  for (const [i, leg] of legs.entries()) {
    if (leg.target === leg.current) continue;
    const s = leg.config;
    // The strategy's totals move with the leg: what the vault's shares are worth after it.
    let sharesMoved: bigint;
    let assetsMoved: bigint;
    if (leg.target > leg.current) {
      const amount = leg.target - leg.current;
      if (amount > idle) {
        return {
          error: predicted("InsufficientIdle", { needed: amount, idle }),
          idleAfter: 0n,
          afterValues: [],
          moved: [],
        };
      }
      // A full strategy (its `maxDeposit`) refuses the rest; a strategy whose views fail is left to its deposit call.
      if (!viewsFail(s) && amount > s.depositable) {
        return {
          error: predicted("StrategyDepositLimited", {
            strategy: leg.strategy,
            requested: amount,
            available: s.depositable,
          }),
          idleAfter: 0n,
          afterValues: [],
          moved: [],
        };
      }
      idle -= amount;
      afterValues[i] = leg.current + amount;
      assetsMoved = amount;
      sharesMoved = valuation.previewDeposit(leg.strategy, amount);
    } else {
      assetsMoved = -received[i]!;
      sharesMoved =
        leg.target === 0n
          ? -minBig(s.shares, s.redeemableShares)
          : -minBig(s.shares, valuation.previewWithdraw(leg.strategy, received[i]!));
    }
    if (viewsFail(s)) continue;
    const shares = s.shares + sharesMoved;
    const live = shares === 0n ? 0n : valuation.previewRedeemAfter(leg.strategy, shares, assetsMoved, sharesMoved);
    if (live < afterValues[i]!) afterValues[i] = live;
  }
  const moved = legs.map((leg, i) => (leg.target > leg.current ? leg.current - leg.target : received[i]!));
  return { error: undefined, idleAfter: idle, afterValues, moved };
}

function checkOutcome(
  snapshot: VaultSnapshot,
  legs: Leg[],
  afterValues: bigint[],
  idleAfter: bigint,
  totalAfter: bigint,
  totalBefore: bigint,
  loss: bigint,
  now: bigint,
  moves: Moves,
): { error: PredictedError | undefined; lossHeadroom: bigint; capHeadroom: bigint[] } {
  // A same-block deposit widens neither the caps nor the buffer nor the loss limits.
  const inflow = snapshot.inflowInBlock;
  const base = maxBig(0n, totalAfter - inflow);
  let error: PredictedError | undefined;
  const capHeadroom = legs.map((leg, i) => {
    const c = leg.config;
    const relCap = mulDivDown(base, BigInt(c.relativeCapBps), BPS);
    const cap = minBig(c.absoluteCap, relCap);
    const after = afterValues[i]!;
    if (!error && after > leg.current) {
      if (after > c.absoluteCap) {
        error = predicted("AbsoluteCapExceeded", { strategy: c.strategy, allocation: after, cap: c.absoluteCap });
      } else if (after > relCap) {
        error = predicted("RelativeCapExceeded", { strategy: c.strategy, allocation: after, cap: relCap });
      }
    }
    return cap > after ? cap - after : 0n;
  });
  const groupError = checkRiskGroups(snapshot, legs, afterValues, base, capHeadroom);
  error ??= groupError;
  if (!error && idleAfter < snapshot.idle) {
    const required = mulDivUp(base, BigInt(snapshot.bounds.idleBufferBps), BPS);
    const counted = maxBig(0n, idleAfter - inflow);
    if (counted < required) error = predicted("IdleBufferBreached", { idle: counted, required });
  }
  if (!error && legs.some((leg, i) => afterValues[i]! > leg.current)) {
    error = liquidityFloorError(snapshot, legs, moves, base);
  }

  const b = snapshot.bounds;
  const lossBase = maxBig(0n, totalBefore - inflow);
  const callLimit = mulDivDown(lossBase, BigInt(b.maxLossPerCallBps), BPS);
  const budget = mulDivDown(lossBase, BigInt(b.epochLossBudgetBps), BPS);
  const taken = now / b.lossEpochLength === snapshot.epochLoss.lossEpoch ? snapshot.epochLoss.lossInEpoch : 0n;
  const lossInEpoch = taken + loss;
  const callRoom = callLimit > loss ? callLimit - loss : 0n;
  const epochRoom = budget > lossInEpoch ? budget - lossInEpoch : 0n;
  let lossError: PredictedError | undefined;
  if (loss > callLimit) lossError = predicted("LossExceedsCallLimit", { loss, limit: callLimit });
  else if (lossInEpoch > budget) lossError = predicted("LossBudgetExceeded", { lossInEpoch, budget });
  return { error: error ?? lossError, lossHeadroom: minBig(callRoom, epochRoom), capHeadroom };
}

/**
 * The withdrawable-liquidity floor after a rebalance that raises a strategy: idle plus what the strategies let go
 * (a liquidity group once, at its largest), less the block's deposits, must cover the floor's share of `base`
 * (rounded up). What a strategy lets go after the moves is predicted: a withdrawal lowers it by what left, a deposit
 * raises it one for one, never above the position (the vault measures it for real and is authoritative).
 */
export function liquidityFloorError(
  snapshot: VaultSnapshot,
  legs: { config: StrategyState }[],
  moves: Pick<Moves, "idleAfter" | "moved" | "afterValues">,
  base: bigint,
): PredictedError | undefined {
  if (snapshot.liquidityFloorBps === 0) return undefined;
  const required = mulDivUp(base, BigInt(snapshot.liquidityFloorBps), BPS);
  const after = new Map<string, bigint>();
  legs.forEach((leg, i) => {
    const s = leg.config;
    const moved = moves.moved[i]!;
    const withdrawable =
      moved >= 0n ? maxBig(0n, s.withdrawable - moved) : minBig(s.withdrawable - moved, moves.afterValues[i]!);
    after.set(s.strategy.toLowerCase(), withdrawable);
  });
  const liquidity = strategiesLiquidity(snapshot.strategies, after) + moves.idleAfter;
  const inflow = snapshot.inflowInBlock;
  const available = liquidity > inflow ? liquidity - inflow : 0n;
  return available < required ? predicted("LiquidityFloorBreached", { available, required }) : undefined;
}

/** What the strategies let go now (`withdrawable`, or `override`'s figure), a liquidity group counted once. */
export function strategiesLiquidity(strategies: StrategyState[], override = new Map<string, bigint>()): bigint {
  let liquidity = 0n;
  const groupMax = new Map<number, bigint>();
  for (const s of strategies) {
    const max = override.get(s.strategy.toLowerCase()) ?? s.withdrawable;
    if (s.liquidityGroup === 0) liquidity += max;
    else {
      const prev = groupMax.get(s.liquidityGroup) ?? 0n;
      if (max > prev) {
        liquidity += max - prev;
        groupMax.set(s.liquidityGroup, max);
      }
    }
  }
  return liquidity;
}

/** The step-up: above a non-zero threshold a call needs the policy signer's co-signature. */
export function stepUpError(snapshot: VaultSnapshot, volume: bigint, cosigned: boolean): PredictedError | undefined {
  const threshold = snapshot.stepUpThreshold;
  if (threshold === 0n || volume <= threshold || cosigned) return undefined;
  return predicted("CoSignatureRequired", { volume, threshold });
}

/**
 * Risk-group caps (the vault's `checkRiskGroups`), for each group of a touched strategy: the value after the call of
 * every listed member (touched: as booked; untouched: live, or book where views fail), summed. The first group, by id,
 * of a strategy the call raised whose sum is above the tighter of its caps against `base` is the error; each tagged
 * leg's headroom falls to the room left in each of its groups (in place). A tagged id the snapshot has no caps for
 * caps at 0, as on chain.
 */
function checkRiskGroups(
  snapshot: VaultSnapshot,
  legs: Leg[],
  afterValues: bigint[],
  base: bigint,
  capHeadroom: bigint[],
): PredictedError | undefined {
  let groups = 0n;
  let raisedGroups = 0n;
  legs.forEach((leg, i) => {
    const mask = BigInt(leg.config.riskGroups ?? 0);
    groups |= mask;
    if (afterValues[i]! > leg.current) raisedGroups |= mask;
  });
  if (groups === 0n) return undefined;
  const sums = riskGroupSums(snapshot, legs, afterValues, groups);
  let error: PredictedError | undefined;
  for (let id = 0; groups >> BigInt(id) !== 0n; id++) {
    const bit = 1n << BigInt(id);
    if ((groups & bit) === 0n) continue;
    const g = snapshot.riskGroups?.find((x) => x.id === id);
    const cap = minBig(g?.absoluteCap ?? 0n, mulDivDown(base, BigInt(g?.relativeCapBps ?? 0), BPS));
    const sum = sums.get(id) ?? 0n;
    if (!error && (raisedGroups & bit) !== 0n && sum > cap) {
      error = predicted("RiskGroupCapExceeded", { id: BigInt(id), value: sum, cap });
    }
    const room = cap > sum ? cap - sum : 0n;
    legs.forEach((leg, i) => {
      if ((BigInt(leg.config.riskGroups ?? 0) & bit) !== 0n && capHeadroom[i]! > room) capHeadroom[i] = room;
    });
  }
  return error;
}

/** Per risk id in `groups`, the value after the call of every listed member carrying it. */
export function riskGroupSums(
  snapshot: VaultSnapshot,
  legs: { config: StrategyState }[],
  afterValues: bigint[],
  groups: bigint,
): Map<number, bigint> {
  const sums = new Map<number, bigint>();
  for (const s of snapshot.strategies) {
    const member = BigInt(s.riskGroups ?? 0) & groups;
    if (member === 0n) continue;
    const i = legs.findIndex((leg) => leg.config.index === s.index);
    const value = i >= 0 ? afterValues[i]! : positionValue(s);
    for (let id = 0; member >> BigInt(id) !== 0n; id++) {
      if ((member & (1n << BigInt(id))) !== 0n) sums.set(id, (sums.get(id) ?? 0n) + value);
    }
  }
  return sums;
}

/** Largest value the vault's high-water mark holds (a uint96). */
const MAX_UINT96 = (1n << 96n) - 1n;

/**
 * The drawdown guard: the share price after the call (assets per whole share at total assets after) more than
 * `maxDrawdownBps` below the high-water mark stops any call that raises a strategy or loses anything. A price above
 * the mark raises it (the call passes).
 */
function drawdownError(
  snapshot: VaultSnapshot,
  legs: Leg[],
  afterValues: bigint[],
  totalAfter: bigint,
  loss: bigint,
): PredictedError | undefined {
  if (snapshot.totalSupply === 0n) return undefined;
  const price = sharePriceAt(snapshot, totalAfter);
  const mark = snapshot.highWaterMark;
  if (price > mark) return undefined;
  const floor = mark - mulDivDown(mark, BigInt(snapshot.maxDrawdownBps), BPS);
  if (price >= floor) return undefined;
  const raises = legs.some((leg, i) => afterValues[i]! > leg.current);
  if (!raises && loss === 0n) return undefined;
  return predicted("DrawdownLimitReached", { price, floor });
}

/** `convertToAssets(10**shareDecimals)` at `total` (OpenZeppelin's virtual shares and assets), as the guard caps it. */
export function sharePriceAt(snapshot: VaultSnapshot, total: bigint): bigint {
  const offset = 10n ** BigInt(snapshot.shareDecimals - snapshot.assetDecimals);
  const price = mulDivDown(10n ** BigInt(snapshot.shareDecimals), total + 1n, snapshot.totalSupply + offset);
  return minBig(price, MAX_UINT96);
}
