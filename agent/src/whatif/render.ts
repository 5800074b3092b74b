/** The what-if in words: a line per replayed rebalance, and a few summary lines a proposal's description carries. */
import { formatPredicted } from "../checks/verdict.js";
import { formatErrorForPeople } from "../errors.js";
import { formatAmount, formatChainTime } from "../util/format.js";
import type { ReplayedRebalance, WhatIf } from "./what-if.js";

function signed(value: bigint, decimals: number): string {
  return `${value < 0n ? "-" : "+"}${formatAmount(value < 0n ? -value : value, decimals)}`;
}

/** The summary: counts, the yield difference, and the changes left out. */
export function whatIfSummary(w: WhatIf): string[] {
  const count = (s: string) => w.rebalances.filter((r) => r.status === s).length;
  const amount = (v: bigint) => formatAmount(v, w.assetDecimals);
  const n = w.rebalances.length;
  const lines = [
    `What-if over the last ${w.days} days (${formatChainTime(w.from)} to ${formatChainTime(w.to)}): ` +
      `${n} past rebalance${n === 1 ? "" : "s"} replayed under the proposed bounds: ` +
      `${count("blocked")} blocked, ${count("changed")} changed, ${count("allowed")} allowed.`,
    `Expected yield of the planned allocations over the window: recorded ${amount(w.recordedYield)}, ` +
      `proposed ${amount(w.proposedYield)} (${signed(w.proposedYield - w.recordedYield, w.assetDecimals)}).`,
  ];
  if (w.model.notModeled.length > 0) lines.push(`Not modeled: ${w.model.notModeled.join("; ")}.`);
  if (w.model.noBearing.length > 0)
    lines.push(`No bearing on the agent's rebalances: ${w.model.noBearing.join("; ")}.`);
  if (w.model.assumptions.length > 0) lines.push(`Assumed: ${w.model.assumptions.join("; ")}.`);
  return lines;
}

function rebalanceLines(r: ReplayedRebalance, decimals: number): string[] {
  const error = (e: Parameters<typeof formatPredicted>[0]) => formatErrorForPeople(formatPredicted(e), { decimals });
  const head = `${formatChainTime(r.at)} block ${r.blockNumber} tx ${r.txHash}: ${r.status}`;
  const lines = [r.error ? `${head}: ${error(r.error)}` : head];
  if (r.status === "allowed") return lines;
  if (r.replanned.kind === "hold") lines.push(`  the planner would hold: ${r.replanned.reason}`);
  else {
    const targets = r.replanned.targets.map((t) => `${t.strategy} ${formatAmount(t.assets, decimals)}`).join(", ");
    lines.push(
      `  the planner would move to ${targets}` +
        (r.replannedError ? `, refused too: ${error(r.replannedError)}` : ` (${r.replanned.reason})`),
    );
  }
  lines.push(
    `  expected yield to the next decision: ${formatAmount(r.recordedYield, decimals)} -> ${formatAmount(r.proposedYield, decimals)}`,
  );
  return lines;
}

/** The whole what-if: the summary, then each replayed rebalance. */
export function renderWhatIf(w: WhatIf): string {
  const lines = [...whatIfSummary(w), `Records: ${w.source}.`];
  if (w.notOnChain > 0) lines.push(`${w.notOnChain} record(s) in the window match no rebalance on chain: left out.`);
  if (w.notReplayable > 0) lines.push(`${w.notReplayable} version 1 record(s) carry no planner inputs: left out.`);
  for (const r of w.rebalances) lines.push(...rebalanceLines(r, w.assetDecimals));
  return lines.join("\n");
}
