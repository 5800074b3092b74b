/**
 * The share-price rate bound as the vault applies it (`TreasuryVaultBase._remark`): whether a strategy is frozen to
 * exit-only. Pure.
 */
import type { StrategyState } from "../chain/types.js";
import { BPS, mulDivUp } from "./math.js";

/** Seconds in a day: the rate bound is in bps a day. */
const DAY = 86_400n;

/**
 * Whether a strategy is frozen by the share-price rate bound of `rateBps` a day at `now`: frozen on chain, or its price
 * (when its view answers and it has a mark) moved from the mark by more than mark x rate x elapsed / (BPS x 1 day),
 * rounded up, plus one unit. The vault's `_remark`, without the write.
 */
export function isPriceFrozen(s: StrategyState, rateBps: number, now: bigint): boolean {
  if (s.frozen) return true;
  if (rateBps === 0 || !s.priceOk || s.markedAt === 0n) return false;
  const allowed = mulDivUp(s.markPrice, BigInt(rateBps) * (now - s.markedAt), BPS * DAY) + 1n;
  const move = s.price > s.markPrice ? s.price - s.markPrice : s.markPrice - s.price;
  return move > allowed;
}
