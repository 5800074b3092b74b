/**
 * Generated inputs: whatever the state, every plan either planner makes passes the mirror of the on-chain checks; and
 * the gas price only decides whether a plan is worth making (the planner contract the daemon relies on to plan
 * before it asks for fees).
 */
import { describe, expect, it } from "vitest";
import type { StrategyState } from "../../src/chain/types.js";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import { A, AGENT, B, C, oneToOne, strategy } from "../support/fixtures.js";
import { apr, plannerInput } from "../support/planner-fixtures.js";
import { Random } from "../support/random.js";

const D = "0x4A4A4A4A4A4a4a4a4A4a4a4A4A4a4a4A4A4a4A4a";

describe("planners under generated states", () => {
  for (const planner of [new YieldPlanner(), new EqualWeightPlanner()]) {
    it(`${planner.name}: 2,000 generated states, every plan passes every check`, () => {
      const rng = new Random(planner.name.length * 7919);
      let plans = 0;
      for (let i = 0; i < 2_000; i++) {
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
        const yields = Object.fromEntries(
          strategies.filter(() => rng.chance(0.8)).map((s) => [s.strategy, apr(rng.int(-30, 60) + rng.next(), rng.int(0, 20))]),
        );
        const input = plannerInput({
          idle: rng.big(1_500_000n),
          strategies,
          yields,
          snapshot: { bounds: { idleBufferBps: rng.pick([0, 500, 1_000, 3_000]), maxLossPerCallBps: 50, epochLossBudgetBps: 100, lossEpochLength: 86_400n, lossEpoch: 0n, lossInEpoch: 0n } },
          session: {
            scope: BigInt(rng.int(1, 15)),
            maxVolumePerCall: rng.pick([1_000n, rng.big(900_000n) + 1n, 10n ** 12n]),
            maxVolumePerEpoch: 10n ** 13n,
            volumeInEpoch: rng.chance(0.3) ? rng.big(10n ** 13n) : 0n,
            lastCallAt: 1_500n,
            callsInEpoch: BigInt(rng.int(0, 9)),
          },
          params: { minMove: rng.pick([1n, 1_000n, 50_000n]), safetyMarginBps: rng.pick([0, 5, 50]), minSpreadWad: rng.pick([1n, 25n * 10n ** 14n]) },
        });
        const decision = planner.plan(input);
        // At no gas cost and at 100x the fixture's price: a hold stays a hold, a move keeps its targets or holds.
        const free = planner.plan({ ...input, cost: { ...input.cost, gasPriceWei: 0n } });
        const dear = planner.plan({ ...input, cost: { ...input.cost, gasPriceWei: input.cost.gasPriceWei * 100n } });
        for (const [cheaper, dearer] of [[free, decision], [decision, dear], [free, dear]] as const) {
          if (cheaper.kind === "hold") expect(dearer.kind, `case ${i}: a hold at a lower gas price holds at a higher one`).toBe("hold");
          if (dearer.kind === "rebalance") expect(cheaper.kind === "rebalance" && cheaper.targets, `case ${i}: same targets at any gas price`).toEqual(dearer.targets);
        }
        if (decision.kind !== "rebalance") continue;
        plans++;
        const verdict = checkRebalance({ snapshot: input.snapshot, targets: decision.targets, sessionId: 7n, session: input.session, agent: AGENT, valuation: oneToOne(input.snapshot), now: input.now });
        expect(verdict.error, `case ${i}: ${JSON.stringify(decision.targets, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`).toBeUndefined();
        for (const t of decision.targets) {
          const s = input.snapshot.strategies.find((x) => x.strategy === t.strategy)!;
          expect(t.assets === s.currentValue, `case ${i}: no empty leg`).toBe(false);
          expect(t.assets >= s.currentValue || s.currentValue - t.assets <= s.withdrawable, `case ${i}: within liquidity`).toBe(true);
        }
      }
      expect(plans, "enough plans to mean something").toBeGreaterThan(300);
    });
  }
});
