/**
 * What-if before a vote: the agent's past rebalances replayed under a proposed bounds change (the agent's `whatIf`),
 * from the daemon's decision records. Reads the chain only; sends nothing.
 */
import { type BoundsChange, type WhatIf, whatIf, whatIfRecords } from "@agent-treasury/agent";
import { planCalls } from "../lib/bounds-changes.js";
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";

export interface WhatIfBoundsOptions {
  changes: BoundsChange[];
  /** The window, in days before the latest block. */
  days: number;
  /** The daemon's journal file or a folder of its published records. */
  journal?: string;
  /** The daemon's configuration file (its records folder). */
  config?: string;
}

export async function whatIfBounds(ctx: TreasuryContext, options: WhatIfBoundsOptions): Promise<WhatIf> {
  // The changes as propose would encode them: unknown or unlisted strategies are refused before any replay.
  await planCalls(ctx, options.changes);
  try {
    const { records, origin } = whatIfRecords({
      ...(options.journal !== undefined ? { journal: options.journal } : {}),
      ...(options.config !== undefined ? { config: options.config } : {}),
    });
    return await whatIf(ctx.ethers.provider, {
      vault: ctx.addresses.vault,
      lens: ctx.addresses.lens,
      records,
      origin,
      changes: options.changes,
      days: options.days,
    });
  } catch (error) {
    // The agent's usage errors (no records, a missing journal) are the caller's to fix: exit code 2.
    if (error instanceof Error && error.name === "UsageError") throw new InputError(error.message, { cause: error });
    throw error;
  }
}
