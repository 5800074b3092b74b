/**
 * Charts as inline SVG (no script, nothing fetched), for the governance report and the daemon's dashboard: a stacked
 * area per strategy, lines, bars. Each series is one `path` or `rect` with `data-series`, `data-points` and, for the
 * series over time, `data-last` (its last value, exact, in base units), so a reader or a test can count what is drawn
 * and check the newest figure against the chain. Values are scaled to the plot as numbers.
 */

export interface Series {
  label: string;
  values: bigint[];
  /** Its colour (default: the palette's, by position). */
  color?: string;
}

/** The colour of idle assets in every chart (grey: they earn nothing). */
export const IDLE_COLOR = "#868e96";

const W = 720;
const H = 260;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };
export const PALETTE = ["#2f6fbd", "#e07b24", "#3a9d5d", "#b8453a", "#7d5cb5", "#8c6d46", "#c8579a", "#6b7b8c"];

const colorOf = (s: Pick<Series, "color">, k: number) => s.color ?? PALETTE[k % PALETTE.length]!;

export const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The colours of a stacked chart's series as an HTML list; `titles` (e.g. addresses) become each item's tooltip. */
export function legend(series: Pick<Series, "label" | "color">[], titles: string[] = []): string {
  const item = (s: Pick<Series, "label" | "color">, k: number) =>
    `<li${titles[k] ? ` title="${escapeXml(titles[k])}"` : ""}><span style="background:${colorOf(s, k)}"></span>${escapeXml(s.label)}</li>`;
  return `<ul class="legend">${series.map(item).join("")}</ul>`;
}

/** Numbers for plotting: a bigint over `unit`. */
const num = (v: bigint, unit: bigint) => Number(v) / Number(unit);

function axes(xs: bigint[], max: number, format: (n: number) => string, min = 0): string {
  const x0 = PAD.left;
  const y0 = H - PAD.bottom;
  const ticks = [0, 0.5, 1].map((f) => {
    const y = y0 - f * (y0 - PAD.top);
    return `<line x1="${x0}" x2="${W - PAD.right}" y1="${y}" y2="${y}" class="grid"/><text x="${x0 - 4}" y="${y + 4}" text-anchor="end">${escapeXml(format(min + f * (max - min)))}</text>`;
  });
  const first = xs[0] ?? 0n;
  const last = xs[xs.length - 1] ?? 0n;
  const date = (t: bigint) => new Date(Number(t) * 1000).toISOString().slice(0, 16).replace("T", " ");
  return (
    ticks.join("") +
    `<text x="${x0}" y="${H - 8}">${date(first)}</text><text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${date(last)}</text>`
  );
}

function xOf(times: bigint[]): (i: number) => number {
  const t0 = Number(times[0] ?? 0n);
  const span = Math.max(1, Number(times[times.length - 1] ?? 0n) - t0);
  return (i) => PAD.left + ((Number(times[i]!) - t0) / span) * (W - PAD.left - PAD.right);
}

const lastAttr = (s: Series) => (s.values.length > 0 ? ` data-last="${s.values[s.values.length - 1]}"` : "");

const svgOpen = (chart: string, label: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(label)}" data-chart="${chart}">`;

/** Series stacked one on another over time (the first at the bottom). */
export function stackedArea(chart: string, label: string, times: bigint[], series: Series[], unit: bigint): string {
  const n = times.length;
  const totals = times.map((_, i) => series.reduce((s, x) => s + num(x.values[i] ?? 0n, unit), 0));
  const max = Math.max(1e-9, ...totals) * 1.05;
  const x = xOf(times);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const base = new Array<number>(n).fill(0);
  const paths = series.map((s, k) => {
    const lower = [...base];
    for (let i = 0; i < n; i++) base[i]! += num(s.values[i] ?? 0n, unit);
    const top = base.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const bottom = lower.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).reverse();
    return `<path data-series="${escapeXml(s.label)}" data-points="${n}"${lastAttr(s)} fill="${colorOf(s, k)}" d="M${top.join("L")}L${bottom.join("L")}Z"><title>${escapeXml(s.label)}</title></path>`;
  });
  return `${svgOpen(chart, label)}${axes(times, max, (v) => v.toLocaleString("en-US", { maximumFractionDigits: 0 }))}${paths.join("")}</svg>`;
}

/**
 * Lines over time on one axis fitted to their range (the first series drawn with dots at its samples); `format` writes
 * the axis figures (default: six decimals).
 */
export function lineChart(
  chart: string,
  label: string,
  times: bigint[],
  series: Series | Series[],
  unit: bigint,
  format: (v: number) => string = (v) => v.toFixed(6),
): string {
  const all = (Array.isArray(series) ? series : [series]).map((s) => ({
    s,
    values: s.values.map((v) => num(v, unit)),
  }));
  const flat = all.flatMap((x) => x.values);
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  const span = hi - lo || Math.abs(hi) * 0.01 || 1;
  const min = lo - span * 0.1;
  const max = hi + span * 0.1;
  const x = xOf(times);
  const y = (v: number) => H - PAD.bottom - ((v - min) / (max - min)) * (H - PAD.top - PAD.bottom);
  const lines = all.map(({ s, values }, k) => {
    const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const color = s.color || k > 0 ? ` style="stroke:${colorOf(s, k)}"` : "";
    const dots =
      k === 0 ? values.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5"/>`).join("") : "";
    return `<path data-series="${escapeXml(s.label)}" data-points="${values.length}"${lastAttr(s)} class="line"${color} d="M${points.join("L")}"><title>${escapeXml(s.label)}</title></path>${dots}`;
  });
  return `${svgOpen(chart, label)}${axes(times, max, format, min)}${lines.join("")}</svg>`;
}

/** Horizontal bars, one per item, from zero (negative values to the left). */
export function barChart(
  chart: string,
  label: string,
  items: { label: string; value: number; text: string }[],
): string {
  const rowH = 34;
  const height = items.length * rowH + 16;
  const labelW = 180;
  const plotW = W - labelW - 300;
  const lo = Math.min(0, ...items.map((i) => i.value));
  const hi = Math.max(0, ...items.map((i) => i.value));
  const span = hi - lo || 1;
  const xOfV = (v: number) => labelW + ((v - lo) / span) * plotW;
  const bars = items.map((item, k) => {
    const y = 8 + k * rowH;
    const a = xOfV(Math.min(0, item.value));
    const w = Math.max(1, Math.abs(xOfV(item.value) - xOfV(0)));
    return (
      `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escapeXml(item.label)}</text>` +
      `<rect data-series="${escapeXml(item.label)}" data-points="1" x="${a.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 10}" fill="${PALETTE[k % PALETTE.length]}"><title>${escapeXml(`${item.label}: ${item.text}`)}</title></rect>` +
      `<text x="${(Math.max(xOfV(item.value), xOfV(0)) + 6).toFixed(1)}" y="${y + 17}">${escapeXml(item.text)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" role="img" aria-label="${escapeXml(label)}" data-chart="${chart}"><line x1="${xOfV(0)}" x2="${xOfV(0)}" y1="0" y2="${height}" class="grid"/>${bars.join("")}</svg>`;
}
