/** Casts the signer's vote on a proposal; on a local chain --fast-forward first mines to the start of the vote. */
import { requireGovernance, type TreasuryContext } from "../lib/context.js";
import { OperationError } from "../lib/errors.js";
import { advanceClockPast, proposalState, SUPPORT, type Support } from "../lib/governance.js";
import { simulateAndSend } from "../lib/send.js";

export interface CastVoteOptions {
  proposalId: bigint;
  support: Support;
  reason?: string;
  fastForward?: boolean;
}

export async function castVote(
  ctx: TreasuryContext,
  options: CastVoteOptions,
): Promise<{ weight: bigint; txHash: string }> {
  const { governor } = requireGovernance(ctx);
  const { proposalId } = options;
  let state = await proposalState(governor, proposalId);
  const snapshot = await governor.proposalSnapshot(proposalId);
  if (state === "Pending") {
    if (!options.fastForward) {
      throw new OperationError(
        `voting on proposal ${proposalId} opens after clock ${snapshot} (now ${await governor.clock()}): wait, or on a local chain pass --fast-forward`,
      );
    }
    await advanceClockPast(ctx, governor, snapshot);
    state = await proposalState(governor, proposalId);
  }
  if (state !== "Active")
    throw new OperationError(`proposal ${proposalId} is ${state}: votes are cast only while it is Active`);
  if (await governor.hasVoted(proposalId, ctx.signer.address)) {
    throw new OperationError(`${ctx.signer.address} already voted on proposal ${proposalId}`);
  }
  const weight = await governor.getVotes(ctx.signer.address, snapshot);
  if (weight === 0n) {
    throw new OperationError(
      `${ctx.signer.address} had no votes at the proposal's snapshot (clock ${snapshot}): votes count only if delegated before the proposal`,
    );
  }
  const receipt = await simulateAndSend(
    "the vote",
    governor.castVoteWithReason,
    proposalId,
    SUPPORT[options.support],
    options.reason ?? "",
  );
  ctx.log(`Voted ${options.support} on ${proposalId} with ${weight} votes in tx ${receipt.hash}`);
  return { weight, txHash: receipt.hash };
}
