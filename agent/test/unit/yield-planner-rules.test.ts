/**
 * The yield planner's rules around its estimates, on literal fixtures: a one-off loss moves nothing to idle and gets
 * no new money; marginal rates from a market model; no reversal within the hold unless a risk sign calls for it; the
 * concentration rule. Every plan passes the mirror of the on-chain checks.
 */
import { describe, expect, it } from "vitest";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { RecentMoves } from "../../src/planner/recent-moves.js";
import type { PlanDecision, PlannerInput, RecentMove } from "../../src/planner/types.js";
import { concentrationPenaltyWad, YieldPlanner } from "../../src/planner/yield-planner.js";
import { estimateYield, type PriceSample, type YieldEstimate } from "../../src/yield/estimate.js";
import { A, AGENT, B, C, NOW, oneToOne, strategy } from "../support/fixtures.js";
import { apr, empty, plannerInput, YEAR } from "../support/planner-fixtures.js";

const WAD = 10n ** 18n;
const HOUR = 3_600n;
const DAY = 86_400n;
const planner = new YieldPlanner();
const wide = { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 };
const bigSession = { maxVolumePerCall: 10n ** 12n, maxVolumePerEpoch: 10n ** 13n };

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
  }
  return decision;
}
/** A rebalance's targets by strategy (none for a hold). */
const targets = (d: PlanDecision): Record<string, bigint> =>
  d.kind === "rebalance" ? Object.fromEntries(d.targets.map((t) => [t.strategy, t.assets])) : {};
const reason = (d: PlanDecision) => d.reason;

/** Hourly samples ending at NOW growing at `ratePercent` a year, with drops of `lossBps` at the given hours ago. */
function history(ratePercent: number, drops: { hoursAgo: number; lossBps: number }[] = [], hours = 24): PriceSample[] {
  const out: PriceSample[] = [];
  let p = WAD;
  const perHour = BigInt(Math.round(ratePercent * 1e4)) * 10n ** 12n * HOUR;
  for (let h = hours; h >= 0; h--) {
    if (h < hours) p += (p * perHour) / (YEAR * WAD);
    for (const d of drops) if (d.hoursAgo === h) p -= (p * BigInt(d.lossBps)) / 10_000n;
    out.push({
      blockNumber: BigInt(hours - h),
      timestamp: NOW - BigInt(h) * HOUR,
      sharePrice: p / 10n ** 12n,
      positionPriceWad: p,
    });
  }
  return out;
}
const estimated = (samples: PriceSample[]): YieldEstimate =>
  estimateYield(samples, NOW, { lookbackSeconds: 7n * DAY, minSamples: 2, minWindowSeconds: HOUR })!;

describe("yield planner: a loss event", () => {
  // A took 0.15% two hours ago and earns 5% a year otherwise; B and C earn 4%. Idle sits on its 10% buffer.
  const lossy = estimated(history(5, [{ hoursAgo: 2, lossBps: 15 }]));
  const held = (idle: bigint, yields: Record<string, YieldEstimate>) =>
    plannerInput({
      idle,
      strategies: [strategy(A, 0, 400_000n, wide), strategy(B, 1, 300_000n, wide), strategy(C, 2, 200_000n, wide)],
      yields,
      session: bigSession,
    });

  it("is left out of the rate: the estimate is the rate around it, the loss is reported apart", () => {
    expect(Number(lossy.aprWad) / 1e16).toBeCloseTo(5, 6);
    expect(lossy.losses).toMatchObject({ count: 1, inRate: false, lastAt: NOW - 2n * HOUR });
    // The drop net of the hour's yield in the same interval.
    expect(Number(lossy.losses!.lostWad) / 1e18).toBeCloseTo(0.0015 - 0.05 / 8_760, 7);
  });

  it("moves nothing to idle, and says why", () => {
    const d = plan(held(100_000n, { [A]: lossy, [B]: apr(4), [C]: apr(4) }));
    expect(d).toMatchObject({ kind: "hold", code: "balanced" });
    expect(reason(d)).toBe(
      "allocations already follow the best risk-adjusted yields (#0 0x111111 took a loss of 0.15% 2h 0m ago: one-off, not counted in its rate; no new money while within the lookback)",
    );
  });

  it("gives the strategy no new money while the loss is within the lookback, though it scores best", () => {
    const d = plan(held(600_000n, { [A]: lossy, [B]: apr(4), [C]: apr(3) }));
    expect(d.kind).toBe("rebalance");
    expect(targets(d)[A], "A is not raised").toBeUndefined();
    // 450,000 above the 150,000 buffer, and C's 200,000 (3%), to B (4%).
    expect(targets(d), "the money goes to the best of the others").toEqual({ [B]: 950_000n, [C]: 0n });
  });

  it("counts losses that repeat in the rate, and then moves out to idle", () => {
    const repeated = estimated(
      history(5, [
        { hoursAgo: 6, lossBps: 15 },
        { hoursAgo: 2, lossBps: 15 },
      ]),
    );
    expect(repeated.losses).toMatchObject({ count: 2, inRate: true });
    expect(repeated.aprWad < 0n, "two drops in the window are a rate").toBe(true);
    const d = plan(held(100_000n, { [A]: repeated, [B]: apr(4), [C]: apr(4) }));
    expect(targets(d)[A], "A is emptied").toBe(0n);
    expect(reason(d)).toContain("repeated, counted in its rate");
  });
});

