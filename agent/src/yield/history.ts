/**
 * Share-price history per strategy of one vault, kept on disk across restarts in two files:
 * - `prices.bin`: every strategy's samples in the binary columnar form of `history-file.ts` (loaded without making a
 *   sample or a bigint), replaced atomically (written to a temporary file, then renamed);
 * - `prices.bin.log`: the samples recorded since, one JSON line per recorded snapshot, appended.
 * A recorded snapshot appends one short line instead of rewriting the whole history (2,000 samples per strategy at
 * steady state); the log is folded into `prices.bin` every `COMPACT_EVERY` lines. Each line carries a sequence number
 * and `prices.bin` the last one it holds, so a log left behind by a crash between the two steps is not replayed twice;
 * a line torn by a crash mid-append is ignored.
 *
 * Earlier agents kept the samples as JSON (`prices.json` and `prices.json.log`, the same lines): when `prices.bin` is
 * missing, those are read once, written as `prices.bin` and removed (a read-only history reads them and writes
 * nothing).
 */
import fs from "node:fs";
import path from "node:path";
import type { VaultSnapshot } from "../chain/types.js";
import type { EstimateOptions, PriceSample, YieldEstimate } from "./estimate.js";
import { decodeHistoryFile, encodeHistoryFile } from "./history-file.js";
import { PriceSeries, sampleOf } from "./series.js";

export interface PriceHistory {
  /** Adds one sample per strategy from a snapshot (kept only as the newest observation when too close to the
   *  previous sample). */
  record(snapshot: VaultSnapshot): void;
  samples(strategy: string): PriceSample[];
  /** The digest a decision record carries for the strategy's samples (`PriceSeries.digest`). */
  samplesDigest(strategy: string): string;
  /** The newest sample recorded for a strategy. */
  last(strategy: string): PriceSample | undefined;
  /** `estimateYield` over the strategy's samples and its newest observation. */
  estimate(strategy: string, now: bigint, options: EstimateOptions): YieldEstimate | undefined;
}

interface StoredSample {
  b: string;
  t: string;
  p: string;
  w?: string;
}

/** The earlier `prices.json`. `seq`: the last log line it holds (absent in files written before the log existed). */
interface StoredHistory {
  version: 1;
  seq?: number;
  strategies: Record<string, StoredSample[]>;
}

/** One log line: a recorded snapshot's block and time, and the price of each strategy it recorded. */
interface LogLine {
  seq: number;
  b: string;
  t: string;
  s: Record<string, { p: string; w?: string }>;
}

export interface HistoryOptions {
  /** Fewest seconds between two kept samples of a strategy. */
  minIntervalSeconds: bigint;
  /** Most samples kept per strategy (oldest dropped first). */
  maxSamples: number;
}

/** Log lines folded into `prices.json` at a time. */
export const COMPACT_EVERY = 256;

export class FilePriceHistory implements PriceHistory {
  private readonly data = new Map<string, PriceSeries>();
  private readonly log: string;
  /** Sequence number of the last line written (or read). */
  private seq = 0;
  private logLines = 0;

  /**
   * `file`: the history file (`prices.bin`); the JSON history of earlier agents, migrated when `file` is missing, is
   * the same path ending in `.json`. With `persist` false (dry runs, status) samples are kept in memory only and
   * nothing is written.
   */
  constructor(
    private readonly file: string,
    private readonly options: HistoryOptions,
    private readonly persist = true,
  ) {
    this.log = `${file}.log`;
    this.load();
  }

  private load(): void {
    let migrated: string | undefined;
    if (fs.existsSync(this.file)) {
      const stored = decodeHistoryFile(fs.readFileSync(this.file), this.file, this.options.maxSamples);
      this.seq = stored.seq;
      for (const [strategy, series] of stored.series) this.data.set(strategy.toLowerCase(), series);
    } else {
      const legacy = legacyFileOf(this.file);
      if (legacy && (fs.existsSync(legacy) || fs.existsSync(`${legacy}.log`))) {
        this.loadJson(legacy);
        this.replay(`${legacy}.log`);
        migrated = legacy;
      }
    }
    this.replay(this.log);
    if (migrated && this.persist) {
      // The JSON history becomes `prices.bin` (with every line of both logs), then goes.
      this.compact();
      fs.rmSync(`${migrated}.log`, { force: true });
      fs.rmSync(migrated, { force: true });
    }
  }

