/**
 * Yield estimation from a strategy's share-price history. Pure.
 *
 * APR is the growth of the price over the window, annualized (simple, not compounded). Volatility is the standard
 * deviation of the annualized growth of each interval, so a strategy whose price jumps around scores lower than one
 * that grows steadily at the same average. Prices are compared only within one measure (see `PriceSample`).
 */
const WAD = 10n ** 18n;
const YEAR = 31_536_000n;

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

export interface YieldEstimate {
  /** Annualized growth over the window, WAD (1e18 = 100%/year); negative when the price fell. */
  aprWad: bigint;
  /** Standard deviation of the annualized interval growth, WAD. */
  volatilityWad: bigint;
  samples: number;
  windowSeconds: bigint;
}

export interface EstimateOptions {
  /** Only samples at most this old count. */
  lookbackSeconds: bigint;
  /** Fewest samples, and shortest span, that make an estimate. */
  minSamples: number;
  minWindowSeconds: bigint;
}

/** Estimates a strategy's yield at `now`, or undefined when the history is too short. */
export function estimateYield(samples: PriceSample[], now: bigint, options: EstimateOptions): YieldEstimate | undefined {
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
  const first = series[0]!;
  const last = series[series.length - 1]!;
  const window = last.t - first.t;
  if (window <= 0n) return undefined;
  const aprWad = ((last.p - first.p) * WAD * YEAR) / (first.p * window);

  const rates: number[] = [];
  for (let i = 1; i < series.length; i++) {
    const a = series[i - 1]!;
    const b = series[i]!;
    const dt = b.t - a.t;
    if (dt <= 0n) continue;
    rates.push(Number(((b.p - a.p) * WAD * YEAR) / (a.p * dt)) / 1e18);
  }
  let volatilityWad = 0n;
  if (rates.length >= 2) {
    const mean = rates.reduce((x, y) => x + y, 0) / rates.length;
    const variance = rates.reduce((x, r) => x + (r - mean) ** 2, 0) / (rates.length - 1);
    volatilityWad = BigInt(Math.round(Math.sqrt(variance) * 1e18));
  }
  return { aprWad, volatilityWad, samples: series.length, windowSeconds: window };
}
