/**
 * The Safe Transaction Builder's batch format (its import file), shared by the operator CLI's `safe-batch` and the
 * daemon's drafted proposals: the same calls, loadable in the Safe app (Apps > Transaction Builder > drag and drop).
 */
import { keccak256, toUtf8Bytes } from "ethers";

/** The Transaction Builder version whose import format this follows. */
export const TX_BUILDER_VERSION = "1.18.0";

export interface SafeBatchTransaction {
  to: string;
  value: string;
  data: string;
  contractMethod: null;
  contractInputsValues: null;
}

export interface SafeBatch {
  version: "1.0";
  chainId: string;
  createdAt: number;
  meta: {
    name: string;
    description: string;
    txBuilderVersion: string;
    createdFromSafeAddress: string;
    createdFromOwnerAddress: string;
    checksum?: string;
  };
  transactions: SafeBatchTransaction[];
}

/** Canonical serialization of the Transaction Builder (sorted keys, `undefined` as null). */
function serialize(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(serialize).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${JSON.stringify(keys)}${keys.map((k) => `${serialize((value as Record<string, unknown>)[k])},`).join("")}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

/** The checksum the Transaction Builder verifies on import: keccak256 of the batch without it, name blanked. */
export function safeBatchChecksum(batch: SafeBatch): string {
  const { checksum: _ignored, ...meta } = batch.meta;
  return keccak256(toUtf8Bytes(serialize({ ...batch, meta: { ...meta, name: null } })));
}

/** A batch of `calls` from `safe`, its checksum set; the name is the description's first line. */
export function safeBatch(options: {
  chainId: bigint | number | string;
  safe: string;
  description: string;
  createdAt: number;
  calls: readonly { target: string; value: bigint; data: string }[];
}): SafeBatch {
  const batch: SafeBatch = {
    version: "1.0",
    chainId: String(options.chainId),
    createdAt: options.createdAt,
    meta: {
      name: options.description.split("\n")[0]!.replace(/^# /, ""),
      description: options.description,
      txBuilderVersion: TX_BUILDER_VERSION,
      createdFromSafeAddress: options.safe,
      createdFromOwnerAddress: "",
    },
    transactions: options.calls.map((c) => ({
      to: c.target,
      value: c.value.toString(),
      data: c.data,
      contractMethod: null,
      contractInputsValues: null,
    })),
  };
  batch.meta.checksum = safeBatchChecksum(batch);
  return batch;
}
