/**
 * A lending strategy's rate as the agent plans with it: the market-rate model's spot reads (lending-rate.ts), averaged
 * over time, so a market whose borrowers swing it between its target utilization and 100% within hours shows what a
 * position there earns over the swings, not the swing of the hour.
 *
 * Per strategy and per tick (`update`, pure bigint math, same reads in the same order give the same figures):
 * - the smoothed net supply rate: an exponentially weighted, time-weighted average of the spot rate, each read
 *   weighing `dt / (dt + tau)` with `tau = halfLife / ln 2` (the rational form of `1 - 2^(-dt / halfLife)`: the same
 *   time constant, exact in integers). The average of the rate, not the rate at the average utilization: a position
 *   earns the spikes at 100% utilization, and a kinked curve is convex there;
 * - each market's smoothed utilization, the same way: what the agent's own move is measured against. The rate after a
 *   move of `delta` is the smoothed rate times the curve's ratio between the rate at the smoothed utilization with the
 *   move and without it (`ratePerSecondAfter` on the strategy's markets with every borrow at its smoothed share of
 *   the supply): a deposit the size of the market lowers it as the curve says, a swing of the hour does not;
 * - hysteresis lies with the planner (its minimum spread and hold); the average itself moves by at most
 *   `dt / (dt + tau)` of a swing per read, so a market swinging target <-> 100% every few hours gives a rate that
 *   stays within a band the planner's minimum spread covers.
 *
 * `SmoothedMarketModel` is a `YieldModel`: for a strategy that answers the adapter views it replaces the trailing
 * estimate's `aprWad` by the smoothed rate (losses, samples and volatility stay the trailing estimate's, so a
 * one-off loss is still seen and the first tick still waits for a price history), once the averages have read for
 * `warmupSeconds`; any other strategy keeps the trailing estimate as it is.
 *
 * During the warm-up the spot reads are too few to stand for the swings (a first day read at the target utilization
 * misses every hour at 100%), but the share price has earned every second of them: with `warmupRealized`, the model
 * gives the strategy's realized rate over the warm-up window instead (the time-weighted mean growth of its share
 * price, as `realized` estimates it: loss events apart), so the money is placed by what each strategy paid from the
 * first hours rather than held in the equal split for a day; without it, no estimate until the warm-up has read.
 */
import type { EstimateOptions, YieldEstimate } from "../yield/estimate.js";
import type { PriceHistory } from "../yield/history.js";
import type { YieldModel } from "../yield/model.js";
import { type LendingStrategyState, ratePerSecondAfter, utilizationOf } from "./lending-rate.js";

const WAD = 10n ** 18n;
const YEAR = 31_536_000n;
/** ln 2 in WAD. */
const LN2_WAD = 693_147_180_559_945_309n;

/** What the smoothing keeps of one strategy. */
export interface SmoothedState {
  /** Smoothed net supply rate, per second, WAD. */
  rateWad: bigint;
  /** Smoothed utilization of each market, in the strategy's market order (WAD). */
  utilizations: bigint[];
  /** Chain time of the last read. */
  at: bigint;
  /** Seconds from the first read to the last: until the half-life's time constant, the average is the plain
   *  time-weighted mean of the reads so far (the first read does not weigh for the whole time constant). */
  span: bigint;
}

/**
 * The weight of a read `dt` seconds after the previous one (WAD): `dt / (dt + min(span, halfLife / ln 2))`, `span` the
 * seconds averaged so far: a plain time-weighted mean while the history is shorter than the time constant, an
 * exponential average after.
 */
export function readWeightWad(dt: bigint, halfLifeSeconds: bigint, span: bigint = halfLifeSeconds * 2n): bigint {
  if (dt <= 0n) return 0n;
  if (halfLifeSeconds <= 0n) return WAD;
  const tau = (halfLifeSeconds * WAD) / LN2_WAD;
  const memory = span < tau ? span : tau;
  return (dt * WAD) / (dt + memory);
}

/** Moves `avg` toward `value` by `weight` (WAD). */
function toward(avg: bigint, value: bigint, weight: bigint): bigint {
  return avg + ((value - avg) * weight) / WAD;
}

/**
 * The next smoothed state of a strategy after a read of `state` at `now`. A first read (or one whose market count
 * changed) starts the average at the read; a read at the same time as the last changes nothing.
 */
export function smooth(
  previous: SmoothedState | undefined,
  state: LendingStrategyState,
  now: bigint,
  halfLifeSeconds: bigint,
): SmoothedState {
  const rate = ratePerSecondAfter(state, 0n);
  const utilizations = state.markets.map((m) => utilizationOf(m.totalSupplyAssets, m.totalBorrowAssets));
  if (!previous || previous.utilizations.length !== utilizations.length || now < previous.at)
    return { rateWad: rate, utilizations, at: now, span: 0n };
  const dt = now - previous.at;
  const w = readWeightWad(dt, halfLifeSeconds, previous.span);
  return {
    rateWad: toward(previous.rateWad, rate, w),
    utilizations: utilizations.map((u, i) => toward(previous.utilizations[i]!, u, w)),
    at: now,
    span: previous.span + dt,
  };
}

/** The strategy's markets with every borrow at its smoothed share of the current supply. */
export function atSmoothedUtilization(state: LendingStrategyState, smoothed: SmoothedState): LendingStrategyState {
  return {
    fee: state.fee,
    markets: state.markets.map((m, i) => ({
      ...m,
      totalBorrowAssets: (m.totalSupplyAssets * (smoothed.utilizations[i] ?? 0n)) / WAD,
    })),
  };
}

