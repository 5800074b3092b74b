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

/** One line for logs: `Name(arg=value, ...)`. */
export function formatTreasuryError(error: DecodedError): string {
  const args = Object.entries(error.args).map(([k, v]) => `${k}=${String(v)}`);
  return `${error.name}(${args.join(", ")})`;
}
