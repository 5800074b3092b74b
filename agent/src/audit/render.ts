/** The audit and the authority inventory as text (tables) and as JSON (amounts as decimal strings). */
import { formatAmount, formatChainTime, formatDuration, renderTable, shortAddress } from "../util/format.js";
import { toCanonical } from "../util/json.js";
import { describeLossAllowance } from "../session/assess.js";
import type { AuditReport } from "./audit.js";
import type { AuthorityInventory, AuthorityWarning } from "./authority.js";

const MATCH_TEXT = { matched: "matched", unmatched: "NO RECORD", mismatch: "MISMATCH", unchecked: "-" } as const;

/** A table whose text columns (`left`) read from the left: their cells and headers padded to one width first. */
function textTable(headers: string[], rows: string[][], left: number[]): string {
  const head = [...headers];
  for (const c of left) {
    const width = Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length));
    head[c] = head[c]!.padEnd(width);
    for (const r of rows) r[c] = r[c]!.padEnd(width);
  }
  return renderTable(head, rows);
}

/** JSON text for `--json`: bigints as decimal strings, keys sorted. */
export function toJson(value: unknown): string {
  return JSON.stringify(toCanonical(value), null, 2);
}

export function renderAudit(r: AuditReport): string {
  const lines = [
    `Audit of vault ${r.vault} (session manager ${r.sessionManager}) on chain ${r.chainId}, blocks ${r.fromBlock} to ${r.toBlock}`,
    `  ${r.rows.length} events read in ${r.pages} log queries (${r.blockRange} blocks each at most); ${r.otherLogs} other logs of the vault (deposits, withdrawals, transfers) not listed`,
    r.records
      ? `  records: ${r.records.count} from ${r.records.source}${r.records.problems.length ? `; ${r.records.problems.length} unusable:\n    ${r.records.problems.join("\n    ")}` : ""}`
      : "  records: none given (--journal or --records): nothing matched",
    `  agent keys: ${r.agents.join(", ") || "none"}; nonce check: ${r.nonceCheck}`,
    "",
  ];
  const rows = r.rows.map((row) => [
    String(row.block),
    formatChainTime(row.time),
    row.event,
    shortAddress(row.sender),
    row.match ? MATCH_TEXT[row.match] : "",
    row.detail,
  ]);
  lines.push(
    rows.length > 0
      ? textTable(["block", "time", "event", "sender", "record", "detail"], rows, [2, 5])
      : "(no event in these blocks)",
  );
  lines.push("", "Actions of agent keys:");
  const actions = r.actions.map((a) => [
    String(a.block),
    a.kind,
    shortAddress(a.agent),
    a.sessionId === undefined ? "-" : `#${a.sessionId}`,
    a.txHash ?? "-",
    MATCH_TEXT[a.status],
    a.note,
  ]);
  lines.push(
    actions.length > 0
      ? textTable(["block", "action", "agent", "session", "transaction", "record", "note"], actions, [1, 6])
      : "  (none)",
  );
  lines.push("");
  if (!r.records) lines.push(`${r.actions.length} agent actions, not matched (no records given).`);
  else if (r.unmatched === 0) lines.push(`All ${r.actions.length} agent actions match a record.`);
  else lines.push(`${r.unmatched} of ${r.actions.length} agent actions have no matching record.`);
  return lines.join("\n");
}

export function renderAuthority(inv: AuthorityInventory, warnings: AuthorityWarning[]): string {
  const amt = (v: bigint) => formatAmount(v, inv.assetDecimals);
  const lines = [
    `Authorities over vault ${inv.vault} on chain ${inv.chainId} at block ${inv.blockNumber}, ${formatChainTime(inv.now)}`,
    `  governance     ${inv.governance}${inv.timelock ? ` (Timelock, minimum delay ${formatDuration(inv.timelock.minDelay)})` : " (not a Timelock: no delay)"}`,
  ];
  if (inv.pendingGovernance)
    lines.push(`  pending        ${inv.pendingGovernance} (proposed as governance; becomes it by accepting)`);
  lines.push(
    `  guardian       ${inv.guardian}`,
    `  session admin  ${inv.sessionAdmin}`,
    ...(inv.adminModule
      ? [
          `  admin module   ${inv.adminModule} (code run on the vault's storage for governance and guardian calls; fixed)`,
        ]
      : []),
    `  agents         ${inv.agentsPaused ? "PAUSED" : "not paused"}`,
    `  ceilings       sessions up to ${formatDuration(inv.ceilings.maxDuration)}, ${amt(inv.ceilings.maxVolumePerCall)}/call, ${amt(inv.ceilings.maxVolumePerEpoch)}/epoch (session admin's grants)`,
  );
  if (inv.timelock) {
    lines.push("", "Timelock roles:");
    for (const [role, holders] of Object.entries(inv.timelock.roles))
      lines.push(`  ${role.padEnd(13)} ${holders.join(", ") || "(nobody)"}`);
    lines.push("", "Queued operations on the vault or the session manager:");
    const rows = inv.timelock.queued.map((q) => [
      q.id.slice(0, 10),
      q.targetName,
      q.ready ? "ready" : formatChainTime(q.readyAt),
      q.call,
    ]);
    lines.push(rows.length > 0 ? textTable(["operation", "target", "executable", "call"], rows, [1, 3]) : "  (none)");
    const governor = inv.timelock.governor;
    if (governor) {
      lines.push(
        "",
        `Governor ${governor.address}: proposals in their vote that call the vault or the session manager:`,
      );
      const open = governor.proposals.map((p) => [
        `${p.id}`.slice(0, 12),
        p.state,
        String(p.voteEnd),
        p.title,
        p.calls.join("; "),
      ]);
      lines.push(
        open.length > 0 ? textTable(["proposal", "state", "vote ends", "title", "calls"], open, [1, 3, 4]) : "  (none)",
      );
    }
  }
  lines.push("", "Live sessions:");
  const rows = inv.sessions.map((s) => [
    `#${s.id}`,
    s.session.agent,
    s.remaining.active ? "active" : "inactive",
    formatDuration(s.remaining.timeLeft),
    amt(s.remaining.volumePerCall),
    `${amt(s.remaining.volumeInEpoch)} of ${amt(s.session.maxVolumePerEpoch)}`,
    `${s.remaining.callsInEpoch} of ${s.session.maxCallsPerEpoch}`,
    s.session.reduceOnly ? "reduce-only" : "any",
    describeLossAllowance(s.session, s.remaining, inv.assetDecimals),
    s.scope.join(", ") || "-",
  ]);
  lines.push(
    rows.length > 0
      ? textTable(
          [
            "session",
            "agent",
            "state",
            "time left",
            "per call",
            "epoch volume left",
            "calls left",
            "moves",
            "loss allowance",
            "scope",
          ],
          rows,
          [7, 8, 9],
        )
      : "  (none)",
  );
  lines.push("", warnings.length > 0 ? `Warnings (${warnings.length}):` : "Warnings: none");
  for (const w of warnings) lines.push(`  [${w.code}] ${w.message}`);
  return lines.join("\n");
}
