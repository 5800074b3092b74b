/**
 * How the mirror prices strategy deposits and withdrawals, as `previewRebalance` does with each strategy's own
 * ERC-4626 previews.
 *
 * - `erc4626Valuation` is exact for OpenZeppelin ERC-4626 strategies given each one's total assets, total supply and
 *   decimals offset (the agreement test reads them; the lens does not report them).
 * - `snapshotValuation` needs only the lens snapshot: it applies OpenZeppelin's math to each strategy's total assets
 *   and supply as the lens reports them (exact for OpenZeppelin-style strategies); for a strategy whose totals are
 *   not reported it prices at the ratio the vault's position shows (`currentValue / shares`), which can be off by a
 *   wei of rounding per leg. The planner keeps a safety margin inside every bound, and the executor simulates the
 *   exact call before sending.
 */
import type { VaultSnapshot } from "../chain/types.js";

export interface StrategyValuation {
  /** Assets redeemed for `shares` (rounds down). */
  previewRedeem(strategy: string, shares: bigint): bigint;
  /** Shares burned to withdraw `assets` (rounds up). */
  previewWithdraw(strategy: string, assets: bigint): bigint;
  /** Shares minted for `assets` (rounds down). */
  previewDeposit(strategy: string, assets: bigint): bigint;
}

/** A linear price: `assets = shares * assetsPart / sharesPart`. */
interface Ratio {
  assetsPart: bigint;
  sharesPart: bigint;
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
        { assetsPart: s.totalAssets + 1n, sharesPart: s.totalSupply + 10n ** BigInt(s.decimalsOffset ?? 0) },
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
        if (s.strategyTotalAssets > 0n || s.strategyTotalSupply > 0n) {
          ratio = { assetsPart: s.strategyTotalAssets + 1n, sharesPart: s.strategyTotalSupply + 1n };
        } else if (s.shares > 0n && s.currentValue > 0n) ratio = { assetsPart: s.currentValue, sharesPart: s.shares };
        else if (s.sharePrice > 0n) ratio = { assetsPart: s.sharePrice, sharesPart: unit };
        else ratio = { assetsPart: 1n, sharesPart: 1n };
        return [s.strategy.toLowerCase(), ratio];
      }),
    ),
  );
}
