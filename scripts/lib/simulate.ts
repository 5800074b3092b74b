/**
 * Simulates governance calls with eth_call from the governance address (the Timelock, or a Safe), in order, before
 * anything is proposed or exported: a bounds change that would fail on execution never reaches a vote.
 */
import { decodeRevert, explainRevert, revertDataOf, type DecodedRevert } from "@agent-treasury/agent";
import type { TreasuryContext } from "./context.js";
import { OperationError } from "./errors.js";
import type { PlannedCall } from "./bounds-changes.js";

export interface SimulatedCall {
  call: PlannedCall;
  ok: boolean;
  revert?: DecodedRevert;
  /** The provider's message when the revert could not be decoded. */
  message?: string;
}

/** eth_call of each call from `from` at the latest block. Each call sees the current state, not the previous calls'. */
export async function simulateCalls(
  ctx: TreasuryContext,
  calls: PlannedCall[],
  from: string,
): Promise<SimulatedCall[]> {
  const results: SimulatedCall[] = [];
  for (const call of calls) {
    try {
      await ctx.ethers.provider.call({ from, to: call.target, data: call.data, value: call.value });
      results.push({ call, ok: true });
    } catch (error) {
      const revert = decodeRevert(revertDataOf(error));
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      results.push({ call, ok: false, revert, message: revert ? undefined : message });
    }
  }
  return results;
}

/** Throws an OperationError listing every call that would revert, with its decoded reason. */
export function assertSimulationsPass(results: SimulatedCall[], who: string): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return;
  const lines = failed.map((r) => {
    const index = results.indexOf(r) + 1;
    const why = r.revert ? explainRevert(r.revert) : (r.message ?? "reverted without a reason");
    return `  ${index}. ${r.call.summary} (${r.call.signature}): ${why}`;
  });
  throw new OperationError(
    `the change would fail when ${who} executes it, so nothing was proposed or exported:\n${lines.join("\n")}`,
    { revert: failed[0].revert },
  );
}
