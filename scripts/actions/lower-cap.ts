/**
 * Guardian: lowers a strategy's caps at once. A cap left out keeps its current value; raising either is refused by
 * the vault (GuardianCannotLoosen) and belongs in a governance proposal.
 */
import { formatBps } from "@agent-treasury/agent";
import { tokenAmount, type TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export async function lowerCap(
  ctx: TreasuryContext,
  options: { strategy: string; absoluteCap?: bigint; relativeCapBps?: number },
): Promise<{ txHash: string; absoluteCap: bigint; relativeCapBps: number }> {
  const config = await ctx.vault.strategyConfig(options.strategy);
  if (!config.listed) throw new InputError(`unknown strategy ${options.strategy}: it is not listed in the vault`);
  if (options.absoluteCap === undefined && options.relativeCapBps === undefined) {
    throw new InputError("give a new absolute cap, a new relative cap, or both");
  }
  const absoluteCap = options.absoluteCap ?? config.absoluteCap;
  const relativeCapBps = options.relativeCapBps ?? Number(config.relativeCapBps);
  const receipt = await simulateAndSend(
    "lowering the caps",
    ctx.vault.setCaps,
    options.strategy,
    absoluteCap,
    relativeCapBps,
  );
  const amount = tokenAmount(ctx.asset);
  ctx.log(
    `Caps of ${options.strategy}: ${amount(config.absoluteCap)} -> ${amount(absoluteCap)}, ` +
      `${formatBps(config.relativeCapBps)} -> ${formatBps(relativeCapBps)} (tx ${receipt.hash})`,
  );
  return { txHash: receipt.hash, absoluteCap, relativeCapBps };
}
