/**
 * A strategy's price series: its estimate is `estimateYield`'s on generated histories with loss events among them
 * (exactly over recorded samples; with a newer observation folded in, the rate and loss figures exactly, the
 * volatility up to float rounding); it ends at the newest observation; it keeps prices of any size.
 */
import { describe, expect, it } from "vitest";
import { estimateYield, type EstimateOptions, type PriceSample, type YieldEstimate } from "../../src/yield/estimate.js";
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalJson } from "../../src/util/json.js";
import { decodeHistoryFile, encodeHistoryFile } from "../../src/yield/history-file.js";
import { PriceSeries } from "../../src/yield/series.js";
import { Random } from "../support/random.js";

const WAD = 10n ** 18n;

function history(r: Random): PriceSample[] {
  const out: PriceSample[] = [];
  let t = BigInt(r.int(0, 10_000));
  let p = 1_000_000n + r.big(10_000n);
  let w = WAD + r.big(WAD / 100n);
  const n = r.int(0, 60);
  for (let i = 0; i < n; i++) {
    t += BigInt(r.pick([0, 1, 12, 60, 600, 3_600]));
    p = p + r.big(200n) - 50n;
    w = w + r.big(WAD / 10_000n) - WAD / 40_000n;
    // Now and then a loss event: 0.5 to 30 bps at once.
    if (r.chance(0.06)) p -= (p * BigInt(r.int(5, 300))) / 100_000n;
    if (r.chance(0.06)) w -= (w * BigInt(r.int(5, 300))) / 100_000n;
    out.push({
      blockNumber: BigInt(i),
      timestamp: t,
      sharePrice: r.chance(0.05) ? 0n : p,
      positionPriceWad: r.chance(0.1) ? undefined : w,
    });
  }
  return out;
}

/** Equal, but for the volatility: within a relative 1e-9 (Welford's update against a two-pass sum). */
function expectClose(actual: YieldEstimate | undefined, expected: YieldEstimate | undefined, label: string): void {
  if (!expected || !actual) {
    expect(actual, label).toEqual(expected);
    return;
  }
  expect({ ...actual, volatilityWad: 0n }, label).toEqual({ ...expected, volatilityWad: 0n });
  const diff =
    actual.volatilityWad > expected.volatilityWad
      ? actual.volatilityWad - expected.volatilityWad
      : expected.volatilityWad - actual.volatilityWad;
  expect(
    diff * 1_000_000_000n <= expected.volatilityWad + 1_000n,
    `${label}: volatility ${actual.volatilityWad} vs ${expected.volatilityWad}`,
  ).toBe(true);
}

function options(r: Random): EstimateOptions {
  const halfLife = r.pick([undefined, 60n, 3_600n, 21_600n, 604_800n]);
  return {
    lookbackSeconds: BigInt(r.pick([600, 3_600, 36_000, 10 ** 9])),
    minSamples: r.int(2, 6),
    minWindowSeconds: BigInt(r.pick([0, 60, 600, 3_600])),
    ...(halfLife === undefined ? {} : { halfLifeSeconds: halfLife }),
  };
}

