/** Executes a queued proposal once the Timelock's delay has passed; on a local chain --fast-forward travels there. */
import { formatChainTime, formatDuration } from "@agent-treasury/agent";
import { requireGovernance, type TreasuryContext } from "../lib/context.js";
import { OperationError } from "../lib/errors.js";
import { findProposal, proposalState, travelTo } from "../lib/governance.js";
import { simulateAndSend } from "../lib/send.js";

export async function executeProposal(
  ctx: TreasuryContext,
  options: { proposalId: bigint; fastForward?: boolean },
): Promise<{ txHash: string }> {
  const { governor } = requireGovernance(ctx);
  const { proposalId } = options;
  const state = await proposalState(governor, proposalId);
  if (state !== "Queued")
    throw new OperationError(`proposal ${proposalId} is ${state}: only a Queued proposal is executed`);
  const eta = await governor.proposalEta(proposalId);
  const now = BigInt((await ctx.ethers.provider.getBlock("latest"))!.timestamp);
  if (now < eta) {
    if (!options.fastForward) {
      throw new OperationError(
        `proposal ${proposalId} is executable from ${formatChainTime(eta)} (in ${formatDuration(eta - now)}); wait, or on a local chain pass --fast-forward`,
      );
    }
    await travelTo(ctx, eta);
  }
  const p = await findProposal(ctx, governor, proposalId);
  const receipt = await simulateAndSend(
    "execution",
    governor.execute,
    p.targets,
    p.values,
    p.calldatas,
    p.descriptionHash,
  );
  ctx.log(`Executed ${proposalId} in tx ${receipt.hash}`);
  return { txHash: receipt.hash };
}
