/** Integer math as the contracts do it (OpenZeppelin Math.mulDiv). */
/** Basis points in a whole (100%): the one BPS of the agent and the operator scripts. */
export const BPS = 10_000n;
/**
 * A full exit may leave shares worth at most a position's 1 ppm plus one unit; removeStrategy writes off 1 ppm of total
 * assets (ConstantsLib.DUST_DIVISOR).
 */
export const DUST_DIVISOR = 1_000_000n;

export function mulDivDown(a: bigint, b: bigint, c: bigint): bigint {
  return (a * b) / c;
}

export function mulDivUp(a: bigint, b: bigint, c: bigint): bigint {
  const p = a * b;
  return p === 0n ? 0n : (p - 1n) / c + 1n;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export function absDiff(a: bigint, b: bigint): bigint {
  return a > b ? a - b : b - a;
}

/** The largest uint256: what the contracts report for "no limit of its own". */
export const MAX_UINT256 = (1n << 256n) - 1n;
