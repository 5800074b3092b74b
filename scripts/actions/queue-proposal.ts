/** Queues a succeeded proposal in the Timelock; on a local chain --fast-forward first mines past the vote's end. */
import { formatChainTime } from "@agent-treasury/agent";
import { requireGovernance, type TreasuryContext } from "../lib/context.js";
import { OperationError } from "../lib/errors.js";
import { advanceClockPast, findProposal, proposalState } from "../lib/governance.js";
import { simulateAndSend } from "../lib/send.js";

export async function queueProposal(
  ctx: TreasuryContext,
  options: { proposalId: bigint; fastForward?: boolean },
): Promise<{ eta: bigint; txHash: string }> {
  const { governor } = requireGovernance(ctx);
  const { proposalId } = options;
  let state = await proposalState(governor, proposalId);
  if (state === "Active" || state === "Pending") {
    const deadline = await governor.proposalDeadline(proposalId);
    if (!options.fastForward) {
      throw new OperationError(
        `proposal ${proposalId} is ${state}: voting ends at clock ${deadline} (now ${await governor.clock()}); wait, or on a local chain pass --fast-forward`,
      );
    }
    await advanceClockPast(ctx, governor, deadline);
    state = await proposalState(governor, proposalId);
  }
  if (state === "Defeated") {
    const [against, forVotes, abstain] = await governor.proposalVotes(proposalId);
    const quorum = await governor.quorum(await governor.proposalSnapshot(proposalId));
    throw new OperationError(
      `proposal ${proposalId} was defeated: for ${forVotes}, against ${against}, abstain ${abstain}, quorum ${quorum} (for + abstain must reach it and for must beat against)`,
    );
  }
  if (state !== "Succeeded")
    throw new OperationError(`proposal ${proposalId} is ${state}: only a Succeeded proposal is queued`);
  const p = await findProposal(ctx, governor, proposalId);
  const receipt = await simulateAndSend(
    "queueing",
    governor.queue,
    p.targets,
    p.values,
    p.calldatas,
    p.descriptionHash,
  );
  const eta = await governor.proposalEta(proposalId);
  ctx.log(`Queued ${proposalId} in tx ${receipt.hash}; executable from ${formatChainTime(eta)}`);
  return { eta, txHash: receipt.hash };
}
