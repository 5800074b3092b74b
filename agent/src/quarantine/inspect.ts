/**
 * Signs that a strategy is hostile or broken, read from one snapshot and the share price seen at the previous tick.
 * Pure: no I/O, no clock. The vault contains such a strategy's damage on chain (caps, loss limits, exits that skip
 * it); the daemon additionally stops putting money into it.
 *
 * In order, the first sign that applies names the strategy's quarantine:
 * - `views-revert`: one of the strategy's views failed in the lens (reverted, ran out of the lens's gas allowance or
 *   answered short: `viewsOk` is false), or the vault holds shares but `previewRedeem` or `convertToAssets` reads 0;
 * - `preview-over-reports`: `previewRedeem` of the vault's shares is above `convertToAssets` of them (fees only lower
 *   a preview), so an exit would realize less than the vault's mark;
 * - `withdraw-over-promised`: `maxWithdraw` promises more than the whole position is worth;
 * - `price-jump` / `price-crash`: the share price moved more than the limit since the previous tick.
 * A strategy whose values cannot be trusted (the first two) is left in place for governance; the others are exited as
 * far as their liquidity allows. Limited liquidity is not a sign: a lending vault at normal utilization lets only part
 * of a large position go, and one lent out to the last unit gets it back as borrowers repay. The planner gives such a
 * strategy no new money while less than `minWithdrawableBps` of the position can come out (see planner/context.ts).
 */
import type { StrategyState, VaultSnapshot } from "../chain/types.js";
import { BPS } from "../checks/math.js";

export type QuarantineCode =
  | "views-revert"
  | "preview-over-reports"
  | "withdraw-over-promised"
  | "price-jump"
  | "price-crash"
  // Recorded by earlier versions (liquidity no longer quarantines); kept so their quarantine lists still load.
  | "withdrawals-limited"
  | "call-reverted"
  | "exit-failed";

export interface QuarantineParams {
  /** Largest share-price move between two ticks not taken for manipulation or a crash, in bps of the earlier price. */
  maxSharePriceMoveBps: number;
  /** Below this share of a position withdrawable now (bps), the strategy gets no new money; it is not quarantined. */
  minWithdrawableBps: number;
  /** Rounding allowed between two views of the same position, in bps (plus one base unit). */
  viewToleranceBps: number;
}

/** The config's defaults (`quarantine` in the agent's configuration). */
export const DEFAULT_QUARANTINE_PARAMS: QuarantineParams = {
  maxSharePriceMoveBps: 500,
  minWithdrawableBps: 500,
  viewToleranceBps: 1,
};

/** A share price seen before, and the block it was seen at. */
export interface SeenPrice {
  sharePrice: bigint;
  blockNumber: bigint;
}

export interface StrategyFinding {
  strategy: string;
  index: number;
  code: QuarantineCode;
  /** Whether the daemon should move out of it (as liquidity allows) or leave it where it is. */
  exit: boolean;
  detail: string;
}

/** `value` with the tolerance on top: what another view of the same position may read at most. */
function withTolerance(value: bigint, params: QuarantineParams): bigint {
  return value + (value * BigInt(params.viewToleranceBps)) / BPS + 1n;
}

/** Signed move from `before` to `after`, in bps of `before`, rounded toward zero. */
function moveBps(before: bigint, after: bigint): bigint {
  return ((after - before) * BPS) / before;
}

function percent(bps: bigint): string {
  const sign = bps < 0n ? "-" : "+";
  const abs = bps < 0n ? -bps : bps;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}%`;
}

/** The first sign that applies to one strategy, or undefined when it looks sound. */
export function inspectStrategy(
  s: StrategyState,
  seen: SeenPrice | undefined,
  params: QuarantineParams,
): StrategyFinding | undefined {
  const found = (code: QuarantineCode, exit: boolean, detail: string): StrategyFinding => ({
    strategy: s.strategy,
    index: s.index,
    code,
    exit,
    detail,
  });
  const holds = s.shares > 0n;
  if (holds && (s.currentValue === 0n || s.convertedValue === 0n || s.sharePrice === 0n)) {
    return found(
      "views-revert",
      false,
      `its views revert or value the vault's ${s.shares} shares at 0 (previewRedeem ${s.currentValue}, convertToAssets ${s.convertedValue})`,
    );
  }
  if (!s.viewsOk) {
    return found(
      "views-revert",
      false,
      "some of its views revert, exhaust the lens's gas allowance or answer short (the lens reports 0 for them, so even its share balance may be unknown)",
    );
  }
  if (holds && s.currentValue > withTolerance(s.convertedValue, params)) {
    return found(
      "preview-over-reports",
      false,
      `previewRedeem values the position at ${s.currentValue} but convertToAssets at ${s.convertedValue} (${percent(moveBps(s.convertedValue, s.currentValue))}): an exit would realize less than the mark`,
    );
  }
  if (holds && s.withdrawable > withTolerance(s.currentValue, params)) {
    return found(
      "withdraw-over-promised",
      true,
      `maxWithdraw promises ${s.withdrawable}, more than the position's ${s.currentValue}`,
    );
  }
  if (seen && seen.sharePrice > 0n && s.sharePrice > 0n) {
    const move = moveBps(seen.sharePrice, s.sharePrice);
    const delta = s.sharePrice > seen.sharePrice ? s.sharePrice - seen.sharePrice : seen.sharePrice - s.sharePrice;
    // Exact: past the limit by any amount, however small (the bps shown are rounded toward zero).
    if (delta * BPS > seen.sharePrice * BigInt(params.maxSharePriceMoveBps)) {
      const what = move > 0n ? "price-jump" : "price-crash";
      return found(
        what,
        true,
        `share price ${move > 0n ? "jumped" : "fell"} ${percent(move)} (${seen.sharePrice} → ${s.sharePrice}) since block ${seen.blockNumber}, past the ${params.maxSharePriceMoveBps} bps limit`,
      );
    }
  }
  return undefined;
}

/** Every strategy of the snapshot that shows a sign, in index order. */
export function inspectStrategies(
  snapshot: VaultSnapshot,
  seen: (strategy: string) => SeenPrice | undefined,
  params: QuarantineParams,
): StrategyFinding[] {
  const out: StrategyFinding[] = [];
  for (const s of snapshot.strategies) {
    const finding = inspectStrategy(s, seen(s.strategy), params);
    if (finding) out.push(finding);
  }
  return out;
}

/** The strategy a revert classified "quarantine" blames (its `strategy` argument). */
export function blamedStrategy(error: { args: Record<string, unknown> } | undefined): string | undefined {
  const strategy = error?.args.strategy;
  return typeof strategy === "string" ? strategy : undefined;
}
