/**
 * The one revert decoder of the treasury, for the daemon, the dashboard and the operator CLI alike. It names:
 *   - the treasury's own errors (every error of the vault and the session manager is declared in ErrorsLib),
 *   - OpenZeppelin's errors of the Governor, the Timelock and the votes token (both ABIs generated into `abi/`),
 *   - errors strategies commonly revert with (ERC-4626, ERC-20, curated lending vaults), and
 *   - Solidity's `Error(string)` and `Panic(uint256)`.
 * A decoded revert prints as `Name(arg=value, ...)`; `Error("message")` keeps its message quoted, and a panic always
 * shows its code in hex with its meaning, `Panic(0x11: arithmetic overflow or underflow)`. The revert data a strategy
 * returned inside `StrategyCallFailed(strategy, reason)` is decoded the same way.
 */
import { Interface, type ErrorDescription, type InterfaceAbi, type ParamType } from "ethers";
import { errorsLibAbi, governanceErrorsAbi } from "./abi/index.js";
import { formatAmount, formatChainTime } from "./util/format.js";

/** The treasury's own errors (ErrorsLib): what the check mirror predicts, and encodes byte for byte. */
export const treasuryErrors = new Interface(errorsLibAbi);

/** Errors a strategy call commonly reverts with besides the treasury's own (the reason inside StrategyCallFailed). */
const STRATEGY_ERRORS = [
  "error Error(string message)",
  "error Panic(uint256 code)",
  "error ReentrancyGuardReentrantCall()",
  "error ERC4626ExceededMaxWithdraw(address owner, uint256 assets, uint256 max)",
  "error ERC4626ExceededMaxRedeem(address owner, uint256 shares, uint256 max)",
  "error ERC4626ExceededMaxDeposit(address receiver, uint256 assets, uint256 max)",
  "error ERC4626ExceededMaxMint(address receiver, uint256 shares, uint256 max)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error SafeERC20FailedOperation(address token)",
  // Curated lending vaults (MetaMorpho-style) at their supply caps or out of market liquidity.
  "error AllCapsReached()",
  "error NotEnoughLiquidity()",
];

/** Every error a treasury call can revert with: one interface, each signature once. */
const knownErrors = new Interface([...errorsLibAbi, ...governanceErrorsAbi, ...STRATEGY_ERRORS] as InterfaceAbi);

/** What Solidity's panic codes mean. */
const PANIC_CODES: Record<number, string> = {
  0: "generic compiler panic",
  1: "assertion failed",
  17: "arithmetic overflow or underflow",
  18: "division or modulo by zero",
  33: "invalid enum value",
  34: "invalid storage byte array",
  49: "pop on an empty array",
  50: "array index out of bounds",
  65: "out of memory",
  81: "call to an uninitialized function",
};

/** A decoded revert: the error's name, its arguments by name, and one printable line. */
export interface DecodedRevert {
  name: string;
  args: Record<string, bigint | string | boolean>;
  /** `Name(arg=value, ...)`, `Error("message")` or `Panic(0x11: arithmetic overflow or underflow)`. */
  text: string;
}

