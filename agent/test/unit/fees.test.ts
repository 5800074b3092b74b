/** Fee offers and replacement bumps under the ceiling. */
import { describe, expect, it } from "vitest";
import { bumpedFees, initialFees } from "../../src/executor/fees.js";

const GWEI = 10n ** 9n;
const policy = { maxFeePerGasCeiling: 100n * GWEI, bumpPercent: 25 };

describe("fees", () => {
  it("offers twice the base fee plus the tip, capped by the ceiling", () => {
    expect(initialFees(10n * GWEI, 2n * GWEI, policy)).toEqual({
      maxFeePerGas: 22n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
    });
    expect(initialFees(60n * GWEI, 2n * GWEI, policy)).toEqual({
      maxFeePerGas: 100n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
    });
    expect(
      initialFees(10n * GWEI, 2n * GWEI, { ...policy, priorityFee: 3n * GWEI })?.maxPriorityFeePerGas,
      "configured tip",
    ).toBe(3n * GWEI);
  });

  it("does not send when the base fee alone reaches the ceiling", () => {
    expect(initialFees(100n * GWEI - 1n, 1n, policy)).toBeDefined();
    expect(initialFees(100n * GWEI, 1n, policy)).toBeUndefined();
  });

  it("bumps both fields by at least the percentage, following the market when it rose more", () => {
    const prev = { maxFeePerGas: 22n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    const b = bumpedFees(prev, 10n * GWEI, 1n * GWEI, policy)!;
    expect(b.maxPriorityFeePerGas >= (prev.maxPriorityFeePerGas * 125n) / 100n).toBe(true);
    expect(b.maxFeePerGas >= (prev.maxFeePerGas * 125n) / 100n).toBe(true);
    const market = bumpedFees(prev, 40n * GWEI, 1n * GWEI, policy)!;
    expect(market.maxFeePerGas, "2 x base + tip when the base fee jumped").toBe(
      80n * GWEI + market.maxPriorityFeePerGas,
    );
  });

  it("caps a bump at the ceiling, and gives up when the ceiling leaves no valid bump", () => {
    const near = bumpedFees({ maxFeePerGas: 79n * GWEI, maxPriorityFeePerGas: 2n * GWEI }, 60n * GWEI, GWEI, policy)!;
    expect(near.maxFeePerGas, "the market asks 122.5, the ceiling allows 100, and 100 >= 79 x 1.25").toBe(100n * GWEI);
    expect(
      bumpedFees({ maxFeePerGas: 81n * GWEI, maxPriorityFeePerGas: 2n * GWEI }, 10n * GWEI, GWEI, policy),
      "81 x 1.25 > 100",
    ).toBeUndefined();
  });
});
