/**
 * Pure mirror of `TreasuryVault.previewRebalance`: every check of SPECIFICATION.md, in the same order, with the same
 * error names and arguments, and the same headroom figures. No I/O: the vault state comes from a lens snapshot, the
 * strategies' share math from a `StrategyValuation`, and the time is given.
 */
import type { SessionRecord, StrategyState, Target, VaultSnapshot } from "../chain/types.js";
import { BPS, minBig, mulDivDown, mulDivUp } from "./math.js";
import { checkSession, sessionRemaining } from "./session-check.js";
import type { StrategyValuation } from "./valuation.js";
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
  current: bigint;
  target: bigint;
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

  // Rows 1-4: shape.
  const byAddress = new Map(snapshot.strategies.map((s) => [s.strategy.toLowerCase(), s]));
  const shape = shapeError(targets, byAddress);
  if (shape) {
    verdict.error = shape;
    return verdict;
  }

  // The plan: current values, touched mask, volume, total before with the touched strategies marked.
  const legs: Leg[] = targets.map((t) => {
    const config = byAddress.get(t.strategy.toLowerCase())!;
    return { strategy: config.strategy, config, current: config.currentValue, target: t.assets };
  });
  let touchedMask = 0n;
  let volume = 0n;
  let totalBefore = snapshot.totalAssets;
  for (const leg of legs) {
    touchedMask |= 1n << BigInt(leg.config.index);
    volume += leg.target > leg.current ? leg.target - leg.current : leg.current - leg.target;
    totalBefore = totalBefore + leg.current - leg.config.allocation;
  }
  verdict.volume = volume;

  // Rows 5-16: session, scope and rate.
  const sessionError = checkSession({
    sessionId: input.sessionId,
    session: input.session,
    agent: input.agent,
    vault: snapshot.vault,
    agentsPaused: snapshot.agentsPaused,
    touchedMask,
    volume,
    now,
  });
  const remaining = sessionRemaining(input.session, snapshot.agentsPaused, now);
  verdict.callVolumeHeadroom = remaining.volumePerCall > volume ? remaining.volumePerCall - volume : 0n;
  verdict.epochVolumeHeadroom = remaining.volumeInEpoch > volume ? remaining.volumeInEpoch - volume : 0n;

  // Row 17 and the predicted outcome: withdrawal legs first, then deposit legs, priced by the strategies' previews.
  const afterValues = legs.map(() => 0n);
  let idleAfter = snapshot.idle;
  let legError: PredictedError | undefined;
  legs.forEach((leg, i) => {
    if (leg.target >= leg.current) return;
    const shares = leg.config.shares;
    // Row 17: the strategy must let that much go now (a full exit needs every share redeemable).
    const limited = leg.target === 0n ? shares > leg.config.redeemableShares : leg.current - leg.target > leg.config.withdrawable;
    if (limited && !legError) {
      legError = predicted("StrategyWithdrawLimited", {
        strategy: leg.strategy,
        requested: leg.current - leg.target,
        available: leg.config.withdrawable,
      });
    }
    if (leg.target === 0n) {
      idleAfter += valuation.previewRedeem(leg.strategy, shares);
    } else {
      const amount = leg.current - leg.target;
      idleAfter += amount;
      const burned = minBig(shares, valuation.previewWithdraw(leg.strategy, amount));
      afterValues[i] = valuation.previewRedeem(leg.strategy, shares - burned);
    }
  });
  legs.forEach((leg, i) => {
    if (leg.target > leg.current) {
      const amount = leg.target - leg.current;
      if (amount > idleAfter && !legError) legError = predicted("InsufficientIdle", { needed: amount, idle: idleAfter });
      idleAfter -= minBig(amount, idleAfter);
      afterValues[i] = valuation.previewRedeem(
        leg.strategy,
        leg.config.shares + valuation.previewDeposit(leg.strategy, amount),
      );
    } else if (leg.target === leg.current) {
      afterValues[i] = leg.current;
    }
  });
  let totalAfter = totalBefore + idleAfter - snapshot.idle;
  legs.forEach((leg, i) => {
    totalAfter = totalAfter + afterValues[i]! - leg.current;
  });

  // Rows 18-22: caps, idle buffer, loss.
  const outcome = checkOutcome(snapshot, legs, afterValues, snapshot.idle, idleAfter, totalAfter, totalBefore, now);
  verdict.error = sessionError ?? legError ?? outcome.error;
  verdict.predictedLoss = outcome.loss;
  verdict.lossHeadroom = outcome.lossHeadroom;
  verdict.capHeadroom = outcome.capHeadroom;
  verdict.idleAfter = idleAfter;
  verdict.totalAssetsAfter = totalAfter;
  verdict.ok = verdict.error === undefined;
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
    if (!config.enabled && t.assets > config.currentValue) {
      return predicted("StrategyDisabled", { strategy: config.strategy });
    }
  }
  return undefined;
}

function checkOutcome(
  snapshot: VaultSnapshot,
  legs: Leg[],
  afterValues: bigint[],
  idleBefore: bigint,
  idleAfter: bigint,
  totalAfter: bigint,
  totalBefore: bigint,
  now: bigint,
): { error: PredictedError | undefined; loss: bigint; lossHeadroom: bigint; capHeadroom: bigint[] } {
  let error: PredictedError | undefined;
  const capHeadroom = legs.map((leg, i) => {
    const c = leg.config;
    const relCap = mulDivDown(totalAfter, BigInt(c.relativeCapBps), BPS);
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
  if (!error && idleAfter < idleBefore) {
    const required = mulDivUp(totalAfter, BigInt(snapshot.bounds.idleBufferBps), BPS);
    if (idleAfter < required) error = predicted("IdleBufferBreached", { idle: idleAfter, required });
  }
  let valueBefore = idleBefore;
  let valueAfter = idleAfter;
  legs.forEach((leg, i) => {
    valueBefore += leg.current;
    // As the vault: a leg counts for at most its target, so a strategy whose value jumps cannot pay for another's loss.
    valueAfter += minBig(afterValues[i]!, leg.target);
  });
  const loss = valueBefore > valueAfter ? valueBefore - valueAfter : 0n;

  const b = snapshot.bounds;
  const callLimit = mulDivDown(totalBefore, BigInt(b.maxLossPerCallBps), BPS);
  const budget = mulDivDown(totalBefore, BigInt(b.epochLossBudgetBps), BPS);
  const epochLoss = now / b.lossEpochLength === b.lossEpoch ? b.lossInEpoch : 0n;
  const lossInEpoch = epochLoss + loss;
  const callRoom = callLimit > loss ? callLimit - loss : 0n;
  const epochRoom = budget > lossInEpoch ? budget - lossInEpoch : 0n;
  let lossError: PredictedError | undefined;
  if (loss > callLimit) lossError = predicted("LossExceedsCallLimit", { loss, limit: callLimit });
  else if (lossInEpoch > budget) lossError = predicted("LossBudgetExceeded", { lossInEpoch, budget });
  return { error: error ?? lossError, loss, lossHeadroom: minBig(callRoom, epochRoom), capHeadroom };
}
