/**
 * The daemon's error classes. Each has a short message and keeps the underlying error as `cause`; none carries a
 * secret. Contract reverts are decoded by name (see errors.ts) and travel inside `RevertError`.
 */
import type { DecodedRevert } from "./errors.js";

export class AgentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An error and its cause in one line, for a log message: `lens snapshot of 0x… failed: connect ECONNREFUSED …`. */
export function errorDetail(err: Error): string {
  const cause = err.cause as { shortMessage?: string; message?: string } | undefined;
  const why = cause?.shortMessage ?? cause?.message;
  return (why ? `${err.message}: ${why}` : err.message).slice(0, 300);
}

/** The configuration (file or environment) is invalid. `field` is the dotted path of the first bad field. */
export class ConfigError extends AgentError {
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The signing key could not be loaded, or is not allowed on this chain. Never carries the key or password. */
export class KeyError extends AgentError {}

/** The RPC endpoint failed or answered something unusable. Retryable. */
export class RpcError extends AgentError {}

/**
 * The lens, not the node, is broken for a vault: its `snapshot` call reverts while the node answers (`lens-reverted`,
 * with the revert decoded where it can be), or the snapshot it returns does not add up (`snapshot-inconsistent`). Not
 * retryable as an outage: the same call gives the same answer until the lens or the vault changes.
 */
export class LensFaultError extends AgentError {
  constructor(
    readonly kind: "lens-reverted" | "snapshot-inconsistent",
    message: string,
    readonly detail: { revertData?: string; revert?: string; faults?: string[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The endpoint serves another chain than the configuration names. */
export class ChainMismatchError extends AgentError {
  constructor(
    readonly expected: bigint,
    readonly actual: bigint,
    readonly endpoint?: string,
  ) {
    super(
      `invalid config: network.chainId: the RPC endpoint${endpoint ? ` ${endpoint}` : ""} serves chain ${actual}, the configuration expects ${expected}`,
    );
  }
}

/** The command line was given arguments it cannot use. */
export class UsageError extends AgentError {}

/** A call or transaction reverted. `decoded` names the error when the data is one the decoder knows. */
export class RevertError extends AgentError {
  constructor(
    message: string,
    readonly data: string | undefined,
    readonly decoded: DecodedRevert | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `run --once`: a vault's tick failed (node, lens or internal error) or its transaction reverted on chain. */
export class TickFailedError extends AgentError {}

/** The journal could not be read or written; the daemon must not send without it. */
export class JournalError extends AgentError {}

/**
 * High availability: this daemon does not hold the lease (another node took it over, or it expired while this one was
 * paused or cut off from the database), so its journal write was refused and nothing may be sent.
 */
export class LeaseLostError extends JournalError {}

/**
 * The remote signer could not be reached, refused the request, or answered with something other than the transaction
 * asked for (which is then never broadcast). Never carries the signer's credential.
 */
export class SignerError extends AgentError {}
