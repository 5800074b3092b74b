/**
 * Yield estimation from a strategy's share-price history. Pure.
 *
 * The rate is a time-weighted exponential moving average of the annualized growth of each interval between two
 * samples, with a half-life: an interval of `dt` seconds ending `age` seconds before the newest sample weighs
 * `2^(-age/h) - 2^(-(age+dt)/h)` (the share of an exponential kernel it covers), so a rate change shows at once and
 * outweighs the older rate after one half-life, whatever the sampling. Folded interval by interval, oldest first:
 * `S = S·d + r·(1 - d)`, `W = W·d + (1 - d)` with `d = 2^(-dt/h)`; the rate is `S / W`.
 *
 * A loss event is not a rate: an interval in which the price fell by more than `LOSS_MIN_BPS` of the earlier price and
 * faster than 100% a year (a bad-debt write-off, a hack, a slashing) is left out of the rate (its time still ages the
 * older intervals) and reported in `losses`. One such drop in the window is a one-off; when they repeat (two or more in
 * the window), or when the window holds nothing else, they are the rate and count in it (and `losses.inRate` says so).
 * Intervals with no time between their samples are skipped.
 *
 * Volatility is the standard deviation of the annualized growth of the intervals the rate counts, so a strategy whose
 * price jumps around scores lower than one that grows steadily at the same average. Prices are compared only within
 * one measure (see `PriceSample`).
 */
const WAD = 10n ** 18n;
const YEAR = 31_536_000n;
/** A drop counts as a loss event above this share of the earlier price, in bps (and faster than 100% a year). */
export const LOSS_MIN_BPS = 1n;
/** The half-life used when none is given: 3 hours (the configuration's default). */
export const DEFAULT_HALF_LIFE_SECONDS = 3n * 3_600n;

/** One observation of a strategy's share price at a block. */
export interface PriceSample {
  blockNumber: bigint;
  timestamp: bigint;
  /** Assets per 10**decimals shares, as the lens reports it (coarse: about 1e-6 relative for 6 decimals). */
  sharePrice: bigint;
  /** Assets per share in WAD from the vault's own position (`currentValue * 1e18 / shares`), when it holds shares:
   *  much finer than `sharePrice`. */
  positionPriceWad?: bigint;
}

/** The loss events within an estimate's window. */
export interface LossEvents {
  count: number;
  /** Sum of the drops, each as a share of the price before it (WAD: 1e15 = 0.1%). */
  lostWad: bigint;
  /** Time of the sample that ended the newest drop. */
  lastAt: bigint;
  /** Whether they count in `aprWad` (they repeat within the window, or the window holds nothing else). */
  inRate: boolean;
}

export interface YieldEstimate {
  /** Current annual rate: the moving average of the interval growths, WAD (1e18 = 100%/year); negative when the
   *  price falls steadily. One-off losses are not in it (see `losses`). */
  aprWad: bigint;
  /** Standard deviation of the annualized interval growth the rate counts, WAD. */
  volatilityWad: bigint;
  samples: number;
  windowSeconds: bigint;
  /** Loss events in the window, when there were any. */
  losses?: LossEvents;
}

export interface EstimateOptions {
  /** Only samples at most this old count. */
  lookbackSeconds: bigint;
  /** Fewest samples, and shortest span, that make an estimate. */
  minSamples: number;
  minWindowSeconds: bigint;
  /** Half-life of the moving average (DEFAULT_HALF_LIFE_SECONDS when absent). */
  halfLifeSeconds?: bigint;
}

/** One interval between two samples of a measure, as the estimator sees it. */
export interface Interval {
  /** Seconds from the first sample to the second (> 0). */
  dt: number;
  /** Annualized growth (1 = 100% a year). */
  rate: number;
  /** The drop as a share of the earlier price, when the interval is a loss event; 0 otherwise. */
  loss: number;
}

/** Annualized growth from price `a` to `b` over `dt` > 0 seconds, as a double (1 = 100% a year). */
export function growthRate(a: bigint, b: bigint, dt: bigint): number {
  return Number(((b - a) * WAD * YEAR) / (a * dt)) / 1e18;
}

/** The drop from `a` to `b` over `dt` > 0 seconds as a share of `a`, when it is a loss event; 0 otherwise. */
export function lossOf(a: bigint, b: bigint, dt: bigint): number {
  const drop = a - b;
  if (drop * 10_000n <= a * LOSS_MIN_BPS || drop * YEAR <= a * dt) return 0;
  return Number((drop * WAD) / a) / 1e18;
}

/** The interval from price `a` to `b` over `dt` seconds, or undefined when no time passed. */
export function intervalOf(a: bigint, b: bigint, dt: bigint): Interval | undefined {
  if (dt <= 0n) return undefined;
  return { dt: Number(dt), rate: growthRate(a, b, dt), loss: lossOf(a, b, dt) };
}

