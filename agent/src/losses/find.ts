/**
 * Losses to write down (pure): a strategy whose redeemable value now (`currentValue`) is below the vault's last mark
 * of it (`allocation`) by more than the rounding of one base unit plus a tolerance. `vault.realizeLoss(strategy)`
 * then lowers the mark to the live value, so share price, caps and the loss checks stop counting money that is gone.
 */
import type { StrategyState, VaultSnapshot } from "../chain/types.js";

/** A redeem preview rounds down by at most one base unit: a shortfall this small is rounding, not a loss. */
export const LOSS_ROUNDING_UNITS = 1n;

export interface Loss {
  strategy: string;
  index: number;
  /** The vault's mark. */
  allocation: bigint;
  /** The position's redeemable value now. */
  value: bigint;
  /** allocation - value. */
  loss: bigint;
}

/**
 * The strategies of `snapshot` with a loss past `tolerance` (base units, on top of the rounding), in index order. A
 * position whose preview reverts (the lens reads 0 for shares it holds) is left out: the vault keeps its mark when it
 * cannot value a strategy, so a write-down would change nothing.
 */
export function findLosses(snapshot: VaultSnapshot, tolerance: bigint): Loss[] {
  return snapshot.strategies
    .filter(
      (s) =>
        !(s.shares > 0n && s.currentValue === 0n) && s.allocation - s.currentValue > LOSS_ROUNDING_UNITS + tolerance,
    )
    .map((s: StrategyState) => ({
      strategy: s.strategy,
      index: s.index,
      allocation: s.allocation,
      value: s.currentValue,
      loss: s.allocation - s.currentValue,
    }));
}
