/** The equal-weight planner: a second, simple planner behind the same interface. */
import { describe, expect, it } from "vitest";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { EqualWeightPlanner, equalSplit } from "../../src/planner/equal-weight.js";
import type { PlanDecision, Planner, PlannerInput } from "../../src/planner/types.js";
import { A, AGENT, B, C, oneToOne, strategy } from "../support/fixtures.js";
import { big, plannerInput } from "../support/planner-fixtures.js";

const planner: Planner = new EqualWeightPlanner();
function plan(input: PlannerInput): PlanDecision {
  const d = planner.plan(input);
  if (d.kind === "rebalance") {
    const v = checkRebalance({
      snapshot: input.snapshot,
      targets: d.targets,
      sessionId: 7n,
      session: input.session,
      agent: AGENT,
      valuation: oneToOne(input.snapshot),
      now: input.now,
    });
    expect(v.error, "passes every on-chain check").toBeUndefined();
  }
  return d;
}
const targets = (d: PlanDecision) =>
  d.kind === "rebalance" ? Object.fromEntries(d.targets.map((t) => [t.strategy, t.assets])) : d;

describe("equalSplit", () => {
  it("splits equally, giving what a capped place cannot take to the others", () => {
    expect(equalSplit(900n, [100n, 1_000n, 1_000n])).toEqual([100n, 400n, 400n]);
    expect(equalSplit(10n, [1_000n, 1_000n, 1_000n])).toEqual([3n, 3n, 4n]);
    expect(equalSplit(900n, [100n, 100n, 100n]), "all capped").toEqual([100n, 100n, 100n]);
  });
});

describe("equal-weight planner", () => {
  it("has a name and needs no yield estimates", () => {
    expect(planner.name).toBe("equal-weight");
  });

  it("splits what is above the buffer equally, within the session's volume (the rest next time)", () => {
    expect(targets(plan(plannerInput()))).toEqual({ [A]: 300_000n, [B]: 300_000n });
    expect(targets(plan(plannerInput({ session: { maxVolumePerCall: 900_000n } })))).toEqual({
      [A]: 300_000n,
      [B]: 300_000n,
      [C]: 300_000n,
    });
  });

  it("holds when every strategy is within the minimum move of its share", () => {
    const within = (a: bigint, b: bigint) =>
      plannerInput({
        idle: 100_000n,
        strategies: [strategy(A, 0, a, big), strategy(B, 1, b, big), strategy(C, 2, 300_000n, big)],
      });
    expect(plan(within(300_000n, 300_000n))).toMatchObject({ kind: "hold", code: "balanced" });
    expect(plan(within(300_999n, 299_001n))).toMatchObject({ kind: "hold", code: "balanced" });
    expect(targets(plan(within(301_000n, 299_000n)))).toEqual({ [A]: 300_000n, [B]: 300_000n });
  });

  it("empties a disabled strategy into the others", () => {
    const d = plan(
      plannerInput({
        idle: 100_000n,
        strategies: [
          strategy(A, 0, 300_000n, big),
          strategy(B, 1, 300_000n, big),
          strategy(C, 2, 300_000n, { ...big, enabled: false }),
        ],
      }),
    );
    expect(targets(d)).toEqual({ [A]: 450_000n, [B]: 450_000n, [C]: 0n });
  });

  it("empties a strategy the share-price rate bound froze, or whose price jumped, like a disabled one", () => {
    const input = (over: Parameters<typeof strategy>[3], rate: number) =>
      plannerInput({
        idle: 100_000n,
        snapshot: { maxPriceRateBps: rate },
        strategies: [
          strategy(A, 0, 300_000n, big),
          strategy(B, 1, 300_000n, big),
          strategy(C, 2, 300_000n, { ...big, ...over }),
        ],
      });
    const emptied = { [A]: 450_000n, [B]: 450_000n, [C]: 0n };
    expect(targets(plan(input({ frozen: true }, 100))), "frozen on chain").toEqual(emptied);
    expect(targets(plan(input({ price: 2n * 10n ** 18n }, 100))), "its price doubled since its mark").toEqual(emptied);
    expect(plan(input({ frozen: true }, 0)), "the bound off: a freeze binds nothing").toMatchObject({ kind: "hold" });
  });
});
