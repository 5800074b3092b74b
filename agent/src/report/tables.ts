/**
 * The report's figures as tables, one model for both pages: the Markdown file prints them, the HTML page prints them
 * beside its charts (with each figure's exact value in a `data-raw` attribute, so a reader or a test can check it
 * against the chain).
 */
import { formatAmount, formatBps, formatChainTime, formatDuration, shortAddress } from "../util/format.js";
import { returnBps } from "../yield/returns.js";
import { strategyLabelOf } from "./labels.js";
import type { GovernanceReport, ReportOccurrence } from "./types.js";

/** A cell: its text, and the exact figure behind it (a base-unit amount, a block). */
export interface Cell {
  text: string;
  raw?: string;
  /** What the figure is, for `data-field` in the page. */
  field?: string;
}

export interface Table {
  id: string;
  title: string;
  /** Where the figures come from, in words. */
  source: string;
  headers: string[];
  rows: Cell[][];
  /** Said when there is no row. */
  empty: string;
}

const cell = (text: string, raw?: bigint | number | string, field?: string): Cell => ({
  text,
  ...(raw !== undefined ? { raw: String(raw) } : {}),
  ...(field ? { field } : {}),
});

export function amountText(r: GovernanceReport, v: bigint, digits = 2): string {
  return formatAmount(v, r.assetDecimals, digits, r.symbol || undefined);
}

export function sharePriceText(r: GovernanceReport, v: bigint): string {
  return formatAmount(v, r.assetDecimals, 6);
}

function samplesTable(r: GovernanceReport): Table {
  return {
    id: "samples",
    title: "Allocations and share price by block",
    source:
      "chain: the lens's snapshot at each block (a historical call); live values (previewRedeem of the vault's shares)",
    headers: ["block", "time", ...r.strategies.map((s) => s.label), "idle", "total assets", "share price"],
    rows: r.samples.map((s) => [
      cell(String(s.block), s.block, "block"),
      cell(formatChainTime(s.time), s.time, "time"),
      ...r.strategies.map((x) => cell(amountText(r, s.values[x.address] ?? 0n), s.values[x.address] ?? 0n, x.address)),
      cell(amountText(r, s.idle), s.idle, "idle"),
      cell(amountText(r, s.totalAssets), s.totalAssets, "totalAssets"),
      cell(sharePriceText(r, s.sharePrice), s.sharePrice, "sharePrice"),
    ]),
    empty: "no sample",
  };
}

function yieldTable(r: GovernanceReport): Table {
  const y = r.yield;
  const row = (name: string, field: string, end: bigint) => {
    const { bps, annual } = returnBps(end, y.principal, y.periodSeconds);
    return [
      cell(name),
      cell(amountText(r, end), end, field),
      cell(amountText(r, end - y.principal), end - y.principal),
      cell(`${(bps / 100).toFixed(4)}%`),
      cell(formatBps(annual)),
    ];
  };
  return {
    id: "yield",
    title: `Yield over ${formatDuration(y.periodSeconds)}, from ${amountText(r, y.principal)} at block ${y.fromBlock}`,
    source:
      "chain: the vault's value at the first sample where it held assets, grown at its share price, against the same value left idle and split equally across the strategies listed then (idle buffer kept), valued with each strategy's ERC-4626 totals at the last sample",
    headers: ["", "end value", "earned", "return", "annualized"],
    rows: [
      row("the agent", "agent", y.agent),
      row("everything idle", "idle", y.idle),
      row("fixed equal split", "equalSplit", y.equalSplit),
    ],
    empty: "",
  };
}

