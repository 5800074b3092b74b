/**
 * The smoothed market-rate model (src/markets/smoothed-rate.ts) on literal markets: the average and its warm-up, the
 * rate it predicts after the agent's own move, and a planner fed by it on a market that borrowers swing between its
 * target utilization and 100% every few hours (the lending world's): the spot rate makes the planner trade back and
 * forth, the smoothed rate does not.
 */
import { describe, expect, it } from "vitest";
import {
  type KinkedCurve,
  type LendingStrategyState,
  ratePerSecondAfter,
  supplyRateOf,
} from "../../src/markets/lending-rate.js";
import {
  type MarketStateSource,
  readWeightWad,
  realizedOver,
  SmoothedMarketModel,
  smooth,
  smoothedAprAfter,
  type SmoothedState,
} from "../../src/markets/smoothed-rate.js";
import type { PlannerInput } from "../../src/planner/types.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import { estimateYield, type PriceSample, type YieldEstimate } from "../../src/yield/estimate.js";
import type { PriceHistory } from "../../src/yield/history.js";
import { TrailingRateModel, type YieldModel } from "../../src/yield/model.js";
import { A, B, C, strategy } from "../support/fixtures.js";
import { apr, plannerInput, YEAR } from "../support/planner-fixtures.js";

const WAD = 10n ** 18n;
const HOUR = 3_600n;
const DAY = 86_400n;
/** Per-second rates of a kinked curve giving 4% a year at the 90% kink and 100% a year at full utilization. */
const CURVE: KinkedCurve = {
  baseRate: 0n,
  slope1: (4n * WAD) / (100n * YEAR) + 0n,
  slope2: (96n * WAD * 10n) / (100n * YEAR),
  kink: (9n * WAD) / 10n,
};

/** One market of 1,000,000 supplied (the strategy holds `mine` of it) at utilization `u` (WAD). */
function market(u: bigint, mine = 300_000n, supply = 1_000_000n): LendingStrategyState {
  return {
    fee: 0n,
    markets: [
      {
        cap: 10n ** 12n,
        vaultSupplyAssets: mine,
        totalSupplyAssets: supply,
        totalBorrowAssets: (supply * u) / WAD,
        marketFee: 0n,
        curve: CURVE,
      },
    ],
  };
}
const pct = (wad: bigint) => Number(wad) / 1e16;
const U_TARGET = (8n * WAD) / 10n;

describe("smoothed market rate: the average", () => {
  it("weighs a read by dt / (dt + min(span, half-life / ln 2))", () => {
    // Past the warm-up: a read an hour after the last, half-life 48 h, weighs 1 / (1 + 69.25) = 1.42%.
    expect(Number(readWeightWad(HOUR, 48n * HOUR)) / 1e18).toBeCloseTo(1 / (1 + 48 / Math.LN2), 6);
    // Small steps compound to the half-life: 48 hourly reads of the same new value close about half the gap.
    let avg = 0;
    for (let i = 0; i < 48; i++) avg += (1 - avg) * (Number(readWeightWad(HOUR, 48n * HOUR)) / 1e18);
    expect(avg).toBeGreaterThan(0.49);
    expect(avg).toBeLessThan(0.51);
    // Warm-up: with 2 h averaged so far, a read 2 h later weighs one half (a plain time-weighted mean).
    expect(readWeightWad(2n * HOUR, 48n * HOUR, 2n * HOUR)).toBe(WAD / 2n);
    expect(readWeightWad(0n, 48n * HOUR), "a read at the same time weighs nothing").toBe(0n);
  });

  it("starts at the first read, is the plain mean of the reads during the warm-up, and follows a change slowly", () => {
    const halfLife = 48n * HOUR;
    let s: SmoothedState = smooth(undefined, market(U_TARGET), 0n, halfLife);
    const low = ratePerSecondAfter(market(U_TARGET), 0n);
    const high = ratePerSecondAfter(market(WAD), 0n);
    expect(s.rateWad).toBe(low);
    // The second read stands for the two hours before it: it replaces the first; the third halves with it.
    s = smooth(s, market(WAD), 2n * HOUR, halfLife);
    expect(s.rateWad).toBe(high);
    s = smooth(s, market(U_TARGET), 4n * HOUR, halfLife);
    const near = (x: bigint, y: bigint) => expect(x - y <= 1n && y - x <= 1n, `${x} ~ ${y}`).toBe(true);
    near(s.rateWad, low + (high - low) / 2n);
    near(s.utilizations[0]!, U_TARGET + (WAD - U_TARGET) / 2n);
    // A read at an older time (a lagging node) restarts nothing and is not averaged backwards: it starts afresh.
    expect(smooth(s, market(U_TARGET), HOUR, halfLife).span).toBe(0n);
  });

  it("on a market swinging between its target and 100% every 4 hours, stays near the time average of the rate", () => {
    const halfLife = 48n * HOUR;
    const low = ratePerSecondAfter(market(U_TARGET), 0n);
    const high = ratePerSecondAfter(market(WAD), 0n);
    let s: SmoothedState | undefined;
    const seen: bigint[] = [];
    // Reads every 2 h: two at the target, two at 100%, for 20 days.
    for (let k = 0n; k <= 240n; k++) {
      s = smooth(s, market(k % 4n < 2n ? U_TARGET : WAD), k * 2n * HOUR, halfLife);
      if (k >= 120n) seen.push(s.rateWad * YEAR);
    }
    const mean = ((low + high) / 2n) * YEAR;
    const spotSwing = pct((high - low) * YEAR);
    const band = pct(seen.reduce((a, b) => (a > b ? a : b)) - seen.reduce((a, b) => (a < b ? a : b)));
    expect(spotSwing, "the spot rate swings by tens of points").toBeGreaterThan(40);
    expect(band, "the average moves within a band of a few points").toBeLessThan(3);
    for (const r of seen) expect(Math.abs(pct(r) - pct(mean))).toBeLessThan(2);
  });
});

