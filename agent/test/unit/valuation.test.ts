/**
 * The mirror's prices from the lens snapshot alone: OpenZeppelin totals where they reproduce the strategy's preview.
 */
import { describe, expect, it } from "vitest";
import { snapshotValuation } from "../../src/checks/valuation.js";
import { A, strategy, vaultSnapshot } from "../support/fixtures.js";

describe("snapshotValuation", () => {
  it("uses the totals with a virtual share when they reproduce the preview (OpenZeppelin, offset 0)", () => {
    // 1,000,000 assets over 900,000 shares; the vault holds 90,000 shares.
    const shares = 90_000n;
    const value = (shares * 1_000_001n) / 900_001n;
    const v = snapshotValuation(
      vaultSnapshot({
        strategies: [
          strategy(A, 0, value, {
            shares,
            strategyTotalAssets: 1_000_000n,
            strategyTotalSupply: 900_000n,
            decimals: 6,
          }),
        ],
      }),
    );
    // A deposit shifts the totals: 100,000 in mints at the totals' price.
    expect(v.previewDeposit(A, 100_000n)).toBe((100_000n * 900_001n) / 1_000_001n);
    expect(v.previewRedeem(A, shares)).toBe(value);
  });

  it("uses the share decimals over the asset's as the offset (18-decimal shares over a 6-decimal asset)", () => {
    const ta = 5_000_000_000_000n; // 5,000,000 of a 6-decimal asset
    const ts = 4_800_000n * 10n ** 18n;
    const shares = 480_000n * 10n ** 18n;
    const virtual = 10n ** 12n;
    const value = (shares * (ta + 1n)) / (ts + virtual);
    expect((shares * (ta + 1n)) / (ts + 1n), "offset 0 would miss the preview").not.toBe(value);
    const v = snapshotValuation(
      vaultSnapshot({
        assetDecimals: 6,
        strategies: [strategy(A, 0, value, { shares, strategyTotalAssets: ta, strategyTotalSupply: ts, decimals: 18 })],
      }),
    );
    expect(v.previewRedeem(A, shares)).toBe(value);
    expect(v.previewDeposit(A, 1_000_000n)).toBe((1_000_000n * (ts + virtual)) / (ta + 1n));
  });

  it("prices at the position's own ratio when the totals miss the preview (fee shares not yet minted)", () => {
    // totalSupply() is read before the pending fee shares; the preview counts them: the position is worth less.
    const shares = 325_000n;
    const value = 324_967n;
    const v = snapshotValuation(
      vaultSnapshot({
        strategies: [
          strategy(A, 0, value, {
            shares,
            strategyTotalAssets: 1_000_000n,
            strategyTotalSupply: 1_000_000n,
            decimals: 6,
          }),
        ],
      }),
    );
    expect(v.previewRedeem(A, shares)).toBe(value);
    // Not the 325,000 the stale totals would say.
    expect(v.previewRedeem(A, 100_000n)).toBe((100_000n * value) / shares);
  });
});