function rebalancesTable(r: GovernanceReport): Table {
  return {
    id: "rebalances",
    title: `Rebalances (${r.rebalances.length})`,
    source:
      "chain: Rebalanced and RebalanceLeg events; the reason from the decision record with the same intent hash, when given",
    headers: ["block", "time", "session", "volume", "loss", "moves", "transaction", "intent hash", "reason"],
    rows: r.rebalances.map((b) => [
      cell(String(b.block), b.block, "block"),
      cell(formatChainTime(b.time)),
      cell(`#${b.sessionId}`),
      cell(amountText(r, b.volume), b.volume, "volume"),
      cell(amountText(r, b.loss), b.loss, "loss"),
      cell(
        b.legs
          .map(
            (l) =>
              `${strategyLabelOf(r, l.strategy)} ${formatAmount(l.before, r.assetDecimals)} → ${formatAmount(l.after, r.assetDecimals)}`,
          )
          .join("; "),
      ),
      cell(b.txHash, b.txHash, "tx"),
      cell(b.intentHash, b.intentHash, "intentHash"),
      cell(b.reason ? `${b.reason} (${b.reasonSource})` : "no record given"),
    ]),
    empty: "no rebalance in the period",
  };
}

function budgetsTable(r: GovernanceReport): Table {
  const of = (used: bigint, max: bigint) =>
    max === 0n ? "-" : `${amountText(r, used)} of ${amountText(r, max)} (${formatBps(Number((used * 10_000n) / max))})`;
  return {
    id: "budgets",
    title: "Budget used per session",
    source:
      "chain: SessionConsumed events in the period against the session's limits (its stored record at the last block)",
    headers: [
      "session",
      "agent",
      "calls",
      "volume",
      "largest call of per-call limit",
      "peak epoch volume of limit",
      "peak calls in an epoch",
      "own loss allowance used",
      "state",
    ],
    rows: r.budgets.map((b) => [
      cell(`#${b.sessionId}`, b.sessionId, "session"),
      cell(shortAddress(b.agent)),
      cell(String(b.calls), b.calls, "calls"),
      cell(amountText(r, b.volume), b.volume, "volume"),
      cell(of(b.largestCall, b.maxVolumePerCall)),
      cell(of(b.peakEpochVolume, b.maxVolumePerEpoch), b.peakEpochVolume, "peakEpochVolume"),
      cell(`${b.peakEpochCalls} of ${b.maxCallsPerEpoch}`),
      cell(
        b.maxLoss === 0n
          ? "none of its own"
          : `${formatAmount(b.lossUsed, r.assetDecimals, r.assetDecimals)} of ${formatAmount(b.maxLoss, r.assetDecimals, r.assetDecimals)}`,
      ),
      cell(b.revoked ? "revoked" : b.validUntil < r.to ? "expired" : `valid until ${formatChainTime(b.validUntil)}`),
    ]),
    empty: "no session of this vault in the period",
  };
}

function occurrences(id: string, title: string, source: string, list: ReportOccurrence[], empty: string): Table {
  return {
    id,
    title: `${title} (${list.length})`,
    source,
    headers: ["time", "block", "source", "what", "transaction"],
    rows: list.map((o) => [
      cell(formatChainTime(o.time)),
      cell(o.block === undefined ? "-" : String(o.block)),
      cell(o.source, o.source, "source"),
      cell(o.what),
      cell(o.txHash ?? "-"),
    ]),
    empty,
  };
}

export function reportTables(r: GovernanceReport): Table[] {
  return [
    samplesTable(r),
    yieldTable(r),
    rebalancesTable(r),
    budgetsTable(r),
    occurrences(
      "rejections",
      "Rejections",
      "chain: SessionLossBudgetSpent (a rebalance refused for a session's own loss allowance); journal: the daemon's intents that reverted, were dropped or cancelled; event log: plans the daemon's check mirror or simulation refused before sending",
      r.rejections,
      "no rejection seen",
    ),
    occurrences(
      "stand-downs",
      "Stand-downs",
      "chain: what stops every agent of the vault (agents paused, sessions revoked or expired); event log: when the daemon stood down, why, and when it resumed",
      r.standDowns,
      "no pause, revocation or expiry in the period",
    ),
    occurrences(
      "quarantines",
      "Quarantines",
      "chain: StrategyFrozen and FreezeCleared; event log, else quarantine list: strategies the daemon quarantined in the period",
      r.quarantines,
      "no strategy frozen or quarantined",
    ),
  ];
}
