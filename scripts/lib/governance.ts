/**
 * Governor helpers shared by the proposal actions: proposal states, finding a proposal's calls on chain, and
 * moving a local chain's clock (blocks or time) for --fast-forward.
 */
import { id as keccakText, toQuantity } from "ethers";
import type { TreasuryGovernor } from "../../types/ethers-contracts/index.js";
import type { TreasuryContext } from "./context.js";
import { InputError, OperationError } from "./errors.js";

/** OpenZeppelin's IGovernor.ProposalState, by value. */
export const PROPOSAL_STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;
export type ProposalStateName = (typeof PROPOSAL_STATES)[number];

/** Vote support values of GovernorCountingSimple. */
export const SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type Support = keyof typeof SUPPORT;

/** Everything needed to queue or execute a proposal. */
export interface ProposalCalls {
  proposalId: bigint;
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
  descriptionHash: string;
}

export async function proposalState(governor: TreasuryGovernor, proposalId: bigint): Promise<ProposalStateName> {
  if ((await governor.proposalSnapshot(proposalId)) === 0n) {
    throw new InputError(`unknown proposal ${proposalId}: the Governor ${await governor.getAddress()} has no such proposal`);
  }
  return PROPOSAL_STATES[Number(await governor.state(proposalId))];
}

/** Reads a proposal's calls and description back from its ProposalCreated event. */
export async function findProposal(ctx: TreasuryContext, governor: TreasuryGovernor, proposalId: bigint): Promise<ProposalCalls> {
  const snapshot = await governor.proposalSnapshot(proposalId);
  if (snapshot === 0n) throw new InputError(`unknown proposal ${proposalId}`);
  const byBlock = (await governor.CLOCK_MODE()).includes("mode=blocknumber");
  const latest = BigInt(await ctx.ethers.provider.getBlockNumber());
  // With a block-number clock the proposal was created at snapshot - votingDelay (unless the delay changed since).
  const created = byBlock ? snapshot - (await governor.votingDelay()) : 0n;
  const windows: [bigint, bigint][] = byBlock
    ? [
        [created, created],
        [created > 50_000n ? created - 50_000n : 0n, snapshot < latest ? snapshot : latest],
      ]
    : [[0n, latest]];
  for (const [from, to] of windows) {
    const events = await governor.queryFilter(governor.filters.ProposalCreated(), Number(from), Number(to));
    const event = events.find((e) => e.args.proposalId === proposalId);
    if (event) {
      // By position: `values` collides with ethers' Result.values(). ProposalCreated(proposalId, proposer, targets,
      // values, signatures, calldatas, voteStart, voteEnd, description).
      const args = event.args;
      const description = args[8];
      return {
        proposalId,
        targets: [...args[2]],
        values: [...args[3]],
        calldatas: [...args[5]],
        description,
        descriptionHash: keccakText(description),
      };
    }
  }
  throw new OperationError(`cannot find the ProposalCreated event of proposal ${proposalId}`);
}

/** Throws unless the network is a local development chain whose clock the scripts may move. */
export async function assertLocalChain(ctx: TreasuryContext): Promise<void> {
  try {
    await ctx.ethers.provider.send("hardhat_metadata", []);
  } catch (cause) {
    throw new InputError(
      `--fast-forward only works on a local development chain (Hardhat node or the in-process chain); on ` +
        `${ctx.networkName} (chain ${ctx.chainId}) run vote, queue and execute as each step becomes possible`,
      { cause },
    );
  }
}

/** On a local chain: moves the Governor's clock (blocks or seconds) past `timepoint`. */
export async function advanceClockPast(ctx: TreasuryContext, governor: TreasuryGovernor, timepoint: bigint): Promise<void> {
  await assertLocalChain(ctx);
  const provider = ctx.ethers.provider;
  if ((await governor.CLOCK_MODE()).includes("mode=blocknumber")) {
    const current = BigInt(await provider.getBlockNumber());
    if (current <= timepoint) await provider.send("hardhat_mine", [toQuantity(timepoint - current + 1n)]);
  } else {
    await travelTo(ctx, timepoint + 1n);
  }
}

/** On a local chain: mines a block at `timestamp` (or the next second if that is already past). */
export async function travelTo(ctx: TreasuryContext, timestamp: bigint): Promise<void> {
  await assertLocalChain(ctx);
  const provider = ctx.ethers.provider;
  const latest = BigInt((await provider.getBlock("latest"))!.timestamp);
  if (latest >= timestamp) return;
  await provider.send("evm_setNextBlockTimestamp", [toQuantity(timestamp)]);
  await provider.send("evm_mine", []);
}
