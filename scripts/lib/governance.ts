/**
 * Governor helpers shared by the proposal actions: proposal states, finding a proposal's calls on chain, and
 * moving a local chain's clock (blocks or time) for --fast-forward.
 */
import { id as keccakText, toQuantity } from "ethers";
import type { TreasuryGovernor } from "../../types/ethers-contracts/index.js";
import type { TreasuryContext } from "./context.js";
import { InputError, OperationError } from "./errors.js";

/** OpenZeppelin's IGovernor.ProposalState, by value. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
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
    throw new InputError(
      `unknown proposal ${proposalId}: the Governor ${await governor.getAddress()} has no such proposal`,
    );
  }
  return PROPOSAL_STATES[Number(await governor.state(proposalId))];
}

/** Reads a proposal's calls and description back from its ProposalCreated event. */
export async function findProposal(
  ctx: TreasuryContext,
  governor: TreasuryGovernor,
  proposalId: bigint,
): Promise<ProposalCalls> {
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

/**
 * Throws unless the node lets the scripts move its clock: Hardhat's node, the in-process chain or anvil (anvil answers
 * `hardhat_metadata` too, whatever chain id it runs under, which is what a testnet rehearsal needs). A public node
 * does not answer it.
 */
export async function assertLocalChain(ctx: TreasuryContext): Promise<void> {
  try {
    await ctx.ethers.provider.send("hardhat_metadata", []);
  } catch (cause) {
    throw new InputError(
      `--fast-forward only works on a development node (Hardhat's node, the in-process chain or anvil); on ` +
        `${ctx.networkName} (chain ${ctx.chainId}) run vote, queue and execute as each step becomes possible`,
      { cause },
    );
  }
}

/** On a local chain: moves the Governor's clock (blocks or seconds) past `timepoint`. */
export async function advanceClockPast(
  ctx: TreasuryContext,
  governor: TreasuryGovernor,
  timepoint: bigint,
): Promise<void> {
  await assertLocalChain(ctx);
  const provider = ctx.ethers.provider;
  if ((await governor.CLOCK_MODE()).includes("mode=blocknumber")) {
    const current = BigInt(await provider.getBlockNumber());
    if (current <= timepoint) await mineBlocks(ctx, timepoint - current + 1n);
  } else {
    await travelTo(ctx, timepoint + 1n);
  }
}

/** Seconds one mining call may take: far below the HTTP timeout of a network connection (300 s). */
const SECONDS_PER_MINING_CALL = 10;
/** Blocks mined one `evm_mine` at a time on a node that has neither `hardhat_mine` nor `anvil_mine`. */
export const MAX_BLOCKS_ONE_BY_ONE = 2_000;

function isMethodMissing(error: unknown): boolean {
  const text =
    error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return /method not found|not supported|does not exist|unknown method|-32601/i.test(text);
}

/**
 * On a development node: mines `count` blocks, one second apart. Hardhat's chain mines any count in one
 * `hardhat_mine` call at once; anvil takes the same call (and `anvil_mine`) but mines every block, a few hundred a
 * second, so a long voting period is mined in calls sized to take about 10 s each, with progress, never one call that
 * outlasts the connection's timeout. A node with neither method gets `evm_mine`, one block at a time, up to
 * MAX_BLOCKS_ONE_BY_ONE. Returns the mining method used.
 */
export async function mineBlocks(ctx: TreasuryContext, count: bigint): Promise<string> {
  if (count <= 0n) return "none";
  const provider = ctx.ethers.provider;
  const client = String(await provider.send("web3_clientVersion", []).catch(() => ""));
  const interval = toQuantity(1);
  if (/hardhat|edr/i.test(client)) {
    await provider.send("hardhat_mine", [toQuantity(count), interval]);
    return "hardhat_mine";
  }
  for (const method of ["anvil_mine", "hardhat_mine"]) {
    let done = 0n;
    let chunk = count < 500n ? count : 500n;
    try {
      while (done < count) {
        const started = performance.now();
        await provider.send(method, [toQuantity(chunk), interval]);
        done += chunk;
        const seconds = Math.max((performance.now() - started) / 1000, 0.001);
        if (done < count) {
          ctx.log(
            `  mined ${done} of ${count} blocks (${method}, ${Math.round(Number(chunk) / seconds)} blocks a second)`,
          );
        }
        const next = BigInt(Math.max(1, Math.floor((Number(chunk) / seconds) * SECONDS_PER_MINING_CALL)));
        chunk = next < count - done ? next : count - done;
      }
      return method;
    } catch (error) {
      if (done > 0n || !isMethodMissing(error)) throw error;
    }
  }
  if (count > BigInt(MAX_BLOCKS_ONE_BY_ONE)) {
    throw new OperationError(
      `${ctx.networkName} mines neither with hardhat_mine nor with anvil_mine, and ${count} blocks one evm_mine at a time is too many ` +
        `(at most ${MAX_BLOCKS_ONE_BY_ONE}): rehearse on Hardhat's node or anvil, or with a shorter voting period`,
    );
  }
  for (let i = 0n; i < count; i++) await provider.send("evm_mine", []);
  return "evm_mine";
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
