/** The yield planner on literal fixtures, each bound at its edge; every plan it makes passes the check mirror. */
import { describe, expect, it } from "vitest";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { gasCostInAssets } from "../../src/planner/context.js";
import type { PlanDecision, PlannerInput } from "../../src/planner/types.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import { A, AGENT, B, C, oneToOne, strategy } from "../support/fixtures.js";
import { apr, big, COST, empty, plannerInput } from "../support/planner-fixtures.js";

const planner = new YieldPlanner();

/** Plans, and checks that a rebalance passes the mirror of the on-chain checks. */
function plan(input: PlannerInput): PlanDecision {
  const decision = planner.plan(input);
  if (decision.kind === "rebalance") {
    const verdict = checkRebalance({
      snapshot: input.snapshot,
      targets: decision.targets,
      sessionId: 7n,
      session: input.session,
      agent: AGENT,
      valuation: oneToOne(input.snapshot),
      now: input.now,
    });
    expect(verdict.error, "the plan passes every on-chain check").toBeUndefined();
    expect(decision.volume, "volume as the vault measures it").toBe(verdict.volume);
  }
  return decision;
}
const targetOf = (d: PlanDecision, strategy: string): bigint | undefined =>
  d.kind === "rebalance" ? d.targets.find((t) => t.strategy === strategy)?.assets : undefined;
const targets = (d: PlanDecision) =>
  d.kind === "rebalance" ? Object.fromEntries(d.targets.map((t) => [t.strategy, t.assets])) : d;