describe("yield planner: marginal rates from a market model", () => {
  // A's rate falls as the agent supplies: 10% a year less 8% per 1,000,000 it holds after the move. B pays 5% whatever.
  const rateAfter = (s: string, delta: bigint) =>
    s === A ? (10n * WAD) / 100n - (8n * WAD * delta) / (100n * 1_000_000n) : undefined;
  const input = (over: Partial<PlannerInput> = {}) => ({
    ...plannerInput({
      strategies: [empty(A, 0, wide), empty(B, 1, wide), empty(C, 2)],
      yields: { [A]: apr(10), [B]: apr(5) },
      session: bigSession,
    }),
    ...over,
  });

  it("fills a strategy until the yield the next chunk adds falls to the next best place's", () => {
    // The yield of x in A is x·(10% − 8%·x/1,000,000); the next unit adds 10% − 16%·x/1,000,000, which is 5% at
    // 312,500. Chunks are 1/64 of the total (15,625), so A stops within half a chunk of it; B takes the rest.
    const d = plan(input({ rateAfter }));
    const a = targets(d)[A]!;
    expect(a >= 312_500n - 7_813n && a <= 312_500n + 7_813n, `A at ${a}`).toBe(true);
    expect(targets(d)[B]).toBe(900_000n - a);
    // Without the model A's rate does not fall: it takes everything above the buffer (caps are wide).
    expect(targets(plan(input()))).toEqual({ [A]: 900_000n });
  });

  it("plans as without a model when the model's rates do not depend on the move", () => {
    const flat = (s: string) => (s === A ? (10n * WAD) / 100n : s === B ? (5n * WAD) / 100n : undefined);
    const capped = { strategies: [empty(A, 0, { absoluteCap: 400_000n }), empty(B, 1, wide), empty(C, 2)] };
    const withModel = plan({
      ...input(),
      ...plannerInput({ ...capped, yields: { [A]: apr(10), [B]: apr(5) }, session: bigSession }),
      rateAfter: flat,
    });
    const without = plan({
      ...input(),
      ...plannerInput({ ...capped, yields: { [A]: apr(10), [B]: apr(5) }, session: bigSession }),
    });
    expect(targets(withModel)).toEqual(targets(without));
    expect(targets(without)).toEqual({ [A]: 400_000n, [B]: 500_000n });
    expect(withModel.kind === "rebalance" && without.kind === "rebalance" && withModel.expectedGain).toBe(
      without.kind === "rebalance" && without.expectedGain,
    );
  });
});

