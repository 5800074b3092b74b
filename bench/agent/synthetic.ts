/**
 * Inputs for the planner at sizes the chain cannot hold, built from real ones:
 * - `widenSnapshot`: a real lens snapshot with its strategies repeated under new addresses and indices up to `count`,
 *   each position scaled so the vault's totals stay what they were (a vault lists at most 64 strategies on chain, so
 *   100 strategies exist only this way);
 * - `historyFile`: a price history at its steady-state size (2,000 samples per strategy, one a minute, ending a minute
 *   before `end`), each strategy growing at its own rate, written in the daemon's own file format.
 */
import fs from "node:fs";
import path from "node:path";
import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import { encodeHistoryFile, PriceSeries, type StrategyState, type VaultSnapshot } from "./agent-internals.js";

const WAD = 10n ** 18n;
const YEAR = 31_536_000n;

export function syntheticAddress(label: string): string {
  return getAddress(keccak256(toUtf8Bytes(label)).slice(0, 42));
}

export function widenSnapshot(real: VaultSnapshot, count: number): VaultSnapshot {
  const n = BigInt(real.strategies.length);
  const k = BigInt(count);
  const scale = (v: bigint) => (v * n) / k;
  const strategies: StrategyState[] = [];
  for (let i = 0; i < count; i++) {
    const t = real.strategies[i % real.strategies.length]!;
    strategies.push({
      ...t,
      strategy:
        i < real.strategies.length && count <= real.strategies.length
          ? t.strategy
          : syntheticAddress(`${real.vault}:${i}`),
      index: i,
      allocation: scale(t.allocation),
      currentValue: scale(t.currentValue),
      convertedValue: scale(t.convertedValue),
      shares: scale(t.shares),
      withdrawable: scale(t.withdrawable),
      redeemableShares: scale(t.redeemableShares),
    });
  }
  const totalAllocated = strategies.reduce((s, x) => s + x.allocation, 0n);
  const totalAssets = real.idle + totalAllocated;
  const scope = (1n << k) - 1n;
  return {
    ...real,
    totalAssets,
    totalAllocated,
    totalSupply: real.totalAssets === 0n ? real.totalSupply : (real.totalSupply * totalAssets) / real.totalAssets,
    strategies,
    withdrawQueue: strategies.map((s) => s.strategy),
    sessions: real.sessions.map((s) => ({ ...s, session: { ...s.session, scope } })),
  };
}

/** Yearly growth of strategy `i` in a synthetic history, WAD: 1% to 9%, in a shuffled order. */
export function syntheticApr(i: number): bigint {
  return WAD / 100n + (BigInt((i * 37) % 97) * 8n * WAD) / (100n * 96n);
}

/** Writes a steady-state price history for `snapshot`'s strategies to `file`, in `FilePriceHistory`'s format. */
export function writeHistoryFile(
  file: string,
  snapshot: VaultSnapshot,
  options: { samples?: number; intervalSeconds?: number; apr?: (i: number) => bigint } = {},
): void {
  const samples = options.samples ?? 2_000;
  const interval = BigInt(options.intervalSeconds ?? 60);
  const apr = options.apr ?? syntheticApr;
  const end = snapshot.timestamp - interval;
  const unit = 10n ** BigInt(snapshot.assetDecimals);
  const strategies = new Map<string, PriceSeries>();
  snapshot.strategies.forEach((s, i) => {
    const rate = apr(i);
    const series = new PriceSeries([], samples);
    const nowPrice = s.shares > 0n && s.currentValue > 0n ? (s.currentValue * WAD) / s.shares : WAD;
    for (let j = samples - 1; j >= 0; j--) {
      const age = interval * BigInt(j + 1) - interval;
      const t = end - age;
      // Price `age` seconds before the end, on a straight line of slope `rate` ending at today's price.
      const w = nowPrice - (nowPrice * rate * age) / (WAD * YEAR);
      const block = snapshot.blockNumber - BigInt(j + 1);
      series.push({
        blockNumber: block > 0n ? block : 0n,
        timestamp: t,
        sharePrice: (w * unit) / WAD,
        positionPriceWad: w,
      });
    }
    strategies.set(s.strategy.toLowerCase(), series);
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeHistoryFile(0, strategies));
}
