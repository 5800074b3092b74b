/**
 * Parsing of operator input: addresses, strategy references, amounts, basis points, durations, times.
 * Every parser throws an InputError naming the option and the value it could not read.
 */
import { getAddress, isAddress, parseUnits } from "ethers";
import { InputError } from "./errors.js";

/** A checksummed address, or an InputError. */
export function parseAddress(value: string | undefined, what: string): string {
  if (value === undefined || value === "") throw new InputError(`${what}: an address is required`);
  if (!isAddress(value)) {
    throw new InputError(`${what}: "${value}" is not an address (expected 0x followed by 40 hex digits)`);
  }
  return getAddress(value);
}

/**
 * A strategy: an address, or `@N` for the N-th strategy of the deployment's addresses file (the local mocks).
 */
export function parseStrategy(value: string | undefined, what: string, known: readonly string[] = []): string {
  if (value?.startsWith("@")) {
    const index = Number(value.slice(1));
    if (!Number.isInteger(index) || index < 0 || index >= known.length) {
      throw new InputError(
        `${what}: "${value}" names no strategy of the addresses file (it lists ${known.length}: @0 to @${Math.max(known.length - 1, 0)})`,
      );
    }
    return getAddress(known[index]);
  }
  return parseAddress(value, what);
}

/** A non-negative integer, at most `max`. */
export function parseInteger(value: string | undefined, what: string, max: bigint = 2n ** 256n - 1n): bigint {
  const cleaned = value?.replaceAll("_", "");
  if (cleaned === undefined || !/^\d+$/.test(cleaned)) {
    throw new InputError(`${what}: "${value ?? ""}" is not a non-negative integer`);
  }
  const n = BigInt(cleaned);
  if (n > max) throw new InputError(`${what}: ${value} is above the maximum ${max}`);
  return n;
}

/** Basis points: `1500` (bps) or `15%`. 0 to 10,000. */
export function parseBps(value: string | undefined, what: string): number {
  if (value?.endsWith("%")) {
    const pct = Number(value.slice(0, -1));
    const bps = Math.round(pct * 100);
    if (!Number.isFinite(pct) || pct < 0 || Math.abs(bps - pct * 100) > 1e-6 || bps > 10_000) {
      throw new InputError(`${what}: "${value}" is not a percentage from 0% to 100% with at most 2 decimals`);
    }
    return bps;
  }
  return Number(parseInteger(value, `${what} (bps)`, 10_000n));
}

/** An amount of the asset in its own units (`250000`, `1_000_000`, `0.5`), or `max` for 2^128 - 1. */
export function parseAmount(value: string | undefined, decimals: number, what: string): bigint {
  if (value === "max") return 2n ** 128n - 1n;
  const cleaned = value?.replaceAll("_", "");
  if (cleaned === undefined || !/^\d+(\.\d+)?$/.test(cleaned)) {
    throw new InputError(`${what}: "${value ?? ""}" is not an amount (a non-negative number of asset units, or max)`);
  }
  const [, fraction = ""] = cleaned.split(".");
  if (fraction.length > decimals) {
    throw new InputError(`${what}: "${value}" has more than the asset's ${decimals} decimals`);
  }
  const amount = parseUnits(cleaned, decimals);
  if (amount > 2n ** 128n - 1n) throw new InputError(`${what}: ${value} does not fit in 128 bits`);
  return amount;
}

const UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3_600, d: 86_400, w: 604_800 };

/** A duration: seconds (`3600`) or with a unit (`90s`, `15m`, `12h`, `7d`, `2w`). */
export function parseDuration(value: string | undefined, what: string): number {
  const match = value?.match(/^(\d+)(s|m|min|h|d|w)?$/);
  if (!match) throw new InputError(`${what}: "${value ?? ""}" is not a duration (e.g. 3600, 90s, 15m, 12h, 7d, 2w)`);
  return Number(match[1]) * UNITS[match[2] ?? "s"];
}

/** A time: `now`, `now+1h`, unix seconds, or an ISO date. Returns unix seconds. */
export function parseTime(value: string | undefined, what: string, now: number): number {
  if (value === undefined || value === "now") return now;
  if (value.startsWith("now+")) return now + parseDuration(value.slice(4), what);
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InputError(`${what}: "${value}" is not a time (now, now+1h, unix seconds, ISO date)`);
  return Math.floor(ms / 1000);
}

/** Splits `a:b:c` into exactly `names.length` parts (the last `optional` ones may be left out). */
export function splitSpec(value: string, what: string, names: string[], optional = 0): (string | undefined)[] {
  const parts = value.split(":");
  if (parts.length > names.length || parts.length < names.length - optional) {
    throw new InputError(
      `${what}: "${value}" should be ${names.map((n, i) => (i >= names.length - optional ? `[:${n}]` : i ? `:${n}` : n)).join("")}`,
    );
  }
  return names.map((_, i) => parts[i]);
}
