/**
 * The reversal counter the demo's summary and the lending bench report with: a strategy moved in and out, or out and
 * back in, within a day; self-inflicted unless the observations between the two moves show a loss or stuck money.
 */
import { describe, expect, it } from "vitest";
import { countReversals, type ReversalMove } from "../../src/planner/reversals.js";

const P = 10n ** 18n;
const hour = 3_600;
const evidence = (observations: { at: number; prices: bigint[]; positions: bigint[]; withdrawable: bigint[] }[]) => ({
  observations,
  lookbackSeconds: 2 * hour,
  stuckBps: 500n,
});

describe("reversals", () => {
  const records = Array.from({ length: 30 }, (_, k) => ({
    at: k * 2 * hour,
    prices: [P + BigInt(k)],
    positions: [100n],
    withdrawable: [100n],
  }));

  it("counts into and out of one strategy within a day, self-inflicted when nothing forced it", () => {
    const moves: ReversalMove[] = [
      { at: 2 * hour, strategy: 0, raised: true },
      { at: 8 * hour, strategy: 0, raised: false },
      { at: 40 * hour, strategy: 0, raised: true }, // more than a day after the last: not a reversal
    ];
    expect(countReversals(moves, evidence(records))).toEqual({ all: 1, selfInflicted: 1 });
  });

  it("does not call a reversal self-inflicted when the strategy lost or the money was stuck in between", () => {
    const moves: ReversalMove[] = [
      { at: 2 * hour, strategy: 0, raised: true },
      { at: 8 * hour, strategy: 0, raised: false },
    ];
    const fell = records.map((r, k) => (k === 3 ? { ...r, prices: [P - 5n] } : r));
    expect(countReversals(moves, evidence(fell)), "a loss in between").toEqual({ all: 1, selfInflicted: 0 });
    const stuck = records.map((r, k) => (k === 2 ? { ...r, withdrawable: [4n] } : r));
    expect(countReversals(moves, evidence(stuck)), "less than 5% withdrawable in between").toEqual({
      all: 1,
      selfInflicted: 0,
    });
  });

  it("without observations, every reversal is self-inflicted", () => {
    const moves: ReversalMove[] = [
      { at: 0, strategy: 1, raised: false },
      { at: 86_399, strategy: 1, raised: true },
    ];
    expect(countReversals(moves)).toEqual({ all: 1, selfInflicted: 1 });
  });
});
