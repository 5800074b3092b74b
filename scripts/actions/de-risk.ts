/**
 * Anyone: moves part of a fallen strategy to idle under the dead-man's switch governance armed (no agent rebalance for
 * its staleAfter, the strategy's price more than dropBps below its mark); the vault bounds the move and reports it.
 */
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export async function deRisk(
  ctx: TreasuryContext,
  options: { strategy: string },
): Promise<{ txHash: string; allocation: bigint }> {
  const config = await ctx.vault.strategyConfig(options.strategy);
  if (!config.listed) throw new InputError(`unknown strategy ${options.strategy}: it is not listed in the vault`);
  const deadMan = await ctx.ethers.getContractAt("IDeadManSwitch", await ctx.vault.getAddress(), ctx.signer);
  const before = await ctx.vault.allocation(options.strategy);
  const receipt = await simulateAndSend("de-risking the strategy", deadMan.deRisk, options.strategy);
  const allocation = await ctx.vault.allocation(options.strategy);
  ctx.log(
    `Strategy ${options.strategy} de-risked under the dead-man's switch: book ${before} -> ${allocation} (moved to idle) in tx ${receipt.hash}`,
  );
  return { txHash: receipt.hash, allocation };
}