/**
 * The smoothed net supply APR (WAD) after the agent moves `delta` (assets; > 0 in, < 0 out): the smoothed rate times
 * the curve's ratio at the smoothed utilizations with and without the move. 0 when the strategy would supply nothing.
 */
export function smoothedAprAfter(state: LendingStrategyState, smoothed: SmoothedState, delta: bigint): bigint {
  if (delta === 0n) return smoothed.rateWad * YEAR;
  const at = atSmoothedUtilization(state, smoothed);
  const base = ratePerSecondAfter(at, 0n);
  const after = ratePerSecondAfter(at, delta);
  if (base === 0n) return after * YEAR;
  return ((smoothed.rateWad * after) / base) * YEAR;
}

/** Where the model reads the markets: `MarketRateModel` (lending-rate.ts), or a test's stand-in. */
export interface MarketStateSource {
  refresh(strategies: readonly string[], blockTag?: bigint | number | string): Promise<void>;
  stateOf(strategy: string): LendingStrategyState | undefined;
}

export interface SmoothedMarketOptions {
  /** Half-life of the averages, seconds. */
  halfLifeSeconds: bigint;
  /** No estimate until the averages have read this long (seconds): a rate that spikes only at 100% utilization
   *  shows its mean over days, not hours, and a first day's reads at the target utilization would empty the strategy
   *  that pays most. Until then the strategy has no estimate, as on the first ticks of a price history. */
  warmupSeconds: bigint;
  /** Whether the planner is told the rate after its own move (`rateAfter`); without it the rate does not depend on
   *  the move, as with the trailing rate. */
  impact: boolean;
  /** Whether the warm-up gives the realized rate over the warm-up window (the `realized` model the constructor is
   *  given) rather than no estimate. */
  warmupRealized?: boolean;
}

/** The model's name as decision records carry it (`settings.yieldModel`). */
export function smoothedModelName(options: SmoothedMarketOptions, fallback: string): string {
  return `market-smoothed(half-life ${options.halfLifeSeconds}s, warm-up ${options.warmupSeconds}s${options.warmupRealized ? " on the realized rate" : ""}${options.impact ? ", own impact" : ""})+${fallback}`;
}

/** The trailing estimate for every strategy, its rate replaced by the smoothed market rate where the views answer. */
export class SmoothedMarketModel implements YieldModel {
  readonly name: string;
  private readonly smoothed = new Map<string, SmoothedState>();
  readonly rateAfter?: (strategy: string, delta: bigint) => bigint | undefined;

  /**
   * `realized`: the estimate the warm-up gives when `options.warmupRealized` (the share price's time-weighted mean
   * growth over the warm-up window: a trailing model whose lookback is the warm-up, `realizedOver`); without it the
   * warm-up gives no estimate whatever the option says.
   */
  constructor(
    private readonly source: MarketStateSource,
    private readonly fallback: YieldModel,
    readonly options: SmoothedMarketOptions,
    private readonly realized?: YieldModel,
  ) {
    this.name = smoothedModelName(options, fallback.name);
    if (options.impact) this.rateAfter = (strategy, delta) => this.aprAfter(strategy, delta);
  }

  /** Reads the markets at `blockNumber` and moves each average by the read (a strategy with no views keeps none). */
  async refresh(strategies: readonly string[], blockNumber: bigint, now: bigint): Promise<void> {
    await this.source.refresh(strategies, blockNumber);
    for (const s of strategies) this.observe(s, now);
  }

  /** Moves `strategy`'s averages by the source's last read, at `now`. */
  observe(strategy: string, now: bigint): void {
    const k = strategy.toLowerCase();
    const state = this.source.stateOf(strategy);
    if (!state) {
      this.smoothed.delete(k);
      return;
    }
    this.smoothed.set(k, smooth(this.smoothed.get(k), state, now, this.options.halfLifeSeconds));
  }

  /** The smoothed state of `strategy`, when its views answered at the last read. */
  smoothedOf(strategy: string): SmoothedState | undefined {
    return this.smoothed.get(strategy.toLowerCase());
  }

  estimate(strategy: string, history: PriceHistory, now: bigint): YieldEstimate | undefined {
    const trailing = this.fallback.estimate(strategy, history, now);
    const s = this.smoothedOf(strategy);
    if (!trailing || !s) return trailing;
    if (s.span < this.options.warmupSeconds)
      return this.options.warmupRealized ? this.realized?.estimate(strategy, history, now) : undefined;
    return { ...trailing, aprWad: s.rateWad * YEAR };
  }

  /** The smoothed APR after a move of `delta`; undefined for a strategy without views. */
  aprAfter(strategy: string, delta: bigint): bigint | undefined {
    const s = this.smoothedOf(strategy);
    const state = this.source.stateOf(strategy);
    return s && state ? smoothedAprAfter(state, s, delta) : undefined;
  }
}

/**
 * The trailing options of the warm-up's realized rate: the history over the warm-up window (at least the shortest
 * window an estimate needs), averaged with the market model's half-life, so within the warm-up it is close to the
 * plain time-weighted mean growth of the share price.
 */
export function realizedOver(trailing: EstimateOptions, options: SmoothedMarketOptions): EstimateOptions {
  const window = options.warmupSeconds > trailing.minWindowSeconds ? options.warmupSeconds : trailing.minWindowSeconds;
  return { ...trailing, lookbackSeconds: window, halfLifeSeconds: options.halfLifeSeconds };
}
