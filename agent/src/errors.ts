/**
 * Decodes the treasury's custom errors by name. Every error the vault and the session manager raise is declared in
 * ErrorsLib, so its ABI (generated from the contracts' build into `abi/`) decodes any revert data they return.
 */
import { Interface, type ErrorDescription } from "ethers";
import { errorsLibAbi } from "./abi/index.js";
import { formatAmount, formatChainTime } from "./util/format.js";

export const treasuryErrors = new Interface(errorsLibAbi);

/** A decoded custom error: its name and its arguments by name. */
export interface DecodedError {
  name: string;
  args: Record<string, bigint | string | boolean>;
  selector: string;
}

/** Decodes revert data into a treasury error, or returns undefined when the data is not one. */
export function decodeTreasuryError(data: string): DecodedError | undefined {
  let parsed: ErrorDescription | null;
  try {
    parsed = treasuryErrors.parseError(data);
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  const args: DecodedError["args"] = {};
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name] = parsed.args[i] as bigint | string | boolean;
  });
  return { name: parsed.name, args, selector: parsed.selector };
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

/** Errors a strategy call commonly reverts with besides the treasury's own (the reason inside StrategyCallFailed). */
const strategyErrors = new Interface([
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
]);

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
  try {
    const parsed = strategyErrors.parseError(data);
    if (!parsed) return undefined;
    if (parsed.name === "Error") {
      // Lending markets that revert with strings (Morpho Blue: "insufficient liquidity").
      const message = String(parsed.args[0]).toLowerCase();
      return message.includes("liquidity") ? "illiquid" : message.includes("cap") ? "full" : undefined;
    }
    return REFUSALS[parsed.name];
  } catch {
    return undefined;
  }
}

/** Revert data from a strategy, readable: a known error by name, else the raw hex ("0x" for a bare revert). */
export function describeRevertData(data: string): string {
  try {
    const parsed = strategyErrors.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map((a) => (typeof a === "string" ? JSON.stringify(a) : String(a))).join(", ")})`;
  } catch {
    // not one of them
  }
  const own = decodeTreasuryError(data);
  return own ? formatTreasuryError(own) : data;
}

/** One line for logs: `Name(arg=value, ...)`; a strategy's revert data (`reason`) is decoded where it can be. */
export function formatTreasuryError(error: DecodedError): string {
  const args = Object.entries(error.args).map(([k, v]) => `${k}=${k === "reason" && typeof v === "string" ? describeRevertData(v) : String(v)}`);
  return `${error.name}(${args.join(", ")})`;
}

/**
 * What an operator can do about the treasury errors the daemon meets, by name: one line after the decoded error.
 * Errors without an entry speak for themselves with their arguments.
 */
const HINTS: Record<string, string> = {
  InvalidSessionParams:
    "the session's parameters were refused when it was granted: the agent or the vault is the zero address, the scope is empty, the per-call volume is zero or above the per-epoch volume, calls per epoch are zero, or the window ends before it starts or has already ended; ask the session admin for a grant with valid parameters",
  UnknownSession: "no session has this id: check vaults[].sessionId, or ask the session admin for a session",
  NotSessionAgent: "the session belongs to another agent: the key is not the one the session was granted to",
  NotSessionVault: "the session was granted for another vault",
  SessionNotStarted: "the session opens later; the daemon waits for it",
  SessionExpired: "the session has ended: ask the session admin for a new one (the daemon stands down until then)",
  SessionRevoked: "the session was revoked: ask the session admin for a new one (the daemon stands down until then)",
  AgentsPaused: "the guardian paused every agent; only governance lifts the pause (a proposal)",
  OutOfScope: "the plan touches a strategy outside the session's scope",
  DrawdownLimitReached: "the share price is below the drawdown floor: agents are stopped until governance acts",
  StrategyCallFailed: "the strategy itself refused the call: it is quarantined, the other strategies are still managed",
  StrategyDisabled: "governance or the guardian disabled the strategy: it can only be moved out of",
  StrategyNotListed: "the strategy is not listed in the vault (any more)",
};

/** The hint for a treasury error, by name, if there is one. */
export function hintFor(name: string | undefined): string | undefined {
  return name === undefined ? undefined : HINTS[name];
}

/** A decoded error with its arguments, then its hint: `InvalidSessionParams(): the session's parameters were …`. */
export function explainTreasuryError(error: DecodedError): string {
  const hint = hintFor(error.name);
  return hint ? `${formatTreasuryError(error)}: ${hint}` : formatTreasuryError(error);
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
  IdleBufferBreached: ["idle", "required"],
  LossExceedsCallLimit: ["loss", "limit"],
  LossBudgetExceeded: ["lossInEpoch", "budget"],
  VolumeExceedsCallLimit: ["volume", "limit"],
  VolumeExceedsEpochLimit: ["volumeInEpoch", "limit"],
  VolumeAboveCeiling: ["volume", "ceiling"],
  AgentCallVolumeAboveCeiling: ["active", "requested", "ceiling"],
  AgentEpochVolumeAboveCeiling: ["active", "requested", "ceiling"],
  SlippageExceeded: ["amount", "limit"],
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
 * A formatted error (`Name(arg=value, ...)`, as `formatTreasuryError` and the mirror write it) with its amounts in
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
    if (amounts.includes(key)) return `${key}=${formatAmount(BigInt(value), asset.decimals, asset.decimals)}${asset.symbol ? ` ${asset.symbol}` : ""}`;
    if (times.includes(key)) return `${key}=${formatChainTime(BigInt(value))}`;
    return arg;
  });
  return `${name}(${args.join(", ")})`;
}
