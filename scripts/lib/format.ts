/** Human formatting for operator output and proposal descriptions. */
import { formatUnits } from "ethers";

/** `1,234,567.5 mUSD`; `unlimited` for 2^128 - 1 and above. */
export function formatAmount(value: bigint, decimals: number, symbol: string): string {
  if (value >= 2n ** 128n - 1n) return "unlimited";
  const [whole, fraction = ""] = formatUnits(value, decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const trimmed = fraction.replace(/0+$/, "");
  return `${grouped}${trimmed ? `.${trimmed}` : ""} ${symbol}`;
}

/** `12.50%`. */
export function formatBps(bps: bigint | number): string {
  return `${(Number(bps) / 100).toFixed(2)}%`;
}

/** `7 d`, `1 h 30 min`, `45 s`. */
export function formatDuration(seconds: bigint | number): string {
  let s = Number(seconds);
  if (s === 0) return "0 s";
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["min", 60],
    ["s", 1],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)} ${unit}`);
      s %= size;
    }
  }
  return parts.join(" ");
}

/** `2025-01-31 12:00:00 UTC`. */
export function formatTime(unixSeconds: bigint | number): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}
