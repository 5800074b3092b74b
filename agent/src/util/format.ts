/** Human formatting for tables and log messages. Amounts stay bigint until printed. */
import { formatUnits } from "ethers";

/** Amounts at or above this (a uint128 cap left at its maximum) mean "no limit". */
const UNLIMITED = 2n ** 128n - 1n;

/**
 * A token amount in token units, thousands grouped, at most `digits` fraction digits (cut, not rounded; trailing
 * zeros dropped), then the symbol when given: `1234567891n, 6` → "1,234.56"; with `6, "USDC"` → "1,234.567891 USDC".
 * `fixed`: exactly `digits` fraction digits, zeros kept, for columns of figures (`1000000000n, 6, 2` → "1,000.00").
 * A uint128 maximum and above prints as "unlimited".
 */
export function formatAmount(
  value: bigint,
  decimals: number,
  digits = 2,
  symbol?: string,
  options: { fixed?: boolean } = {},
): string {
  if (value >= UNLIMITED) return "unlimited";
  const negative = value < 0n;
  const text = formatUnits(negative ? -value : value, decimals);
  const [whole, fraction = ""] = text.split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = options.fixed
    ? fraction.padEnd(digits, "0").slice(0, digits)
    : fraction.slice(0, digits).replace(/0+$/, "");
  return `${negative ? "-" : ""}${grouped}${frac ? `.${frac}` : ""}${symbol ? ` ${symbol}` : ""}`;
}

/**
 * A token amount as a plain decimal in token units, every digit kept and nothing grouped, for structured log fields
 * (`499750000000` with 6 decimals → "499750"; 1 → "0.000001").
 */
export function tokenUnits(value: bigint, decimals: number): string {
  return formatUnits(value, decimals).replace(/\.0$/, "");
}

/** Wei as gwei, every digit kept ("1009050124" → "1.009050124"). */
export function gweiUnits(wei: bigint): string {
  return tokenUnits(wei, 9);
}

/** Basis points as a percentage: 1234 → "12.34%". */
export function formatBps(bps: number | bigint): string {
  return `${(Number(bps) / 100).toFixed(2)}%`;
}

/** A WAD rate (1e18 = 100%) as a percentage with two decimals. */
export function formatWadPercent(wad: bigint): string {
  return `${(Number(wad) / 1e16).toFixed(2)}%`;
}

/** The risk ids set in a strategy's risk-group mask (bit i: id i), lowest first. */
export function riskGroupIds(mask: bigint | number): number[] {
  const ids: number[] = [];
  for (let id = 0, m = BigInt(mask); m > 0n; id++, m >>= 1n) if (m & 1n) ids.push(id);
  return ids;
}

/** A risk-group mask in words: "0, 3", or "none". */
export function formatRiskGroups(mask: bigint | number): string {
  const ids = riskGroupIds(mask);
  return ids.length === 0 ? "none" : ids.join(", ");
}

/** Chain time (seconds since the epoch, a block's timestamp) as "2026-12-12 10:16:29 UTC". */
export function formatChainTime(seconds: bigint | number): string {
  return `${new Date(Number(seconds) * 1000).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** Seconds as "3d 4h", "2h 5m", "45s". */
export function formatDuration(seconds: bigint | number): string {
  let s = Number(seconds);
  if (s <= 0) return "0s";
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** `0x1234…abcd`. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/**
 * Renders rows as a fixed-width text table with a header line and a rule under it. Columns are aligned by `align`
 * (by column; default: the first to the left, the others, figures, to the right).
 */
export function renderTable(headers: string[], rows: string[][], align?: ("left" | "right")[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const left = (i: number) => (align?.[i] ?? (i === 0 ? "left" : "right")) === "left";
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