describe("smoothed market rate: the rate after the agent's own move", () => {
  const halfLife = 48n * HOUR;
  // Averaged at the target utilization for a day, then read at 100% (a swing of the hour).
  let s: SmoothedState | undefined;
  for (let k = 0n; k <= 12n; k++) s = smooth(s, market(U_TARGET), k * 2n * HOUR, halfLife);
  const swung = market(WAD);
  s = smooth(s, swung, 26n * HOUR, halfLife);
  const state = s!;

  it("is the smoothed rate for no move", () => {
    expect(smoothedAprAfter(swung, state, 0n)).toBe(state.rateWad * YEAR);
  });

  it("falls with a deposit and rises with a withdrawal, as the curve says at the averaged utilization", () => {
    const u = state.utilizations[0]!;
    const before = supplyRateOf(CURVE, 1_000_000n, (1_000_000n * u) / WAD, 0n);
    // A deposit of the market's size halves its utilization: the rate after is the smoothed one times the curve's ratio.
    const deposit = smoothedAprAfter(swung, state, 1_000_000n);
    const halved = supplyRateOf(CURVE, 2_000_000n, (1_000_000n * u) / WAD, 0n);
    expect(Number(deposit) / Number(state.rateWad * YEAR)).toBeCloseTo(Number(halved) / Number(before), 6);
    expect(deposit < state.rateWad * YEAR).toBe(true);
    expect(smoothedAprAfter(swung, state, -100_000n) > state.rateWad * YEAR).toBe(true);
    // Measured at the average, not at the hour's 100%: the spot model would see a move out of a full market as no
    // change (nothing can leave) and a deposit as a fall from the top of the curve.
    const spotDrop = pct((ratePerSecondAfter(swung, 0n) - ratePerSecondAfter(swung, 100_000n)) * YEAR);
    const smoothedDrop = pct(state.rateWad * YEAR - smoothedAprAfter(swung, state, 100_000n));
    expect(spotDrop).toBeGreaterThan(10 * smoothedDrop);
  });

  it("is the model's rateAfter only when asked for (impact), and the trailing estimate keeps its losses", () => {
    const source: MarketStateSource = { refresh: async () => {}, stateOf: (x) => (x === A ? swung : undefined) };
    const trailing: YieldModel = {
      name: "trailing",
      estimate: (x: string) => (x === C ? undefined : { ...apr(3), samples: 9 }),
    };
    const withImpact = new SmoothedMarketModel(source, trailing, {
      halfLifeSeconds: halfLife,
      warmupSeconds: 0n,
      impact: true,
    });
    const without = new SmoothedMarketModel(source, trailing, {
      halfLifeSeconds: halfLife,
      warmupSeconds: 0n,
      impact: false,
    });
    const history = {} as PriceHistory;
    for (const m of [withImpact, without]) m.observe(A, 0n);
    expect(without.rateAfter).toBeUndefined();
    expect(withImpact.rateAfter!(A, 0n)).toBe(ratePerSecondAfter(swung, 0n) * YEAR);
    expect(withImpact.rateAfter!(B, 0n), "no views: no model").toBeUndefined();
    expect(without.estimate(A, history, 0n)).toMatchObject({
      aprWad: ratePerSecondAfter(swung, 0n) * YEAR,
      samples: 9,
    });
    expect(without.estimate(B, history, 0n), "no views: the trailing estimate").toEqual({ ...apr(3), samples: 9 });
    expect(without.estimate(C, history, 0n), "no price history yet: no estimate").toBeUndefined();
    expect(without.name).toBe(`market-smoothed(half-life ${halfLife}s, warm-up 0s)+trailing`);
  });

  it("gives no estimate until the averages have read for the warm-up", () => {
    const source: MarketStateSource = { refresh: async () => {}, stateOf: () => swung };
    const trailing: YieldModel = { name: "trailing", estimate: () => apr(3) };
    const m = new SmoothedMarketModel(source, trailing, {
      halfLifeSeconds: halfLife,
      warmupSeconds: 4n * HOUR,
      impact: false,
    });
    const history = {} as PriceHistory;
    m.observe(A, 0n);
    m.observe(A, 2n * HOUR);
    expect(m.estimate(A, history, 2n * HOUR), "2 h read of a 4 h warm-up").toBeUndefined();
    m.observe(A, 4n * HOUR);
    expect(m.estimate(A, history, 4n * HOUR)?.aprWad).toBe(ratePerSecondAfter(swung, 0n) * YEAR);
  });
});

