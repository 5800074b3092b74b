/** Summaries of repeated measurements: median and 95th percentile (nearest rank), in the samples' own unit. */
export interface Summary {
  median: number;
  p95: number;
  max: number;
  n: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { median: rank(0.5), p95: rank(0.95), max: sorted[sorted.length - 1]!, n: sorted.length };
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const nowMs = (): number => performance.now();

/** Rounds to 3 decimals, so the JSON stays readable. */
export const round3 = (v: number): number => Math.round(v * 1_000) / 1_000;