/**
 * The moving average and the sums behind it, over the intervals of a window in order. `excluded` says whether loss
 * events stay out of the rate. Both this and the incremental `PriceSeries` fold intervals with `fold`, so the two give
 * the same figures to the last bit.
 */
export interface Fold {
  /** Weighted sum of the counted rates and the sum of their weights. */
  s: number;
  w: number;
  /** Count, sum and squared deviations of the counted rates (for the volatility). */
  n: number;
  sum: number;
}

/** Folds one interval into the moving average (`counted`: whether its rate counts). */
export function fold(f: Fold, iv: Interval, halfLife: number, counted: boolean): void {
  foldDecayed(f, iv, 2 ** (-iv.dt / halfLife), counted);
}

/** `fold` with the interval's decay `d` = 2^(-dt/halfLife) already worked out (the same for every equal `dt`). */
export function foldDecayed(f: Fold, iv: Interval, d: number, counted: boolean): void {
  f.s *= d;
  f.w *= d;
  if (!counted) return;
  f.s += iv.rate * (1 - d);
  f.w += 1 - d;
  f.n++;
  f.sum += iv.rate;
}

/** Loss events that count in the rate: when they repeat, or when nothing else is in the window. */
export function lossesInRate(losses: number, others: number): boolean {
  return losses >= 2 || others === 0;
}

/** An estimate from a window's figures. */
export function estimateOf(
  f: Fold,
  m2: number,
  samples: number,
  windowSeconds: bigint,
  losses: { count: number; lost: number; lastAt: bigint; inRate: boolean },
): YieldEstimate | undefined {
  if (windowSeconds <= 0n || f.w <= 0) return undefined;
  const aprWad = BigInt(Math.round((f.s / f.w) * 1e18));
  const volatilityWad = f.n >= 2 ? BigInt(Math.round(Math.sqrt(m2 / (f.n - 1)) * 1e18)) : 0n;
  const out: YieldEstimate = { aprWad, volatilityWad, samples, windowSeconds };
  if (losses.count > 0)
    out.losses = {
      count: losses.count,
      lostWad: BigInt(Math.round(losses.lost * 1e18)),
      lastAt: losses.lastAt,
      inRate: losses.inRate,
    };
  return out;
}

/** Estimates a strategy's yield at `now`, or undefined when the history is too short. */
export function estimateYield(
  samples: PriceSample[],
  now: bigint,
  options: EstimateOptions,
): YieldEstimate | undefined {
  const recent = samples
    .filter((s) => s.timestamp <= now && now - s.timestamp <= options.lookbackSeconds)
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  // The fine measure over the longest recent run of samples that have it, when that run is long enough; otherwise
  // the lens's share price over the whole window.
  let start = recent.length;
  while (start > 0 && (recent[start - 1]!.positionPriceWad ?? 0n) > 0n) start--;
  const fineRun = recent.slice(start).map((s) => ({ t: s.timestamp, p: s.positionPriceWad! }));
  const coarse = recent.map((s) => ({ t: s.timestamp, p: s.sharePrice })).filter((s) => s.p > 0n);
  const long = (run: { t: bigint; p: bigint }[]) =>
    run.length >= Math.max(2, options.minSamples) && run[run.length - 1]!.t - run[0]!.t >= options.minWindowSeconds;
  const series = long(fineRun) ? fineRun : coarse;
  if (!long(series)) return undefined;
  const window = series[series.length - 1]!.t - series[0]!.t;

  const intervals: { iv: Interval; at: bigint }[] = [];
  for (let i = 1; i < series.length; i++) {
    const iv = intervalOf(series[i - 1]!.p, series[i]!.p, series[i]!.t - series[i - 1]!.t);
    if (iv) intervals.push({ iv, at: series[i]!.t });
  }
  const events = intervals.filter((x) => x.iv.loss > 0);
  const inRate = lossesInRate(events.length, intervals.length - events.length);
  const halfLife = Number(options.halfLifeSeconds ?? DEFAULT_HALF_LIFE_SECONDS);
  const f: Fold = { s: 0, w: 0, n: 0, sum: 0 };
  let lost = 0;
  for (const { iv } of intervals) {
    fold(f, iv, halfLife, inRate || iv.loss === 0);
    lost += iv.loss;
  }
  let m2 = 0;
  if (f.n > 0) {
    const mean = f.sum / f.n;
    for (const { iv } of intervals) if (inRate || iv.loss === 0) m2 += (iv.rate - mean) ** 2;
  }
  return estimateOf(f, m2, series.length, window, {
    count: events.length,
    lost,
    lastAt: events[events.length - 1]?.at ?? 0n,
    inRate,
  });
}
