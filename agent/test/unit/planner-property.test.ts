/**
 * Generated inputs: whatever the state, every plan either planner makes passes the mirror of the on-chain checks; and
 * the gas price only decides whether a plan is worth making (the planner contract the daemon relies on to plan
 * before it asks for fees). The yield planner also with its rules at work: loss events, recent moves it may not
 * reverse, the concentration rule, and a market model's marginal rates.
 */
import { describe, expect, it } from "vitest";
import type { StrategyState } from "../../src/chain/types.js";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import type { PlannerInput, RecentMove } from "../../src/planner/types.js";
import type { YieldEstimate } from "../../src/yield/estimate.js";
import { A, AGENT, B, C, NOW, oneToOne, strategy } from "../support/fixtures.js";
import { apr, plannerInput } from "../support/planner-fixtures.js";
import { Random } from "../support/random.js";

const D = "0x4A4A4A4A4A4a4a4a4A4a4a4A4A4a4a4A4A4a4A4a";

/** A generated state; `rules` adds what the yield planner's rules act on: loss events, recent moves, a market model. */
function generated(rng: Random, rules: boolean): PlannerInput {
  const strategies: StrategyState[] = [A, B, C, D].slice(0, rng.int(1, 4)).map((address, index) => {
    const value = rng.chance(0.3) ? 0n : rng.big(800_000n);
    const withdrawable = rng.chance(0.7) ? value : rng.big(value);
    return strategy(address, index, value, {
      enabled: rng.chance(0.85),
      absoluteCap: rng.pick([10n ** 12n, rng.big(600_000n), value]),
      relativeCapBps: rng.int(0, 10_000),
      withdrawable,
      // A lending vault's maxRedeem rounds below the balance; some strategies are full or nearly so.
      redeemableShares: rng.chance(0.3) && withdrawable === value && value > 0n ? value - 1n : withdrawable,
      depositable: rng.chance(0.7) ? 2n ** 256n - 1n : rng.big(300_000n),
    });
  });
  const estimate = (): YieldEstimate => {
    const e = apr(rng.int(-30, 60) + rng.next(), rng.int(0, 20));
    if (rules && rng.chance(0.2))
      e.losses = {
        count: rng.int(1, 3),
        lostWad: rng.big(10n ** 16n),
        lastAt: NOW - rng.big(86_400n),
        inRate: rng.chance(0.5),
      };
    return e;
  };
  const yields = Object.fromEntries(strategies.filter(() => rng.chance(0.8)).map((s) => [s.strategy, estimate()]));
  const input = plannerInput({
    idle: rng.big(1_500_000n),
    strategies,
    yields,
    snapshot: {
      bounds: {
        idleBufferBps: rng.pick([0, 500, 1_000, 3_000]),
        maxLossPerCallBps: 50,
        epochLossBudgetBps: 100,
        lossEpochLength: 86_400n,
      },
    },
    session: {
      scope: BigInt(rng.int(1, 15)),
      maxVolumePerCall: rng.pick([1_000n, rng.big(900_000n) + 1n, 10n ** 12n]),
      maxVolumePerEpoch: 10n ** 13n,
      volumeInEpoch: rng.chance(0.3) ? rng.big(10n ** 13n) : 0n,
      lastCallAt: 1_500n,
      callsInEpoch: BigInt(rng.int(0, 9)),
    },
    params: {
      minMove: rng.pick([1n, 1_000n, 50_000n]),
      safetyMarginBps: rng.pick([0, 5, 50]),
      minSpreadWad: rng.pick([1n, 25n * 10n ** 14n]),
      ...(rules
        ? {
            plausibleLossWad: rng.pick([0n, 10n ** 15n, 10n ** 16n]),
            horizonSeconds: rng.pick([86_400n, 30n * 86_400n]),
            minHoldSeconds: rng.pick([0n, 86_400n]),
          }
        : {}),
    },
  });
  if (!rules) return input;
  // Recent moves of some strategies; a market whose rate falls as the agent supplies (for some strategies only).
  const recentMoves: RecentMove[] = strategies
    .filter(() => rng.chance(0.3))
    .map((s) => ({ strategy: s.strategy, raised: rng.chance(0.5), at: NOW - rng.big(2n * 86_400n) }));
  const slopes = new Map(strategies.filter(() => rng.chance(0.5)).map((s) => [s.strategy, rng.big(3n * 10n ** 17n)]));
  const rateAfter = (s: string, delta: bigint) => {
    const slope = slopes.get(s);
    const base = input.yields.get(s)?.aprWad;
    if (slope === undefined || base === undefined) return undefined;
    return base - (slope * delta) / 1_000_000n;
  };
  return { ...input, recentMoves, ...(rng.chance(0.7) ? { rateAfter } : {}) };
}

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
