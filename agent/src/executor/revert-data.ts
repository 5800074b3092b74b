/** Finds the revert data in whatever error an ethers call, a Hardhat provider or a JSON-RPC node threw. */
import { decodeRevert } from "../errors.js";
import { RevertError } from "../failures.js";

const isData = (v: unknown): v is string => typeof v === "string" && /^0x([0-9a-fA-F]{2})*$/.test(v) && v.length >= 10;

/** The revert data inside `err`, however deeply it is wrapped (`data`, `data.data`, then `error`, `info`, `cause`). */
export function revertDataOf(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 6) return undefined;
  const e = err as Record<string, unknown>;
  if (isData(e.data)) return e.data;
  if (e.data && typeof e.data === "object" && isData((e.data as Record<string, unknown>).data)) {
    return (e.data as Record<string, unknown>).data as string;
  }
  for (const key of ["error", "info", "cause"]) {
    const found = revertDataOf(e[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Whether the error is a revert (the node executed the call and it failed), as opposed to a failure of the node or the
 * transport. ethers turns *every* JSON-RPC error answer to eth_call or eth_estimateGas into a CALL_EXCEPTION ("missing
 * revert data"), a node's "header not found" or "internal error" included; those are not reverts and must not be
 * treated as the contract's verdict (a permanent revert opens the breaker). So a CALL_EXCEPTION without revert data
 * counts only when the node's own message says it reverted.
 */
export function isRevert(err: unknown): boolean {
  if (revertDataOf(err)) return true;
  const e = err as { code?: unknown; info?: { error?: { message?: unknown } }; reason?: unknown };
  if (e?.code !== "CALL_EXCEPTION") return false;
  const nodeMessage = e.info?.error?.message;
  if (typeof nodeMessage === "string") return /revert/i.test(nodeMessage);
  return true; // raised by ethers itself from a receipt or a decoded result: a revert
}

/** A `RevertError` naming the error when the data is one the decoder knows. */
export function toRevertError(context: string, err: unknown): RevertError {
  const data = revertDataOf(err);
  const decoded = decodeRevert(data);
  const what = decoded ? decoded.text : data ? `unknown revert ${data.slice(0, 10)}` : "revert without data";
  return new RevertError(`${context}: ${what}`, data, decoded, { cause: err });
}
