/**
 * The demo's market, pure and seeded: each strategy's yield per day (APR, in bps) and one-off losses. The same seed
 * always gives the same path. Gains and losses are applied in proportion to each strategy's total assets, so a share
 * of a strategy earns the same whoever holds how much: the counterfactuals in the summary use the very same path.
 */

export interface YieldPathOptions {
  seed: number;
  days: number;
  strategies: number;
}

export interface DayYields {
  day: number;
  /** Annual rate of each strategy during this day, in bps. */
  aprBps: number[];
  /** A loss at the start of this day, in bps of the strategy's total assets (0 for none). */
  lossBps: number[];
  /** What happened in words (a rate change or a loss), for the progress display. */
  events: string[];
}

/** mulberry32: a small, well-distributed 32-bit PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * One entry per day. Rates wander a little each day; on one day a strategy's rate jumps (new incentives) and on
 * another a strategy takes a loss (a bad debt write-off), so the best place for the money changes during the run.
 */
export function yieldPath(options: YieldPathOptions): DayYields[] {
  const { days, strategies } = options;
  const rand = prng(options.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  // Starting rates: 2% to 12%, distinct enough that a best strategy exists from the start.
  let apr = Array.from({ length: strategies }, () => int(200, 1_200));
  const jumpDay = days >= 2 ? int(1, days - 1) : -1;
  const jumpStrategy = int(0, strategies - 1);
  const lossDay = days >= 3 ? int(1, days - 1) : -1;
  const lossStrategy = int(0, strategies - 1);
  const lossBps = int(5, 15);
  const out: DayYields[] = [];
  for (let day = 0; day < days; day++) {
    const events: string[] = [];
    if (day > 0) apr = apr.map((a) => clamp(a + int(-120, 120), 50, 1_500));
    if (day === jumpDay) {
      const before = apr[jumpStrategy]!;
      apr[jumpStrategy] = clamp(Math.max(...apr) + int(300, 600), 50, 2_000);
      events.push(
        `strategy ${jumpStrategy} adds incentives: ${(before / 100).toFixed(2)}% -> ${(apr[jumpStrategy]! / 100).toFixed(2)}% a year`,
      );
    }
    const losses = new Array<number>(strategies).fill(0);
    if (day === lossDay) {
      losses[lossStrategy] = lossBps;
      apr[lossStrategy] = clamp(Math.round(apr[lossStrategy]! / 3), 50, 1_500);
      events.push(
        `strategy ${lossStrategy} writes off bad debt: -${(lossBps / 100).toFixed(2)}% of its assets, rate down to ${(apr[lossStrategy]! / 100).toFixed(2)}%`,
      );
    }
    out.push({ day, aprBps: [...apr], lossBps: losses, events });
  }
  return out;
}

const YEAR = 31_536_000n;

/** Gain of `totalAssets` at `aprBps` over `seconds` (rounded down). */
export function gainOver(totalAssets: bigint, aprBps: number, seconds: bigint): bigint {
  return (totalAssets * BigInt(aprBps) * seconds) / (10_000n * YEAR);
}

/** Loss of `lossBps` of `totalAssets` (rounded down). */
export function lossOf(totalAssets: bigint, lossBps: number): bigint {
  return (totalAssets * BigInt(lossBps)) / 10_000n;
}

export interface RateOracleOptions {
  /** Each strategy's relative cap, in bps of the vault's value. */
  capsBps: number[];
  /** The idle buffer, in bps of the vault's value. */
  bufferBps: number;
  /** Steps of the path per day and their length (the demo's: 12 steps of 2 hours). */
  stepsPerDay: number;
  stepSeconds: number;
}

/**
 * What a rate-following planner at its best earns on a path, per unit deposited (0.001 = 0.1%): a planner that knows
 * each strategy's rate over a step the moment the step ends (no estimate, no lag) and then holds the best-paying
 * strategies up to their caps for the next step, the buffer idle, moving for free and at once, but that cannot foresee
 * a loss: the loss of a day and its new rate land together at the day's start, as in the demo's world. It places the
 * money in an equal split at the first tick, when no rate has been seen, as the equal split does (more than the agent,
 * whose first call a session's volume limits). The bound of any planner that chases rates without foresight: where it
 * earns less than the equal split, so does every such planner.
 */
export function rateOracle(path: DayYields[], o: RateOracleOptions): number {
  const n = o.capsBps.length;
  const buffer = o.bufferBps / 10_000;
  let held = new Array<number>(n).fill((1 - buffer) / n);
  let idle = buffer;
  for (let k = 1; k <= path.length * o.stepsPerDay; k++) {
    const day = path[Math.floor((k - 1) / o.stepsPerDay)]!;
    if ((k - 1) % o.stepsPerDay === 0) held = held.map((h, i) => h * (1 - (day.lossBps[i] ?? 0) / 10_000));
    held = held.map((h, i) => h * (1 + ((day.aprBps[i] ?? 0) / 10_000) * (o.stepSeconds / 31_536_000)));
    // The step's rates are now known: the best-paying strategies first, each up to its cap.
    const total = idle + held.reduce((a, b) => a + b, 0);
    let left = total * (1 - buffer);
    const next = new Array<number>(n).fill(0);
    for (const i of [...held.keys()].sort((a, b) => day.aprBps[b]! - day.aprBps[a]!)) {
      next[i] = Math.min(((o.capsBps[i] ?? 0) / 10_000) * total, left);
      left -= next[i]!;
    }
    held = next;
    idle = total - held.reduce((a, b) => a + b, 0);
  }
  return idle + held.reduce((a, b) => a + b, 0) - 1;
}
