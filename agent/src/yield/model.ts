/**
 * Yield models: what a strategy earns now, and what it would earn after the agent's own move. Pure: a model reads the
 * price history and, for a market model, a view of the market the daemon read at the same block; it does no I/O.
 *
 * The planner asks two things of a model:
 * - `estimate`: the current annual rate with its volatility and the loss events behind it (`YieldEstimate`);
 * - `rateAfter` (optional): the annual rate the strategy pays after the agent moves `deltaAssets` into it (positive)
 *   or out of it (negative), for the whole position. A lending market's supply rate falls as the agent supplies more
 *   and rises as it withdraws (utilization); with it the planner allocates in chunks, each where the yield it adds is
 *   highest. A model without it means the rate does not depend on the agent's move (a price series cannot tell).
 *
 * `TrailingRateModel`, the default, estimates from the strategy's share-price history alone (see estimate.ts).
 */
import type { EstimateOptions, YieldEstimate } from "./estimate.js";
import type { PriceHistory } from "./history.js";

/** The rate after a move, WAD per year, or undefined when the model has no view of that strategy's market. */
export type RateAfter = (strategy: string, deltaAssets: bigint) => bigint | undefined;

export interface YieldModel {
  readonly name: string;
  /** The strategy's current annual rate at `now`, or undefined when there is not enough to tell. */
  estimate(strategy: string, history: PriceHistory, now: bigint): YieldEstimate | undefined;
  rateAfter?: RateAfter;
  /** A model with a view of the markets reads them here, once per tick, before `estimate` (the runner awaits it;
   *  a failed read leaves the model as the last read left it). */
  refresh?(strategies: readonly string[], blockNumber: bigint, now: bigint): Promise<void>;
}

/** The moving average of the share price's growth, loss events apart (`estimateYield`); no view of any market. */
export class TrailingRateModel implements YieldModel {
  readonly name = "trailing";

  constructor(readonly options: EstimateOptions) {}

  estimate(strategy: string, history: PriceHistory, now: bigint): YieldEstimate | undefined {
    return history.estimate(strategy, now, this.options);
  }
}
