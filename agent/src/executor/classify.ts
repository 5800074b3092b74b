/**
 * What to do about a revert, by the treasury error's name: stand down (the session can no longer act), wait (a rate
 * or budget limit that time lifts), quarantine the strategy the error names (its own call failed inside a leg), or
 * trip the circuit breaker (anything else: retrying would revert again).
 */
import type { PredictedError } from "../checks/verdict.js";
import type { DecodedError } from "../errors.js";

export type RevertClass = "stand-down" | "wait" | "quarantine" | "permanent";

const STAND_DOWN = new Set([
  "SessionExpired",
  "SessionRevoked",
  "AgentsPaused",
  "UnknownSession",
  "NotSessionAgent",
  "NotSessionVault",
  "WrongVault",
]);
/** Errors that name the strategy whose own call failed (see `blamedStrategy`). */
const QUARANTINE = new Set(["StrategyCallFailed", "StrategyShortfall", "StrategyWithdrawLimited"]);
/** The drawdown guard lifts when the share price recovers or governance resets the mark: not the plan's fault. */
const WAIT = new Set(["CooldownActive", "TooManyCalls", "VolumeExceedsEpochLimit", "SessionNotStarted", "LossBudgetExceeded", "DrawdownLimitReached"]);

export function classifyRevert(error: Pick<DecodedError | PredictedError, "name"> | undefined): RevertClass {
  if (!error) return "permanent";
  if (STAND_DOWN.has(error.name)) return "stand-down";
  if (WAIT.has(error.name)) return "wait";
  if (QUARANTINE.has(error.name)) return "quarantine";
  return "permanent";
}
