/**
 * Guardian (or governance): writes a broken strategy's book value down at once. Only a strategy whose views fail is
 * counted at its book value, so only such a strategy can be written down; one whose views answer is marked by
 * `realizeLoss`, which anyone may send.
 */
import { formatAmount } from "@agent-treasury/agent";
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export async function writeDown(
  ctx: TreasuryContext,
  options: { strategy: string; value: bigint },
): Promise<{ txHash: string; previousBook: bigint }> {
  const config = await ctx.vault.strategyConfig(options.strategy);
  if (!config.listed) throw new InputError(`unknown strategy ${options.strategy}: it is not listed in the vault`);
  const previousBook = await ctx.vault.allocation(options.strategy);
  const amount = (v: bigint) => formatAmount(v, ctx.asset.decimals, 2, ctx.asset.symbol);
  if (options.value >= previousBook) {
    throw new InputError(
      `--to ${amount(options.value)} is not below the strategy's book value of ${amount(previousBook)}: a write-down only lowers it`,
    );
  }
  const receipt = await simulateAndSend(
    "writing the strategy down",
    ctx.vault.writeDown,
    options.strategy,
    options.value,
  );
  ctx.log(
    `Strategy ${options.strategy} written down from ${amount(previousBook)} to ${amount(options.value)} in tx ${receipt.hash}`,
  );
  return { txHash: receipt.hash, previousBook };
}
