/**
 * The mirror of `SessionManager.remaining` and `chargeLoss` on literal sessions: the loss left as the contract reports
 * it, and when a loss is refused.
 */
import { describe, expect, it } from "vitest";
import { MAX_UINT256 } from "../../src/checks/math.js";
import { checkSessionLoss, nothingLeft, sessionRemaining } from "../../src/checks/session-check.js";
import { NOW, SESSION } from "../support/fixtures.js";

describe("session mirror: loss left", () => {
  it("an unknown, revoked or ended session has no loss left", () => {
    expect(nothingLeft().lossLeft).toBe(0n);
    expect(sessionRemaining(undefined, false, NOW).lossLeft).toBe(0n);
    expect(sessionRemaining({ ...SESSION, maxLoss: 10n, revoked: true }, false, NOW).lossLeft).toBe(0n);
    expect(sessionRemaining({ ...SESSION, maxLoss: 10n }, false, SESSION.validUntil).lossLeft).toBe(0n);
  });
  it("a session without an allowance of its own reports the largest uint256", () => {
    expect(sessionRemaining(SESSION, false, NOW).lossLeft).toBe(MAX_UINT256);
  });
  it("a session with an allowance reports what is left of it, paused or not yet started too", () => {
    const s = { ...SESSION, maxLoss: 10_000n, lossUsed: 2_500n };
    expect(sessionRemaining(s, false, NOW).lossLeft).toBe(7_500n);
    expect(sessionRemaining(s, true, NOW).lossLeft, "paused").toBe(7_500n);
    expect(sessionRemaining(s, false, SESSION.validAfter - 1n).lossLeft, "not started").toBe(7_500n);
    expect(sessionRemaining({ ...s, lossUsed: 10_000n }, false, NOW).lossLeft, "spent").toBe(0n);
  });
});

describe("session mirror: chargeLoss", () => {
  const s = { ...SESSION, maxLoss: 10_000n, lossUsed: 2_500n };
  it("charges a loss up to what is left; one unit more is refused with the loss and what is left", () => {
    expect(checkSessionLoss(7n, s, 7_500n)).toBeUndefined();
    expect(checkSessionLoss(7n, s, 7_501n)).toEqual({
      name: "SessionLossBudgetExceeded",
      args: { sessionId: 7n, loss: 7_501n, lossLeft: 7_500n },
    });
  });
  it("charges nothing without a loss or without an allowance of its own", () => {
    expect(checkSessionLoss(7n, { ...s, lossUsed: 10_000n }, 0n)).toBeUndefined();
    expect(checkSessionLoss(7n, SESSION, 10n ** 30n)).toBeUndefined();
  });
});