describe("yield planner: no reversal within the hold", () => {
  // A holds 400,000 at 5%; B earns 9% and has room; idle is on its buffer.
  const state = (
    moves: RecentMove[],
    yields: Record<string, YieldEstimate> = { [A]: apr(5), [B]: apr(9), [C]: apr(1) },
    over: { enabled?: boolean } = {},
  ) => ({
    ...plannerInput({
      idle: 100_000n,
      strategies: [
        strategy(A, 0, 400_000n, { ...wide, enabled: over.enabled ?? true }),
        strategy(B, 1, 300_000n, wide),
        strategy(C, 2, 200_000n, wide),
      ],
      yields,
      session: bigSession,
      params: { minHoldSeconds: DAY },
    }),
    recentMoves: moves,
  });

  it("does not lower a strategy it raised within the hold", () => {
    const d = plan(state([{ strategy: A, raised: true, at: NOW - 2n * HOUR }]));
    expect(targets(d)[A], "A stays").toBeUndefined();
    expect(targets(d), "C's money still goes to B").toEqual({ [B]: 500_000n, [C]: 0n });
    expect(reason(d)).toContain("#0 0x111111 raised 2h 0m ago is not lowered within 1d 0h");
    // Without the move, or once the hold is over, A gives to B too.
    expect(targets(plan(state([])))).toEqual({ [A]: 0n, [B]: 900_000n, [C]: 0n });
    expect(targets(plan(state([{ strategy: A, raised: true, at: NOW - DAY }])))).toEqual({
      [A]: 0n,
      [B]: 900_000n,
      [C]: 0n,
    });
  });

  it("does not raise a strategy it lowered within the hold", () => {
    const d = plan(state([{ strategy: B, raised: false, at: NOW - 2n * HOUR }]));
    expect(targets(d), "B, the best, is not raised; C's money goes to A").toEqual({ [A]: 600_000n, [C]: 0n });
    expect(reason(d)).toContain("#1 0x222222 lowered 2h 0m ago is not raised within 1d 0h");
  });

  it("lowers it within the hold on a risk sign: a loss since the move, or a rate below zero", () => {
    const lossSince = estimated(history(5, [{ hoursAgo: 1, lossBps: 15 }]));
    const d = plan(
      state([{ strategy: A, raised: true, at: NOW - 2n * HOUR }], { [A]: lossSince, [B]: apr(9), [C]: apr(1) }),
    );
    expect(targets(d)[A]).toBe(0n);
    expect(reason(d)).toContain("#0 0x111111 raised 2h 0m ago may be lowered: a loss since");
    const losing = plan(
      state([{ strategy: A, raised: true, at: NOW - 2n * HOUR }], { [A]: apr(-0.25), [B]: apr(9), [C]: apr(1) }),
    );
    expect(targets(losing)[A]).toBe(0n);
    expect(reason(losing)).toContain("may be lowered: a rate below zero");
    // A hair below zero (a flat price read through rounding) is no sign: less than the minimum spread below.
    const flat = plan(
      state([{ strategy: A, raised: true, at: NOW - 2n * HOUR }], {
        [A]: { ...apr(0), aprWad: -(25n * 10n ** 14n) + 1n },
        [B]: apr(9),
        [C]: apr(1),
      }),
    );
    expect(targets(flat)[A]).toBeUndefined();
    // A loss before the move is no sign: the move was made knowing it.
    const lossBefore = estimated(history(5, [{ hoursAgo: 3, lossBps: 15 }]));
    expect(
      targets(
        plan(
          state([{ strategy: A, raised: true, at: NOW - 2n * HOUR }], { [A]: lossBefore, [B]: apr(9), [C]: apr(1) }),
        ),
      )[A],
    ).toBeUndefined();
  });

  it("never holds back a forced move", () => {
    const d = plan(state([{ strategy: A, raised: true, at: NOW - 2n * HOUR }], undefined, { enabled: false }));
    expect(targets(d)[A], "a disabled strategy is emptied").toBe(0n);
    expect(d).toMatchObject({ forced: true });
  });
});