/** Decodes revert data into a named error, or returns undefined when it is none the treasury knows ("0x" included). */
export function decodeRevert(data: string | undefined): DecodedRevert | undefined {
  if (data === undefined || data.length < 10) return undefined;
  let parsed: ErrorDescription | null;
  try {
    parsed = knownErrors.parseError(data);
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  // ethers answers Error(string) and Panic(uint256) with its own fragments, whose inputs have no names.
  const keys = parsed.fragment.inputs.map((input, i) => input.name || BUILTIN_ARG_NAMES[parsed.name]?.[i] || `arg${i}`);
  const args: DecodedRevert["args"] = {};
  for (const [i, key] of keys.entries()) args[key] = parsed.args[i] as bigint | string | boolean;
  return { name: parsed.name, args, text: revertText(parsed.name, parsed.fragment.inputs, keys, args) };
}

const BUILTIN_ARG_NAMES: Record<string, string[]> = { Error: ["message"], Panic: ["code"] };

function revertText(name: string, inputs: readonly ParamType[], keys: string[], args: DecodedRevert["args"]): string {
  if (name === "Error") return `Error(${JSON.stringify(args.message)})`;
  if (name === "Panic") {
    const code = Number(args.code);
    const meaning = PANIC_CODES[code];
    return `Panic(0x${code.toString(16).padStart(2, "0")}${meaning ? `: ${meaning}` : ""})`;
  }
  const shown = inputs.map((input, i) => {
    const key = keys[i]!;
    const value = args[key]!;
    if (input.type === "string") return `${key}=${JSON.stringify(value)}`;
    // The revert data a strategy returned, inside StrategyCallFailed: named where it can be, else the raw hex.
    if (input.type === "bytes" && key === "reason")
      return `${key}=${decodeRevert(String(value))?.text ?? String(value)}`;
    return `${key}=${String(value)}`;
  });
  return `${name}(${shown.join(", ")})`;
}

/**
 * ABI-encodes a treasury error from its name and its arguments by name: the revert data the contracts give for it (the
 * mirror's prediction, byte for byte).
 */
export function encodeTreasuryError(error: { name: string; args: Record<string, unknown> }): string {
  const fragment = treasuryErrors.getError(error.name);
  if (!fragment) throw new Error(`${error.name} is not a treasury error`);
  const values = fragment.inputs.map((input) => {
    if (!(input.name in error.args)) throw new Error(`${error.name}: argument ${input.name} missing`);
    return error.args[input.name];
  });
  return treasuryErrors.encodeErrorResult(fragment, values);
}

/** Refusals that say a strategy is full (`"full"`) or short of liquidity (`"illiquid"`), not broken. */
const REFUSALS: Record<string, "full" | "illiquid"> = {
  AllCapsReached: "full",
  ERC4626ExceededMaxDeposit: "full",
  ERC4626ExceededMaxMint: "full",
  NotEnoughLiquidity: "illiquid",
  ERC4626ExceededMaxWithdraw: "illiquid",
  ERC4626ExceededMaxRedeem: "illiquid",
};

/**
 * Whether a strategy's revert data is a known refusal for lack of room (`"full"`) or of liquidity (`"illiquid"`):
 * a supply cap reached or a market lent out, which a healthy lending vault answers with. Undefined otherwise.
 */
export function strategyRefusal(data: string): "full" | "illiquid" | undefined {
  const decoded = decodeRevert(data);
  if (!decoded) return undefined;
  if (decoded.name === "Error") {
    // Lending markets that revert with strings (Morpho Blue: "insufficient liquidity").
    const message = String(decoded.args.message).toLowerCase();
    return message.includes("liquidity") ? "illiquid" : message.includes("cap") ? "full" : undefined;
  }
  return REFUSALS[decoded.name];
}

/**
 * What to do about an error, by its name: one line after the decoded error, the same for the operator CLI and the
 * daemon's logs. Errors without an entry speak for themselves with their arguments.
 */
const HINTS: Record<string, string | ((args: DecodedRevert["args"]) => string)> = {
  InvalidSessionParams:
    "the session's parameters were refused when it was granted: the agent or the vault is the zero address, the scope is empty, the per-call volume is zero or above the per-epoch volume, calls per epoch are zero, or the window ends before it starts or has already ended; ask the session admin for a grant with valid parameters",
  UnknownSession:
    "no session has this id: check the session id (the agent's vaults[].sessionId), or ask the session admin for a session",
  NotSessionAgent: "the session belongs to another agent: the key is not the one the session was granted to",
  NotSessionVault: "the session was granted for another vault",
  SessionNotStarted: "the session opens later; the daemon waits for it",
  SessionExpired: "the session has ended: ask the session admin for a new one (the daemon stands down until then)",
  SessionRevoked: "the session was revoked: ask the session admin for a new one (the daemon stands down until then)",
  AgentsPaused: "the guardian paused every agent; only governance lifts the pause (a proposal)",
  OutOfScope: "the plan touches a strategy outside the session's scope",
  ReduceOnlySession:
    "the session is reduce-only: it may lower or empty strategies, never raise one (raisedMask: the indices of those the plan raised); raising needs a session granted without reduce-only",
  SessionLossBudgetExceeded:
    "the plan's loss is more than the session's own loss allowance has left: sent, it would move nothing and revoke the session; plan a smaller loss, or ask the session admin for a new session",
  SessionLossWithinBudget:
    "a session is revoked for loss only when the loss passes its own allowance, and this one fits: nothing was revoked",
  InvalidRotation:
    "a session moves only to another agent key: not the zero address, nor the key it already has; pass the new agent's address",
  DrawdownLimitReached: "the share price is below the drawdown floor: agents are stopped until governance acts",
  RiskGroupCapExceeded:
    "the strategies of this risk group would together hold more than the group's cap (value: all its listed members after the call); raise less, lower another member, or propose a higher cap with `propose --risk-group-cap`",
  StrategyCallFailed: "the strategy itself refused the call: it is quarantined, the other strategies are still managed",
  StrategyDisabled: "governance or the guardian disabled the strategy: it can only be moved out of",
  StrategyFrozen:
    "the strategy's share price moved from its mark faster than the rate bound allows: it is frozen to exit-only until governance clears it (`propose --clear-freeze`)",
  PriceViewFailed: "the strategy's price view (convertToAssets) fails: there is no price to re-mark it at",
  StrategyNotListed: "the strategy is not listed in the vault (any more)",
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
  StrategyAlreadyListed: "the strategy is already listed",
  StrategyNotEmpty: "the vault still holds shares of the strategy: an agent must move its allocation out first",
  StrategyAssetMismatch: "the strategy is a vault of another asset",
  BoundOutOfRange: "the value is outside the range the contract accepts",
  GovernorInsufficientProposerVotes: "the proposer's votes are below the Governor's proposal threshold",
  GovernorUnexpectedProposalState: "the proposal is not in the state this step needs",
  TimelockUnexpectedOperationState: "the Timelock operation is not ready (queued and past its delay)",
  ChangeTooLarge: ({ value, limit, readyAt }) =>
    `the change to ${String(value)} is more than the rolling 7-day budget allows now; the furthest value allowed now is ${String(limit)}, ` +
    `and the whole change fits from ${formatChainTime(readyAt as bigint)} (chain time ${String(readyAt)}): propose at most ${String(limit)} now, or this change then`,
};

/**
 * The hint for an error, by name, if there is one. A hint that quotes the error's figures (ChangeTooLarge's) needs its
 * arguments: without them there is none.
 */
export function hintFor(name: string | undefined, args?: DecodedRevert["args"]): string | undefined {
  const hint = name === undefined ? undefined : HINTS[name];
  if (typeof hint !== "function") return hint;
  return args ? hint(args) : undefined;
}

/** A decoded revert, then its hint when there is one: `InvalidSessionParams(): the session's parameters were …`. */
export function explainRevert(revert: DecodedRevert): string {
  const hint = hintFor(revert.name, revert.args);
  return hint ? `${revert.text}: ${hint}` : revert.text;
}

/** Arguments of the treasury's errors that are token amounts (base units of the vault's asset), by error name. */
const AMOUNT_ARGS: Record<string, string[]> = {
  DepositShortfall: ["expected", "received"],
  InsufficientLiquidity: ["requested", "available"],
  StrategyShortfall: ["expected", "received"],
  StrategyWithdrawLimited: ["requested", "available"],
  StrategyDepositLimited: ["requested", "available"],
  InsufficientIdle: ["needed", "idle"],
  AbsoluteCapExceeded: ["allocation", "cap"],
  RelativeCapExceeded: ["allocation", "cap"],
  RiskGroupCapExceeded: ["value", "cap"],
  IdleBufferBreached: ["idle", "required"],
  LossExceedsCallLimit: ["loss", "limit"],
  LossBudgetExceeded: ["lossInEpoch", "budget"],
  VolumeExceedsCallLimit: ["volume", "limit"],
  VolumeExceedsEpochLimit: ["volumeInEpoch", "limit"],
  VolumeAboveCeiling: ["volume", "ceiling"],
  AgentCallVolumeAboveCeiling: ["active", "requested", "ceiling"],
  AgentEpochVolumeAboveCeiling: ["active", "requested", "ceiling"],
  SlippageExceeded: ["amount", "limit"],
  SessionLossBudgetExceeded: ["loss", "lossLeft"],
  SessionLossWithinBudget: ["loss"],
  CoSignatureRequired: ["volume", "threshold"],
  // Assets per 10**shareDecimals vault shares: the asset's units too.
  DrawdownLimitReached: ["price", "floor"],
};
/** Arguments that are chain times (a block timestamp), by error name. */
const TIME_ARGS: Record<string, string[]> = {
  SessionNotStarted: ["validAfter"],
  SessionExpired: ["validUntil"],
  CooldownActive: ["nextCallAt"],
  DeadlinePassed: ["deadline"],
  ChangeTooLarge: ["readyAt"],
};

/** Splits `a=1, b=F(x, y), c=2` at its top-level commas. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (text.slice(start).trim()) out.push(text.slice(start).trim());
  return out;
}

/**
 * A decoded error's text (`Name(arg=value, ...)`, as `decodeRevert` and the mirror write it) with its amounts in
 * token units and its times as chain time in UTC: `AbsoluteCapExceeded(strategy=0x…, allocation=449,999.99 USDC,
 * cap=300,000 USDC)`. Anything it does not recognise is returned as it is.
 */
export function formatErrorForPeople(text: string, asset: { decimals: number; symbol?: string }): string {
  const m = /^(\w+)\((.*)\)$/s.exec(text);
  if (!m) return text;
  const name = m[1]!;
  const amounts = AMOUNT_ARGS[name] ?? [];
  const times = TIME_ARGS[name] ?? [];
  if (amounts.length === 0 && times.length === 0) return text;
  const args = splitArgs(m[2]!).map((arg) => {
    const eq = arg.indexOf("=");
    if (eq < 0) return arg;
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (!/^\d+$/.test(value)) return arg;
    if (amounts.includes(key))
      return `${key}=${formatAmount(BigInt(value), asset.decimals, asset.decimals, asset.symbol)}`;
    if (times.includes(key)) return `${key}=${formatChainTime(BigInt(value))}`;
    return arg;
  });
  return `${name}(${args.join(", ")})`;
}