describe("smoothed market rate: the realized rate during the warm-up", () => {
  /** A share price growing at 20% a year for `hours`, sampled every 2 h from time 0, then flat (0%) after. */
  function samples(upTo: bigint, growHours = 1_000n): PriceSample[] {
    const out: PriceSample[] = [];
    let p = 10n ** 18n;
    for (let t = 0n; t <= upTo; t += 2n * HOUR) {
      out.push({ blockNumber: t, timestamp: t, sharePrice: p / 10n ** 12n, positionPriceWad: p });
      if (t < growHours * HOUR) p += (p * 20n * 2n * HOUR) / (100n * YEAR);
    }
    return out;
  }
  const history = (list: PriceSample[]): PriceHistory =>
    ({
      estimate: (_s: string, now: bigint, o: Parameters<typeof estimateYield>[2]) => estimateYield(list, now, o),
    }) as PriceHistory;
  const trailingOptions = {
    lookbackSeconds: 24n * HOUR,
    minSamples: 2,
    minWindowSeconds: HOUR,
    halfLifeSeconds: 3n * HOUR,
  };

  it("gives the share price's realized rate over the warm-up window, then the smoothed market rate", () => {
    const source: MarketStateSource = { refresh: async () => {}, stateOf: () => market(U_TARGET) };
    const options = { halfLifeSeconds: 168n * HOUR, warmupSeconds: 24n * HOUR, impact: false, warmupRealized: true };
    const m = new SmoothedMarketModel(
      source,
      new TrailingRateModel(trailingOptions),
      options,
      new TrailingRateModel(realizedOver(trailingOptions, options)),
    );
    expect(m.name).toBe(
      `market-smoothed(half-life ${168n * HOUR}s, warm-up ${24n * HOUR}s on the realized rate)+trailing`,
    );
    const h = history(samples(48n * HOUR));
    m.observe(A, 0n);
    m.observe(A, 4n * HOUR);
    // 4 h into the warm-up: the spot read at the 80% target pays 2.6% a year; the share price grew at 20%.
    const during = m.estimate(A, h, 4n * HOUR);
    expect(pct(during!.aprWad)).toBeCloseTo(20, 1);
    for (let t = 6n; t <= 24n; t += 2n) m.observe(A, t * HOUR);
    const after = m.estimate(A, h, 24n * HOUR);
    expect(after?.aprWad, "past the warm-up: the smoothed market rate").toBe(
      ratePerSecondAfter(market(U_TARGET), 0n) * YEAR,
    );
  });

  it("averages the whole warm-up window with the market model's half-life, not the trailing one's", () => {
    // 20% a year for 12 h, then flat for 10 h: the trailing 3 h average says ~0%, the window's mean ~11%.
    const list = samples(22n * HOUR, 12n);
    const options = { halfLifeSeconds: 168n * HOUR, warmupSeconds: 24n * HOUR, impact: false };
    const realized = estimateYield(list, 22n * HOUR, realizedOver(trailingOptions, options));
    const trailing = estimateYield(list, 22n * HOUR, trailingOptions);
    expect(pct(realized!.aprWad)).toBeGreaterThan(10);
    expect(pct(realized!.aprWad)).toBeLessThan(12);
    expect(pct(trailing!.aprWad)).toBeLessThan(5);
    expect(
      realizedOver(trailingOptions, { ...options, warmupSeconds: 0n }).lookbackSeconds,
      "at least the minimum window",
    ).toBe(HOUR);
  });

  it("gives no estimate during the warm-up without the option, or without a realized model", () => {
    const source: MarketStateSource = { refresh: async () => {}, stateOf: () => market(U_TARGET) };
    const trailing = new TrailingRateModel(trailingOptions);
    const options = { halfLifeSeconds: 168n * HOUR, warmupSeconds: 24n * HOUR, impact: false };
    const h = history(samples(8n * HOUR));
    const off = new SmoothedMarketModel(
      source,
      trailing,
      options,
      new TrailingRateModel(realizedOver(trailingOptions, options)),
    );
    const none = new SmoothedMarketModel(source, trailing, { ...options, warmupRealized: true });
    for (const m of [off, none]) {
      m.observe(A, 0n);
      m.observe(A, 4n * HOUR);
      expect(m.estimate(A, h, 4n * HOUR)).toBeUndefined();
    }
    expect(off.name).not.toContain("realized");
  });
});

