/**
 * Generated inputs: whatever the state, every plan either planner makes passes the mirror of the on-chain checks; and
 * the gas price only decides whether a plan is worth making (the planner contract the daemon relies on to plan
 * before it asks for fees). The yield planner also with its rules at work: loss events, recent moves it may not
 * reverse, the concentration rule, and a market model's marginal rates.
 */
import { describe, expect, it } from "vitest";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import { AGENT, oneToOne } from "../support/fixtures.js";
import { generatedPlannerInput as generated } from "../support/planner-fixtures.js";
import { Random } from "../support/random.js";

describe("planners under generated states", () => {
  const cases = [
    { name: "yield", planner: new YieldPlanner(), rules: false },
    { name: "equal-weight", planner: new EqualWeightPlanner(), rules: false },
    {
      name: "yield with loss events, recent moves, the concentration rule and a market model",
      planner: new YieldPlanner(),
      rules: true,
    },
  ];
  for (const { name, planner, rules } of cases) {
    it(`${name}: 2,000 generated states, every plan passes every check`, () => {
      const rng = new Random(planner.name.length * 7919 + (rules ? 1 : 0));
      let plans = 0;
      for (let i = 0; i < 2_000; i++) {
        const input = generated(rng, rules);
        const decision = planner.plan(input);
        // At no gas cost and at 100x the fixture's price: a hold stays a hold, a move keeps its targets or holds.
        const free = planner.plan({ ...input, cost: { ...input.cost, gasPriceWei: 0n } });
        const dear = planner.plan({ ...input, cost: { ...input.cost, gasPriceWei: input.cost.gasPriceWei * 100n } });
        for (const [cheaper, dearer] of [
          [free, decision],
          [decision, dear],
          [free, dear],
        ] as const) {
          if (cheaper.kind === "hold")
            expect(dearer.kind, `case ${i}: a hold at a lower gas price holds at a higher one`).toBe("hold");
          if (dearer.kind === "rebalance")
            expect(cheaper.kind === "rebalance" && cheaper.targets, `case ${i}: same targets at any gas price`).toEqual(
              dearer.targets,
            );
        }
        if (decision.kind !== "rebalance") continue;
        plans++;
        const verdict = checkRebalance({
          snapshot: input.snapshot,
          targets: decision.targets,
          sessionId: 7n,
          session: input.session,
          agent: AGENT,
          valuation: oneToOne(input.snapshot),
          now: input.now,
        });
        expect(
          verdict.error,
          `case ${i}: ${JSON.stringify(decision.targets, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`,
        ).toBeUndefined();
        for (const t of decision.targets) {
          const s = input.snapshot.strategies.find((x) => x.strategy === t.strategy)!;
          expect(t.assets === s.currentValue, `case ${i}: no empty leg`).toBe(false);
          expect(
            t.assets >= s.currentValue || s.currentValue - t.assets <= s.withdrawable,
            `case ${i}: within liquidity`,
          ).toBe(true);
          if (!rules || t.assets <= s.currentValue) continue;
          expect(input.yields.get(t.strategy)?.losses, `case ${i}: no new money after a loss event`).toBeUndefined();
          const within = input.recentMoves!.filter(
            (m) => m.strategy === t.strategy && input.now - m.at < input.params.minHoldSeconds,
          );
          const lowered = within.length > 0 && !within.reduce((a, b) => (b.at >= a.at ? b : a)).raised;
          expect(lowered, `case ${i}: no strategy raised within the hold after the agent lowered it`).toBe(false);
        }
      }
      expect(plans, "enough plans to mean something").toBeGreaterThan(300);
    });
  }
});
