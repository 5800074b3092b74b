/** A proposal's state, votes, timing and calls (decoded against the vault, the session manager and the Timelock). */
import type { TreasuryContext } from "../lib/context.js";
import { requireGovernance } from "../lib/context.js";
import { findProposal, proposalState, type ProposalStateName } from "../lib/governance.js";

export interface ProposalStatus {
  proposalId: bigint;
  state: ProposalStateName;
  description: string;
  votes: { for: bigint; against: bigint; abstain: bigint };
  /** Votes needed, fixed at the snapshot; undefined while the snapshot is still in the future. */
  quorum?: bigint;
  voteStart: bigint;
  voteEnd: bigint;
  /** Timestamp from which a queued proposal may execute; 0 before queueing. */
  eta: bigint;
  /** `TreasuryVault.setCaps(0x…, 1000, 5000)`, or raw data for unknown targets. */
  calls: string[];
}

export async function proposalStatus(ctx: TreasuryContext, proposalId: bigint): Promise<ProposalStatus> {
  const { governor } = requireGovernance(ctx);
  const state = await proposalState(governor, proposalId);
  const p = await findProposal(ctx, governor, proposalId);
  const [against, forVotes, abstain] = await governor.proposalVotes(proposalId);
  const voteStart = await governor.proposalSnapshot(proposalId);
  const contracts = [
    [await ctx.vault.getAddress(), "TreasuryVault", ctx.vault.interface],
    [await ctx.sessions.getAddress(), "SessionManager", ctx.sessions.interface],
    ...(ctx.timelock
      ? ([[await ctx.timelock.getAddress(), "TimelockController", ctx.timelock.interface]] as const)
      : []),
  ] as const;
  const calls = p.targets.map((target, i) => {
    const known = contracts.find(([address]) => address === target);
    const parsed = known?.[2].parseTransaction({ data: p.calldatas[i] });
    return parsed
      ? `${known![1]}.${parsed.name}(${parsed.args.map(String).join(", ")})`
      : `${target} ${p.calldatas[i]}`;
  });
  return {
    proposalId,
    state,
    description: p.description,
    votes: { for: forVotes, against, abstain },
    quorum: voteStart < (await governor.clock()) ? await governor.quorum(voteStart) : undefined,
    voteStart,
    voteEnd: await governor.proposalDeadline(proposalId),
    eta: await governor.proposalEta(proposalId),
    calls,
  };
}
