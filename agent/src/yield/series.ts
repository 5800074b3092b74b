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
 * Storage: timestamps and block numbers as doubles, prices as two doubles each (high and low 32 bits), so a sample
 * costs under 100 bytes and no heap object; a price column that meets a value of 2**85 or more keeps bigints instead.
 */
import type { StrategyState, VaultSnapshot } from "../chain/types.js";
import {
  DEFAULT_HALF_LIFE_SECONDS,
  estimateOf,
  fold,
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

/** Optional non-negative bigints, as pairs of doubles while they fit (below 2**85), as bigints once one does not. */
class PriceColumn {
  private hi: number[] = [];
  private lo: number[] = [];
  private wide: (bigint | undefined)[] | undefined;

  push(v: bigint | undefined): void {
    if (this.wide) {
      this.wide.push(v);
      return;
    }
    if (v === undefined) {
      this.hi.push(NaN);
      this.lo.push(0);
      return;
    }
    if (v < 0n || v >= 1n << 85n) {
      this.wide = this.hi.map((_, i) => this.get(i));
      this.wide.push(v);
      this.hi = [];
      this.lo = [];
      return;
    }
    this.hi.push(Number(v >> 32n));
    this.lo.push(Number(v & 0xffffffffn));
  }

  get(i: number): bigint | undefined {
    if (this.wide) return this.wide[i];
    const hi = this.hi[i]!;
    return Number.isNaN(hi) ? undefined : (BigInt(hi) << 32n) + BigInt(this.lo[i]!);
  }

  /** Whether the value at `i` is there and above zero (no bigint made). */
  positive(i: number): boolean {
    if (this.wide) return (this.wide[i] ?? 0n) > 0n;
    return this.hi[i]! > 0 || (this.hi[i] === 0 && this.lo[i]! > 0);
  }

  dropOldest(count: number): void {
    if (this.wide) this.wide.splice(0, count);
    else {
      this.hi.splice(0, count);
      this.lo.splice(0, count);
    }
  }
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
  private readonly t: number[] = [];
  private readonly block: number[] = [];
  private readonly coarse = new PriceColumn();
  private readonly fine = new PriceColumn();
  /** Growth from the previous sample's fine price (NaN when either has none, or no time passed), and the drop when
   *  that interval is a loss event (0 otherwise). */
  private readonly fineRate: number[] = [];
  private readonly fineLoss: number[] = [];
  /** Length of the run of samples with a fine price that ends here (0 when this one has none). */
  private readonly fineRun: number[] = [];
  /** Growth from the previous sample with a coarse price, its loss, and how many samples back it is (0: none). */
  private readonly coarseRate: number[] = [];
  private readonly coarseLoss: number[] = [];
  private readonly coarseGap: number[] = [];
  /** The newest observation, when it was not recorded. */
  private latest: PriceSample | undefined;
  /** Samples before this index are dropped (removed from the arrays in batches, not one at a time). */
  private base = 0;
  /** Changes whenever the recorded samples do; the aggregates below are valid for one version. */
  private version = 0;
  private fineAggregate: Aggregate | undefined;
  private coarseAggregate: Aggregate | undefined;

  /** `samples` in any order; kept sorted by time (stable, like `estimateYield`'s own sort). */
  constructor(samples: PriceSample[] = []) {
    const inOrder = samples.every((s, i) => i === 0 || s.timestamp >= samples[i - 1]!.timestamp);
    const sorted = inOrder ? samples : [...samples].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    for (const s of sorted) this.push(s);
  }

  get length(): number {
    return this.t.length - this.base;
  }

  get last(): PriceSample | undefined {
    return this.length === 0 ? undefined : this.at(this.t.length - 1);
  }

  samples(): PriceSample[] {
    const out: PriceSample[] = [];
    for (let i = this.base; i < this.t.length; i++) out.push(this.at(i));
    return out;
  }

  private at(i: number): PriceSample {
    return { blockNumber: BigInt(this.block[i]!), timestamp: BigInt(this.t[i]!), sharePrice: this.coarse.get(i)!, positionPriceWad: this.fine.get(i) };
  }

  /** Appends a sample no older than the last one. */
  push(sample: PriceSample): void {
    const i = this.t.length;
    const t = safe(sample.timestamp, "timestamp");
    const prev = i > this.base ? this.at(i - 1) : undefined;
    if (prev && sample.timestamp < prev.timestamp) throw new Error("price samples must be appended in time order");
    this.t.push(t);
    this.block.push(safe(sample.blockNumber, "block number"));
    this.coarse.push(sample.sharePrice);
    this.fine.push(sample.positionPriceWad);
    this.latest = undefined;
    this.version++;
    const f = fineOf(sample) > 0n;
    this.fineRun.push(f ? (this.fineRun[i - 1] ?? 0) + 1 : 0);
    const fineInterval = f && prev && fineOf(prev) > 0n;
    const fineDt = prev ? sample.timestamp - prev.timestamp : 0n;
    this.fineRate.push(fineInterval ? rate(fineOf(prev), fineOf(sample), fineDt) : NaN);
    this.fineLoss.push(fineInterval ? loss(fineOf(prev), fineOf(sample), fineDt) : 0);
    let gap = 0;
    let r = NaN;
    let l = 0;
    if (sample.sharePrice > 0n) {
      for (let j = i - 1; j >= this.base; j--) {
        if (this.coarse.positive(j)) {
          gap = i - j;
          const dt = sample.timestamp - BigInt(this.t[j]!);
          r = rate(this.coarse.get(j)!, sample.sharePrice, dt);
          l = loss(this.coarse.get(j)!, sample.sharePrice, dt);
          break;
        }
      }
    }
    this.coarseGap.push(gap);
    this.coarseRate.push(r);
    this.coarseLoss.push(l);
  }

  /** Drops the `count` oldest samples. */
  dropOldest(count: number): void {
    this.base += Math.min(count, this.length);
    this.version++;
    if (this.base < 256 && this.base * 2 < this.t.length) return;
    for (const a of [this.t, this.block, this.fineRate, this.fineLoss, this.fineRun, this.coarseRate, this.coarseLoss, this.coarseGap]) a.splice(0, this.base);
    this.coarse.dropOldest(this.base);
    this.fine.dropOldest(this.base);
    this.base = 0;
  }

  /** Keeps `sample` as the newest observation without recording it (it counts in estimates until the next push). */
  observe(sample: PriceSample): void {
    const n = this.t.length;
    this.latest = this.length === 0 || Number(sample.timestamp) > this.t[n - 1]! ? sample : undefined;
  }

  /** `estimateYield` over the recorded samples plus the newest unrecorded observation, if any. */
  estimate(now: bigint, options: EstimateOptions): YieldEstimate | undefined {
    // The window [lo, hi): samples no older than the lookback and not after `now`.
    const lo = this.firstIndex(Number(now - options.lookbackSeconds), false);
    const hi = this.firstIndex(Number(now), true);
    const live = this.latest && this.latest.timestamp <= now && now - this.latest.timestamp <= options.lookbackSeconds ? this.latest : undefined;
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
        const liveInterval = liveFine && agg.count > 0 ? intervalOf(fineOf(this.at(hi - 1)), fineOf(live), live.timestamp - BigInt(this.t[hi - 1]!)) : undefined;
        return this.result(agg, liveInterval, live?.timestamp ?? 0n, count, last.timestamp - first.timestamp);
      }
    }

    // The coarse measure over every sample of the window that has one.
    const agg = this.coarseWindow(lo, hi, halfLife);
    const liveCoarse = live !== undefined && live.sharePrice > 0n ? live : undefined;
    const count = agg.count + (liveCoarse ? 1 : 0);
    const first = agg.count > 0 ? this.at(agg.start) : liveCoarse;
    const last = liveCoarse ?? (agg.count > 0 ? this.at(agg.end) : undefined);
    if (!first || !last || count < minCount || last.timestamp - first.timestamp < options.minWindowSeconds) return undefined;
    const liveInterval =
      liveCoarse && agg.count > 0 ? intervalOf(this.coarse.get(agg.end)!, liveCoarse.sharePrice, liveCoarse.timestamp - BigInt(this.t[agg.end]!)) : undefined;
    return this.result(agg, liveInterval, live?.timestamp ?? 0n, count, last.timestamp - first.timestamp);
  }

  /** The recorded window's figures with the newest observation's interval folded in, as `estimateYield` folds it. */
  private result(agg: Aggregate, live: Interval | undefined, liveAt: bigint, samples: number, window: bigint): YieldEstimate | undefined {
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
    const start = hi > lo ? hi - Math.min(this.fineRun[hi - 1]!, hi - lo) : hi;
    const t = this.t;
    const figures = aggregate(this.fineRate, this.fineLoss, (i) => t[i]! - t[i - 1]!, start + 1, hi, () => true, halfLife);
    return (this.fineAggregate = { version: this.version, lo, hi, halfLife, start, end: hi - 1, count: hi - start, ...figures });
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
    const gap = this.coarseGap;
    const t = this.t;
    const figures =
      start < 0
        ? aggregate([], [], () => 0, 0, 0, () => false, halfLife)
        : aggregate(this.coarseRate, this.coarseLoss, (i) => t[i]! - t[i - gap[i]!]!, start + 1, hi, (i) => gap[i]! > 0 && i - gap[i]! >= lo, halfLife);
    return (this.coarseAggregate = { version: this.version, lo, hi, halfLife, start, end, count, ...figures });
  }

  /** First index whose timestamp is at least `t` (or, `after`, above it); the length when none is. */
  private firstIndex(t: number, after: boolean): number {
    let a = this.base;
    let b = this.t.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (after ? this.t[m]! > t : this.t[m]! >= t) b = m;
      else a = m + 1;
    }
    return a;
  }
}

