/**
 * The planners under a session's own limits: a reduce-only session plans only the reductions the risk rules call for
 * (never a raise, on literal fixtures and over generated states), and a plan losing more than the session's own loss
 * allowance has left is held.
 */
import { describe, expect, it } from "vitest";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { snapshotValuation } from "../../src/checks/valuation.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import type { PlanDecision, Planner, PlannerInput } from "../../src/planner/types.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import { A, AGENT, B, C, oneToOne, strategy } from "../support/fixtures.js";
import { apr, big, empty, generatedPlannerInput, plannerInput } from "../support/planner-fixtures.js";
import { Random } from "../support/random.js";

const yieldPlanner = new YieldPlanner();
const equalWeight = new EqualWeightPlanner();
const reduceOnly = { reduceOnly: true };
const targets = (d: PlanDecision) =>
  d.kind === "rebalance" ? Object.fromEntries(d.targets.map((t) => [t.strategy, t.assets])) : d;
const nothingToReduce = { kind: "hold", code: "reduce-only", reason: "reduce-only session: nothing to reduce" };

/** Plans, and checks that a rebalance passes the mirror of the on-chain checks and raises no strategy. */
function plan(planner: Planner, input: PlannerInput): PlanDecision {
  const decision = planner.plan(input);
  if (decision.kind === "rebalance") {
    const verdict = checkRebalance({
      snapshot: input.snapshot,
      targets: decision.targets,
      sessionId: input.sessionId,
      session: input.session,
      agent: AGENT,
      valuation: oneToOne(input.snapshot),
      now: input.now,
    });
    expect(verdict.error, "the plan passes every on-chain check").toBeUndefined();
    if (input.session.reduceOnly) {
      for (const t of decision.targets) {
        const s = input.snapshot.strategies.find((x) => x.strategy === t.strategy)!;
        expect(t.assets, `${t.strategy} is not raised`).toBeLessThan(s.currentValue);
      }
    }
  }
  return decision;
}

describe("planners with a reduce-only session", () => {
  const yields = { [A]: apr(3), [B]: apr(8), [C]: apr(5) };
  const held = [strategy(A, 0, 300_000n, big), strategy(B, 1, 200_000n, big), empty(C, 2)];

  it("hold with nothing to de-risk, where an ordinary session would move money", () => {
    for (const planner of [yieldPlanner, equalWeight]) {
      const input = plannerInput({ idle: 500_000n, strategies: held, yields });
      expect(plan(planner, input).kind, `${planner.name}: an ordinary session moves`).toBe("rebalance");
      expect(plan(planner, { ...input, session: { ...input.session, ...reduceOnly } }), planner.name).toEqual(
        nothingToReduce,
      );
    }
    expect(plan(yieldPlanner, plannerInput({ session: reduceOnly })), "no yield signal, all idle").toEqual(
      nothingToReduce,
    );
  });

  it("empty a disabled strategy into idle, raising none of the others", () => {
    const strategies = [strategy(A, 0, 300_000n, { ...big, enabled: false }), ...held.slice(1)];
    for (const planner of [yieldPlanner, equalWeight]) {
      const d = plan(planner, plannerInput({ idle: 500_000n, strategies, yields, session: reduceOnly }));
      expect(targets(d), planner.name).toEqual({ [A]: 0n });
      expect(d.kind === "rebalance" && d.reason, planner.name).toMatch(/reduce-only session: .*#0 0x111111/);
    }
  });

  it("exit a quarantined strategy, and trim one over its cap to the cap", () => {
    const strategies = [strategy(A, 0, 300_000n, big), strategy(B, 1, 200_000n, { ...big, absoluteCap: 150_000n })];
    for (const planner of [yieldPlanner, equalWeight]) {
      const d = plan(planner, {
        ...plannerInput({ idle: 500_000n, strategies, yields, session: reduceOnly }),
        quarantined: new Map([[A.toLowerCase(), true]]),
      });
      expect(targets(d), planner.name).toEqual({ [A]: 0n, [B]: 150_000n });
    }
  });

  it("the yield planner restores the idle buffer from the strategies", () => {
    // 10% of 550,000 must stay idle: 5,000 more come out of the lowest-scored strategy, A.
    const roomy = { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 };
    const strategies = [strategy(A, 0, 300_000n, roomy), strategy(B, 1, 200_000n, roomy), empty(C, 2)];
    const d = plan(yieldPlanner, plannerInput({ idle: 50_000n, strategies, yields, session: reduceOnly }));
    expect(targets(d)).toEqual({ [A]: 295_000n });
    expect(d).toMatchObject({ kind: "rebalance", forced: true });
  });

  it("never raise a strategy, over 2,000 generated states each", () => {
    for (const [name, planner, rules] of [
      ["yield", yieldPlanner, false],
      ["equal-weight", equalWeight, false],
      ["yield with its rules", yieldPlanner, true],
    ] as const) {
      const rng = new Random(0x4ed0 + name.length);
      const outcomes = new Map<string, number>();
      for (let i = 0; i < 2_000; i++) {
        const generated = generatedPlannerInput(rng, rules);
        const input = { ...generated, session: { ...generated.session, ...reduceOnly } };
        const d = plan(planner, input);
        const outcome = d.kind === "rebalance" ? "rebalance" : d.code;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      expect(outcomes.get("rebalance") ?? 0, `${name}: enough reductions to mean something`).toBeGreaterThan(200);
      expect(outcomes.get("reduce-only") ?? 0, `${name}: and holds with nothing to reduce`).toBeGreaterThan(100);
    }
  });
});

describe("planners with a session's own loss allowance", () => {
  // A is over its cap and priced at 300,000 per 200,001 shares: trimming it to the cap loses a unit of rounding.
  const strategies = [strategy(A, 0, 300_000n, { ...big, absoluteCap: 250_000n, shares: 200_001n }), empty(B, 1)];
  const input = (session: { maxLoss: bigint; lossUsed: bigint }) =>
    plannerInput({ strategies, yields: { [A]: apr(5), [B]: apr(4) }, session: { ...session, ...reduceOnly } });
  const lossOf = (i: PlannerInput, d: PlanDecision) =>
    d.kind === "rebalance"
      ? checkRebalance({
          snapshot: i.snapshot,
          targets: d.targets,
          sessionId: i.sessionId,
          session: { ...i.session, maxLoss: 0n },
          agent: AGENT,
          valuation: snapshotValuation(i.snapshot),
          now: i.now,
        }).predictedLoss
      : undefined;

  it("sends a plan whose loss fits what is left, as without an allowance", () => {
    for (const planner of [yieldPlanner, equalWeight]) {
      const without = planner.plan(input({ maxLoss: 0n, lossUsed: 0n }));
      expect(targets(without), planner.name).toEqual({ [A]: 250_000n });
      expect(lossOf(input({ maxLoss: 0n, lossUsed: 0n }), without), `${planner.name}: a unit lost`).toBe(1n);
      expect(planner.plan(input({ maxLoss: 10n, lossUsed: 9n })), `${planner.name}: exactly left`).toEqual(without);
    }
  });

  it("holds a plan losing more than is left, naming the loss and what is left in token units", () => {
    for (const planner of [yieldPlanner, equalWeight]) {
      expect(planner.plan(input({ maxLoss: 10n, lossUsed: 10n })), planner.name).toEqual({
        kind: "hold",
        code: "session-loss-allowance",
        reason:
          "the plan would lose 0.000001, more than the 0 left of the session's own loss allowance of 0.00001; not sent",
      });
    }
  });
});
