/** Readable text for the CLI: vault status, sessions, and a dry-run plan. */
import { hintFor } from "../errors.js";
import type { SessionState, VaultSnapshot } from "../chain/types.js";
import { formatPredicted } from "../checks/verdict.js";
import type { TickReport } from "../daemon/vault-runner.js";
import type { JournalEntry } from "../executor/journal.js";
import type { Draft } from "../drafts/store.js";
import type { Hint } from "../drafts/evidence.js";
import type { QuarantineEntry } from "../quarantine/store.js";
import { assessSession, describeLossAllowance, type SessionPolicy } from "../session/assess.js";
import { BPS } from "../checks/math.js";
import {
  formatAmount,
  formatBps,
  formatChainTime,
  formatDuration,
  formatWadPercent,
  renderTable,
  shortAddress,
} from "../util/format.js";
import type { YieldEstimate } from "../yield/estimate.js";

export function renderVaultHeader(label: string, snap: VaultSnapshot): string {
  const amt = (v: bigint) => formatAmount(v, snap.assetDecimals);
  const idlePct = snap.totalAssets === 0n ? 0n : (snap.idle * BPS) / snap.totalAssets;
  return [
    `Vault ${label} (${snap.vault}) at block ${snap.blockNumber}, ${formatChainTime(snap.timestamp)}`,
    `  total assets ${amt(snap.totalAssets)}   idle ${amt(snap.idle)} (${formatBps(idlePct)}, buffer ${formatBps(snap.bounds.idleBufferBps)})` +
      `   loss limits ${formatBps(snap.bounds.maxLossPerCallBps)}/call, ${formatBps(snap.bounds.epochLossBudgetBps)}/epoch` +
      `   agents ${snap.agentsPaused ? "PAUSED" : "active"}`,
  ].join("\n");
}

export function renderStrategies(snap: VaultSnapshot, yields: ReadonlyMap<string, YieldEstimate>): string {
  const amt = (v: bigint) => formatAmount(v, snap.assetDecimals);
  const rows = snap.strategies.map((s) => {
    const share = snap.totalAssets === 0n ? 0n : (s.currentValue * BPS) / snap.totalAssets;
    const y = yields.get(s.strategy);
    return [
      `${shortAddress(s.strategy)} #${s.index}`,
      s.enabled ? "yes" : "no",
      amt(s.currentValue),
      formatBps(share),
      amt(s.absoluteCap),
      formatBps(s.relativeCapBps),
      y ? formatWadPercent(y.aprWad) : "-",
      amt(s.withdrawable),
    ];
  });
  return renderTable(["strategy", "enabled", "value", "share", "abs cap", "rel cap", "est. APR", "withdrawable"], rows);
}

/** One line per quarantined strategy, or that there is none. */
export function renderQuarantine(entries: QuarantineEntry[], snap: VaultSnapshot): string {
  if (entries.length === 0) return "  quarantine: none";
  const lines = entries.map((e) => {
    const index = snap.strategies.find((s) => s.strategy.toLowerCase() === e.strategy.toLowerCase())?.index;
    const what = e.exit ? "moving out as liquidity allows" : "left in place for governance";
    return `    ${shortAddress(e.strategy)}${index === undefined ? "" : ` #${index}`}: ${e.code} since block ${e.block}, ${what}: ${e.reason}`;
  });
  return [
    `  quarantine: ${entries.length} strateg${entries.length === 1 ? "y" : "ies"} (no new deposits; release with run --release-quarantine)`,
    ...lines,
  ].join("\n");
}

export function renderSessions(snap: VaultSnapshot, policy: SessionPolicy): string {
  if (snap.sessions.length === 0) return "  (no session for this agent)";
  const amt = (v: bigint) => formatAmount(v, snap.assetDecimals);
  const rows = snap.sessions.map((s: SessionState) => {
    const a = assessSession(s, snap.agentsPaused, snap.timestamp, policy);
    const scope = snap.strategies
      .filter((st) => ((s.session.scope >> BigInt(st.index)) & 1n) === 1n)
      .map((st) => `#${st.index}`);
    return [
      `#${s.id}`,
      a.status,
      `${formatChainTime(s.session.validAfter)} → ${formatChainTime(s.session.validUntil)}`,
      formatDuration(a.timeLeft),
      amt(s.remaining.volumePerCall),
      amt(s.remaining.volumeInEpoch),
      String(s.remaining.callsInEpoch),
      s.remaining.nextCallAt > snap.timestamp ? formatChainTime(s.remaining.nextCallAt) : "now",
      scope.join(" ") || "-",
      s.session.reduceOnly ? "reduce-only" : "any",
      describeLossAllowance(s.session, s.remaining, snap.assetDecimals),
    ];
  });
  return renderTable(
    [
      "session",
      "state",
      "valid",
      "left",
      "per call",
      "epoch volume",
      "calls",
      "next call",
      "scope",
      "moves",
      "loss allowance",
    ],
    rows,
  );
}

