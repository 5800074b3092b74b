/**
 * How the mirror values positions and prices strategy deposits and withdrawals, as the vault does with each
 * strategy's own ERC-4626 views.
 *
 * - A position counts at its live value (`previewRedeem` of the vault's shares, the lens's `currentValue`), or at its
 *   book value (the vault's `allocation`) when the strategy's views fail (`positionValue`, `viewsFail`).
 * - `erc4626Valuation` is exact for OpenZeppelin ERC-4626 strategies given each one's total assets, total supply and
 *   decimals offset (the agreement test reads them; the lens does not report them).
 * - `snapshotValuation` needs only the lens snapshot: it applies OpenZeppelin's math to each strategy's total assets
 *   and supply as the lens reports them where they reproduce the strategy's own preview of the vault's position
 *   (exact for OpenZeppelin-style strategies, decimals offset 0 or share decimals over the asset's); for a strategy
 * whose totals are not reported or miss its preview (performance-fee shares not yet minted) it prices at the ratio the
 * vault's position shows (`currentValue / shares`), which can be off by a
 *   wei of rounding per leg. The planner keeps a safety margin inside every bound, and the executor simulates the
 *   exact call before sending.
 */
import type { StrategyState, VaultSnapshot } from "../chain/types.js";

/**
 * Whether the vault values this position at book: the lens reads 0 for `previewRedeem` of shares the vault holds
 * (its views revert, or value the position at nothing). A strategy with no shares of the vault's is valued without
 * views (0), so this cannot tell whether its views would fail after a deposit.
 */
export function viewsFail(s: StrategyState): boolean {
  return s.shares > 0n && s.currentValue === 0n;
}

/** The position's value as the vault counts it before a rebalance: live, or its book value where the views fail. */
export function positionValue(s: StrategyState): bigint {
  return viewsFail(s) ? s.allocation : s.currentValue;
}

export interface StrategyValuation {
  /** Assets redeemed for `shares` (rounds down). */
  previewRedeem(strategy: string, shares: bigint): bigint;
  /** Shares burned to withdraw `assets` (rounds up). */
  previewWithdraw(strategy: string, assets: bigint): bigint;
  /** Shares minted for `assets` (rounds down). */
  previewDeposit(strategy: string, assets: bigint): bigint;
  /**
   * Assets redeemed for `shares` after the strategy's totals moved by `assets` and `shares` (a deposit adds both, a
   * withdrawal takes both away): the vault values a leg after its move.
   */
  previewRedeemAfter(strategy: string, shares: bigint, assets: bigint, sharesMoved: bigint): bigint;
}

/** A linear price: `assets = shares * assetsPart / sharesPart`. */
interface Ratio {
  assetsPart: bigint;
  sharesPart: bigint;
  /** Whether the parts are the strategy's totals (plus virtual ones), so a move shifts them. */
  totals: boolean;
}

function ratioValuation(ratios: Map<string, Ratio>): StrategyValuation {
  const get = (strategy: string): Ratio => {
    const r = ratios.get(strategy.toLowerCase());
    if (!r) throw new Error(`no valuation for strategy ${strategy}`);
    return r;
  };
  return {
    previewRedeem(strategy, shares) {
      const r = get(strategy);
      return (shares * r.assetsPart) / r.sharesPart;
    },
    previewWithdraw(strategy, assets) {
      const r = get(strategy);
      const p = assets * r.sharesPart;
      return p === 0n ? 0n : (p - 1n) / r.assetsPart + 1n;
    },
    previewDeposit(strategy, assets) {
      const r = get(strategy);
      return (assets * r.sharesPart) / r.assetsPart;
    },
    previewRedeemAfter(strategy, shares, assets, sharesMoved) {
      const r = get(strategy);
      if (!r.totals) return (shares * r.assetsPart) / r.sharesPart;
      const sharesPart = r.sharesPart + sharesMoved;
      return sharesPart <= 0n ? 0n : (shares * (r.assetsPart + assets)) / sharesPart;
    },
  };
}

export interface Erc4626State {
  strategy: string;
  totalAssets: bigint;
  totalSupply: bigint;
  decimalsOffset?: number;
}

/** Exact OpenZeppelin ERC-4626 math (virtual shares and assets). */
export function erc4626Valuation(states: Erc4626State[]): StrategyValuation {
  return ratioValuation(
    new Map(
      states.map((s) => [
        s.strategy.toLowerCase(),
        {
          assetsPart: s.totalAssets + 1n,
          sharesPart: s.totalSupply + 10n ** BigInt(s.decimalsOffset ?? 0),
          totals: true,
        },
      ]),
    ),
  );
}

/** Prices from the snapshot alone (see the file comment for its precision). */
export function snapshotValuation(snapshot: VaultSnapshot): StrategyValuation {
  const unit = 10n ** BigInt(snapshot.assetDecimals);
  return ratioValuation(
    new Map(
      snapshot.strategies.map((s) => {
        let ratio: Ratio;
        const totals = totalsRatio(s, snapshot.assetDecimals);
        if (totals) {
          ratio = totals;
        } else if (s.shares > 0n && s.currentValue > 0n)
          ratio = { assetsPart: s.currentValue, sharesPart: s.shares, totals: false };
        else if (s.sharePrice > 0n) ratio = { assetsPart: s.sharePrice, sharesPart: unit, totals: false };
        else ratio = { assetsPart: 1n, sharesPart: 1n, totals: false };
        return [s.strategy.toLowerCase(), ratio];
      }),
    ),
  );
}

/**
 * The strategy's totals with OpenZeppelin's virtual share and asset, when they reproduce the strategy's own preview of
 * the vault's position: with a decimals offset of 0 or of its share decimals over the asset's (the two offsets
 * OpenZeppelin-style vaults use). A strategy whose preview the totals miss (a lending vault with performance-fee
 * shares not yet minted, other share math) is priced at the ratio its preview shows instead.
 */
function totalsRatio(s: StrategyState, assetDecimals: number): Ratio | undefined {
  if (s.strategyTotalAssets === 0n && s.strategyTotalSupply === 0n) return undefined;
  const offsets = [0, Math.max(0, s.decimals - assetDecimals)];
  for (const offset of offsets) {
    const ratio = {
      assetsPart: s.strategyTotalAssets + 1n,
      sharesPart: s.strategyTotalSupply + 10n ** BigInt(offset),
      totals: true,
    };
    if (s.shares === 0n || (s.shares * ratio.assetsPart) / ratio.sharesPart === s.currentValue) return ratio;
  }
  return undefined;
}
