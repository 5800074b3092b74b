/**
 * Risk-group caps in the planners: a group's room is a cap its members share. Literal states (two strategies on one
 * underlying, the best yields, a group cap under what their own caps allow) and generated ones (groups over random
 * members, caps at, under and over what they hold): every plan passes the mirror, which checks the groups as the vault.
 */
import { describe, expect, it } from "vitest";
import type { RiskGroupState } from "../../src/chain/types.js";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import type { PlannerInput } from "../../src/planner/types.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import { A, AGENT, B, C, oneToOne } from "../support/fixtures.js";
import { apr, empty, generatedPlannerInput, plannerInput } from "../support/planner-fixtures.js";
import { Random } from "../support/random.js";

const planners = [new YieldPlanner(), new EqualWeightPlanner()];

function verdict(input: PlannerInput, targets: { strategy: string; assets: bigint }[]) {
  return checkRebalance({
    snapshot: input.snapshot,
    targets,
    sessionId: 7n,
    session: input.session,
    agent: AGENT,
    valuation: oneToOne(input.snapshot),
    now: input.now,
  });
}

/** A and B on one underlying (group 0, 300,000 at most together); C apart. Idle 1,000,000, nothing placed yet. */
function twoOnOneUnderlying(groups: RiskGroupState[] | undefined): PlannerInput {
  return plannerInput({
    strategies: [empty(A, 0, { riskGroups: 1 }), empty(B, 1, { riskGroups: 1 }), empty(C, 2)],
    yields: { [A]: apr(9), [B]: apr(8), [C]: apr(3) },
    snapshot: { riskGroups: groups },
  });
}

const GROUP: RiskGroupState = { id: 0, absoluteCap: 300_000n, relativeCapBps: 10_000, value: 0n };

describe("planners and risk-group caps", () => {
  for (const planner of planners) {
    it(`${planner.name}: two members share the group's room; without the group their own caps alone bind`, () => {
      const free = planner.plan(twoOnOneUnderlying([{ ...GROUP, absoluteCap: 10n ** 12n }]));
      expect(free.kind, "plans").toBe("rebalance");
      if (free.kind !== "rebalance") return;
      const sum = (ts: { strategy: string; assets: bigint }[]) =>
        ts.filter((t) => t.strategy === A || t.strategy === B).reduce((s, t) => s + t.assets, 0n);
      expect(sum(free.targets), "without a binding group the two hold more than 300,000").toBeGreaterThan(300_000n);
      const input = twoOnOneUnderlying([GROUP]);
      expect(verdict(input, free.targets).error?.name, "that plan is refused under the group").toBe(
        "RiskGroupCapExceeded",
      );

      const capped = planner.plan(input);
      expect(capped.kind, "still plans").toBe("rebalance");
      if (capped.kind !== "rebalance") return;
      expect(sum(capped.targets), "the members within the group's cap").toBeLessThanOrEqual(300_000n);
      expect(verdict(input, capped.targets).error, "the plan passes the mirror").toBeUndefined();
    });

    it(`${planner.name}: a group at its cap lets no member rise, and a tag never capped (0) the same`, () => {
      for (const groups of [[{ ...GROUP, absoluteCap: 0n }], undefined]) {
        const decision = planner.plan(twoOnOneUnderlying(groups));
        if (decision.kind !== "rebalance") continue;
        for (const t of decision.targets) expect([A, B], `${t.strategy} raised`).not.toContain(t.strategy);
      }
    });
  }

  for (const planner of planners) {
    it(`${planner.name}: 1,500 generated states with risk groups, every plan passes every check`, () => {
      const rng = new Random(0x6a0f + planner.name.length);
      let plans = 0;
      let grouped = 0;
      for (let i = 0; i < 1_500; i++) {
        const input = generatedPlannerInput(rng, false);
        const strategies = input.snapshot.strategies.map((s) => ({ ...s, riskGroups: rng.int(0, 3) }));
        const groups: RiskGroupState[] = [0, 1].map((id) => {
          const held = strategies
            .filter((s) => (s.riskGroups & (1 << id)) !== 0)
            .reduce((sum, s) => sum + s.currentValue, 0n);
          return {
            id,
            absoluteCap: rng.pick([held, held + rng.big(400_000n), held > 0n ? held - rng.big(held) : 0n, 0n]),
            relativeCapBps: rng.pick([2_000, 5_000, 10_000]),
            value: held,
          };
        });
        const withGroups = { ...input, snapshot: { ...input.snapshot, strategies, riskGroups: groups } };
        const decision = planner.plan(withGroups);
        if (decision.kind !== "rebalance") continue;
        plans++;
        if (strategies.some((s) => s.riskGroups !== 0)) grouped++;
        expect(
          verdict(withGroups, decision.targets).error,
          `case ${i}: ${JSON.stringify(decision.targets, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`,
        ).toBeUndefined();
      }
      expect(plans, "enough plans").toBeGreaterThan(200);
      expect(grouped, "enough with groups").toBeGreaterThan(150);
    });
  }
});
