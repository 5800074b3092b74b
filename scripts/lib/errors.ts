/**
 * Errors of the operator scripts, and decoding of contract reverts by name.
 *
 * Every custom error of the vault and the session manager is declared in ErrorsLib; the Governor, the Timelock and
 * the votes token add OpenZeppelin's own. One interface over all of them decodes whatever a treasury call returns.
 */
import { AbiCoder, Interface, dataSlice, type ErrorFragment, type InterfaceAbi } from "ethers";
import {
  ErrorsLib__factory,
  MockStrategy__factory,
  TreasuryGovernor__factory,
  TreasuryTimelock__factory,
  TreasuryVotes__factory,
} from "../../types/ethers-contracts/index.js";

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

/** A decoded revert: the error's name, its arguments by name, and one printable line. */
export interface DecodedRevert {
  name: string;
  args: Record<string, unknown>;
  /** `Name(arg=value, ...)`. */
  text: string;
}

function errorFragments(): InterfaceAbi {
  const seen = new Set<string>();
  const fragments: unknown[] = [];
  for (const abi of [
    ErrorsLib__factory.abi,
    TreasuryGovernor__factory.abi,
    TreasuryTimelock__factory.abi,
    TreasuryVotes__factory.abi,
    MockStrategy__factory.abi,
  ] as readonly (readonly { type: string; name?: string; inputs?: readonly { type: string }[] }[])[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const key = `${item.name}(${(item.inputs ?? []).map((i) => i.type).join(",")})`;
      if (seen.has(key)) continue;
      seen.add(key);
      fragments.push(item);
    }
  }
  return fragments as InterfaceAbi;
}

/** Every error a treasury call can revert with. */
export const treasuryErrors = new Interface(errorFragments());

const ERROR_STRING = "0x08c379a0"; // Error(string)
const PANIC = "0x4e487b71"; // Panic(uint256)

/** Decodes revert data into a named error, or undefined when it is not one we know. */
export function decodeRevert(data: string | undefined): DecodedRevert | undefined {
  if (data === undefined || data === "0x" || data.length < 10) return undefined;
  const selector = dataSlice(data, 0, 4);
  try {
    if (selector === ERROR_STRING) {
      const [message] = AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4));
      return { name: "Error", args: { message }, text: `Error("${message}")` };
    }
    if (selector === PANIC) {
      const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4));
      return { name: "Panic", args: { code }, text: `Panic(0x${(code as bigint).toString(16)})` };
    }
    const parsed = treasuryErrors.parseError(data);
    if (!parsed) return undefined;
    const fragment: ErrorFragment = parsed.fragment;
    const args: Record<string, unknown> = {};
    fragment.inputs.forEach((input, i) => (args[input.name || `arg${i}`] = parsed.args[i]));
    const shown = Object.entries(args).map(([k, v]) => `${k}=${String(v)}`);
    return { name: parsed.name, args, text: `${parsed.name}(${shown.join(", ")})` };
  } catch {
    return undefined;
  }
}

/** Finds revert data in an error thrown by ethers or a Hardhat provider, however deeply it is wrapped. */
export function revertDataOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const record = e as Record<string, unknown>;
    const data = record.data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]*$/.test(data) && data.length >= 10) return data;
    if (data !== null && typeof data === "object") {
      const nested = (data as Record<string, unknown>).data;
      if (typeof nested === "string" && /^0x[0-9a-fA-F]*$/.test(nested) && nested.length >= 10) return nested;
    }
    for (const key of ["error", "info", "cause", "revert", "data"]) queue.push(record[key]);
  }
  return undefined;
}

/** What the caller can do about some treasury errors. */
const HINTS: Record<string, string> = {
  NotGovernance: "only governance (the Timelock) may do this: put it in a proposal (`propose`)",
  NotGuardianOrGovernance: "only the guardian or governance may do this: pass the guardian's account with --from",
  GuardianCannotLoosen: "the guardian only tightens; loosening goes through a governance proposal (`propose`)",
  VolumeAboveCeiling:
    "the session admin grants only inside the ceilings governance set for this vault; raise them with `propose --ceilings`",
  AgentCallVolumeAboveCeiling:
    "the agent's active sessions on this vault already use that much of the per-call ceiling (the ceilings bind per agent, summed over its sessions): revoke one, wait for one to expire, grant less, or raise the ceiling with `propose --ceilings`",
  AgentEpochVolumeAboveCeiling:
    "the agent's active sessions on this vault already use that much of the per-epoch ceiling (the ceilings bind per agent, summed over its sessions): revoke one, wait for one to expire, grant less, or raise the ceiling with `propose --ceilings`",
  TooManyActiveSessions: "the agent already holds the most active sessions allowed: revoke one it no longer needs",
  NotPendingGovernance: "only the address governance proposed (setGovernance) may accept governance",
  DurationAboveCeiling:
    "the session is longer than the ceiling governance set for this vault (or the 365-day maximum); shorten --duration or raise the ceiling with `propose --ceilings`",
  NotGranter: "only governance or the session admin may grant sessions: pass the session admin's account with --from",
  NotRevoker: "only governance, the guardian, the session admin or the session's agent may revoke it",
  UnknownSession: "no session has this id",
  StrategyNotListed: "the strategy is not listed in the vault",
  StrategyAlreadyListed: "the strategy is already listed",
  StrategyNotEmpty: "the vault still holds shares of the strategy: an agent must move its allocation out first",
  StrategyAssetMismatch: "the strategy is a vault of another asset",
  BoundOutOfRange: "the value is outside the range the contract accepts",
  InvalidSessionParams: "check agent, vault, scope, volumes (per call <= per epoch), calls per epoch and the time window",
  GovernorInsufficientProposerVotes: "the proposer's votes are below the Governor's proposal threshold",
  GovernorUnexpectedProposalState: "the proposal is not in the state this step needs",
  TimelockUnexpectedOperationState: "the Timelock operation is not ready (queued and past its delay)",
};

/** Hints that need the error's own numbers. */
const HINTS_WITH_ARGS: Record<string, (args: Record<string, unknown>) => string> = {
  ChangeTooLarge: ({ value, limit, readyAt }) =>
    `the change to ${String(value)} is more than the rolling 7-day budget allows now; the furthest value allowed now is ${String(limit)}, ` +
    `and the whole change fits from ${new Date(Number(readyAt) * 1000).toISOString()} (chain time ${String(readyAt)}): propose at most ${String(limit)} now, or this change then`,
};

/** A one-line explanation of a decoded revert, with a hint when we have one. */
export function explainRevert(revert: DecodedRevert): string {
  const hint = HINTS_WITH_ARGS[revert.name]?.(revert.args) ?? HINTS[revert.name];
  return hint ? `${revert.text}: ${hint}` : revert.text;
}

/** Wraps whatever a failed contract call threw into an OperationError naming `what` and the decoded reason. */
export function toOperationError(what: string, error: unknown): OperationError {
  if (error instanceof OperationError || error instanceof InputError) return error as OperationError;
  const revert = decodeRevert(revertDataOf(error));
  if (revert) return new OperationError(`${what} was refused by the contract: ${explainRevert(revert)}`, { cause: error, revert });
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return new OperationError(`${what} failed: ${message}`, { cause: error });
}
