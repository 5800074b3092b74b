/**
 * Anyone: marks a strategy's share price for the rate bound, or freezes it to exit-only on chain when its price moved
 * from its mark faster than the bound allows (the vault decides; this command only reports what it did).
 */
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export async function markStrategy(
  ctx: TreasuryContext,
  options: { strategy: string },
): Promise<{ txHash: string; frozen: boolean; markPrice: bigint }> {
  const config = await ctx.vault.strategyConfig(options.strategy);
  if (!config.listed) throw new InputError(`unknown strategy ${options.strategy}: it is not listed in the vault`);
  const receipt = await simulateAndSend("marking the strategy's share price", ctx.vault.markStrategy, options.strategy);
  const mark = await ctx.vault.priceMark(options.strategy);
  const rate = Number(await ctx.vault.maxPriceRateBps());
  ctx.log(
    mark.frozen
      ? `Strategy ${options.strategy} is frozen to exit-only (its price moved from its mark ${mark.price} beyond the rate bound); governance clears it with \`propose --clear-freeze\`. Tx ${receipt.hash}`
      : `Strategy ${options.strategy} marked at ${mark.price} per 1e18 shares${rate === 0 ? " (the rate bound is off)" : ""} in tx ${receipt.hash}`,
  );
  return { txHash: receipt.hash, frozen: mark.frozen, markPrice: mark.price };
}
