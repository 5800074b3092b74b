/**
 * Yield estimation from share-price history (the moving average, loss events), and the history kept on disk across
 * restarts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { estimateYield, type PriceSample, type YieldEstimate } from "../../src/yield/estimate.js";
import { COMPACT_EVERY, FilePriceHistory, legacyFileOf } from "../../src/yield/history.js";
import { decodeHistoryFile } from "../../src/yield/history-file.js";
import { A, B, strategy, vaultSnapshot } from "../support/fixtures.js";

const WAD = 10n ** 18n;
const options = { lookbackSeconds: 7n * 86_400n, minSamples: 2, minWindowSeconds: 3_600n };
const sample = (t: bigint, sharePrice: bigint, positionPriceWad?: bigint): PriceSample => ({
  blockNumber: t,
  timestamp: t,
  sharePrice,
  positionPriceWad,
});

describe("estimateYield", () => {
  it("annualizes the growth over the window", () => {
    // +1% in 1/10 of a year: 10% a year.
    const e = estimateYield([sample(0n, 1_000_000n), sample(3_153_600n, 1_010_000n)], 3_153_600n, {
      ...options,
      lookbackSeconds: 10n ** 9n,
    });
    expect(e).toMatchObject({ aprWad: WAD / 10n, samples: 2, windowSeconds: 3_153_600n, volatilityWad: 0n });
  });

  it("needs the minimum samples and window: one sample or a short window give no estimate", () => {
    expect(estimateYield([sample(100n, 1_000_000n)], 100n, options)).toBeUndefined();
    expect(estimateYield([sample(0n, 1_000_000n), sample(3_599n, 1_000_100n)], 3_599n, options)).toBeUndefined();
    expect(estimateYield([sample(0n, 1_000_000n), sample(3_600n, 1_000_100n)], 3_600n, options)).toBeDefined();
    expect(
      estimateYield([sample(0n, 1_000_000n), sample(3_600n, 1_000_100n)], 3_600n, { ...options, minSamples: 3 }),
    ).toBeUndefined();
  });

  it("forgets samples older than the lookback and ignores future ones", () => {
    const samples = [
      sample(0n, 500_000n),
      sample(10_000n, 1_000_000n),
      sample(20_000n, 1_000_000n),
      sample(99_999n, 9_000_000n),
    ];
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

  it("reports volatility: a jumpy series has more than a steady one ending at the same price", () => {
    const steady = [0, 1, 2, 3, 4].map((i) => sample(BigInt(i * 3_600), 1_000_000n + BigInt(i * 10)));
    const jumpy = [0, 1, 2, 3, 4].map((i) => sample(BigInt(i * 3_600), 1_000_000n + BigInt([0, 30, 10, 30, 40][i]!)));
    const s = estimateYield(steady, 14_400n, options)!;
    const j = estimateYield(jumpy, 14_400n, options)!;
    expect(Number(s.aprWad) / 1e16, "steady: 10 per 1,000,000 an hour").toBeCloseTo(8.76, 3);
    expect(j.volatilityWad > 1_000n * s.volatilityWad, "jumpy far above steady").toBe(true);
  });
});

/** Samples every `step` seconds from 0 to `end`, the price growing at `rateAt(t)` (percent a year) in between. */
function grown(
  end: number,
  step: number,
  rateAt: (t: number) => number,
  lossAt: Record<number, bigint> = {},
): PriceSample[] {
  const out: PriceSample[] = [];
  let p = WAD;
  for (let t = 0; t <= end; t += step) {
    if (t > 0) p += (p * BigInt(Math.round(rateAt(t - step) * 1e4)) * 10n ** 12n * BigInt(step)) / (31_536_000n * WAD);
    if (lossAt[t]) p -= (p * lossAt[t]!) / 10_000n;
    out.push(sample(BigInt(t), p / 10n ** 12n, p));
  }
  return out;
}
const pct = (e: YieldEstimate | undefined) => Number(e!.aprWad) / 1e16;
const H = 3_600;