describe("a planner on a market swinging target <-> 100%", () => {
  // A: a lending market at its 80% target for 4 h (2.6% a year to suppliers), then at 100% for 4 h (99.6%), and so on.
  // B pays a steady 20% a year: above A at the target, below it at 100%, below A's average (~51%).
  const steady = apr(20);
  const wide = { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 };

  /** Ticks every 2 h for `days`; each tick plans with A's rate from `rateOf` and applies the plan. The direction
   *  changes of A's allocation. */
  function run(rateOf: (k: bigint, state: LendingStrategyState) => bigint, days: bigint): number {
    let a = 450_000n;
    let b = 450_000n;
    const idle = 100_000n;
    let last = 0;
    let turns = 0;
    const planner = new YieldPlanner();
    for (let k = 0n; k < (days * DAY) / (2n * HOUR); k++) {
      const u = (k / 2n) % 2n === 0n ? U_TARGET : WAD;
      const state = market(u, 300_000n, 2_000_000n);
      const estimate: YieldEstimate = { ...steady, aprWad: rateOf(k, state) };
      const input: PlannerInput = plannerInput({
        idle,
        strategies: [strategy(A, 0, a, wide), strategy(B, 1, b, wide)],
        yields: { [A]: estimate, [B]: steady },
        session: { maxVolumePerCall: 10n ** 12n, maxVolumePerEpoch: 10n ** 13n, scope: 0b11n },
        params: { horizonSeconds: 30n * DAY },
      });
      const d = planner.plan(input);
      if (d.kind !== "rebalance") continue;
      const next = d.targets.find((t) => t.strategy === A)?.assets ?? a;
      const dir = next > a ? 1 : next < a ? -1 : 0;
      if (dir !== 0 && last !== 0 && dir !== last) turns++;
      if (dir !== 0) last = dir;
      b += a - next;
      a = next;
    }
    return turns;
  }

  it("turns at every swing when fed the spot rate, and never when fed the smoothed rate", () => {
    const spotTurns = run((_, state) => ratePerSecondAfter(state, 0n) * YEAR, 10n);
    let s: SmoothedState | undefined;
    const smoothedTurns = run((k, state) => {
      s = smooth(s, state, k * 2n * HOUR, 48n * HOUR);
      return s.rateWad * YEAR;
    }, 10n);
    expect(spotTurns, "the spot rate: in at 100%, out at the target, every 8 hours").toBeGreaterThan(20);
    expect(smoothedTurns, "the smoothed rate: one way, at most one turn").toBeLessThanOrEqual(1);
  });
});
