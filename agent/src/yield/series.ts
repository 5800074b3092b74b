/**
 * One strategy's share-price samples, oldest first, kept compact and with what the estimator needs of each interval
 * worked out once, when the sample arrives: its annualized growth and whether it is a loss event on both price
 * measures, and the length of the run of fine prices it ends. `estimate` returns what `estimateYield` returns for the
 * same samples:
 * - without bigint arithmetic per sample, sorting or copying;
 * - folding the recorded intervals only when the recorded window (or the half-life) changes (a new sample, or one
 *   ageing out), so a tick that only sees a newer block costs a few operations per strategy, not one per sample.
 *
 * The series also holds the newest observation that was not recorded (too soon after the previous sample): the
 * estimate always ends at the newest price seen, so a yield change counts from the first tick that sees it, not from
 * the next recorded sample. Its interval is folded into the moving average exactly as `estimateYield` folds it (the
 * same operations in the same order: the rate, loss figures, sample count and window are equal to the last bit); the
 * volatility takes it by Welford's update, equal to `estimateYield`'s two-pass figure up to float rounding.
 *
 * Storage: typed arrays, one per column, sized for the most samples the owner keeps (plus 64 slots, reclaimed in one
 * move when they fill): timestamps and block numbers as 32-bit words, each price as two 32-bit words (high and low
 * bits), the growth of each measure's interval as a double; 40 bytes a sample, no heap object and no bigint kept.
 * Loss events (rare) and runs are worked out from the prices when a window is folded. Wider values widen their column
 * only: a time or block number past 2**32 - 1 makes that column doubles, a price of 2**64 - 1 or more makes that
 * price column's high part a double (up to 2**85), one of 2**85 or more keeps bigints instead.
 */
import { keccak256 } from "ethers";
import type { StrategyState, VaultSnapshot } from "../chain/types.js";
import {
  DEFAULT_HALF_LIFE_SECONDS,
  estimateOf,
  fold,
  foldDecayed,
  growthRate,
  intervalOf,
  lossesInRate,
  lossOf,
  type EstimateOptions,
  type Fold,
  type Interval,
  type PriceSample,
  type YieldEstimate,
} from "./estimate.js";

const WAD = 10n ** 18n;

/** The sample a snapshot gives for one of its strategies. */
export function sampleOf(snapshot: VaultSnapshot, s: StrategyState): PriceSample {
  return {
    blockNumber: snapshot.blockNumber,
    timestamp: snapshot.timestamp,
    sharePrice: s.sharePrice,
    positionPriceWad: s.shares > 0n && s.currentValue > 0n ? (s.currentValue * WAD) / s.shares : undefined,
  };
}

/** A slot's sample as canonical JSON (`canonicalJson`: keys sorted, bigints as decimal strings, a missing fine price
 *  left out), straight from the columns (`PriceSeries.digest`), a comma before it unless it is the first. */
function writeStoredSample(
  w: typeof digestWriter,
  block: number,
  fine: PriceColumn,
  coarse: PriceColumn,
  t: number,
  i: number,
): void {
  w.text(w.n > 1 ? ',{"blockNumber":"' : '{"blockNumber":"');
  w.whole(block);
  if (fine.has(i)) {
    w.text('","positionPriceWad":"');
    fine.write(w, i);
  }
  w.text('","sharePrice":"');
  coarse.write(w, i);
  w.text('","timestamp":"');
  w.whole(t);
  w.text('"}');
}

/** ASCII text appended to a byte buffer that doubles when full. */
const digestWriter = {
  buf: new Uint8Array(1 << 16),
  n: 0,
  /** Digits of a number, least significant first (`whole`). */
  digits: new Uint8Array(24),
  room(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.n + bytes));
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  },
  text(t: string): void {
    this.room(t.length);
    for (let i = 0; i < t.length; i++) this.buf[this.n++] = t.charCodeAt(i);
  },
  /** A non-negative safe integer's decimal digits (as `String(v)`), `pad` digits at least; no string made. */
  whole(v: number, pad = 1): void {
    let k = 0;
    do {
      const q = Math.floor(v / 10);
      this.digits[k++] = 48 + (v - q * 10);
      v = q;
    } while (v > 0 || k < pad);
    this.room(k);
    while (k > 0) this.buf[this.n++] = this.digits[--k]!;
  },
  /**
   * The decimal digits of `hi * 2**32 + lo` (both 32-bit words) without a bigint: 2**32 = 42,949 * 10**5 + 67,296, so
   * the value is `(hi * 42,949 + c) * 10**5 + r` where `c` and `r` are the quotient and remainder of
   * `hi * 67,296 + lo` by 10**5 (every product below 2**53: exact).
   */
  words(hi: number, lo: number): void {
    const b = hi * 67_296 + lo;
    const c = Math.floor(b / 100_000);
    const top = hi * 42_949 + c;
    const r = b - c * 100_000;
    if (top === 0) this.whole(r);
    else {
      this.whole(top);
      this.whole(r, 5);
    }
  },
};

