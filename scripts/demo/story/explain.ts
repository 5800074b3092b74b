/**
 * 9. Every rebalance explained: `treasury-agent explain` replays each one from its decision record in the daemon's
 * journal (record hash against the chain's intent hash, the vault re-read at the record's block, the planner re-run on
 * the recorded inputs) and counts those reproduced exactly.
 */
import { explainDecision } from "@agent-treasury/agent";
import type { JsonRpcProvider } from "ethers";
import type { DemoSummary } from "../summary.js";
import type { Stage } from "./stage.js";

export async function explainRebalances(
  stage: Stage,
  rpc: JsonRpcProvider,
  journalPath: string,
  rebalances: DemoSummary["rebalances"],
): Promise<NonNullable<DemoSummary["explain"]>> {
  const result: NonNullable<DemoSummary["explain"]> = { reproduced: 0, total: rebalances.length, diverged: [] };
  for (const r of rebalances) {
    const e = await explainDecision(rpc, {
      hash: r.txHash,
      source: { kind: "journal", file: journalPath },
      lens: stage.addresses.lens,
    });
    if (e.reproduced) result.reproduced++;
    else result.diverged.push({ txHash: r.txHash, divergences: e.divergences.map((d) => d.kind) });
  }
  return result;
}
