/**
 * What a vault would have earned without its agent, on the same yield path: everything left idle (earns nothing), and
 * a fixed equal split across the strategies listed at the start (keeping the idle buffer), never touched. The split
 * buys shares at the first snapshot's share prices and is valued at the last one's, with each strategy's exact ERC-4626
 * math: gains and losses were applied in proportion to each strategy's assets, so those prices are what the split
 * would have seen too. Pure: two snapshots and an amount in, values out. The demo's summary and the governance report
 * both compare the agent with these.
 */
import type { VaultSnapshot } from "../chain/types.js";
import { BPS } from "../checks/math.js";
import { erc4626Valuation } from "../checks/valuation.js";

export interface PassiveOutcomes {
  /** `principal` left idle: unchanged. */
  idle: bigint;
  /** `principal` split equally at `first` (the idle buffer kept), valued at `end`. */
  equalSplit: bigint;
}

const valuationOf = (s: VaultSnapshot) =>
  erc4626Valuation(
    s.strategies.map((x) => ({
      strategy: x.strategy,
      totalAssets: x.strategyTotalAssets,
      totalSupply: x.strategyTotalSupply,
    })),
  );

/**
 * The passive choices for `principal` from `first` to `end`. A strategy delisted by `end` is valued at nothing: the
 * split would have had to leave it, at a price neither snapshot shows.
 */
export function passiveOutcomes(first: VaultSnapshot, end: VaultSnapshot, principal: bigint): PassiveOutcomes {
  const count = BigInt(first.strategies.length);
  if (count === 0n) return { idle: principal, equalSplit: principal };
  const buffer = (principal * BigInt(first.bounds.idleBufferBps) + BPS - 1n) / BPS;
  const each = (principal - buffer) / count;
  const then = valuationOf(first);
  const now = valuationOf(end);
  const listedAtEnd = new Set(end.strategies.map((x) => x.strategy.toLowerCase()));
  let split = principal - each * count;
  for (const x of first.strategies) {
    if (listedAtEnd.has(x.strategy.toLowerCase()))
      split += now.previewRedeem(x.strategy, then.previewDeposit(x.strategy, each));
  }
  return { idle: principal, equalSplit: split };
}