/** Annualized growth from price `a` to `b` over `dt` seconds, as `estimateYield` computes it; NaN when `dt` <= 0. */
function rate(a: bigint, b: bigint, dt: bigint): number {
  return dt <= 0n ? NaN : growthRate(a, b, dt);
}

/** The loss event from `a` to `b` over `dt` seconds, as `estimateYield` sees it (0: none, or no time passed). */
function loss(a: bigint, b: bigint, dt: bigint): number {
  return dt <= 0n ? 0 : lossOf(a, b, dt);
}

function safe(v: bigint, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${what} ${v} is out of range`);
  return n;
}

/** Marks a missing value in the narrow form (both words all ones: 2**64 - 1 itself is kept in the double form). */
const MISSING = 0xffffffff;

/**
 * Optional non-negative bigints in typed arrays, as pairs of a high part and the low 32 bits: both 32-bit words while
 * every value is below 2**64 - 1 (8 bytes a value; a missing value is both words all ones), the high part as a double
 * once one is not (below 2**85; a missing value has a NaN high part), as bigints once one does not fit that either.
 * Indices are the series' storage slots.
 */
class PriceColumn {
  private hi: Uint32Array | Float64Array;
  private lo: Uint32Array;
  private wide: (bigint | undefined)[] | undefined;

  constructor(capacity: number) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }

  set(i: number, v: bigint | undefined): void {
    if (!this.wide && v !== undefined && (v < 0n || v >= 1n << 85n)) {
      this.wide = Array.from(this.hi, (_, j) => this.get(j));
      this.hi = new Float64Array(0);
      this.lo = new Uint32Array(0);
    }
    if (this.wide) {
      this.wide[i] = v;
      return;
    }
    if (this.hi instanceof Uint32Array && v !== undefined && v >= (1n << 64n) - 1n) {
      const hi = new Float64Array(this.hi.length);
      for (let j = 0; j < hi.length; j++) hi[j] = this.hi[j] === MISSING && this.lo[j] === MISSING ? NaN : this.hi[j]!;
      this.hi = hi;
    }
    const narrow = this.hi instanceof Uint32Array;
    if (v === undefined) {
      this.hi[i] = narrow ? MISSING : NaN;
      this.lo[i] = narrow ? MISSING : 0;
    } else {
      this.hi[i] = Number(v >> 32n);
      this.lo[i] = Number(v & 0xffffffffn);
    }
  }

  /** Whether the slot holds no value. */
  private missing(i: number): boolean {
    const hi = this.hi[i]!;
    return this.hi instanceof Uint32Array ? hi === MISSING && this.lo[i] === MISSING : Number.isNaN(hi);
  }

  get(i: number): bigint | undefined {
    if (this.wide) return this.wide[i];
    return this.missing(i) ? undefined : (BigInt(this.hi[i]!) << 32n) + BigInt(this.lo[i]!);
  }

  /** Slots `from..to` as stored (the history file's form; `fromStored` reads it back). */
  stored(from: number, to: number): StoredPrices {
    if (this.wide) return { wide: this.wide.slice(from, to) };
    return { hi: this.hi.subarray(from, to), lo: this.lo.subarray(from, to) };
  }

  /** A column of `capacity` slots whose first slots are `stored`'s values (copied). */
  static fromStored(stored: StoredPrices, capacity: number): PriceColumn {
    const c = new PriceColumn(0);
    if ("wide" in stored) {
      c.wide = [...stored.wide];
      return c;
    }
    if (stored.hi.length !== stored.lo.length) throw new Error("price column parts differ in length");
    c.hi = new (stored.hi.constructor as new (n: number) => Uint32Array | Float64Array)(capacity);
    c.lo = new Uint32Array(capacity);
    c.hi.set(stored.hi);
    c.lo.set(stored.lo);
    return c;
  }

  /** Whether the slot holds a value. */
  has(i: number): boolean {
    return this.wide ? this.wide[i] !== undefined : !this.missing(i);
  }

  /** The value at `i` (there) in decimal, as `get(i).toString()`: without a bigint or a string in the narrow form. */
  write(w: typeof digestWriter, i: number): void {
    if (!this.wide && this.hi instanceof Uint32Array) w.words(this.hi[i]!, this.lo[i]!);
    else w.text(this.get(i)!.toString());
  }

  /** Whether the value at `i` is there and above zero (no bigint made). */
  positive(i: number): boolean {
    if (this.wide) return (this.wide[i] ?? 0n) > 0n;
    return !this.missing(i) && (this.hi[i]! > 0 || this.lo[i]! > 0);
  }

  /** Moves slots `from..to` to the start of storage of `capacity` slots. */
  relocate(from: number, to: number, capacity: number): void {
    if (this.wide) {
      this.wide = this.wide.slice(from, to);
      return;
    }
    this.hi = relocated(this.hi, from, to, capacity);
    this.lo = relocated(this.lo, from, to, capacity);
  }
}

/**
 * A price column as stored: both parts as typed arrays (`hi` 32-bit words, or doubles once a value needs them; a
 * missing value is both words all ones, or a NaN high part), or the values themselves when one is 2**85 or more.
 */
export type StoredPrices = { hi: Uint32Array | Float64Array; lo: Uint32Array } | { wide: (bigint | undefined)[] };

/**
 * A series' recorded samples as stored in the history file, column by column (oldest first), with each sample's growth
 * from the one before it as `PriceSeries.push` worked it out: read back with `PriceSeries.fromStored`, no sample is
 * made again and no bigint arithmetic is done.
 */
export interface StoredSeries {
  t: Whole;
  block: Whole;
  coarse: StoredPrices;
  fine: StoredPrices;
  fineRate: Float64Array;
  coarseRate: Float64Array;
}

/** A column of non-negative safe integers (times, block numbers): 32-bit words until one needs more, then doubles. */
export type Whole = Uint32Array | Float64Array;

/** `a` able to hold `v` at the same length: `a` itself, or its values as doubles. */
function widened(a: Whole, v: number): Whole {
  return a instanceof Uint32Array && v > 0xffffffff ? Float64Array.from(a) : a;
}

/**
 * `a`'s slots `from..to` at the start of an array of `capacity` slots: `a` itself (moved down) when it is that long.
 */
function relocated<T extends Whole>(a: T, from: number, to: number, capacity: number): T {
  if (a.length === capacity) {
    a.copyWithin(0, from, to);
    return a;
  }
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a.subarray(from, to));
  return b;
}

/** The moving average over a window's recorded intervals, with loss events left out and with them counted. */
interface Variant {
  fold: Fold;
  m2: number;
}

/** What the recorded samples of a window give (for one half-life). */
interface Aggregate {
  version: number;
  lo: number;
  hi: number;
  halfLife: number;
  /** Fine run start, or the first and last coarse samples and their count. */
  start: number;
  end: number;
  count: number;
  /** Loss events and other intervals, the drops' sum and the index of the newest loss event (-1: none). */
  losses: number;
  others: number;
  lost: number;
  lastLoss: number;
  excluded: Variant;
  counted: Variant;
}

const fineOf = (s: PriceSample): bigint => s.positionPriceWad ?? 0n;

export class PriceSeries {
  /** Storage slots: the samples are `base..end`, oldest first; slots before `base` were dropped (reclaimed when the
   *  storage fills, not one at a time). */
  private capacity: number;
  private base = 0;
  private end = 0;
  /** The most samples the owner keeps (it drops the oldest past it), when it says: storage is sized for it. */
  private readonly maxSamples: number | undefined;
  private t: Whole;
  private block: Whole;
  private coarse: PriceColumn;
  private fine: PriceColumn;
  /** Growth from the previous sample's fine price (NaN when either has none, or no time passed). */
  private fineRate: Float64Array;
  /**
   * Growth from the previous sample with a coarse price (NaN when none is kept, this one has none, or no time passed).
   */
  private coarseRate: Float64Array;
  /** The newest observation, when it was not recorded. */
  private latest: PriceSample | undefined;
  /** Changes whenever the recorded samples do; the aggregates below are valid for one version. */
  private version = 0;
  private fineAggregate: Aggregate | undefined;
  private coarseAggregate: Aggregate | undefined;
  /** `digest()` of the recorded samples, for one version. */
  private digestCache: { version: number; digest: string } | undefined;

  /** `samples` in any order; kept sorted by time (stable, like `estimateYield`'s own sort). */
  constructor(samples: PriceSample[] = [], maxSamples?: number) {
    this.maxSamples = maxSamples;
    this.capacity = samples.length + this.slack(samples.length);
    this.t = new Uint32Array(this.capacity);
    this.block = new Uint32Array(this.capacity);
    this.coarse = new PriceColumn(this.capacity);
    this.fine = new PriceColumn(this.capacity);
    this.fineRate = new Float64Array(this.capacity);
    this.coarseRate = new Float64Array(this.capacity);
    const inOrder = samples.every((s, i) => i === 0 || s.timestamp >= samples[i - 1]!.timestamp);
    const sorted = inOrder
      ? samples
      : [...samples].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    for (const s of sorted) this.push(s);
  }

  get length(): number {
    return this.end - this.base;
  }

  get last(): PriceSample | undefined {
    return this.length === 0 ? undefined : this.at(this.end - 1);
  }

  samples(): PriceSample[] {
    const out: PriceSample[] = [];
    for (let i = this.base; i < this.end; i++) out.push(this.at(i));
    return out;
  }

  /**
   * The digest a decision record carries for the recorded samples: keccak256 of `canonicalJson(this.samples())`,
   * written as ASCII bytes into one buffer kept between calls (no object, bigint or string a sample), worked out once
   * per change of the recorded samples.
   */
  digest(): string {
    const c = this.digestCache;
    if (c && c.version === this.version) return c.digest;
    // Straight from the columns, no bigint or string made (times and block numbers are safe integers: their decimal
    // form is the bigint's).
    const w = digestWriter;
    w.n = 0;
    w.text("[");
    for (let i = this.base; i < this.end; i++)
      writeStoredSample(w, this.block[i]!, this.fine, this.coarse, this.t[i]!, i);
    w.text("]");
    const digest = keccak256(w.buf.subarray(0, w.n));
    this.digestCache = { version: this.version, digest };
    return digest;
  }

  /** The recorded samples' columns (views of the storage, valid until the next change), for the history file. */
  stored(): StoredSeries {
    const [a, b] = [this.base, this.end];
    return {
      t: this.t.subarray(a, b),
      block: this.block.subarray(a, b),
      coarse: this.coarse.stored(a, b),
      fine: this.fine.stored(a, b),
      fineRate: this.fineRate.subarray(a, b),
      coarseRate: this.coarseRate.subarray(a, b),
    };
  }

  /**
   * The series `stored` gave (copied into storage of its own), the same to the last bit as the series of the same
   * samples pushed one by one (a growth from a sample before the first, since dropped, is set aside as push would).
   */
  static fromStored(stored: StoredSeries, maxSamples?: number): PriceSeries {
    const n = stored.t.length;
    const lengths = [stored.block, stored.fineRate, stored.coarseRate].map((c) => c.length);
    for (const p of [stored.coarse, stored.fine]) lengths.push("wide" in p ? p.wide.length : p.hi.length);
    if (lengths.some((l) => l !== n)) throw new Error("stored price series columns differ in length");
    const series = new PriceSeries([], maxSamples);
    const capacity = n + series.slack(n);
    const copy = <T extends Whole>(c: T): T => {
      const a = new (c.constructor as new (n: number) => T)(capacity);
      a.set(c);
      return a;
    };
    series.capacity = capacity;
    series.t = copy(stored.t);
    series.block = copy(stored.block);
    series.coarse = PriceColumn.fromStored(stored.coarse, capacity);
    series.fine = PriceColumn.fromStored(stored.fine, capacity);
    series.fineRate = copy(stored.fineRate);
    series.coarseRate = copy(stored.coarseRate);
    // Growth from samples before the first kept: none, as when the samples are pushed.
    if (n > 0) series.fineRate[0] = NaN;
    for (let i = 0; i < n; i++) {
      series.coarseRate[i] = NaN;
      if (series.coarse.positive(i)) break;
    }
    for (let i = 1; i < n; i++)
      if (series.t[i]! < series.t[i - 1]!) throw new Error("stored price samples are not in time order");
    series.end = n;
    series.version++;
    return series;
  }

  private at(i: number): PriceSample {
    return {
      blockNumber: BigInt(this.block[i]!),
      timestamp: BigInt(this.t[i]!),
      sharePrice: this.coarse.get(i)!,
      positionPriceWad: this.fine.get(i),
    };
  }

  /** Spare slots kept beyond `length` samples: 64 when the most kept is known (the samples move down every 64
   *  recorded), else an eighth more (at least 16) each time the storage grows. */
  private slack(length: number): number {
    return this.maxSamples === undefined ? Math.max(16, length >> 3) : 64;
  }

  /** Makes room for one more sample at `end`: moves the samples down over dropped slots, or into larger storage. */
  private reserve(): void {
    if (this.end < this.capacity) return;
    const slack = this.slack(this.length);
    const capacity = this.base >= slack >> 1 ? this.capacity : this.length + 1 + slack;
    const [from, to] = [this.base, this.end];
    this.t = relocated(this.t, from, to, capacity);
    this.block = relocated(this.block, from, to, capacity);
    this.fineRate = relocated(this.fineRate, from, to, capacity);
    this.coarseRate = relocated(this.coarseRate, from, to, capacity);
    this.coarse.relocate(from, to, capacity);
    this.fine.relocate(from, to, capacity);
    this.capacity = capacity;
    this.end -= from;
    this.base = 0;
    // The cached aggregates name slots: they no longer hold.
    this.version++;
  }

  /** Appends a sample no older than the last one. */
  push(sample: PriceSample): void {
    const t = safe(sample.timestamp, "timestamp");
    const blockNumber = safe(sample.blockNumber, "block number");
    if (this.length > 0 && sample.timestamp < BigInt(this.t[this.end - 1]!))
      throw new Error("price samples must be appended in time order");
    this.reserve();
    const i = this.end;
    const prev = i > this.base ? this.at(i - 1) : undefined;
    this.t = widened(this.t, t);
    this.block = widened(this.block, blockNumber);
    this.t[i] = t;
    this.block[i] = blockNumber;
    this.coarse.set(i, sample.sharePrice);
    this.fine.set(i, sample.positionPriceWad);
    this.end++;
    this.latest = undefined;
    this.version++;
    const fineInterval = prev !== undefined && fineOf(sample) > 0n && fineOf(prev) > 0n;
    this.fineRate[i] = fineInterval ? rate(fineOf(prev), fineOf(sample), sample.timestamp - prev.timestamp) : NaN;
    const j = sample.sharePrice > 0n ? this.previousCoarse(i, this.base) : -1;
    this.coarseRate[i] =
      j < 0 ? NaN : rate(this.coarse.get(j)!, sample.sharePrice, sample.timestamp - BigInt(this.t[j]!));
  }

  /** The newest slot before `i`, from `lo` on, with a coarse price; -1 when none. */
  private previousCoarse(i: number, lo: number): number {
    for (let j = i - 1; j >= lo; j--) if (this.coarse.positive(j)) return j;
    return -1;
  }

  /** Drops the `count` oldest samples. */
  dropOldest(count: number): void {
    this.base += Math.min(count, this.length);
    this.version++;
  }

  /** Keeps `sample` as the newest observation without recording it (it counts in estimates until the next push). */
  observe(sample: PriceSample): void {
    this.latest = this.length === 0 || Number(sample.timestamp) > this.t[this.end - 1]! ? sample : undefined;
  }

  /** `estimateYield` over the recorded samples plus the newest unrecorded observation, if any. */
  estimate(now: bigint, options: EstimateOptions): YieldEstimate | undefined {
    // The window [lo, hi): samples no older than the lookback and not after `now`.
    const lo = this.firstIndex(Number(now - options.lookbackSeconds), false);
    const hi = this.firstIndex(Number(now), true);
    const live =
      this.latest && this.latest.timestamp <= now && now - this.latest.timestamp <= options.lookbackSeconds
        ? this.latest
        : undefined;
    const minCount = Math.max(2, options.minSamples);
    const halfLife = Number(options.halfLifeSeconds ?? DEFAULT_HALF_LIFE_SECONDS);

    // The fine measure over the run of fine prices that ends the window (with the newest observation when it has one).
    const liveFine = live !== undefined && fineOf(live) > 0n;
    if (!live || liveFine) {
      const agg = this.fineWindow(lo, hi, halfLife);
      const count = agg.count + (liveFine ? 1 : 0);
      const first = agg.count > 0 ? this.at(agg.start) : live;
      const last = liveFine ? live : agg.count > 0 ? this.at(hi - 1) : undefined;
      if (first && last && count >= minCount && last.timestamp - first.timestamp >= options.minWindowSeconds) {
        const liveInterval =
          liveFine && agg.count > 0
            ? intervalOf(fineOf(this.at(hi - 1)), fineOf(live), live.timestamp - BigInt(this.t[hi - 1]!))
            : undefined;
        return this.result(agg, liveInterval, live?.timestamp ?? 0n, count, last.timestamp - first.timestamp);
      }
    }

    // The coarse measure over every sample of the window that has one.
    const agg = this.coarseWindow(lo, hi, halfLife);
    const liveCoarse = live !== undefined && live.sharePrice > 0n ? live : undefined;
    const count = agg.count + (liveCoarse ? 1 : 0);
    const first = agg.count > 0 ? this.at(agg.start) : liveCoarse;
    const last = liveCoarse ?? (agg.count > 0 ? this.at(agg.end) : undefined);
    if (!first || !last || count < minCount || last.timestamp - first.timestamp < options.minWindowSeconds)
      return undefined;
    const liveInterval =
      liveCoarse && agg.count > 0
        ? intervalOf(this.coarse.get(agg.end)!, liveCoarse.sharePrice, liveCoarse.timestamp - BigInt(this.t[agg.end]!))
        : undefined;
    return this.result(agg, liveInterval, live?.timestamp ?? 0n, count, last.timestamp - first.timestamp);
  }

  /** The recorded window's figures with the newest observation's interval folded in, as `estimateYield` folds it. */
  private result(
    agg: Aggregate,
    live: Interval | undefined,
    liveAt: bigint,
    samples: number,
    window: bigint,
  ): YieldEstimate | undefined {
    const liveLoss = live !== undefined && live.loss > 0;
    const losses = agg.losses + (liveLoss ? 1 : 0);
    const others = agg.others + (live !== undefined && !liveLoss ? 1 : 0);
    const inRate = lossesInRate(losses, others);
    const variant = inRate ? agg.counted : agg.excluded;
    const f: Fold = { ...variant.fold };
    let m2 = variant.m2;
    let lost = agg.lost;
    let lastAt = agg.lastLoss >= 0 ? BigInt(this.t[agg.lastLoss]!) : 0n;
    if (live) {
      if (inRate || !liveLoss) {
        // Welford's update with the newest interval.
        const mean = f.n > 0 ? f.sum / f.n : 0;
        const n = f.n;
        fold(f, live, agg.halfLife, true);
        m2 = n > 0 ? m2 + (live.rate - mean) * (live.rate - f.sum / f.n) : 0;
      } else {
        fold(f, live, agg.halfLife, false);
      }
      if (liveLoss) {
        lost += live.loss;
        lastAt = liveAt;
      }
    }
    return estimateOf(f, m2, samples, window, { count: losses, lost, lastAt, inRate });
  }

  /** The recorded fine run ending the window and its intervals (cached for the window, half-life and version). */
  private fineWindow(lo: number, hi: number, halfLife: number): Aggregate {
    const c = this.fineAggregate;
    if (c && c.version === this.version && c.lo === lo && c.hi === hi && c.halfLife === halfLife) return c;
    let start = hi;
    while (start > lo && this.fine.positive(start - 1)) start--;
    const fine = this.fine;
    const figures = aggregate(
      this.fineRate,
      this.t,
      start + 1,
      hi,
      (i) => i - 1,
      (j, i) => this.lossAt(fine.get(j)!, fine.get(i)!, j, i),
      halfLife,
    );
    this.fineAggregate = {
      version: this.version,
      lo,
      hi,
      halfLife,
      start,
      end: hi - 1,
      count: hi - start,
      ...figures,
    };
    return this.fineAggregate;
  }

  /** The window's recorded coarse samples and their intervals (cached for the window, half-life and version). */
  private coarseWindow(lo: number, hi: number, halfLife: number): Aggregate {
    const c = this.coarseAggregate;
    if (c && c.version === this.version && c.lo === lo && c.hi === hi && c.halfLife === halfLife) return c;
    let start = -1;
    let end = -1;
    let count = 0;
    for (let i = lo; i < hi; i++) {
      if (!this.coarse.positive(i)) continue;
      count++;
      if (start < 0) start = i;
      end = i;
    }
    // A coarse sample's interval counts when the sample before it with a coarse price is in the window too.
    const coarse = this.coarse;
    const figures = aggregate(
      this.coarseRate,
      this.t,
      start + 1,
      start < 0 ? 0 : hi,
      (i) => this.previousCoarse(i, lo),
      (j, i) => this.lossAt(coarse.get(j)!, coarse.get(i)!, j, i),
      halfLife,
    );
    this.coarseAggregate = { version: this.version, lo, hi, halfLife, start, end, count, ...figures };
    return this.coarseAggregate;
  }

  /** The loss event from price `a` at slot `j` to `b` at slot `i` (0: none). */
  private lossAt(a: bigint, b: bigint, j: number, i: number): number {
    return loss(a, b, BigInt(this.t[i]!) - BigInt(this.t[j]!));
  }

  /** First index whose timestamp is at least `t` (or, `after`, above it); the length when none is. */
  private firstIndex(t: number, after: boolean): number {
    let a = this.base;
    let b = this.end;
    while (a < b) {
      const m = (a + b) >> 1;
      if (after ? this.t[m]! > t : this.t[m]! >= t) b = m;
      else a = m + 1;
    }
    return a;
  }
}

/**
 * The intervals `from..to` (those with a growth, from the slot `previous` names, -1: none), folded as `estimateYield`
 * folds them: with loss events left out of the rate and with them counted, and each variant's squared deviations (two
 * passes, like it). A loss event falls faster than 100% a year, so only an interval whose growth is -1 or below can be
 * one: `lossOf` works out its drop from the prices (a rare case: no bigint arithmetic for the others).
 */
function aggregate(
  rates: Float64Array,
  t: Whole,
  from: number,
  to: number,
  previous: (i: number) => number,
  lossOf: (j: number, i: number) => number,
  halfLife: number,
): Omit<Aggregate, "version" | "lo" | "hi" | "halfLife" | "start" | "end" | "count"> {
  const excluded: Fold = { s: 0, w: 0, n: 0, sum: 0 };
  const counted: Fold = { s: 0, w: 0, n: 0, sum: 0 };
  let lossCount = 0;
  let others = 0;
  let lost = 0;
  let lastLoss = -1;
  // One interval object, filled in for each slot in turn. Samples are mostly evenly spaced: the decay is worked out
  // again only when the interval's length changes.
  const iv: Interval = { dt: 0, rate: 0, loss: 0 };
  let dt = NaN;
  let d = NaN;
  for (let i = from; i < to; i++) {
    const rate = rates[i]!;
    if (Number.isNaN(rate)) continue;
    const j = previous(i);
    if (j < 0) continue;
    iv.dt = t[i]! - t[j]!;
    iv.rate = rate;
    iv.loss = rate <= -1 ? lossOf(j, i) : 0;
    if (iv.dt !== dt) {
      dt = iv.dt;
      d = 2 ** (-dt / halfLife);
    }
    foldDecayed(excluded, iv, d, iv.loss === 0);
    foldDecayed(counted, iv, d, true);
    if (iv.loss > 0) {
      lossCount++;
      lost += iv.loss;
      lastLoss = i;
    } else others++;
  }
  const m2 = (f: Fold, lossesToo: boolean) => {
    let m = 0;
    if (f.n === 0) return m;
    const mean = f.sum / f.n;
    for (let i = from; i < to; i++) {
      const rate = rates[i]!;
      if (Number.isNaN(rate)) continue;
      const j = previous(i);
      if (j < 0 || (!lossesToo && rate <= -1 && lossOf(j, i) > 0)) continue;
      m += (rate - mean) ** 2;
    }
    return m;
  };
  return {
    losses: lossCount,
    others,
    lost,
    lastLoss,
    excluded: { fold: excluded, m2: m2(excluded, false) },
    counted: { fold: counted, m2: m2(counted, true) },
  };
}
