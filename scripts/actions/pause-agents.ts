/** Guardian (or governance): pauses every agent at once. Withdrawals keep working; only governance unpauses. */
import type { TreasuryContext } from "../lib/context.js";
import { simulateAndSend } from "../lib/send.js";

export async function pauseAgents(ctx: TreasuryContext): Promise<{ txHash?: string; alreadyPaused: boolean }> {
  if (await ctx.sessions.agentsPaused()) {
    ctx.log("Agents are already paused; nothing sent");
    return { alreadyPaused: true };
  }
  const receipt = await simulateAndSend("pausing agents", ctx.sessions.pauseAgents);
  ctx.log(`Agents paused by ${ctx.signer.address} in tx ${receipt.hash}`);
  return { txHash: receipt.hash, alreadyPaused: false };
}