export function renderJournal(entries: JournalEntry[], decimals: number, last = 5): string {
  if (entries.length === 0) return "  (no decisions journaled)";
  const rows = entries.slice(-last).map((e) => {
    const lastAttempt = e.attempts[e.attempts.length - 1]!;
    return [
      e.record.createdAt.replace(/\.\d+Z$/, "Z"),
      `${e.intentHash.slice(0, 10)}…`,
      `${(e.outcome?.hash ?? lastAttempt.hash).slice(0, 10)}…`,
      String(e.record.nonce),
      String(e.attempts.length),
      e.outcome ? `${e.outcome.status}${e.outcome.error ? ` ${e.outcome.error}` : ""}` : "in flight",
      formatAmount(e.record.volume, decimals),
    ];
  });
  return renderTable(["decided", "intent", "tx", "nonce", "attempts", "outcome", "volume"], rows);
}

export function renderPlanReport(report: TickReport): string {
  const snap = report.snapshot;
  const amt = (v: bigint) => formatAmount(v, snap.assetDecimals);
  const out = [renderVaultHeader(report.label, snap), "", renderStrategies(snap, report.yields), ""];
  if (report.assessment) out.push(`Sessions: ${report.assessment.mode} (${report.assessment.reason})`);
  const plan = report.plan;
  if (!plan) {
    out.push(`Decision: ${report.result.kind}${"reason" in report.result ? ` (${report.result.reason})` : ""}`);
  } else if (plan.kind === "hold") {
    out.push(`Decision: hold [${plan.code}] ${plan.reason}`);
  } else {
    out.push(`Decision: rebalance${plan.forced ? " (restores a bound first)" : ""}`);
    out.push(
      renderTable(
        ["strategy", "from", "to", "move", "score"],
        plan.legs.map((l) => [
          shortAddress(l.strategy),
          amt(l.from),
          amt(l.to),
          `${l.to >= l.from ? "+" : "-"}${amt(l.to >= l.from ? l.to - l.from : l.from - l.to)}`,
          l.scoreWad === undefined ? "-" : formatWadPercent(l.scoreWad),
        ]),
      ),
    );
    out.push(
      `  volume ${amt(plan.volume)}   expected gain over the horizon ${amt(plan.expectedGain)}   gas ≈ ${amt(plan.gasCost)}`,
    );
    out.push(`  reason: ${plan.reason}`);
    if (report.verdict) {
      out.push(
        `  check mirror: ${report.verdict.ok ? "passes" : `REJECTS ${formatPredicted(report.verdict.error!)}`}` +
          `   (predicted loss ${amt(report.verdict.predictedLoss)}, idle after ${amt(report.verdict.idleAfter)})`,
      );
    }
    if (report.result.kind === "dry-run") {
      const hint = hintFor(/^(\w+)\(/.exec(report.result.simulation)?.[1]);
      out.push(`  simulation: ${report.result.simulation}${hint ? `: ${hint}` : ""}`);
    }
  }
  out.push("  dry run: nothing was signed or sent.");
  return out.join("\n");
}

/** The proposals the daemon drafted for the vault (open first), each with its figures, calls and file. */
export function renderDrafts(drafts: readonly Draft[], dir: string, hint?: Hint): string {
  const hintLine = hint ? [`  hint (${formatChainTime(hint.at)}): ${hint.text}`] : [];
  if (drafts.length === 0) return ["  drafted proposals: none", ...hintLine].join("\n");
  const ordered = [...drafts].sort((a, b) => (a.status === b.status ? b.at - a.at : a.status === "open" ? -1 : 1));
  const lines = [`  drafted proposals (never sent; in ${dir}):`];
  for (const d of ordered) {
    const gain = formatAmount(BigInt(d.figures.gainPerYear), d.figures.assetDecimals, 2);
    const state = d.status === "open" ? "open" : `superseded: ${d.superseded?.reason ?? ""}`;
    lines.push(`    ${d.hash} [${state}] ${d.kind ?? "caps"}, ${formatChainTime(d.at)}, about ${gain} a year`);
    for (const c of d.calls) lines.push(`      ${c.summary}`);
    lines.push(`      ${d.rationale}`);
    if (d.evidence) lines.push(`      evidence: ${d.evidence}`);
    lines.push(`      ${d.whatIf}`);
  }
  return [...lines, ...hintLine].join("\n");
}