describe("yield planner", () => {
  it("without a yield signal, puts idle above the buffer into an equal split within caps (in proportion when the volume is short)", () => {
    // 1,000,000 idle, 10% buffer: 300,000 each, 900,000 of volume against 600,000 per call: 200,000 each.
    const d = plan(plannerInput());
    expect(targets(d)).toEqual({ [A]: 200_000n, [B]: 200_000n, [C]: 200_000n });
    expect(d).toMatchObject({ kind: "rebalance", forced: false, expectedGain: 0n });
    expect(d.kind === "rebalance" && d.reason).toMatch(
      /^no yield estimate yet: idle above the buffer into an equal split within caps/,
    );
    expect(d.kind === "rebalance" && d.legs.every((l) => l.scoreWad === undefined), "no leg claims a score").toBe(true);
    // With the volume: each its third, C within its 250,000 cap and the rest to the others.
    const capped = plan(
      plannerInput({
        strategies: [empty(A, 0), empty(B, 1), empty(C, 2, { absoluteCap: 250_000n })],
        session: { maxVolumePerCall: 10n ** 12n },
      }),
    );
    expect(targets(capped)).toEqual({ [A]: 325_000n, [B]: 325_000n, [C]: 250_000n });
  });

  it("raises nothing while the vault is below its liquidity floor, and keeps a liquidity group within the floor's slack", () => {
    // A holds 300,000 it cannot let go (its market lent out): 1,000,000 idle + 0 of 1,300,000; a 90% floor is 1,170,000.
    const locked = strategy(A, 0, 300_000n, { ...big, withdrawable: 0n, redeemableShares: 0n });
    const below = plannerInput({
      strategies: [locked, empty(B, 1), empty(C, 2)],
      snapshot: { liquidityFloorBps: 9_000 },
    });
    const d = plan(below);
    expect(d.kind, "nothing raised below the floor").not.toBe("rebalance");
    // B and C share one pool: above a 60% floor (slack 400,000 less the margin) the pool takes at most the slack.
    const grouped = plannerInput({
      strategies: [empty(A, 0), empty(B, 1, { liquidityGroup: 1 }), empty(C, 2, { liquidityGroup: 1 })],
      snapshot: { liquidityFloorBps: 6_000 },
      session: { maxVolumePerCall: 10n ** 12n },
    });
    const g = plan(grouped);
    expect(g.kind).toBe("rebalance");
    const verdict = checkRebalance({
      snapshot: grouped.snapshot,
      targets: g.kind === "rebalance" ? g.targets : [],
      sessionId: 7n,
      session: grouped.session,
      agent: AGENT,
      valuation: oneToOne(grouped.snapshot),
      now: grouped.now,
    });
    expect(verdict.error, "the floor holds").toBeUndefined();
    expect((targetOf(g, B) ?? 0n) <= 400_000n && (targetOf(g, C) ?? 0n) <= 400_000n, "each within the slack").toBe(
      true,
    );
  });

  it("holds without a yield signal when idle holds no more than the buffer", () => {
    const d = plan(
      plannerInput({
        idle: 100_000n,
        strategies: [strategy(A, 0, 300_000n, big), strategy(B, 1, 300_000n, big), strategy(C, 2, 300_000n, big)],
      }),
    );
    expect(d).toMatchObject({ kind: "hold", code: "no-yield-signal" });
  });

  it("holds a deposit of this very block, and says it counts from the next one (as the vault measures caps)", () => {
    const input = plannerInput({ idle: 100_000_000_000n, snapshot: { inflowInBlock: 100_000_000_000n } });
    const d = plan(input);
    expect(d).toMatchObject({ kind: "hold", code: "no-yield-signal" });
    expect(d.kind === "hold" && d.reason).toContain(
      "100,000 deposited in this block counts toward caps and the buffer",
    );
    // One block later the same money is deployed in the equal split.
    expect(plan(plannerInput({ idle: 100_000_000_000n })).kind).toBe("rebalance");
  });

  it("fills the best strategy up to its relative cap exactly (no margin)", () => {
    const d = plan(plannerInput({ yields: { [B]: apr(10) } }));
    expect(targets(d)).toEqual({ [B]: 500_000n });
    expect(d).toMatchObject({
      kind: "rebalance",
      forced: false,
      expectedGain: 50_000n,
      gasCost: 600n,
      volume: 500_000n,
    });
  });

  it("keeps exactly the idle buffer when caps allow more", () => {
    const d = plan(
      plannerInput({
        strategies: [empty(A, 0), empty(B, 1, { relativeCapBps: 10_000 }), empty(C, 2)],
        yields: { [B]: apr(10) },
        session: { maxVolumePerCall: 10n ** 12n },
      }),
    );
    expect(targets(d)).toEqual({ [B]: 900_000n }); // idle left: 100,000 = 10%
  });

  it("uses exactly the session's per-call volume, and keeps the safety margin inside it", () => {
    expect(targets(plan(plannerInput({ yields: { [B]: apr(10) }, session: { maxVolumePerCall: 250_000n } })))).toEqual({
      [B]: 250_000n,
    });
    // 10 bps margin: 250,000 - 250 of volume; the cap (499,000 after a 1,000 margin) does not bind.
    expect(
      targets(
        plan(
          plannerInput({
            yields: { [B]: apr(10) },
            session: { maxVolumePerCall: 250_000n },
            params: { safetyMarginBps: 10 },
          }),
        ),
      ),
    ).toEqual({ [B]: 249_750n });
    // The epoch's room binds when it is the smaller.
    expect(
      targets(
        plan(plannerInput({ yields: { [B]: apr(10) }, session: { volumeInEpoch: 1_800_000n, lastCallAt: 1_500n } })),
      ),
    ).toEqual({ [B]: 200_000n });
  });

  it("keeps the safety margin inside caps and the buffer", () => {
    // 5 bps of 1,000,000 = 500: cap 499,500.
    expect(targets(plan(plannerInput({ yields: { [B]: apr(10) }, params: { safetyMarginBps: 5 } })))).toEqual({
      [B]: 499_500n,
    });
  });

  it("holds when the session's room is below the minimum move, or no call is left", () => {
    expect(plan(plannerInput({ yields: { [B]: apr(10) }, session: { maxVolumePerCall: 999n } }))).toMatchObject({
      kind: "hold",
      code: "no-session-budget",
    });
    expect(plan(plannerInput({ yields: { [B]: apr(100) }, session: { maxVolumePerCall: 1_000n } }))).toMatchObject({
      kind: "rebalance",
    });
    expect(
      plan(plannerInput({ yields: { [B]: apr(10) }, session: { callsInEpoch: 10n, lastCallAt: 1_500n } })),
    ).toMatchObject({ kind: "hold", code: "no-session-budget" });
  });

  it("drops a move below the minimum, makes one at the minimum", () => {
    // B can take 999 more before its cap: below the minimum move.
    const at = (cur: bigint) =>
      plannerInput({
        idle: 1_000_000n - cur,
        strategies: [empty(A, 0), strategy(B, 1, cur, big), empty(C, 2)],
        yields: { [B]: apr(100) },
      });
    expect(plan(at(499_001n))).toMatchObject({ kind: "hold", code: "below-min-move" });
    expect(targets(plan(at(499_000n)))).toEqual({ [B]: 500_000n });
  });

  it("anti-churn: holds when the gain over the horizon only equals the gas, moves when it exceeds it", () => {
    // 500,000 moved for a year: 600 of gain at 0.12% equals the 600 of gas; 0.1202% earns 601.
    const gas = gasCostInAssets(COST, 1);
    expect(gas).toBe(600n);
    const at = (aprWad: bigint) =>
      plannerInput({ yields: { [B]: { ...apr(0), aprWad } }, params: { minSpreadWad: 1n } });
    expect(plan(at(12n * 10n ** 14n))).toMatchObject({ kind: "hold", code: "gain-below-gas" });
    expect(plan(at(1_202n * 10n ** 12n))).toMatchObject({ kind: "rebalance", expectedGain: 601n });
    // A shorter horizon earns less: the same yield no longer pays for the gas.
    expect(plan({ ...at(1_202n * 10n ** 12n), params: { ...at(0n).params, horizonSeconds: 86_400n } })).toMatchObject({
      kind: "hold",
      code: "gain-below-gas",
    });
  });

  it("moves only for at least the minimum spread over the place it takes from", () => {
    const at = (aprWad: bigint) => plannerInput({ yields: { [B]: { ...apr(0), aprWad } } });
    expect(plan(at(25n * 10n ** 14n))).toMatchObject({ kind: "rebalance" });
    expect(plan(at(25n * 10n ** 14n - 1n))).toMatchObject({ kind: "hold", code: "balanced" });
  });

  it("never touches a strategy outside the session's scope", () => {
    const d = plan(plannerInput({ yields: { [B]: apr(10), [C]: apr(50) }, session: { scope: 0b011n } }));
    expect(targets(d)).toEqual({ [B]: 500_000n });
  });

  it("moves from a low-yield strategy to a better one, counting both legs against the volume", () => {
    const d = plan(
      plannerInput({
        idle: 100_000n,
        strategies: [
          strategy(A, 0, 900_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 }),
          empty(B, 1),
          empty(C, 2),
        ],
        yields: { [A]: apr(2), [B]: apr(20) },
      }),
    );
    expect(targets(d)).toEqual({ [A]: 600_000n, [B]: 300_000n });
    expect(d).toMatchObject({ volume: 600_000n });
  });

  it("leaves a disabled strategy (forced, whatever its yield) for the best place with room", () => {
    const d = plan(
      plannerInput({
        idle: 700_000n,
        strategies: [strategy(A, 0, 300_000n, { ...big, enabled: false }), empty(B, 1), empty(C, 2)],
        yields: { [A]: apr(10), [B]: apr(5) },
      }),
    );
    expect(targets(d)).toEqual({ [A]: 0n, [B]: 300_000n });
    expect(d).toMatchObject({ forced: true });
  });

  it("brings a strategy back under a lowered cap, to idle when nothing better has room", () => {
    const d = plan(
      plannerInput({
        idle: 700_000n,
        strategies: [strategy(A, 0, 300_000n, { absoluteCap: 100_000n }), empty(B, 1), empty(C, 2)],
        yields: { [A]: apr(10) },
      }),
    );
    expect(targets(d)).toEqual({ [A]: 100_000n });
    expect(d).toMatchObject({ forced: true });
  });

  it("withdraws no more than a strategy can release", () => {
    const d = plan(
      plannerInput({
        idle: 100_000n,
        strategies: [
          strategy(A, 0, 900_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 10_000, withdrawable: 50_000n }),
          empty(B, 1),
          empty(C, 2),
        ],
        yields: { [A]: apr(1), [B]: apr(30) },
      }),
    );
    // 50,000 withdrawable, less one unit (and the safety margin, 0 here) for interest moving it before the call lands.
    expect(targets(d)).toEqual({ [A]: 850_001n, [B]: 49_999n });
  });

  it("puts no more into a strategy than it accepts now (maxDeposit, less the margin): a full lending vault", () => {
    const wide = { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 };
    const input = plannerInput({
      idle: 900_000n,
      strategies: [strategy(A, 0, 0n, { ...wide, depositable: 40_000n }), empty(B, 1), empty(C, 2)],
      yields: { [A]: apr(30), [B]: apr(5) },
      params: { safetyMarginBps: 10 },
    });
    const d = plan(input);
    // 40,000 of room, less 10 bps: 39,960 into A; the rest to the next best.
    expect(targetOf(d, A)).toBe(39_960n);
    expect(
      d.kind === "rebalance" &&
        checkRebalance({ ...input, targets: d.targets, agent: AGENT, valuation: oneToOne(input.snapshot) }).error,
    ).toBeUndefined();
    // Full: nothing goes in.
    const full = plan(
      plannerInput({
        idle: 900_000n,
        strategies: [strategy(A, 0, 100_000n, { ...wide, depositable: 0n }), empty(B, 1), empty(C, 2)],
        yields: { [A]: apr(30), [B]: apr(5) },
      }),
    );
    expect(targetOf(full, A)).toBeUndefined();
  });

  it("gives no new money to a strategy too little of which can be withdrawn now, without leaving it", () => {
    const wide = { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 };
    const input = (withdrawable: bigint) => ({
      ...plannerInput({
        idle: 900_000n,
        strategies: [
          strategy(A, 0, 100_000n, { ...wide, withdrawable, redeemableShares: withdrawable }),
          empty(B, 1),
          empty(C, 2),
        ],
        yields: { [A]: apr(30), [B]: apr(5) },
      }),
      minWithdrawableBps: 500,
    });
    // 4.99% withdrawable (a market lent out): A is not raised; the money goes to B.
    const lentOut = plan(input(4_999n));
    expect(targetOf(lentOut, A)).toBeUndefined();
    expect(targetOf(lentOut, B)).toBeGreaterThan(0n);
    // 5%: a lending vault at normal utilization is raised.
    expect(targetOf(plan(input(5_000n)), A)).toBeGreaterThan(100_000n);
  });

  it("restores the idle buffer from the lowest-yield strategy first, even when that costs yield", () => {
    const d = plan(
      plannerInput({
        idle: 50_000n,
        strategies: [strategy(A, 0, 500_000n, big), strategy(B, 1, 450_000n, big), empty(C, 2)],
        yields: { [A]: apr(3), [B]: apr(8) },
      }),
    );
    // 50,000 from A to idle; then A to B up to B's 500,000 cap.
    expect(targets(d)).toEqual({ [A]: 400_000n, [B]: 500_000n });
    expect(d).toMatchObject({ forced: true });
  });

  it("restores the idle buffer without spending the session's volume between equally scored strategies", () => {
    // A and B score the same. Once idle has its 50,000 from A, nothing may flow between A and B back and forth: the
    // whole per-call volume is left for the move to C, the best strategy, up to its 500,000 cap.
    const d = plan(
      plannerInput({
        idle: 50_000n,
        strategies: [strategy(A, 0, 300_000n, big), strategy(B, 1, 300_000n, big), strategy(C, 2, 350_000n, big)],
        yields: { [A]: apr(3), [B]: apr(3), [C]: apr(8) },
      }),
    );
    expect(targets(d)).toEqual({ [A]: 100_000n, [C]: 500_000n });
    expect(d).toMatchObject({ kind: "rebalance", volume: 350_000n });
  });

  it("ranks by risk-adjusted yield: a risk premium or volatility can put a lower APR first", () => {
    const premium = plan(
      plannerInput({
        yields: { [A]: apr(12), [B]: apr(9) },
        params: { riskPremiumWad: { [A.toLowerCase()]: 5n * 10n ** 16n } },
      }),
    );
    expect(targets(premium)).toEqual({ [B]: 500_000n, [A]: 100_000n });
    const volatile = plan(
      plannerInput({ yields: { [A]: apr(12, 10), [B]: apr(5) }, params: { volatilityWeightBps: 10_000 } }),
    );
    expect(targets(volatile)).toEqual({ [B]: 500_000n, [A]: 100_000n });
  });

  describe("strategies a few tokens over their caps after accrued yield (issue 13)", () => {
    // Token amounts (6 decimals). Live total 1,000,010: #0 3.90% is 3 over its 300,000 absolute cap, #2 6.52% is 2.01
    // over its 39.90% relative cap (399,003.99), #1 11.40% has 49,000 of room under 250,000; idle sits on its 10%
    // buffer (100,001). The vault's marks are from before the yield accrued.
    const t = (tokens: number) => BigInt(Math.round(tokens * 100)) * 10n ** 4n;
    const state = (shift: number, over: { params?: Partial<PlannerInput["params"]> } = {}) => {
      const a = t(300_003 + shift);
      const c = t(399_006 + shift);
      return plannerInput({
        idle: t(100_001 - 2 * shift),
        strategies: [
          strategy(A, 0, a, { absoluteCap: t(300_000), relativeCapBps: 5_000, allocation: t(300_000) }),
          strategy(B, 1, t(201_000), { absoluteCap: t(250_000), relativeCapBps: 5_000 }),
          strategy(C, 2, c, { absoluteCap: 10n ** 18n, relativeCapBps: 3_990, allocation: t(399_000) }),
        ],
        yields: { [A]: apr(3.9), [B]: apr(11.4), [C]: apr(6.52) },
        snapshot: { totalAssets: t(1_000_010) },
        session: { maxVolumePerCall: t(200_000), maxVolumePerEpoch: t(1_000_000) },
        params: { minMove: t(1_000), ...over.params },
      });
    };

    it("moves the lower-yield over-cap strategy into the better one's room instead of holding below the minimum move", () => {
      const d = plan(state(0));
      // 49,000 from #0 (3.90%) to #1 (11.40%); #0 ends well under its cap; #2's 2.01 over is not worth a leg.
      expect(targets(d)).toEqual({ [A]: t(251_003), [B]: t(250_000) });
      expect(d).toMatchObject({ kind: "rebalance", forced: false, volume: t(98_000) });
    });

    it("plans the same move with both 20 tokens under their caps (the 40 they leave in idle are not worth a leg)", () => {
      expect(targets(plan(state(-20)))).toEqual({ [A]: t(250_983), [B]: t(250_000) });
    });

    it("keeps the safety margin of 5 bps of 1,000,010 inside #1's cap", () => {
      // Margin 500.005: #1 may reach 249,499.995. Restoring the margin on top of idle's buffer, and #2's excess, are
      // each below the minimum move: idle is left where it is.
      const d = plan(state(0, { params: { safetyMarginBps: 5 } }));
      expect(targets(d)).toEqual({ [A]: 251_503_005_000n, [B]: 249_499_995_000n });
      expect(d).toMatchObject({ kind: "rebalance", forced: false, volume: 96_999_990_000n });
    });
  });

  it("moves out of a strategy whose price falls, into idle", () => {
    const d = plan(
      plannerInput({
        idle: 500_000n,
        strategies: [strategy(A, 0, 500_000n, big), empty(B, 1), empty(C, 2)],
        yields: { [A]: apr(-20) },
      }),
    );
    expect(targets(d)).toEqual({ [A]: 0n });
  });
});
