/**
 * Guardian: cancels a queued proposal in the Timelock during its delay, so it can never execute. The Governor queued
 * it as one batch operation (predecessor 0, salt = the Governor's address ^ the description hash); its id is computed
 * the same way and cancelled with `timelock.cancel`, which needs the Timelock's CANCELLER_ROLE (the guardian holds it
 * from deployment). The Governor then reports the proposal Canceled.
 */
import { toBeHex, ZeroHash } from "ethers";
import { requireGovernance, type TreasuryContext } from "../lib/context.js";
import { OperationError } from "../lib/errors.js";
import { findProposal, proposalState } from "../lib/governance.js";
import { simulateAndSend } from "../lib/send.js";

/** GovernorTimelockControl's salt: `bytes20(address(governor)) ^ descriptionHash`. */
export function governorTimelockSalt(governor: string, descriptionHash: string): string {
  return toBeHex((BigInt(governor) << 96n) ^ BigInt(descriptionHash), 32);
}

export async function cancelQueuedProposal(
  ctx: TreasuryContext,
  options: { proposalId: bigint },
): Promise<{ operationId: string; txHash: string }> {
  const { governor, timelock } = requireGovernance(ctx);
  const { proposalId } = options;
  const state = await proposalState(governor, proposalId);
  if (state !== "Queued") {
    throw new OperationError(
      `proposal ${proposalId} is ${state}: only a Queued proposal has a Timelock operation to cancel`,
    );
  }
  const p = await findProposal(ctx, governor, proposalId);
  const salt = governorTimelockSalt(await governor.getAddress(), p.descriptionHash);
  const operationId = await timelock.hashOperationBatch(p.targets, p.values, p.calldatas, ZeroHash, salt);
  if (!(await timelock.isOperationPending(operationId))) {
    throw new OperationError(`proposal ${proposalId}: the Timelock has no pending operation ${operationId} for it`);
  }
  const receipt = await simulateAndSend(`cancelling proposal ${proposalId}`, timelock.cancel, operationId);
  ctx.log(
    `Cancelled proposal ${proposalId} (Timelock operation ${operationId}) by ${ctx.signer.address} in tx ${receipt.hash}; it can no longer execute`,
  );
  return { operationId, txHash: receipt.hash };
}
