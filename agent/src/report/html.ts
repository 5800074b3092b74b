/**
 * The report as one self-contained HTML page: inline CSS, inline SVG charts, no script, and a Content-Security-Policy
 * that lets the page fetch nothing. Each table cell with a figure carries its exact value (`data-raw`).
 */
import { formatBps } from "../util/format.js";
import { barChart, escapeXml, IDLE_COLOR, legend, lineChart, stackedArea } from "../charts/svg.js";
import { periodText, reportTitle } from "./markdown.js";
import { returnBps } from "../yield/returns.js";
import { amountText, type Cell, reportTables, type Table } from "./tables.js";
import type { GovernanceReport } from "./types.js";

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 4px}
.meta{color:#4b5566;margin:2px 0}.source{color:#5d6778;font-size:12px;margin:0 0 8px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}.chart{border:1px solid #dde2ea;border-radius:6px;padding:8px}
.chart h3{font-size:14px;margin:0 0 4px}svg{width:100%;height:auto;font-size:11px;fill:#4b5566}
svg .grid{stroke:#e4e8ef;stroke-width:1}svg .line{fill:none;stroke:#2f6fbd;stroke-width:2}svg circle{fill:#2f6fbd}
.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:12px;font-size:12px}
.legend span{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse;width:100%;font-size:12px;margin-bottom:8px}th,td{border-bottom:1px solid #e4e8ef;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f6f9}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.hash{font-family:ui-monospace,monospace;font-size:11px;word-break:break-all}
.empty{color:#5d6778;font-style:italic}
`;

const h = escapeXml;

function cellHtml(c: Cell): string {
  const attrs = [
    c.raw !== undefined ? ` data-raw="${h(c.raw)}"` : "",
    c.field ? ` data-field="${h(c.field)}"` : "",
    /^[-\d,. ]+( \S+)?%?$/.test(c.text) ? ' class="num"' : /^0x[0-9a-fA-F]{64}$/.test(c.text) ? ' class="hash"' : "",
  ].join("");
  return `<td${attrs}>${h(c.text)}</td>`;
}

function tableHtml(t: Table): string {
  const body =
    t.rows.length === 0
      ? `<p class="empty">${h(t.empty)}</p>`
      : `<table data-table="${t.id}"><thead><tr>${t.headers.map((x) => `<th>${h(x)}</th>`).join("")}</tr></thead><tbody>${t.rows
          .map((r) => `<tr data-row="${t.id}">${r.map(cellHtml).join("")}</tr>`)
          .join("")}</tbody></table>`;
  return `<section id="${t.id}"><h2>${h(t.title)}</h2><p class="source">Source: ${h(t.source)}.</p>${body}</section>`;
}

function charts(r: GovernanceReport): string {
  const unit = 10n ** BigInt(r.assetDecimals);
  const times = r.samples.map((s) => s.time);
  const series = [
    ...r.strategies.map((s) => ({ label: s.label, values: r.samples.map((x) => x.values[s.address] ?? 0n) })),
    { label: "Idle", values: r.samples.map((x) => x.idle), color: IDLE_COLOR },
  ];
  const y = r.yield;
  const choice = (label: string, end: bigint) => {
    const { bps } = returnBps(end, y.principal, y.periodSeconds);
    return {
      label,
      value: Number(end - y.principal) / Number(unit),
      text: `${amountText(r, end - y.principal)} (${formatBps(bps)})`,
    };
  };
  const budgets = r.budgets.map((b) => {
    const pct = b.maxVolumePerEpoch === 0n ? 0 : Number((b.peakEpochVolume * 10_000n) / b.maxVolumePerEpoch) / 100;
    return {
      label: `session #${b.sessionId}`,
      value: pct,
      text: `${pct.toFixed(2)}% of its epoch volume, ${b.calls} calls`,
    };
  });
  const chart = (title: string, svg: string, extra = "") =>
    `<div class="chart"><h3>${h(title)}</h3>${svg}${extra}</div>`;
  return `<section id="charts"><div class="charts">${[
    chart(
      `Allocations over time${r.symbol ? ` (${r.symbol})` : ""}`,
      stackedArea("allocations", "allocations per strategy and idle, stacked", times, series, unit),
      legend(series),
    ),
    chart(
      "Share price",
      lineChart(
        "share-price",
        "the vault's share price",
        times,
        { label: "share price", values: r.samples.map((s) => s.sharePrice) },
        unit,
      ),
    ),
    chart(
      "Earned over the period",
      barChart("yield", "earned by the agent, everything idle and a fixed equal split", [
        choice("the agent", y.agent),
        choice("everything idle", y.idle),
        choice("fixed equal split", y.equalSplit),
      ]),
    ),
    chart(
      "Budget used per session (peak epoch volume)",
      budgets.length > 0
        ? barChart("budgets", "peak share of each session's epoch volume used", budgets)
        : '<p class="empty">no session in the period</p>',
    ),
  ].join("")}</div></section>`;
}

export function renderHtml(r: GovernanceReport): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(reportTitle(r))}</title><style>${CSS}</style></head><body>`,
    `<h1>${h(reportTitle(r))}</h1>`,
    `<p class="meta">Chain ${r.chainId}, ${h(periodText(r))}; ${r.samples.length} samples at block intervals.</p>`,
    `<p class="meta">Read: ${h(r.sources.join("; "))}.</p>`,
    charts(r),
    ...reportTables(r).map(tableHtml),
    "</body></html>",
    "",
  ].join("\n");
}
