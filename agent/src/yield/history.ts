/**
 * Share-price history per strategy of one vault, kept on disk across restarts (one JSON file, replaced atomically).
 */
import fs from "node:fs";
import path from "node:path";
import type { VaultSnapshot } from "../chain/types.js";
import type { EstimateOptions, PriceSample, YieldEstimate } from "./estimate.js";
import { PriceSeries, sampleOf } from "./series.js";

export interface PriceHistory {
  /** Adds one sample per strategy from a snapshot (kept only as the newest observation when too close to the
   *  previous sample). */
  record(snapshot: VaultSnapshot): void;
  samples(strategy: string): PriceSample[];
  /** `estimateYield` over the strategy's samples and its newest observation. */
  estimate(strategy: string, now: bigint, options: EstimateOptions): YieldEstimate | undefined;
}

interface StoredSample {
  b: string;
  t: string;
  p: string;
  w?: string;
}

export interface HistoryOptions {
  /** Fewest seconds between two kept samples of a strategy. */
  minIntervalSeconds: bigint;
  /** Most samples kept per strategy (oldest dropped first). */
  maxSamples: number;
}

export class FilePriceHistory implements PriceHistory {
  private readonly data: Map<string, PriceSeries>;

  /** With `persist` false (dry runs, status) samples are kept in memory only and the file is never written. */
  constructor(
    private readonly file: string,
    private readonly options: HistoryOptions,
    private readonly persist = true,
  ) {
    this.data = FilePriceHistory.load(file);
  }

  private static load(file: string): Map<string, PriceSeries> {
    if (!fs.existsSync(file)) return new Map();
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as { strategies: Record<string, StoredSample[]> };
    return new Map(
      Object.entries(stored.strategies).map(([strategy, list]) => [
        strategy.toLowerCase(),
        new PriceSeries(
          list.map((s) => ({
            blockNumber: BigInt(s.b),
            timestamp: BigInt(s.t),
            sharePrice: BigInt(s.p),
            positionPriceWad: s.w === undefined ? undefined : BigInt(s.w),
          })),
        ),
      ]),
    );
  }

  record(snapshot: VaultSnapshot): void {
    let changed = false;
    for (const s of snapshot.strategies) {
      const key = s.strategy.toLowerCase();
      let series = this.data.get(key);
      if (!series) this.data.set(key, (series = new PriceSeries()));
      const sample = sampleOf(snapshot, s);
      const last = series.last;
      if (last && snapshot.timestamp < last.timestamp + this.options.minIntervalSeconds) {
        series.observe(sample);
        continue;
      }
      series.push(sample);
      if (series.length > this.options.maxSamples) series.dropOldest(series.length - this.options.maxSamples);
      changed = true;
    }
    if (changed && this.persist) this.save();
  }

  samples(strategy: string): PriceSample[] {
    return this.data.get(strategy.toLowerCase())?.samples() ?? [];
  }

  estimate(strategy: string, now: bigint, options: EstimateOptions): YieldEstimate | undefined {
    return this.data.get(strategy.toLowerCase())?.estimate(now, options);
  }

  private save(): void {
    const strategies: Record<string, StoredSample[]> = {};
    for (const [strategy, series] of this.data) {
      strategies[strategy] = series.samples().map((s) => ({
        b: s.blockNumber.toString(),
        t: s.timestamp.toString(),
        p: s.sharePrice.toString(),
        ...(s.positionPriceWad === undefined ? {} : { w: s.positionPriceWad.toString() }),
      }));
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, strategies }));
    fs.renameSync(tmp, this.file);
  }
}