describe("estimateYield: the moving average", () => {
  const o = { lookbackSeconds: 30n * 86_400n, minSamples: 2, minWindowSeconds: 0n, halfLifeSeconds: 6n * 3_600n };

  it("weighs each interval by its share of an exponential kernel: halfway to a new rate after one half-life", () => {
    // 4% for ten days, then 12%: after 6 hours (one half-life) 8%, after 12 hours 10%, whatever the sampling.
    for (const step of [60, 600, H]) {
      const at = (hours: number) =>
        estimateYield(
          grown(240 * H + hours * H, step, (t) => (t < 240 * H ? 4 : 12)),
          BigInt(240 * H + hours * H),
          o,
        );
      expect(pct(at(0)), `before the change, every ${step} s`).toBeCloseTo(4, 3);
      expect(pct(at(6)), `one half-life later, every ${step} s`).toBeCloseTo(8, 3);
      expect(pct(at(12)), `two half-lives later, every ${step} s`).toBeCloseTo(10, 3);
    }
  });

  it("follows a rate change within a tick or two (a 3-hour half-life, 2-hour ticks)", () => {
    // 2% for a day, then 12.96%: the estimate a tick later is already past a third of the way, two ticks later past
    // half; a 24-hour trailing window would still say 2.9%.
    const ticks = (t: number) => grown(t, 2 * H, (x) => (x < 24 * H ? 2 : 12.96));
    const at = (t: number) => estimateYield(ticks(t), BigInt(t), { ...o, halfLifeSeconds: 3n * 3_600n });
    // The day at 2% weighs 2^(-2/3) - 2^(-26/3) (the kernel beyond the first sample is not there), the new tick 1 -
    // 2^(-2/3).
    const [old, fresh] = [2 ** (-2 / 3) - 2 ** (-26 / 3), 1 - 2 ** (-2 / 3)];
    expect(pct(at(26 * H))).toBeCloseTo((2 * old + 12.96 * fresh) / (old + fresh), 3);
    expect(pct(at(26 * H)) > 2 + 10.96 / 3, "a third of the way after one tick").toBe(true);
    expect(pct(at(28 * H)) > 2 + 10.96 / 2, "half way after two").toBe(true);
  });

  it("uses a 3-hour half-life when none is given", () => {
    const samples = grown(240 * H + 3 * H, H, (t) => (t < 240 * H ? 4 : 12));
    const { halfLifeSeconds: _, ...without } = o;
    expect(pct(estimateYield(samples, BigInt(243 * H), without))).toBeCloseTo(8, 3);
  });
});

