/**
 * Guardian: raises the withdrawable-liquidity floor at once. A cut is refused by the vault (GuardianCannotLoosen) and
 * belongs in a governance proposal (`propose --liquidity-floor`), where it spends the exposure ramp.
 */
import { formatBps } from "@agent-treasury/agent";
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export async function raiseLiquidityFloor(
  ctx: TreasuryContext,
  options: { liquidityFloorBps: number },
): Promise<{ txHash: string; previousBps: number }> {
  const previousBps = Number(await ctx.vault.liquidityFloorBps());
  if (options.liquidityFloorBps < previousBps) {
    throw new InputError(
      `${formatBps(options.liquidityFloorBps)} is below the floor of ${formatBps(previousBps)}: the guardian only raises it (a cut is a governance proposal: propose --liquidity-floor)`,
    );
  }
  const receipt = await simulateAndSend(
    "raising the liquidity floor",
    ctx.vault.setLiquidityFloor,
    options.liquidityFloorBps,
  );
  ctx.log(
    `Withdrawable-liquidity floor: ${formatBps(previousBps)} -> ${formatBps(options.liquidityFloorBps)} of total assets (tx ${receipt.hash})`,
  );
  return { txHash: receipt.hash, previousBps };
}
