/**
 * The dashboard's history of a vault: one compact sample per tick (chain time, block, share price, idle, and each
 * strategy's live value, as bigints aligned to the vault's strategy list), never more than `cap` points. Samples are
 * kept at an even stride of ticks: when the ring is full every other one is dropped and the stride doubles, so the
 * points always span the daemon's whole run evenly; the newest tick is always the last point. The history starts when
 * the daemon starts (it is not read back from the chain). `historyCharts` draws it with the report's SVG charts.
 */
import { IDLE_COLOR, legend, lineChart, type Series, stackedArea } from "../charts/svg.js";
import type { VaultSnapshot } from "../chain/types.js";
import { annualisedCentiBps } from "../yield/returns.js";

/** One tick's figures: numbers and bigints only. `values[i]` is strategy `i` of the history's list (absent: 0). */
export interface HistorySample {
  time: number;
  block: number;
  sharePrice: bigint;
  idle: bigint;
  values: bigint[];
}

/** Points kept per vault when the configuration does not say. */
export const DEFAULT_HISTORY_POINTS = 720;

export class VaultHistory {
  /** Every strategy any sample has listed, in the order first seen (lower case). */
  readonly strategies: string[] = [];
  /** Samples at tick indices 0, stride, 2·stride, … */
  private kept: HistorySample[] = [];
  private latest: HistorySample | undefined;
  private ticks = 0;
  private stride = 1;

  constructor(readonly cap: number = DEFAULT_HISTORY_POINTS) {
    if (!Number.isInteger(cap) || cap < 2) throw new RangeError(`history cap ${cap}: at least 2 points`);
  }

  /** Adds a tick's state; a snapshot of the block already sampled replaces that sample. */
  add(s: VaultSnapshot): void {
    const values: bigint[] = new Array<bigint>(this.strategies.length).fill(0n);
    for (const x of s.strategies) {
      const key = x.strategy.toLowerCase();
      let i = this.strategies.indexOf(key);
      if (i < 0) i = this.strategies.push(key) - 1;
      values[i] = x.currentValue;
    }
    this.push({
      time: Number(s.timestamp),
      block: Number(s.blockNumber),
      sharePrice: s.sharePrice,
      idle: s.idle,
      values,
    });
  }

  /** Adds a sample (see `add`). */
  push(sample: HistorySample): void {
    if (this.latest && this.latest.block === sample.block) {
      if (this.kept[this.kept.length - 1] === this.latest) this.kept[this.kept.length - 1] = sample;
      this.latest = sample;
      return;
    }
    if (this.ticks % this.stride === 0) {
      this.kept.push(sample);
      if (this.kept.length >= this.cap) {
        this.kept = this.kept.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
    }
    this.ticks++;
    this.latest = sample;
  }

  /** The points, oldest first: the kept samples and the newest one (at most `cap`). */
  points(): HistorySample[] {
    const latest = this.latest;
    if (!latest) return [];
    return this.kept[this.kept.length - 1] === latest ? [...this.kept] : [...this.kept, latest];
  }

  /** Ticks between two kept points. */
  get tickStride(): number {
    return this.stride;
  }
}

/** The three charts of a vault's history; `label` names a strategy (by address) in the legend and tooltips. */
export function historyCharts(
  history: VaultHistory,
  points: HistorySample[],
  decimals: number,
  label: (address: string) => string,
): { allocations: string; legend: string; sharePrice: string; yield: string } {
  const unit = 10n ** BigInt(decimals);
  const times = points.map((p) => BigInt(p.time));
  const series: Series[] = [
    ...history.strategies.map((a, i) => ({ label: label(a), values: points.map((p) => p.values[i] ?? 0n) })),
    { label: "Idle", values: points.map((p) => p.idle), color: IDLE_COLOR },
  ];
  const first = points[0];
  // The vault's return since the first point, over a year, in hundredths of a bp; idle earns nothing.
  const annual = points.map((p) =>
    first ? annualisedCentiBps(p.sharePrice, first.sharePrice, BigInt(p.time - first.time)) : 0n,
  );
  const percent = (v: number) => `${v.toFixed(2)}%`;
  return {
    allocations: stackedArea("allocations", "allocations per strategy and idle, stacked", times, series, unit),
    legend: legend(series, history.strategies),
    sharePrice: lineChart(
      "share-price",
      "the vault's share price",
      times,
      { label: "share price", values: points.map((p) => p.sharePrice) },
      unit,
    ),
    yield: lineChart(
      "yield",
      "the vault's annualised return since the first point, against leaving it idle",
      times,
      [
        { label: "the vault (annualised)", values: annual },
        { label: "idle", values: annual.map(() => 0n), color: IDLE_COLOR },
      ],
      10_000n,
      percent,
    ),
  };
}
