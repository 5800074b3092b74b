/** Revokes a session for good (governance, guardian, session admin, or the session's own agent). */
import type { TreasuryContext } from "../lib/context.js";
import { simulateAndSend } from "../lib/send.js";

export async function revokeSession(ctx: TreasuryContext, options: { sessionId: bigint }): Promise<{ txHash: string }> {
  const receipt = await simulateAndSend(
    `revoking session ${options.sessionId}`,
    ctx.sessions.revoke,
    options.sessionId,
  );
  ctx.log(`Session ${options.sessionId} revoked by ${ctx.signer.address} in tx ${receipt.hash}`);
  return { txHash: receipt.hash };
}
