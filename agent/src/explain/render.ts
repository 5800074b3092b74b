/** `explain` output: the decision in words and every divergence, as text or JSON. */
import { toCanonical } from "../util/json.js";
import { formatAmount, shortAddress, tokenUnits } from "../util/format.js";
import type { ExplainDivergence, Explanation } from "./run-explain.js";

/** A divergence in lines; amounts with every digit (a one-unit edit shows). */
function divergenceLine(d: ExplainDivergence, amount: (v: bigint | undefined) => string): string[] {
  switch (d.kind) {
    case "not-on-chain":
      return [`not on chain: no Rebalanced event carries intent ${d.intentHash}`];
    case "record-hash":
      return [`record hash ${d.computed} ≠ on-chain intent ${d.expected}: the record is not the one the agent sent`];
    case "settings-hash":
      return [`the record's settings hash to ${d.computed}, not to its settingsHash ${d.recorded} (edited record)`];
    case "settings":
      return [
        `settings hash ${d.givenHash} ≠ recorded ${d.recordedHash}; keys that differ:`,
        ...d.keys.map((k) => `  ${k.key}: recorded ${k.recorded ?? "(none)"}, given ${k.given ?? "(none)"}`),
      ];
    case "state":
      return [
        `state digest at the record's block ${d.computed} ≠ recorded ${d.recorded}; fields that differ: ${d.fields.join(", ") || "(unknown)"}`,
      ];
    case "targets":
      return [
        d.rederived.kind === "hold"
          ? `targets differ: the planner now holds (${d.rederived.reason})`
          : "targets differ:",
        ...d.strategies.map(
          (s) => `  ${s.strategy}: recorded ${amount(s.recorded)}, re-derived ${amount(s.rederived)}`,
        ),
      ];
    case "reason":
      return [`same targets, another reason: recorded "${d.recorded}", re-derived "${d.rederived}"`];
  }
}

export function renderExplanation(e: Explanation): string {
  const amount = (v: bigint | undefined) => (v === undefined ? "(none)" : formatAmount(v, e.assetDecimals));
  const r = e.record;
  const lines = [
    `intent ${e.intentHash} (${e.source})`,
    e.onChain.found
      ? `on chain: tx ${e.onChain.txHash} in block ${e.onChain.blockNumber}`
      : "on chain: no rebalance carries this intent hash",
    `vault ${r.vault}, agent ${r.agent}, session ${r.sessionId}, planned at block ${r.blockNumber} by ${r.planner} ${r.plannerVersion ?? ""} (settings from the ${e.settingsFrom})`,
  ];
  if (e.words) {
    lines.push(`reason: ${e.words.reason}`);
    lines.push(`  idle: ${amount(e.words.idle.from)} → ${amount(e.words.idle.to)}: ${e.words.idle.why}`);
    for (const s of e.words.strategies)
      lines.push(`  #${s.index} ${shortAddress(s.strategy)}: ${amount(s.from)} → ${amount(s.to)}: ${s.why.join("; ")}`);
  }
  if (e.reproduced) lines.push("reproduced: the planner re-derives the recorded targets exactly");
  else {
    lines.push("DIVERGES:");
    const exact = (v: bigint | undefined) => (v === undefined ? "(none)" : tokenUnits(v, e.assetDecimals));
    for (const d of e.divergences) lines.push(...divergenceLine(d, exact).map((l) => `- ${l}`));
  }
  return lines.join("\n");
}

export function explanationJson(e: Explanation): string {
  return JSON.stringify(toCanonical(e), null, 2);
}
