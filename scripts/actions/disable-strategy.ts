/** Guardian: stops deposits into a strategy at once (agents may still withdraw from it). */
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export async function disableStrategy(
  ctx: TreasuryContext,
  options: { strategy: string },
): Promise<{ txHash?: string }> {
  const config = await ctx.vault.strategyConfig(options.strategy);
  if (!config.listed) throw new InputError(`unknown strategy ${options.strategy}: it is not listed in the vault`);
  if (!config.enabled) {
    ctx.log(`Strategy ${options.strategy} is already disabled; nothing sent`);
    return {};
  }
  const receipt = await simulateAndSend(
    "disabling the strategy",
    ctx.vault.setStrategyEnabled,
    options.strategy,
    false,
  );
  ctx.log(`Strategy ${options.strategy} disabled in tx ${receipt.hash}`);
  return { txHash: receipt.hash };
}
