/**
 * Decodes the treasury's custom errors by name. Every error the vault and the session manager raise is declared in
 * ErrorsLib, so its ABI (from the contracts' build) decodes any revert data they return.
 */
import { createRequire } from "node:module";
import { Interface, type ErrorDescription } from "ethers";

const require = createRequire(import.meta.url);
const errorsLib: { abi: unknown[] } = require("../../artifacts/contracts/libraries/ErrorsLib.sol/ErrorsLib.json");

export const treasuryErrors = new Interface(errorsLib.abi as string[]);

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
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
]);

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
