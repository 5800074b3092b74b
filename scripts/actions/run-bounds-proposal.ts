/**
 * The whole governance flow for a bounds change: propose, then (with fastForward, local chains only) vote for it,
 * queue it and execute it, moving the chain's clock between steps. Without fastForward it stops after proposing.
 */
import type { TreasuryContext } from "../lib/context.js";
import { assertLocalChain } from "../lib/governance.js";
import { castVote } from "./cast-vote.js";
import { executeProposal } from "./execute-proposal.js";
import { proposeBounds, type ProposeBoundsOptions, type ProposedBounds } from "./propose-bounds.js";
import { queueProposal } from "./queue-proposal.js";

export interface RunBoundsProposalResult extends ProposedBounds {
  executed: boolean;
  executeTxHash?: string;
}

export async function runBoundsProposal(
  ctx: TreasuryContext,
  options: ProposeBoundsOptions & { fastForward?: boolean; reason?: string },
): Promise<RunBoundsProposalResult> {
  // Refuse --fast-forward on a public network before proposing anything.
  if (options.fastForward) await assertLocalChain(ctx);
  const proposed = await proposeBounds(ctx, options);
  if (!options.fastForward) return { ...proposed, executed: false };
  const { proposalId } = proposed;
  await castVote(ctx, { proposalId, support: "for", reason: options.reason, fastForward: true });
  await queueProposal(ctx, { proposalId, fastForward: true });
  const { txHash } = await executeProposal(ctx, { proposalId, fastForward: true });
  return { ...proposed, executed: true, executeTxHash: txHash };
}
