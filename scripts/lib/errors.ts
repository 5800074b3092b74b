/**
 * Errors of the operator scripts. Contract reverts are decoded by the agent's one revert decoder (its front door), so
 * the CLI names an error, and says what to do about it, the way the daemon's logs do.
 */
import { decodeRevert, explainRevert, revertDataOf, type DecodedRevert } from "@agent-treasury/agent";

/** Bad input on the command line or in parameters: the caller can fix it. The CLI exits with code 2. */
export class InputError extends Error {
  override name = "InputError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A refused or failed operation (a contract revert, a state that does not allow the step). The CLI exits 1. */
export class OperationError extends Error {
  override name = "OperationError";
  /** The decoded contract error, when a revert caused this. */
  readonly revert?: DecodedRevert;
  constructor(message: string, options?: { cause?: unknown; revert?: DecodedRevert }) {
    super(message, { cause: options?.cause });
    this.revert = options?.revert;
  }
}

/** Wraps whatever a failed contract call threw into an OperationError naming `what` and the decoded reason. */
export function toOperationError(what: string, error: unknown): OperationError {
  if (error instanceof OperationError || error instanceof InputError) return error as OperationError;
  const revert = decodeRevert(revertDataOf(error));
  if (revert)
    return new OperationError(`${what} was refused by the contract: ${explainRevert(revert)}`, {
      cause: error,
      revert,
    });
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return new OperationError(`${what} failed: ${message}`, { cause: error });
}
