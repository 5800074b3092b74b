/**
 * The detection behind drafted proposals: a cap that keeps the yield planner's best plan from placing money where it
 * earns more is found, the caps proposed are the relaxed plan's need (rounded to two significant digits) and the gain
 * is material only above the threshold: `minGainBps` of the extra money placed, and `minGainPerYear`.
 */
import { describe, expect, it } from "vitest";
import { findBindingBound, isMaterial, roundUpCoarse } from "../../src/drafts/detect.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import { A, B, C } from "../support/fixtures.js";
import { apr, empty, plannerInput } from "../support/planner-fixtures.js";

const planner = new YieldPlanner();
/** 1,000,000 idle; A earns `aprA`%, B and C 1%; A's absolute cap is `capA`. */
const input = (capA: bigint, aprA: number) =>
  plannerInput({
    strategies: [empty(A, 0, { absoluteCap: capA, relativeCapBps: 10_000 }), empty(B, 1), empty(C, 2)],
    yields: { [A]: apr(aprA), [B]: apr(1), [C]: apr(1) },
  });

describe("drafts: detection", () => {
  it("isMaterial: the gain a year against minGainBps of the extra placed, and against minGainPerYear", () => {
    const t = { minGainBps: 10, minGainPerYear: 0n };
    expect(isMaterial(100n, 100_000n, t), "exactly 0.1% of the extra").toBe(true);
    expect(isMaterial(99n, 100_000n, t), "just below 0.1%").toBe(false);
    expect(isMaterial(0n, 100_000n, t)).toBe(false);
    expect(isMaterial(-5n, 100_000n, t)).toBe(false);
    expect(isMaterial(5n, 0n, t), "nothing more placed").toBe(false);
    expect(isMaterial(100n, 100_000n, { minGainBps: 10, minGainPerYear: 101n }), "below the absolute least").toBe(
      false,
    );
    expect(isMaterial(101n, 100_000n, { minGainBps: 10, minGainPerYear: 101n })).toBe(true);
  });

  it("roundUpCoarse keeps two significant digits, rounding up", () => {
    expect(roundUpCoarse(99n)).toBe(99n);
    expect(roundUpCoarse(1_234_567n)).toBe(1_300_000n);
    expect(roundUpCoarse(1_200_000n)).toBe(1_200_000n);
    expect(roundUpCoarse(1_200_001n)).toBe(1_300_000n);
  });

  it("a low cap on the best strategy: the raise it needs and the yield it costs", () => {
    const i = input(100_000n, 5);
    const plan = planner.plan(i);
    expect(plan.kind).toBe("rebalance");
    const f = findBindingBound(planner, i, plan)!;
    expect(f, "the cap binds").toBeDefined();
    expect(f.caps.map((c) => c.strategy)).toEqual([A]);
    const c = f.caps[0]!;
    expect(c.absoluteCap.now).toBe(100_000n);
    expect(c.allocation.now).toBe(100_000n);
    // The relaxed plan puts what the idle buffer and B's and C's share leave in A; the cap proposed covers it.
    expect(c.allocation.proposed).toBeGreaterThan(100_000n);
    expect(c.absoluteCap.proposed).toBe(roundUpCoarse(c.allocation.proposed));
    expect(c.relativeCapBps.proposed).toBe(10_000);
    expect(f.extraPlaced).toBe(c.allocation.proposed - c.allocation.now);
    // The money moved to A earns 5% there instead of 1% in B or C (or 0% idle).
    expect(f.gainPerYear).toBe(f.yieldPerYear.proposed - f.yieldPerYear.now);
    expect(f.gainPerYear).toBeGreaterThanOrEqual((f.extraPlaced * 4n) / 100n);
    expect(f.gainPerYear).toBeLessThanOrEqual((f.extraPlaced * 5n) / 100n);
  });

  it("a relative cap is raised by at most one ramp period's exposure budget (5,000 bps)", () => {
    // A's relative cap binds at 10%: the relaxed plan wants ~90% there; the draft asks 60%, what one period allows.
    const i = plannerInput({
      strategies: [empty(A, 0, { relativeCapBps: 1_000 }), empty(B, 1), empty(C, 2)],
      yields: { [A]: apr(5), [B]: apr(1), [C]: apr(1) },
    });
    const f = findBindingBound(planner, i, planner.plan(i))!;
    expect(f.caps[0]!.relativeCapBps).toEqual({ now: 1_000, proposed: 6_000 });
  });

  it("no draft when the cap does not bind, or when the gain is below the threshold", () => {
    const loose = input(10n ** 12n, 5);
    expect(findBindingBound(planner, loose, planner.plan(loose)), "A's cap is far").toBeUndefined();
    const i = input(100_000n, 5);
    const plan = planner.plan(i);
    const f = findBindingBound(planner, i, plan)!;
    // A threshold just above the gain's share of the extra placed: no draft; at it: the draft.
    const bps = Number((f.gainPerYear * 10_000n) / f.extraPlaced);
    expect(findBindingBound(planner, i, plan, { minGainBps: bps + 1, minGainPerYear: 0n })).toBeUndefined();
    expect(findBindingBound(planner, i, plan, { minGainBps: bps, minGainPerYear: 0n })).toBeDefined();
    expect(findBindingBound(planner, i, plan, { minGainBps: 0, minGainPerYear: f.gainPerYear + 1n })).toBeUndefined();
  });
});
