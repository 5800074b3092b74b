/** Yield estimation from share-price history, and the history kept on disk across restarts. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { estimateYield, type PriceSample } from "../../src/yield/estimate.js";
import { FilePriceHistory } from "../../src/yield/history.js";
import { A, B, strategy, vaultSnapshot } from "../support/fixtures.js";

const WAD = 10n ** 18n;
const options = { lookbackSeconds: 7n * 86_400n, minSamples: 2, minWindowSeconds: 3_600n };
const sample = (t: bigint, sharePrice: bigint, positionPriceWad?: bigint): PriceSample => ({ blockNumber: t, timestamp: t, sharePrice, positionPriceWad });

describe("estimateYield", () => {
  it("annualizes the growth over the window", () => {
    // +1% in 1/10 of a year: 10% a year.
    const e = estimateYield([sample(0n, 1_000_000n), sample(3_153_600n, 1_010_000n)], 3_153_600n, { ...options, lookbackSeconds: 10n ** 9n });
    expect(e).toMatchObject({ aprWad: WAD / 10n, samples: 2, windowSeconds: 3_153_600n, volatilityWad: 0n });
  });

  it("needs the minimum samples and window: one sample or a short window give no estimate", () => {
    expect(estimateYield([sample(100n, 1_000_000n)], 100n, options)).toBeUndefined();
    expect(estimateYield([sample(0n, 1_000_000n), sample(3_599n, 1_000_100n)], 3_599n, options)).toBeUndefined();
    expect(estimateYield([sample(0n, 1_000_000n), sample(3_600n, 1_000_100n)], 3_600n, options)).toBeDefined();
    expect(estimateYield([sample(0n, 1_000_000n), sample(3_600n, 1_000_100n)], 3_600n, { ...options, minSamples: 3 })).toBeUndefined();
  });

  it("forgets samples older than the lookback and ignores future ones", () => {
    const samples = [sample(0n, 500_000n), sample(10_000n, 1_000_000n), sample(20_000n, 1_000_000n), sample(99_999n, 9_000_000n)];
    expect(estimateYield(samples, 20_000n, { ...options, lookbackSeconds: 15_000n })?.aprWad).toBe(0n);
  });

  it("is negative when the price falls", () => {
    expect(estimateYield([sample(0n, 1_000_000n), sample(3_600n, 999_000n)], 3_600n, options)!.aprWad < 0n).toBe(true);
  });

  it("prefers the vault position's fine price over the coarse share price when the recent run has it", () => {
    // The coarse price did not move (rounding); the fine one grew 0.0001% in an hour: about 0.876% a year.
    const samples = [sample(0n, 1_000_000n, WAD), sample(3_600n, 1_000_000n, WAD + WAD / 1_000_000n)];
    expect(estimateYield(samples, 3_600n, options)!.aprWad).toBe((WAD / 1_000_000n) * 8_760n);
    // Without the fine price on the first sample, the coarse series is used.
    expect(estimateYield([sample(0n, 1_000_000n), sample(3_600n, 1_000_000n, WAD)], 3_600n, options)!.aprWad).toBe(0n);
  });

  it("reports volatility: a jumpy series has more than a steady one with the same average", () => {
    const steady = [0, 1, 2, 3, 4].map((i) => sample(BigInt(i * 3_600), 1_000_000n + BigInt(i * 10)));
    const jumpy = [0, 1, 2, 3, 4].map((i) => sample(BigInt(i * 3_600), 1_000_000n + BigInt([0, 30, 10, 30, 40][i]!)));
    const s = estimateYield(steady, 14_400n, options)!;
    const j = estimateYield(jumpy, 14_400n, options)!;
    expect(s.aprWad).toBe(j.aprWad);
    expect(j.volatilityWad > 1_000n * s.volatilityWad, "jumpy far above steady").toBe(true);
  });
});

describe("FilePriceHistory", () => {
  it("records one sample per strategy per interval and keeps them across restarts", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hist-")), "prices.json");
    const h = new FilePriceHistory(file, { minIntervalSeconds: 60n, maxSamples: 3 });
    const snap = (t: bigint, value: bigint) => vaultSnapshot({ timestamp: t, blockNumber: t, strategies: [strategy(A, 0, value, { shares: 1_000n }), strategy(B, 1, 0n, { shares: 0n })] });
    h.record(snap(1_000n, 1_000n));
    h.record(snap(1_030n, 1_001n)); // too soon: skipped
    h.record(snap(1_060n, 1_002n));
    expect(h.samples(A).map((s) => s.timestamp)).toEqual([1_000n, 1_060n]);
    expect(h.samples(A)[1]!.positionPriceWad, "value per share").toBe((1_002n * WAD) / 1_000n);
    expect(h.samples(B)[0]!.positionPriceWad, "no position, no fine price").toBeUndefined();
    const reopened = new FilePriceHistory(file, { minIntervalSeconds: 60n, maxSamples: 3 });
    expect(reopened.samples(A)).toEqual(h.samples(A));
    reopened.record(snap(1_120n, 1_003n));
    reopened.record(snap(1_180n, 1_004n));
    expect(reopened.samples(A).map((s) => s.timestamp), "oldest dropped past the maximum").toEqual([1_060n, 1_120n, 1_180n]);
  });

  it("counts a sample too soon to record as the newest price, without recording it", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hist-")), "prices.json");
    const h = new FilePriceHistory(file, { minIntervalSeconds: 60n, maxSamples: 10 });
    const snap = (t: bigint, value: bigint) => vaultSnapshot({ timestamp: t, blockNumber: t, strategies: [strategy(A, 0, value, { shares: 1_000_000n })] });
    const o = { lookbackSeconds: 86_400n, minSamples: 2, minWindowSeconds: 60n };
    h.record(snap(1_000n, 1_000_000n));
    h.record(snap(1_060n, 1_000_000n));
    expect(h.estimate(A, 1_060n, o)!.aprWad, "flat").toBe(0n);
    h.record(snap(1_072n, 1_000_010n)); // 12 s later: not recorded, but the estimate ends at it
    expect(h.samples(A)).toHaveLength(2);
    expect(h.estimate(A, 1_072n, o)).toEqual(estimateYield([...h.samples(A), { blockNumber: 1_072n, timestamp: 1_072n, sharePrice: 1_000_000n, positionPriceWad: (1_000_010n * WAD) / 1_000_000n }], 1_072n, o));
    expect(h.estimate(A, 1_072n, o)!.aprWad > 0n).toBe(true);
  });

  it("writes nothing in read-only mode", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hist-")), "prices.json");
    const h = new FilePriceHistory(file, { minIntervalSeconds: 0n, maxSamples: 10 }, false);
    h.record(vaultSnapshot());
    expect(h.samples(A)).toHaveLength(1);
    expect(fs.existsSync(file)).toBe(false);
  });
});