describe("estimateYield: loss events", () => {
  const o = { lookbackSeconds: 7n * 86_400n, minSamples: 2, minWindowSeconds: 0n, halfLifeSeconds: 3n * 3_600n };
  const steady = (lossAt: Record<number, bigint>) => grown(24 * H, H, () => 5, lossAt);

  it("leaves a one-off drop out of the rate and reports it apart", () => {
    const e = estimateYield(steady({ [20 * H]: 15n }), BigInt(24 * H), o)!;
    expect(pct(e), "the rate around the loss").toBeCloseTo(5, 6);
    expect(e.losses).toMatchObject({ count: 1, lastAt: BigInt(20 * H), inRate: false });
    expect(Number(e.losses!.lostWad) / 1e18, "net of the hour's yield").toBeCloseTo(0.0015 - 0.05 / 8_760, 7);
    // Without the loss: the same rate, no losses.
    const clean = estimateYield(steady({}), BigInt(24 * H), o)!;
    expect(clean.losses).toBeUndefined();
    expect(pct(clean)).toBeCloseTo(5, 6);
  });

  it("counts drops as a rate when they repeat in the window, or when the window holds nothing else", () => {
    const twice = estimateYield(steady({ [10 * H]: 15n, [20 * H]: 15n }), BigInt(24 * H), o)!;
    expect(twice.losses).toMatchObject({ count: 2, lastAt: BigInt(20 * H), inRate: true });
    expect(twice.aprWad < 0n, "two drops in the window: a rate").toBe(true);
    // Six hours later the first is out of a 12-hour lookback: one drop again, a one-off.
    const later = estimateYield(
      grown(30 * H, H, () => 5, { [10 * H]: 15n, [20 * H]: 15n }),
      BigInt(30 * H),
      { ...o, lookbackSeconds: 12n * 3_600n },
    )!;
    expect(later.losses).toMatchObject({ count: 1, inRate: false });
    expect(pct(later)).toBeCloseTo(5, 6);
    const only = estimateYield([sample(0n, 1_000_000n), sample(3_600n, 990_000n)], 3_600n, o)!;
    expect(only.losses).toMatchObject({ count: 1, inRate: true });
    expect(only.aprWad < 0n).toBe(true);
  });

  it("is a drop of more than 1 bp, faster than 100% a year; anything less is a rate", () => {
    const drop = (to: bigint, dt: bigint) =>
      estimateYield([sample(0n, 10n ** 6n), sample(3_600n, 10n ** 6n), sample(3_600n + dt, to)], 3_600n + dt, o)!;
    expect(drop(999_900n, 600n).losses, "exactly 1 bp in 10 minutes: a rate").toBeUndefined();
    expect(drop(999_899n, 600n).losses, "1 bp and a unit in 10 minutes: a loss").toMatchObject({ count: 1 });
    // 2 bps: over 2 days 3.65% a year down, a rate; over 1.75 hours 100.1% a year, a loss; over 1.76 hours 99.5%, a
    // rate.
    expect(drop(999_800n, 2n * 86_400n).losses).toBeUndefined();
    expect(drop(999_800n, 2n * 86_400n).aprWad < 0n).toBe(true);
    expect(drop(999_800n, 6_300n).losses).toMatchObject({ count: 1 });
    expect(drop(999_800n, 6_336n).losses).toBeUndefined();
  });
});

