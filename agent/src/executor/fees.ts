/**
 * EIP-1559 fees, pure: the first offer, and the bump that replaces a stuck transaction, never above the ceiling.
 */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface FeePolicy {
  /** Highest max fee per gas the daemon ever offers. */
  maxFeePerGasCeiling: bigint;
  /** Tip to offer; the node's suggestion when undefined. */
  priorityFee?: bigint;
  /** Replacement bump in percent (nodes require at least 10). */
  bumpPercent: number;
}

/**
 * First offer: twice the base fee plus the tip, capped by the ceiling. Undefined when the base fee alone is above it.
 */
export function initialFees(baseFee: bigint, suggestedTip: bigint, policy: FeePolicy): Fees | undefined {
  const tip = policy.priorityFee ?? suggestedTip;
  if (baseFee + 1n > policy.maxFeePerGasCeiling) return undefined;
  let maxFee = baseFee * 2n + tip;
  if (maxFee > policy.maxFeePerGasCeiling) maxFee = policy.maxFeePerGasCeiling;
  return { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip < maxFee ? tip : maxFee };
}

const bump = (value: bigint, percent: number) => (value * BigInt(100 + percent) + 99n) / 100n + 1n;

/**
 * Fees for a replacement: both fields raised by at least `bumpPercent` (and to the current market when higher).
 * Undefined
 * when the ceiling does not leave room for a valid replacement.
 */
export function bumpedFees(previous: Fees, baseFee: bigint, suggestedTip: bigint, policy: FeePolicy): Fees | undefined {
  const minTip = bump(previous.maxPriorityFeePerGas, policy.bumpPercent);
  const minMax = bump(previous.maxFeePerGas, policy.bumpPercent);
  const tip = minTip > (policy.priorityFee ?? suggestedTip) ? minTip : (policy.priorityFee ?? suggestedTip);
  let maxFee = baseFee * 2n + tip;
  if (maxFee < minMax) maxFee = minMax;
  if (maxFee > policy.maxFeePerGasCeiling) maxFee = policy.maxFeePerGasCeiling;
  if (maxFee < minMax || tip > maxFee) return undefined;
  return { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip };
}