describe("yield planner: concentration above an equal share", () => {
  // 1,000,000 idle, a 10% buffer: equal shares of 300,000. A plausible loss of 0.1% over 30 days: 1.2167% a year.
  const loss = 10n ** 15n;
  const horizon = 30n * DAY;
  const penalty = concentrationPenaltyWad(
    { plausibleLossWad: loss, horizonSeconds: horizon } as PlannerInput["params"],
    loss,
  );
  const input = (yields: Record<string, YieldEstimate>, plausibleLossWad = loss) =>
    plannerInput({
      strategies: [empty(A, 0), empty(B, 1), empty(C, 2)],
      yields,
      session: bigSession,
      params: { plausibleLossWad, horizonSeconds: horizon },
    });
  const at = (wad: bigint): YieldEstimate => ({ ...apr(0), aprWad: wad });

  it("charges the plausible loss spread over the horizon", () => {
    expect(penalty).toBe((loss * YEAR) / horizon);
    expect(Number(penalty) / 1e16).toBeCloseTo(1.2167, 4);
  });

  it("keeps the equal split when the best strategy does not beat the worst by the loss over the horizon", () => {
    expect(targets(plan(input({ [A]: apr(10), [B]: apr(9.5), [C]: apr(9) })))).toEqual({
      [A]: 300_000n,
      [B]: 300_000n,
      [C]: 300_000n,
    });
    // With the rule off, the best strategies fill to their caps (50%).
    expect(targets(plan(input({ [A]: apr(10), [B]: apr(9.5), [C]: apr(9) }, 0n)))).toEqual({
      [A]: 500_000n,
      [B]: 400_000n,
    });
  });

  it("moves money above a share when the extra yield beats where it comes from by the loss and the minimum spread", () => {
    // The equal split held, idle on its buffer; gas at no cost (the rule is about yields).
    const split = (yields: Record<string, YieldEstimate>) => ({
      ...plannerInput({
        idle: 100_000n,
        strategies: [
          strategy(A, 0, 300_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 5_000 }),
          strategy(B, 1, 300_000n, wide),
          strategy(C, 2, 300_000n, wide),
        ],
        yields,
        session: bigSession,
        params: { plausibleLossWad: loss, horizonSeconds: horizon },
      }),
      cost: { gasPriceWei: 0n, baseGas: 0n, gasPerLeg: 0n, assetPerNative: 0n },
    });
    const edge = (9n * WAD) / 100n + penalty + 25n * 10n ** 14n; // C + the penalty + 0.25%
    expect(targets(plan(split({ [A]: at(edge), [B]: apr(9.5), [C]: apr(9) })))).toEqual({
      [A]: 500_000n,
      [C]: 100_000n,
    });
    expect(plan(split({ [A]: at(edge - 1n), [B]: apr(9.5), [C]: apr(9) }))).toMatchObject({
      kind: "hold",
      code: "balanced",
    });
  });

  it("from idle, fills each strategy by the yield of its next part: above a share only past the others' shares", () => {
    // A's part above its share earns 9.25% (less a wei) after the penalty, more than C's share at 9%: it comes first.
    const edge = (9n * WAD) / 100n + penalty + 25n * 10n ** 14n;
    expect(targets(plan(input({ [A]: at(edge - 1n), [B]: apr(9.5), [C]: apr(9) })))).toEqual({
      [A]: 500_000n,
      [B]: 300_000n,
      [C]: 100_000n,
    });
  });

  it("takes a strategy's own recent loss as its plausible loss when that is more", () => {
    // A holds 500,000 (200,000 above its share) at 12%; C holds 100,000 at 9%. A 0.1% floor keeps A concentrated; a
    // loss of 0.5% of its own (6.08% a year over 30 days) brings it back to its share.
    const state = (estimate: YieldEstimate) => ({
      ...plannerInput({
        idle: 100_000n,
        strategies: [
          strategy(A, 0, 500_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 5_000 }),
          strategy(B, 1, 300_000n, wide),
          strategy(C, 2, 100_000n, wide),
        ],
        yields: { [A]: estimate, [B]: apr(9.5), [C]: apr(9) },
        session: bigSession,
        params: { plausibleLossWad: loss, horizonSeconds: horizon },
      }),
      cost: { gasPriceWei: 0n, baseGas: 0n, gasPerLeg: 0n, assetPerNative: 0n },
    });
    expect(plan(state(apr(12)))).toMatchObject({ kind: "hold", code: "balanced" });
    const lost = { ...apr(12), losses: { count: 1, lostWad: 5n * 10n ** 15n, lastAt: NOW - HOUR, inRate: false } };
    expect(targets(plan(state(lost)))).toEqual({ [A]: 300_000n, [C]: 300_000n });
  });
});

describe("RecentMoves", () => {
  it("keeps the moves of the plans sent within the window, forgets a plan that never took effect", () => {
    const moves = new RecentMoves();
    moves.record(
      "0x01",
      [
        { strategy: A, from: 0n, to: 10n, scoreWad: 1n },
        { strategy: B, from: 10n, to: 0n, scoreWad: 1n },
        { strategy: C, from: 5n, to: 7n },
      ],
      100n,
    );
    moves.record("0x02", [{ strategy: C, from: 7n, to: 9n, scoreWad: 2n }], 200n);
    expect(moves.since(250n, 1_000n), "a leg made without an estimate binds nothing").toEqual([
      { strategy: A, raised: true, at: 100n },
      { strategy: B, raised: false, at: 100n },
      { strategy: C, raised: true, at: 200n },
    ]);
    moves.forget("0x02");
    expect(moves.since(250n, 1_000n).map((m) => m.strategy)).toEqual([A, B]);
    expect(moves.since(1_100n, 1_000n), "older than the window: dropped").toEqual([]);
  });
});