describe("PriceSeries", () => {
  it("estimates as estimateYield does, with and without a newest unrecorded observation, over 2,000 generated histories", () => {
    const r = new Random(0x5e71e5);
    let defined = 0;
    const losses = { oneOff: 0, inRate: 0 };
    for (let k = 0; k < 2_000; k++) {
      const samples = history(r);
      const series = new PriceSeries(samples);
      const last = samples[samples.length - 1];
      const end = (last?.timestamp ?? 0n) + BigInt(r.int(0, 4_000));
      const now = end - BigInt(r.pick([0, 0, 0, 100, 5_000]));
      const o = options(r);
      expect(series.estimate(now, o), `case ${k}: recorded samples only`).toEqual(estimateYield(samples, now, o));
      // A newer observation, not recorded: counts as the last sample.
      const observed: PriceSample = {
        blockNumber: 999n,
        timestamp: end,
        sharePrice: r.chance(0.1) ? 0n : 1_000_000n + r.big(20_000n),
        positionPriceWad: r.chance(0.2) ? undefined : WAD + r.big(WAD / 50n),
      };
      series.observe(observed);
      const withObserved = last && observed.timestamp <= last.timestamp ? samples : [...samples, observed];
      const expected = estimateYield(withObserved, now, o);
      if (expected) defined++;
      if (expected?.losses) losses[expected.losses.inRate ? "inRate" : "oneOff"]++;
      expectClose(series.estimate(now, o), expected, `case ${k}: with the newest observation`);
      // Asked again (cached sums): the same answer.
      expectClose(series.estimate(now, o), expected, `case ${k}: again`);
    }
    expect(defined, "enough cases give an estimate").toBeGreaterThan(500);
    expect(losses.oneOff, "enough cases with a one-off loss").toBeGreaterThan(100);
    expect(losses.inRate, "enough cases with repeated losses").toBeGreaterThan(100);
  });

  it("drops the oldest samples and still agrees", () => {
    const r = new Random(7);
    for (let k = 0; k < 300; k++) {
      const samples = history(r);
      const series = new PriceSeries();
      for (const s of samples) series.push(s);
      const drop = r.int(0, samples.length);
      series.dropOldest(drop);
      const now = (samples[samples.length - 1]?.timestamp ?? 0n) + 1n;
      const o = options(r);
      expect(series.estimate(now, o), `case ${k}`).toEqual(estimateYield(samples.slice(drop), now, o));
    }
  });

  it("keeps the newest samples as old ones are dropped one at a time, across its batched compactions", () => {
    const r = new Random(11);
    const all: PriceSample[] = [];
    const series = new PriceSeries();
    const o = { lookbackSeconds: 10n ** 9n, minSamples: 3, minWindowSeconds: 0n };
    for (let i = 0; i < 1_200; i++) {
      const s = {
        blockNumber: BigInt(i),
        timestamp: BigInt(i * 60),
        sharePrice: 1_000_000n + BigInt(i) + r.big(3n),
        positionPriceWad: WAD + BigInt(i) * 10n ** 12n + r.big(10n ** 11n),
      };
      all.push(s);
      series.push(s);
      if (series.length > 300) series.dropOldest(series.length - 300);
      if (i % 97 === 0 || i === 1_199) {
        const kept = all.slice(-300);
        expect(series.samples(), `after ${i + 1} samples`).toEqual(kept);
        expect(series.estimate(BigInt(i * 60), o), `after ${i + 1} samples`).toEqual(
          estimateYield(kept, BigInt(i * 60), o),
        );
      }
    }
  });

  it("agrees at every sample with storage sized for the most kept, as it moves them down over the dropped ones", () => {
    const r = new Random(13);
    for (const max of [5, 40]) {
      const series = new PriceSeries([], max);
      const all: PriceSample[] = [];
      let t = 0n;
      for (let k = 0; k < 12; k++) {
        for (const s of history(r)) {
          t += s.timestamp % 700n;
          const sample = { ...s, timestamp: t };
          all.push(sample);
          series.push(sample);
          if (series.length > max) series.dropOldest(series.length - max);
          const o = options(r);
          const kept = all.slice(-max);
          expect(series.estimate(t, o), `${max} kept, after ${all.length} samples`).toEqual(estimateYield(kept, t, o));
        }
      }
      expect(series.samples(), `${max} kept: the newest`).toEqual(all.slice(-max));
    }
  });

  it("keeps prices too large for its compact columns exactly", () => {
    const huge = 10n ** 30n;
    const samples = [0n, 1n, 2n].map((h) => ({
      blockNumber: h,
      timestamp: h * 3_600n,
      sharePrice: 1_000_000n + h,
      positionPriceWad: h === 2n ? huge + 7n : 10n ** 18n + h,
    }));
    const series = new PriceSeries(samples);
    expect(series.samples(), "samples back as recorded").toEqual(samples);
    const o = { lookbackSeconds: 86_400n, minSamples: 2, minWindowSeconds: 0n };
    expect(series.estimate(7_200n, o)).toEqual(estimateYield(samples, 7_200n, o));
    // Kept exactly as the oldest are dropped and the storage moves them down.
    const sized = new PriceSeries(samples, 2);
    const more = Array.from({ length: 40 }, (_, i) => BigInt(i + 3)).map((h) => ({
      blockNumber: h,
      timestamp: h * 3_600n,
      sharePrice: 1_000_000n + h,
      positionPriceWad: huge + h,
    }));
    for (const s of more) {
      sized.push(s);
      sized.dropOldest(sized.length - 2);
    }
    expect(sized.samples(), "the newest two, as recorded").toEqual(more.slice(-2));
  });

  it("widens a column only when a value needs it: prices across 2**64, times and blocks past 2**32, missing kept", () => {
    const o = { lookbackSeconds: 10n ** 12n, minSamples: 2, minWindowSeconds: 0n };
    const edge = 2n ** 64n - 1n; // the narrow form's missing mark: kept as a value
    const series = new PriceSeries([], 8);
    const samples: PriceSample[] = [];
    const add = (s: PriceSample) => {
      samples.push(s);
      series.push(s);
      expect(series.samples(), `after ${samples.length} samples`).toEqual(samples);
      expect(series.estimate(s.timestamp, o), `estimate after ${samples.length}`).toEqual(
        estimateYield(samples, s.timestamp, o),
      );
    };
    add({ blockNumber: 1n, timestamp: 3_600n, sharePrice: edge - 10n, positionPriceWad: undefined });
    add({ blockNumber: 2n, timestamp: 7_200n, sharePrice: edge - 5n, positionPriceWad: 2n ** 32n - 1n });
    add({ blockNumber: 3n, timestamp: 10_800n, sharePrice: edge, positionPriceWad: undefined });
    add({ blockNumber: 2n ** 32n, timestamp: 14_400n, sharePrice: edge + 3n, positionPriceWad: 2n ** 64n });
    add({ blockNumber: 2n ** 40n, timestamp: 2n ** 33n, sharePrice: edge + 9n, positionPriceWad: undefined });
    add({ blockNumber: 2n ** 40n + 1n, timestamp: 2n ** 33n + 60n, sharePrice: 0n, positionPriceWad: 2n ** 90n });
  });

  it("reads back from the history file as the series of the same samples pushed anew: samples, digest, estimates", () => {
    const r = new Random(17);
    const reread = (series: PriceSeries, max: number) =>
      decodeHistoryFile(encodeHistoryFile(7, new Map([["s", series]])), "test", max).series.get("s")!;
    for (let k = 0; k < 300; k++) {
      const samples = history(r);
      const max = r.int(1, 70);
      const series = new PriceSeries(samples, max);
      series.dropOldest(series.length - Math.min(series.length, max));
      const kept = series.samples();
      const back = reread(series, max);
      const fresh = new PriceSeries(kept, max);
      expect(back.samples(), `case ${k}`).toEqual(kept);
      expect(back.digest(), `case ${k}`).toBe(fresh.digest());
      const now = (kept[kept.length - 1]?.timestamp ?? 0n) + BigInt(r.int(0, 700));
      const o = options(r);
      expect(back.estimate(now, o), `case ${k}`).toEqual(fresh.estimate(now, o));
      // Recording goes on alike (storage, drops and all).
      for (const s of history(r).slice(0, 5)) {
        const next = { ...s, timestamp: now + (s.timestamp % 1_000n) };
        for (const x of [back, fresh]) {
          if (x.length > 0 && next.timestamp < x.last!.timestamp) continue;
          x.push(next);
          if (x.length > max) x.dropOldest(x.length - max);
        }
      }
      expect(back.samples(), `case ${k}, after more`).toEqual(fresh.samples());
      expect(back.estimate(now + 1_000n, o), `case ${k}, after more`).toEqual(fresh.estimate(now + 1_000n, o));
    }
    // Wide columns: times and blocks past 2**32, prices past 2**64 and past 2**85, missing ones.
    const wide: PriceSample[] = [
      { blockNumber: 1n, timestamp: 3_600n, sharePrice: 2n ** 64n + 1n, positionPriceWad: undefined },
      { blockNumber: 2n ** 40n, timestamp: 2n ** 33n, sharePrice: 5n, positionPriceWad: 2n ** 90n },
      { blockNumber: 2n ** 40n + 1n, timestamp: 2n ** 33n + 60n, sharePrice: 0n, positionPriceWad: 2n ** 90n + 1n },
    ];
    const series = new PriceSeries(wide, 10);
    expect(reread(series, 10).samples()).toEqual(wide);
    expect(reread(series, 2).samples(), "the newest kept").toEqual(wide.slice(1));
    const o = { lookbackSeconds: 10n ** 12n, minSamples: 2, minWindowSeconds: 0n };
    expect(reread(series, 10).estimate(2n ** 33n + 60n, o)).toEqual(series.estimate(2n ** 33n + 60n, o));
  });

  it("digests its samples as decision records always have (keccak256 of their canonical JSON), after every change", () => {
    const r = new Random(15);
    const canonical = (samples: PriceSample[]) => keccak256(toUtf8Bytes(canonicalJson(samples)));
    expect(new PriceSeries().digest(), "no samples").toBe(canonical([]));
    for (let k = 0; k < 200; k++) {
      const samples = history(r).sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
      const series = new PriceSeries([], 24);
      samples.forEach((s, i) => {
        series.push(s);
        if (series.length > 24) series.dropOldest(series.length - 24);
        if (i % 7 === 0 || i === samples.length - 1)
          expect(series.digest(), `history ${k}, sample ${i}`).toBe(canonical(series.samples()));
      });
      expect(series.digest(), `history ${k}, asked twice`).toBe(canonical(series.samples()));
    }
    // Prices written from their 32-bit words without a bigint: at the words' and the decimal carries' edges, and
    // wider ones (written from bigints).
    const edges = [
      0n,
      1n,
      99_999n,
      100_000n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 32n + 99_999n,
      10n ** 18n,
      2n ** 53n + 1n,
    ];
    edges.push(2n ** 64n - 2n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 86n + 3n);
    for (let i = 0; i < 200; i++) edges.push(r.big(2n ** 64n - 1n));
    const series = new PriceSeries();
    const samples = edges.map((p, i) => ({
      blockNumber: BigInt(i) * 99_991n,
      timestamp: BigInt(i) * 100_000n,
      sharePrice: p,
      positionPriceWad: i % 3 === 0 ? undefined : edges[edges.length - 1 - i],
    }));
    samples.forEach((s, i) => {
      series.push(s);
      if (i % 5 === 0 || i === samples.length - 1)
        expect(series.digest(), `edge ${i}`).toBe(canonical(series.samples()));
    });
  });

  it("folds a loss in the newest observation as estimateYield does: a second drop turns both into a rate", () => {
    const hour = 3_600n;
    const price = [
      WAD,
      WAD + WAD / 10_000n,
      WAD + WAD / 5_000n,
      ((WAD + WAD / 5_000n) * 9_985n) / 10_000n,
      ((WAD + WAD / 5_000n) * 9_986n) / 10_000n,
    ];
    const samples = price.map((p, h) => ({
      blockNumber: BigInt(h),
      timestamp: BigInt(h) * hour,
      sharePrice: p / 10n ** 12n,
      positionPriceWad: p,
    }));
    const o = { lookbackSeconds: 10n * hour, minSamples: 2, minWindowSeconds: 0n, halfLifeSeconds: hour };
    const series = new PriceSeries(samples);
    const one = series.estimate(4n * hour, o)!;
    expect(one).toEqual(estimateYield(samples, 4n * hour, o));
    expect(one.losses, "one drop: a one-off").toMatchObject({ count: 1, inRate: false, lastAt: 3n * hour });
    const observed = {
      blockNumber: 5n,
      timestamp: 4n * hour + 600n,
      sharePrice: 0n,
      positionPriceWad: (price[4]! * 9_990n) / 10_000n,
    };
    series.observe(observed);
    const two = series.estimate(4n * hour + 600n, o)!;
    expectClose(two, estimateYield([...samples, observed], 4n * hour + 600n, o), "with a second drop observed");
    expect(two.losses, "two drops: a rate").toMatchObject({ count: 2, inRate: true, lastAt: 4n * hour + 600n });
    expect(two.aprWad < 0n).toBe(true);
  });

  it("ends at the newest observation: a jump shows before the next recorded sample", () => {
    const hour = 3_600n;
    const samples = [0n, 1n, 2n].map((h) => ({
      blockNumber: h,
      timestamp: h * hour,
      sharePrice: 1_000_000n,
      positionPriceWad: WAD,
    }));
    const series = new PriceSeries(samples);
    const o = { lookbackSeconds: 10n * hour, minSamples: 3, minWindowSeconds: hour };
    expect(series.estimate(2n * hour + 12n, o)!.aprWad, "flat").toBe(0n);
    series.observe({
      blockNumber: 3n,
      timestamp: 2n * hour + 12n,
      sharePrice: 1_000_100n,
      positionPriceWad: WAD + WAD / 10_000n,
    });
    expect(series.estimate(2n * hour + 12n, o)!.aprWad > 0n, "the jump counts at once").toBe(true);
    series.push({
      blockNumber: 4n,
      timestamp: 3n * hour,
      sharePrice: 1_000_100n,
      positionPriceWad: WAD + WAD / 10_000n,
    });
    expect(
      series.samples().map((s) => s.blockNumber),
      "the observation is replaced by the recorded sample",
    ).toEqual([0n, 1n, 2n, 4n]);
  });
});
