/** Lifting the agent pause is a governance decision: a proposal (run end to end on a local chain with fastForward). */
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { runBoundsProposal, type RunBoundsProposalResult } from "./run-bounds-proposal.js";

export async function unpauseAgents(
  ctx: TreasuryContext,
  options: { title?: string; fastForward?: boolean } = {},
): Promise<RunBoundsProposalResult> {
  if (!(await ctx.sessions.agentsPaused())) throw new InputError("agents are not paused: there is nothing to unpause");
  return await runBoundsProposal(ctx, {
    changes: [{ kind: "unpauseAgents" }],
    title: options.title ?? "Lift the agent pause",
    fastForward: options.fastForward,
  });
}
