/**
 * The protocol maxima of `contracts/libraries/ConstantsLib.sol` that bound what governance may allow, for the
 * authority inventory's warnings. `test/unit/audit-protocol-limits.test.ts` checks them against the Solidity source.
 */
export const PROTOCOL_LIMITS = {
  /** Longest session anyone can grant, in seconds (365 days). */
  MAX_SESSION_DURATION: 365n * 86_400n,
  /** Most sessions one agent may hold at once for one vault. */
  MAX_ACTIVE_SESSIONS: 32n,
  /** Highest per-call loss limit, in bps. */
  MAX_LOSS_PER_CALL_BPS: 500n,
  /** Highest per-epoch loss budget, in bps. */
  MAX_EPOCH_LOSS_BPS: 1_000n,
  /** Highest yearly gain rate, in bps. */
  MAX_GAIN_RATE_BPS: 20_000n,
  /** Highest drawdown limit, in bps. */
  MAX_DRAWDOWN_BPS: 5_000n,
} as const;