/**
 * The intervals `from..to` (those with a growth that `counts`), folded as `estimateYield` folds them: with loss events
 * left out of the rate and with them counted, and each variant's squared deviations (two passes, like it).
 */
function aggregate(
  rates: number[],
  losses: number[],
  dtOf: (i: number) => number,
  from: number,
  to: number,
  counts: (i: number) => boolean,
  halfLife: number,
): Omit<Aggregate, "version" | "lo" | "hi" | "halfLife" | "start" | "end" | "count"> {
  const excluded: Fold = { s: 0, w: 0, n: 0, sum: 0 };
  const counted: Fold = { s: 0, w: 0, n: 0, sum: 0 };
  let lossCount = 0;
  let others = 0;
  let lost = 0;
  let lastLoss = -1;
  const defined = (i: number) => rates[i]! === rates[i]! && counts(i);
  for (let i = from; i < to; i++) {
    if (!defined(i)) continue;
    const iv: Interval = { dt: dtOf(i), rate: rates[i]!, loss: losses[i]! };
    fold(excluded, iv, halfLife, iv.loss === 0);
    fold(counted, iv, halfLife, true);
    if (iv.loss > 0) {
      lossCount++;
      lost += iv.loss;
      lastLoss = i;
    } else others++;
  }
  const m2 = (f: Fold, keep: (i: number) => boolean) => {
    let m = 0;
    if (f.n === 0) return m;
    const mean = f.sum / f.n;
    for (let i = from; i < to; i++) if (defined(i) && keep(i)) m += (rates[i]! - mean) ** 2;
    return m;
  };
  return {
    losses: lossCount,
    others,
    lost,
    lastLoss,
    excluded: { fold: excluded, m2: m2(excluded, (i) => losses[i]! === 0) },
    counted: { fold: counted, m2: m2(counted, () => true) },
  };
}
