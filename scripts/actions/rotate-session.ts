/**
 * Moves a session to a new agent key (a compromised or retired key): the session admin within the vault's ceilings
 * for the new key, or governance. The session keeps its id, expiry, scope, limits and everything it has used. The
 * rotation is simulated first, so a refused one is reported with the session manager's own reason and nothing is sent.
 */
import type { ISessionManager } from "../../types/ethers-contracts/index.js";
import type { TreasuryContext } from "../lib/context.js";
import { OperationError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export interface RotateSessionOptions {
  sessionId: bigint;
  /** The new agent key. */
  to: string;
}

export interface Rotation {
  sessionId: bigint;
  previousAgent: string;
  newAgent: string;
  txHash: string;
  /** The session as stored after the rotation: the same limits and counters, the new agent. */
  session: ISessionManager.SessionStructOutput;
}

export async function rotateSession(ctx: TreasuryContext, options: RotateSessionOptions): Promise<Rotation> {
  const { sessionId, to } = options;
  const receipt = await simulateAndSend(`rotating session ${sessionId}`, ctx.sessions.rotateAgent, sessionId, to);
  const rotated = receipt.logs
    .map((log) => {
      try {
        return ctx.sessions.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .find((parsed) => parsed?.name === "SessionAgentRotated");
  if (!rotated) throw new OperationError(`rotating session ${sessionId} emitted no SessionAgentRotated event`);
  const previousAgent = rotated.args.previousAgent as string;
  const newAgent = rotated.args.newAgent as string;
  ctx.log(
    `Session ${sessionId} moved from ${previousAgent} to ${newAgent} by ${ctx.signer.address} (tx ${receipt.hash})`,
  );
  return {
    sessionId,
    previousAgent,
    newAgent,
    txHash: receipt.hash,
    session: await ctx.sessions.getSession(sessionId, { blockTag: receipt.blockNumber }),
  };
}
