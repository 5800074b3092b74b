/**
 * The session's own loss allowance: a plan whose loss, as the check mirror predicts it, is more than the allowance has
 * left is not sent (sent, it would move nothing and the vault would revoke the session). Pure.
 */
import { checkRebalance } from "../checks/rebalance-check.js";
import { snapshotValuation } from "../checks/valuation.js";
import { formatAmount } from "../util/format.js";
import type { PlanDecision, PlannerInput } from "./types.js";

/**
 * `decision`, or a hold naming the plan's loss and what is left of the session's allowance when the mirror (on the
 * lens data alone, as the daemon checks a plan) refuses it for that allowance. A session without an allowance of its
 * own is not looked at.
 */
export function withinSessionLoss(input: PlannerInput, decision: PlanDecision): PlanDecision {
  if (decision.kind !== "rebalance" || input.session.maxLoss === 0n) return decision;
  const { snapshot } = input;
  const verdict = checkRebalance({
    snapshot,
    targets: decision.targets,
    sessionId: input.sessionId,
    session: input.session,
    agent: input.session.agent,
    valuation: snapshotValuation(snapshot),
    now: input.now,
  });
  if (verdict.error?.name !== "SessionLossBudgetExceeded") return decision;
  const amount = (v: bigint) => formatAmount(v, snapshot.assetDecimals, snapshot.assetDecimals);
  const { loss, lossLeft } = verdict.error.args as { loss: bigint; lossLeft: bigint };
  return {
    kind: "hold",
    code: "session-loss-allowance",
    reason:
      `the plan would lose ${amount(loss)}, more than the ${amount(lossLeft)} left of the session's own loss ` +
      `allowance of ${amount(input.session.maxLoss)}; not sent`,
  };
}