describe("FilePriceHistory", () => {
  it("records one sample per strategy per interval and keeps them across restarts", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hist-")), "prices.bin");
    const h = new FilePriceHistory(file, { minIntervalSeconds: 60n, maxSamples: 3 });
    const snap = (t: bigint, value: bigint) =>
      vaultSnapshot({
        timestamp: t,
        blockNumber: t,
        strategies: [strategy(A, 0, value, { shares: 1_000n }), strategy(B, 1, 0n, { shares: 0n })],
      });
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
    expect(
      reopened.samples(A).map((s) => s.timestamp),
      "oldest dropped past the maximum",
    ).toEqual([1_060n, 1_120n, 1_180n]);
  });

  it("counts a sample too soon to record as the newest price, without recording it", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hist-")), "prices.bin");
    const h = new FilePriceHistory(file, { minIntervalSeconds: 60n, maxSamples: 10 });
    const snap = (t: bigint, value: bigint) =>
      vaultSnapshot({ timestamp: t, blockNumber: t, strategies: [strategy(A, 0, value, { shares: 1_000_000n })] });
    const o = { lookbackSeconds: 86_400n, minSamples: 2, minWindowSeconds: 60n };
    h.record(snap(1_000n, 1_000_000n));
    h.record(snap(1_060n, 1_000_000n));
    expect(h.estimate(A, 1_060n, o)!.aprWad, "flat").toBe(0n);
    h.record(snap(1_072n, 1_000_010n)); // 12 s later: not recorded, but the estimate ends at it
    expect(h.samples(A)).toHaveLength(2);
    expect(h.estimate(A, 1_072n, o)).toEqual(
      estimateYield(
        [
          ...h.samples(A),
          {
            blockNumber: 1_072n,
            timestamp: 1_072n,
            sharePrice: 1_000_000n,
            positionPriceWad: (1_000_010n * WAD) / 1_000_000n,
          },
        ],
        1_072n,
        o,
      ),
    );
    expect(h.estimate(A, 1_072n, o)!.aprWad > 0n).toBe(true);
  });

  it("writes nothing in read-only mode", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hist-")), "prices.bin");
    const h = new FilePriceHistory(file, { minIntervalSeconds: 0n, maxSamples: 10 }, false);
    h.record(vaultSnapshot());
    expect(h.samples(A)).toHaveLength(1);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.log`)).toBe(false);
  });

  describe("on disk", () => {
    const options = { minIntervalSeconds: 60n, maxSamples: 1_000 };
    const snap = (i: number) =>
      vaultSnapshot({
        timestamp: BigInt(1_000 + 60 * i),
        blockNumber: BigInt(i),
        strategies: [strategy(A, 0, 1_000_000n + BigInt(i), { shares: 1_000_000n })],
      });
    const setup = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hist-")), "prices.bin");
    const lines = (file: string) =>
      fs.existsSync(`${file}.log`) ? fs.readFileSync(`${file}.log`, "utf8").trim().split("\n").filter(Boolean) : [];

    it("appends one line per recorded snapshot, and folds the log into the file every COMPACT_EVERY lines", () => {
      const file = setup();
      const h = new FilePriceHistory(file, options);
      h.record(snap(0));
      h.record({ ...snap(0), timestamp: 1_030n }); // too soon: nothing written
      expect(lines(file)).toHaveLength(1);
      expect(fs.existsSync(file), "no full rewrite for one sample").toBe(false);
      for (let i = 1; i < COMPACT_EVERY + 3; i++) h.record(snap(i));
      expect(lines(file), "the lines since the last fold").toHaveLength(3);
      const stored = decodeHistoryFile(fs.readFileSync(file), file, options.maxSamples);
      expect(stored.seq).toBe(COMPACT_EVERY);
      expect(stored.series.get(A.toLowerCase())!.length).toBe(COMPACT_EVERY);
      expect(new FilePriceHistory(file, options).samples(A), "file and log together").toEqual(h.samples(A));
    });

    it("ignores a line torn by a crash mid-append", () => {
      const file = setup();
      const h = new FilePriceHistory(file, options);
      for (let i = 0; i < 3; i++) h.record(snap(i));
      fs.appendFileSync(`${file}.log`, '{"seq":4,"b":"3","t":"1180","s":{"0x11');
      const reopened = new FilePriceHistory(file, options);
      expect(reopened.samples(A)).toEqual(h.samples(A));
      reopened.record(snap(3));
      expect(
        new FilePriceHistory(file, options).samples(A).map((s) => s.blockNumber),
        "recording goes on after it",
      ).toEqual([0n, 1n, 2n, 3n]);
    });

    it("does not replay a log a crash left behind after folding it into the file", () => {
      const file = setup();
      const h = new FilePriceHistory(file, options);
      for (let i = 0; i < COMPACT_EVERY - 1; i++) h.record(snap(i));
      const before = fs.readFileSync(`${file}.log`, "utf8");
      h.record(snap(COMPACT_EVERY - 1)); // folds
      expect(fs.existsSync(`${file}.log`)).toBe(false);
      fs.writeFileSync(`${file}.log`, `${before}${lines(file).join("\n")}`); // as if the log's removal never happened
      const reopened = new FilePriceHistory(file, options);
      expect(reopened.samples(A)).toHaveLength(COMPACT_EVERY);
      expect(reopened.samples(A)).toEqual(h.samples(A));
    });

    it("migrates the earlier JSON history (a file written before the log existed) to prices.bin", () => {
      const file = setup();
      const json = legacyFileOf(file)!;
      expect(json.endsWith("prices.json")).toBe(true);
      fs.writeFileSync(
        json,
        JSON.stringify({
          version: 1,
          strategies: { [A.toLowerCase()]: [{ b: "1", t: "1000", p: "1000000", w: "1000000000000000000" }] },
        }),
      );
      const h = new FilePriceHistory(file, options);
      expect(fs.existsSync(json), "the JSON file is gone").toBe(false);
      expect(fs.existsSync(file), "written as prices.bin").toBe(true);
      h.record(snap(1));
      expect(new FilePriceHistory(file, options).samples(A).map((s) => s.timestamp)).toEqual([1_000n, 1_060n]);
    });

    it("migrates the earlier JSON history with its log: the same samples, digests and estimates", () => {
      // The earlier agent's files, written by the earlier format's rules: a folded file and the lines since.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hist-"));
      const json = path.join(dir, "prices.json");
      const price = (i: number) => 1_000_000n + BigInt(i * i);
      const stored = Array.from({ length: 40 }, (_, i) => ({
        b: String(i),
        t: String(1_000 + 60 * i),
        p: String(price(i)),
        ...(i % 7 === 3 ? {} : { w: String(price(i) * 10n ** 12n + BigInt(i)) }),
      }));
      fs.writeFileSync(json, JSON.stringify({ version: 1, seq: 2, strategies: { [A.toLowerCase()]: stored } }));
      const line = (seq: number, i: number) =>
        JSON.stringify({
          seq,
          b: String(i),
          t: String(1_000 + 60 * i),
          s: { [A.toLowerCase()]: { p: String(price(i)) } },
        });
      // Lines 1 and 2 are in the file already (not replayed); 3 and 4 are not.
      fs.writeFileSync(`${json}.log`, `${[line(1, 38), line(2, 39), line(3, 40), line(4, 41)].join("\n")}\n`);
      const o = { lookbackSeconds: 86_400n, minSamples: 2, minWindowSeconds: 60n };

      const readOnly = new FilePriceHistory(path.join(dir, "prices.bin"), options, false);
      expect(readOnly.samples(A)).toHaveLength(42);
      expect(fs.existsSync(json), "a read-only history writes nothing").toBe(true);
      expect(fs.existsSync(path.join(dir, "prices.bin"))).toBe(false);

      const migrated = new FilePriceHistory(path.join(dir, "prices.bin"), options);
      expect(fs.existsSync(json)).toBe(false);
      expect(fs.existsSync(`${json}.log`)).toBe(false);
      const reopened = new FilePriceHistory(path.join(dir, "prices.bin"), options);
      for (const h of [migrated, reopened]) {
        expect(h.samples(A)).toEqual(readOnly.samples(A));
        expect(h.samplesDigest(A)).toBe(readOnly.samplesDigest(A));
        for (const now of [1_000n + 60n * 20n, 1_000n + 60n * 41n, 1_000n + 60n * 50n])
          expect(h.estimate(A, now, o)).toEqual(readOnly.estimate(A, now, o));
      }
      // Recording goes on in the new files.
      reopened.record(snap(42));
      expect(new FilePriceHistory(path.join(dir, "prices.bin"), options).samples(A)).toHaveLength(43);
    });

    it("refuses a damaged or foreign history file, naming it", () => {
      const file = setup();
      fs.writeFileSync(file, "{}");
      expect(() => new FilePriceHistory(file, options)).toThrow(/prices\.bin: not a price history file/);
      const whole = setup();
      const h = new FilePriceHistory(whole, options);
      for (let i = 0; i < COMPACT_EVERY; i++) h.record(snap(i));
      const bytes = fs.readFileSync(whole);
      fs.writeFileSync(file, bytes.subarray(0, bytes.length - 1));
      expect(() => new FilePriceHistory(file, options)).toThrow(/ends early/);
      const other = Buffer.from(bytes);
      other.writeUInt32LE(99, 4);
      fs.writeFileSync(file, other);
      expect(() => new FilePriceHistory(file, options)).toThrow(/format version 99, this agent reads 1/);
    });
  });
});
