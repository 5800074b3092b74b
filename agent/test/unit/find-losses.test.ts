/**
 * Losses to write down, on literal fixtures: past one unit of rounding plus the tolerance, never for views that revert.
 */
import { describe, expect, it } from "vitest";
import { findLosses } from "../../src/losses/find.js";
import { A, B, C, strategy, vaultSnapshot } from "../support/fixtures.js";

const snap = (valueOfB: bigint, over: Parameters<typeof strategy>[3] = {}) =>
  vaultSnapshot({
    strategies: [
      strategy(A, 0, 300_000n),
      strategy(B, 1, 200_000n, { currentValue: valueOfB, ...over }),
      strategy(C, 2, 100_000n),
    ],
  });

describe("findLosses", () => {
  it("test_findLosses_pastRounding: a shortfall of 2 units is a loss, 1 unit is rounding", () => {
    expect(findLosses(snap(199_998n), 0n)).toEqual([
      { strategy: B, index: 1, allocation: 200_000n, value: 199_998n, loss: 2n },
    ]);
    expect(findLosses(snap(199_999n), 0n)).toEqual([]);
  });

  it("test_findLosses_tolerance: a loss up to the tolerance (over the rounding) is left alone", () => {
    expect(findLosses(snap(199_000n), 999n)).toEqual([]);
    expect(findLosses(snap(198_998n), 1_000n).map((l) => l.loss)).toEqual([1_002n]);
  });

  it("test_findLosses_gainOrEmptied: a gain is not a loss; a position emptied to nothing is", () => {
    expect(findLosses(snap(250_000n), 0n)).toEqual([]);
    expect(findLosses(snap(0n, { shares: 0n }), 0n).map((l) => l.loss)).toEqual([200_000n]);
  });

  it("test_findLosses_viewsRevert: shares held but valued at 0 (the preview reverts) is left out", () => {
    expect(findLosses(snap(0n), 0n)).toEqual([]);
  });
});