  /** The earlier JSON history file. */
  private loadJson(file: string): void {
    if (!fs.existsSync(file)) return;
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as StoredHistory;
    this.seq = stored.seq ?? 0;
    for (const [strategy, list] of Object.entries(stored.strategies)) {
      this.data.set(
        strategy.toLowerCase(),
        new PriceSeries(
          list.map((s) => ({
            blockNumber: BigInt(s.b),
            timestamp: BigInt(s.t),
            sharePrice: BigInt(s.p),
            positionPriceWad: s.w === undefined ? undefined : BigInt(s.w),
          })),
          this.options.maxSamples,
        ),
      );
    }
  }

  /** Appends the lines of a log past the last one held. */
  private replay(log: string): void {
    if (!fs.existsSync(log)) return;
    const bytes = fs.readFileSync(log);
    // A last line without its newline was torn by a crash mid-append: dropped (from the file too, so the next line
    // does not run into it). Its sample was never relied on.
    const complete = bytes.lastIndexOf(10) + 1;
    if (complete < bytes.length && this.persist) fs.truncateSync(log, complete);
    for (const text of bytes.subarray(0, complete).toString("utf8").split("\n")) {
      if (text.trim() === "") continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue; // damaged: skipped
      }
      if (log === this.log) this.logLines++;
      if (line.seq <= this.seq) continue; // already in the history file
      this.seq = line.seq;
      const blockNumber = BigInt(line.b);
      const timestamp = BigInt(line.t);
      for (const [strategy, price] of Object.entries(line.s)) {
        const sample = {
          blockNumber,
          timestamp,
          sharePrice: BigInt(price.p),
          positionPriceWad: price.w === undefined ? undefined : BigInt(price.w),
        };
        this.append(strategy, sample);
      }
    }
  }

  /** Adds a sample to a strategy's series, dropping the oldest past the maximum. */
  private append(strategy: string, sample: PriceSample): void {
    let series = this.data.get(strategy);
    if (!series) {
      series = new PriceSeries([], this.options.maxSamples);
      this.data.set(strategy, series);
    }
    const last = series.last;
    if (last && sample.timestamp < last.timestamp) return; // out of order (a hand-edited file): skipped
    series.push(sample);
    if (series.length > this.options.maxSamples) series.dropOldest(series.length - this.options.maxSamples);
  }

  record(snapshot: VaultSnapshot): void {
    const recorded: LogLine["s"] = {};
    let changed = false;
    for (const s of snapshot.strategies) {
      const key = s.strategy.toLowerCase();
      let series = this.data.get(key);
      if (!series) {
        series = new PriceSeries([], this.options.maxSamples);
        this.data.set(key, series);
      }
      const sample = sampleOf(snapshot, s);
      const last = series.last;
      if (last && snapshot.timestamp < last.timestamp + this.options.minIntervalSeconds) {
        series.observe(sample);
        continue;
      }
      this.append(key, sample);
      recorded[key] = {
        p: sample.sharePrice.toString(),
        ...(sample.positionPriceWad === undefined ? {} : { w: sample.positionPriceWad.toString() }),
      };
      changed = true;
    }
    if (!changed || !this.persist) return;
    const line: LogLine = {
      seq: ++this.seq,
      b: snapshot.blockNumber.toString(),
      t: snapshot.timestamp.toString(),
      s: recorded,
    };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.log, `${JSON.stringify(line)}\n`);
    if (++this.logLines >= COMPACT_EVERY) this.compact();
  }

  samples(strategy: string): PriceSample[] {
    return this.data.get(strategy.toLowerCase())?.samples() ?? [];
  }

  samplesDigest(strategy: string): string {
    return this.data.get(strategy.toLowerCase())?.digest() ?? new PriceSeries().digest();
  }

  last(strategy: string): PriceSample | undefined {
    return this.data.get(strategy.toLowerCase())?.last;
  }

  estimate(strategy: string, now: bigint, options: EstimateOptions): YieldEstimate | undefined {
    return this.data.get(strategy.toLowerCase())?.estimate(now, options);
  }

  /** Writes every sample to the history file (atomically), then removes the log it now holds. */
  private compact(): void {
    const tmp = `${this.file}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(tmp, encodeHistoryFile(this.seq, this.data));
    fs.renameSync(tmp, this.file);
    fs.rmSync(this.log, { force: true });
    this.logLines = 0;
  }
}

/** The JSON history file an earlier agent kept where `file` (`prices.bin`) is now: `prices.json`. */
export function legacyFileOf(file: string): string | undefined {
  return file.endsWith(".bin") ? `${file.slice(0, -".bin".length)}.json` : undefined;
}
