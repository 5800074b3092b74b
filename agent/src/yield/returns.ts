/**
 * A return over a period and that rate over a year, from two values of the same position (a share price, a principal
 * and what it became). Pure. The governance report's yield table and the dashboard's yield chart both use it.
 */

/** Seconds in a (365-day) year. */
const YEAR = 31_536_000n;

/** (end - start) / start over `seconds`, scaled to a year, in hundredths of a basis point (0 for no period or start). */
export function annualisedCentiBps(end: bigint, start: bigint, seconds: bigint): bigint {
  if (start === 0n || seconds <= 0n) return 0n;
  return ((end - start) * 1_000_000n * YEAR) / (start * seconds);
}

/** Earned over the principal, in bps, and that rate over a year. */
export function returnBps(endValue: bigint, principal: bigint, periodSeconds: number): { bps: number; annual: number } {
  const bps = principal === 0n ? 0 : Number(((endValue - principal) * 1_000_000n) / principal) / 100;
  return { bps, annual: Number(annualisedCentiBps(endValue, principal, BigInt(periodSeconds))) / 100 };
}
