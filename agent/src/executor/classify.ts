/**
 * What to do about a revert, by the treasury error's name: stand down (the session can no longer act), wait (a rate
 * or budget limit that time lifts), plan again (a strategy's room or liquidity moved under the plan: it filled up, or
 * less can be withdrawn than the snapshot showed; the strategy is healthy), quarantine the strategy the error names
 * (its own call failed inside a leg for a reason of its own), or trip the circuit breaker (anything else: retrying
 * would revert again).
 */
import type { PredictedError } from "../checks/verdict.js";
import { strategyRefusal, type DecodedRevert } from "../errors.js";

export type RevertClass = "stand-down" | "wait" | "replan" | "quarantine" | "permanent";

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
const QUARANTINE = new Set(["StrategyCallFailed", "StrategyShortfall"]);
/**
 * The vault's own checks of a strategy's `maxDeposit` / `maxWithdraw` at execution: the market moved, not the strategy.
 */
const REPLAN = new Set([
  "StrategyDepositLimited",
  "StrategyWithdrawLimited",
  // What the strategies let go after the moves is predicted off chain; the vault measures it: plan for less.
  "LiquidityFloorBreached",
  // The share-price rate bound froze the strategy (or its price jumped) after the snapshot: the next snapshot shows it
  // frozen, and the plan moves it out instead.
  "StrategyFrozen",
  // A co-signed call mined past its co-signature's deadline: plan again, ask again.
  "DeadlinePassed",
]);
/** The drawdown guard lifts when the share price recovers or governance resets the mark: not the plan's fault. */
const WAIT = new Set([
  "CooldownActive",
  "TooManyCalls",
  "VolumeExceedsEpochLimit",
  "SessionNotStarted",
  "LossBudgetExceeded",
  "DrawdownLimitReached",
  // A loss the mirror could not see (a strategy's own fee) past the session's own allowance: the simulation refuses
  // it, nothing is sent; the planner holds such plans once it sees them coming.
  "SessionLossBudgetExceeded",
  // Above the step-up threshold without the policy signer's co-signature: the move waits for one, no breaker.
  "CoSignatureRequired",
  // A co-signature the daemon checked before sending that the vault then refused (the policy signer changed in
  // between): governance's change, not the plan's fault; the next plan asks the co-signer again.
  "CoSignatureInvalid",
  "CoSignatureUsed",
]);

/**
 * Everything else is permanent for the plan that met it: among them the bounds a plan must respect (a strategy's caps,
 * `AbsoluteCapExceeded` and `RelativeCapExceeded`, a risk group's `RiskGroupCapExceeded`, the idle buffer), which the
 * mirror checks before a call is sent: reaching one on chain means the state moved under the plan.
 */
export function classifyRevert(error: Pick<DecodedRevert | PredictedError, "name" | "args"> | undefined): RevertClass {
  if (!error) return "permanent";
  if (STAND_DOWN.has(error.name)) return "stand-down";
  if (WAIT.has(error.name)) return "wait";
  if (REPLAN.has(error.name)) return "replan";
  if (
    error.name === "StrategyCallFailed" &&
    typeof error.args.reason === "string" &&
    strategyRefusal(error.args.reason)
  ) {
    // A full or illiquid strategy refusing in words of its own (a lending vault's AllCapsReached, NotEnoughLiquidity,
    // OpenZeppelin's ERC4626ExceededMax*): healthy, and the next snapshot shows the room it has.
    return "replan";
  }
  if (QUARANTINE.has(error.name)) return "quarantine";
  return "permanent";
}
