/**
 * Proposes a bounds or roles change to the Governor as ONE proposal with a human-readable description, after simulating
 * every call from the Timelock: a change that would fail on execution is refused before anyone votes on it.
 */
import { id as keccakText } from "ethers";
import type { BoundsChange, PlannedCall } from "../lib/bounds-changes.js";
import { describeChanges, planCalls } from "../lib/bounds-changes.js";
import { requireGovernance, type TreasuryContext } from "../lib/context.js";
import { OperationError } from "../lib/errors.js";
import { PROPOSAL_STATES } from "../lib/governance.js";
import { simulateAndSend } from "../lib/send.js";
import { assertSimulationsPass, simulateCalls } from "../lib/simulate.js";

export interface ProposeBoundsOptions {
  changes: BoundsChange[];
  /** First line of the description; default "Treasury bounds: N changes". */
  title?: string;
  /** The what-if's summary lines (`whatIfBounds`), carried in the description under "What-if". */
  whatIf?: readonly string[];
}

export interface ProposedBounds {
  proposalId: bigint;
  description: string;
  calls: PlannedCall[];
  txHash: string;
  /** Clock values (blocks by default) at which voting starts and ends. */
  voteStart: bigint;
  voteEnd: bigint;
}

export async function proposeBounds(ctx: TreasuryContext, options: ProposeBoundsOptions): Promise<ProposedBounds> {
  const { governor, timelock } = requireGovernance(ctx);
  const timelockAddress = await timelock.getAddress();

  const calls = await planCalls(ctx, options.changes, { timelock: timelockAddress });
  if (options.changes.some((c) => c.kind === "acceptGovernance")) {
    // The Timelock accepts a handover proposed to it: it is the pending governance, not (yet) governance.
    const pending = await ctx.sessions.pendingGovernance();
    if (pending !== timelockAddress) {
      throw new OperationError(
        `the pending governance is ${pending}, not the Timelock ${timelockAddress} of this Governor: only the address governance ` +
          "proposed may accept (pass --governor <the Governor of that Timelock>, or safe-batch it if a Safe was proposed)",
      );
    }
  } else {
    for (const [name, contract] of [
      ["vault", ctx.vault],
      ["session manager", ctx.sessions],
    ] as const) {
      const target = await contract.getAddress();
      if (!calls.some((c) => c.target === target)) continue;
      const governance = await contract.governance();
      if (governance !== timelockAddress) {
        throw new OperationError(
          `the ${name}'s governance is ${governance}, not the Timelock ${timelockAddress}: a proposal could not change it ` +
            "(if a Safe governs it, export a Safe batch with `safe-batch`)",
        );
      }
    }
  }

  const description = describeChanges(ctx, calls, options.title, options.whatIf);
  ctx.log(`Simulating ${calls.length} call${calls.length === 1 ? "" : "s"} from the Timelock ${timelockAddress}`);
  assertSimulationsPass(await simulateCalls(ctx, calls, timelockAddress), "the Timelock");

  const targets = calls.map((c) => c.target);
  const values = calls.map((c) => c.value);
  const calldatas = calls.map((c) => c.data);
  const proposalId = await governor.hashProposal(targets, values, calldatas, keccakText(description));
  if ((await governor.proposalSnapshot(proposalId)) !== 0n) {
    const state = PROPOSAL_STATES[Number(await governor.state(proposalId))];
    throw new OperationError(
      `an identical proposal already exists (id ${proposalId}, ${state}): change the title (--title) to propose the same calls again`,
    );
  }
  const threshold = await governor.proposalThreshold();
  if (threshold > 0n) {
    const clock = await governor.clock();
    const votes = await governor.getVotes(ctx.signer.address, clock - 1n);
    if (votes < threshold) {
      throw new OperationError(
        `${ctx.signer.address} has ${votes} votes, below the proposal threshold ${threshold}: propose from an account with enough delegated votes (--from)`,
      );
    }
  }

  const receipt = await simulateAndSend("the proposal", governor.propose, targets, values, calldatas, description);
  const created = receipt.logs
    .map((log) => {
      try {
        return governor.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .find((parsed) => parsed?.name === "ProposalCreated");
  if (!created) throw new OperationError("the proposal transaction emitted no ProposalCreated event");
  const result: ProposedBounds = {
    proposalId,
    description,
    calls,
    txHash: receipt.hash,
    voteStart: created.args.voteStart as bigint,
    voteEnd: created.args.voteEnd as bigint,
  };
  ctx.log(`Proposed ${proposalId} in tx ${receipt.hash}`);
  ctx.log(
    `  voting from ${result.voteStart + 1n} to ${result.voteEnd} (${(await governor.CLOCK_MODE()).includes("blocknumber") ? "blocks" : "seconds"})`,
  );
  return result;
}
