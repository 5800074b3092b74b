/**
 * The same calls as a bounds or roles proposal, as a Safe Transaction Builder batch (for DAOs whose governance is a
 * Safe). The Safe is `--safe`, else the one the addresses file records (a TreasuryOnSafe deployment), else the
 * treasury's governance (or, for --accept-governance, its pending governance) when that is a Safe. The calls are
 * simulated from the Safe first; the file carries the builder's checksum.
 */
import { type SafeBatch, safeBatch, safeBatchChecksum, TX_BUILDER_VERSION } from "@agent-treasury/agent";
import type { BoundsChange, PlannedCall } from "../lib/bounds-changes.js";
import { describeChanges, planCalls } from "../lib/bounds-changes.js";
import type { TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { isSafe } from "../lib/governance-shape.js";
import { parseAddress } from "../lib/parse.js";
import { assertSimulationsPass, simulateCalls } from "../lib/simulate.js";

/** The batch format lives with the agent, whose drafted proposals carry one too. */
export { type SafeBatch, safeBatchChecksum, TX_BUILDER_VERSION };

/** The Safe the batch is for (see the header); an InputError when none is given and none can be found. */
export async function chooseSafe(ctx: TreasuryContext, changes: BoundsChange[], given?: string): Promise<string> {
  if (given !== undefined) {
    const safe = parseAddress(given, "--safe");
    if (!(await isSafe(ctx.ethers, safe))) {
      throw new InputError(
        `--safe: ${safe} is not a Safe on ${ctx.networkName} (chain ${ctx.chainId}): it does not answer getOwners() and getThreshold()`,
      );
    }
    return safe;
  }
  const accepting = changes.some((c) => c.kind === "acceptGovernance");
  const executor = accepting ? await ctx.sessions.pendingGovernance() : await ctx.sessions.governance();
  if (ctx.addresses.safe) {
    if (ctx.addresses.safe === executor) return ctx.addresses.safe;
    throw new InputError(
      `the addresses file's Safe ${ctx.addresses.safe} is not the treasury's ${accepting ? "pending governance" : "governance"} (${executor}): ` +
        "governance has moved; pass --safe <address> of the Safe that makes these calls, or update the addresses file",
    );
  }
  if (await isSafe(ctx.ethers, executor)) return executor;
  const role = accepting ? "pending governance" : "governance";
  const what = executor === ctx.addresses.timelock ? `the Timelock ${executor}` : executor;
  throw new InputError(
    `no Safe given: the addresses file records none and the treasury's ${role} is ${what}, not a Safe; ` +
      "pass --safe <address> of the Safe that makes these calls" +
      (executor === ctx.addresses.timelock ? ", or propose them through the Governor (`propose`)" : ""),
  );
}

export async function exportSafeBatch(
  ctx: TreasuryContext,
  options: { changes: BoundsChange[]; title?: string; safe?: string; createdAt?: number },
): Promise<{ batch: SafeBatch; calls: PlannedCall[] }> {
  const calls = await planCalls(ctx, options.changes);
  const safe = await chooseSafe(ctx, options.changes, options.safe);
  ctx.log(`Simulating ${calls.length} call${calls.length === 1 ? "" : "s"} from ${safe}`);
  assertSimulationsPass(await simulateCalls(ctx, calls, safe), safe);
  const description = describeChanges(ctx, calls, options.title);
  const batch = safeBatch({
    chainId: ctx.chainId,
    safe,
    description,
    createdAt: options.createdAt ?? Date.now(),
    calls,
  });
  return { batch, calls };
}
