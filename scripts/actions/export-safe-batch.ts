/**
 * The same calls as a bounds proposal, as a Safe Transaction Builder batch (for DAOs whose governance is a Safe).
 * The calls are simulated from the governance address first; the file carries the builder's checksum.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import type { BoundsChange, PlannedCall } from "../lib/bounds-changes.js";
import { describeChanges, planCalls } from "../lib/bounds-changes.js";
import type { TreasuryContext } from "../lib/context.js";
import { parseAddress } from "../lib/parse.js";
import { assertSimulationsPass, simulateCalls } from "../lib/simulate.js";

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

export async function exportSafeBatch(
  ctx: TreasuryContext,
  options: { changes: BoundsChange[]; title?: string; safe?: string; createdAt?: number },
): Promise<{ batch: SafeBatch; calls: PlannedCall[] }> {
  const calls = await planCalls(ctx, options.changes);
  const safe = options.safe ? parseAddress(options.safe, "--safe") : await ctx.vault.governance();
  ctx.log(`Simulating ${calls.length} call${calls.length === 1 ? "" : "s"} from ${safe}`);
  assertSimulationsPass(await simulateCalls(ctx, calls, safe), safe);
  const description = describeChanges(ctx, calls, options.title);
  const batch: SafeBatch = {
    version: "1.0",
    chainId: String(ctx.chainId),
    createdAt: options.createdAt ?? Date.now(),
    meta: {
      name: description.split("\n")[0].replace(/^# /, ""),
      description,
      txBuilderVersion: TX_BUILDER_VERSION,
      createdFromSafeAddress: safe,
      createdFromOwnerAddress: "",
    },
    transactions: calls.map((c) => ({
      to: c.target,
      value: c.value.toString(),
      data: c.data,
      contractMethod: null,
      contractInputsValues: null,
    })),
  };
  batch.meta.checksum = safeBatchChecksum(batch);
  return { batch, calls };
}
