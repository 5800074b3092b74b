/**
 * Share-price history per strategy of one vault, kept on disk across restarts (one JSON file, replaced atomically).
 */
import fs from "node:fs";
import path from "node:path";
import type { VaultSnapshot } from "../chain/types.js";
import type { PriceSample } from "./estimate.js";

export interface PriceHistory {
  /** Adds one sample per strategy from a snapshot (skipped when too close to the previous one). */
  record(snapshot: VaultSnapshot): void;
  samples(strategy: string): PriceSample[];
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
  private readonly data: Map<string, PriceSample[]>;

  /** With `persist` false (dry runs, status) samples are kept in memory only and the file is never written. */
  constructor(
    private readonly file: string,
    private readonly options: HistoryOptions,
    private readonly persist = true,
  ) {
    this.data = FilePriceHistory.load(file);
  }

  private static load(file: string): Map<string, PriceSample[]> {
    if (!fs.existsSync(file)) return new Map();
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as { strategies: Record<string, StoredSample[]> };
    return new Map(
      Object.entries(stored.strategies).map(([strategy, list]) => [
        strategy.toLowerCase(),
        list.map((s) => ({
          blockNumber: BigInt(s.b),
          timestamp: BigInt(s.t),
          sharePrice: BigInt(s.p),
          positionPriceWad: s.w === undefined ? undefined : BigInt(s.w),
        })),
      ]),
    );
  }

  record(snapshot: VaultSnapshot): void {
    let changed = false;
    for (const s of snapshot.strategies) {
      const key = s.strategy.toLowerCase();
      const list = this.data.get(key) ?? [];
      const last = list[list.length - 1];
      if (last && snapshot.timestamp < last.timestamp + this.options.minIntervalSeconds) continue;
      list.push({
        blockNumber: snapshot.blockNumber,
        timestamp: snapshot.timestamp,
        sharePrice: s.sharePrice,
        positionPriceWad: s.shares > 0n && s.currentValue > 0n ? (s.currentValue * 10n ** 18n) / s.shares : undefined,
      });
      if (list.length > this.options.maxSamples) list.splice(0, list.length - this.options.maxSamples);
      this.data.set(key, list);
      changed = true;
    }
    if (changed && this.persist) this.save();
  }

  samples(strategy: string): PriceSample[] {
    return [...(this.data.get(strategy.toLowerCase()) ?? [])];
  }

  private save(): void {
    const strategies: Record<string, StoredSample[]> = {};
    for (const [strategy, list] of this.data) {
      strategies[strategy] = list.map((s) => ({
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
