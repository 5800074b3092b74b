/** Session awareness: act, wait or stand down, with each boundary at its edge. */
import { describe, expect, it } from "vitest";
import type { SessionRecord } from "../../src/chain/types.js";
import { sessionRemaining } from "../../src/checks/session-check.js";
import { assessVault, type SessionPolicy } from "../../src/session/assess.js";
import { SESSION, sessionState, vaultSnapshot } from "../support/fixtures.js";

const policy: SessionPolicy = { expiryMarginSeconds: 120n, warnBeforeExpirySeconds: 3_600n, minVolume: 1_000n };
function assess(
  session: Partial<SessionRecord>,
  now: bigint,
  o: { paused?: boolean; policy?: Partial<SessionPolicy> } = {},
) {
  const s = { ...SESSION, ...session };
  const snapshot = vaultSnapshot({
    timestamp: now,
    agentsPaused: o.paused ?? false,
    sessions: [sessionState(s, 7n, o.paused ?? false, now)],
  });
  return assessVault(snapshot, { ...policy, ...(o.policy ?? {}) }, now);
}
const until = SESSION.validUntil;

describe("session awareness", () => {
  it("acts through a usable session", () => {
    const a = assess({}, 2_000n);
    expect(a.mode).toBe("act");
    expect(a.session?.id).toBe(7n);
  });

  it("stands down inside the expiry margin and after expiry", () => {
    expect(assess({}, until - 121n).mode).toBe("act");
    expect(assess({}, until - 120n)).toMatchObject({ mode: "stand-down", sessions: [{ status: "expiring" }] });
    expect(assess({}, until)).toMatchObject({ mode: "stand-down", sessions: [{ status: "expired" }] });
  });

  it("warns within the warning window, not before", () => {
    expect(assess({}, until - 3_601n).expiringSoon).toHaveLength(0);
    expect(assess({}, until - 3_600n).expiringSoon.map((s) => s.id)).toEqual([7n]);
  });

  it("stands down when revoked or when agents are paused", () => {
    expect(assess({ revoked: true }, 2_000n)).toMatchObject({ mode: "stand-down", sessions: [{ status: "revoked" }] });
    expect(assess({}, 2_000n, { paused: true })).toMatchObject({
      mode: "stand-down",
      sessions: [{ status: "paused" }],
    });
  });

  it("waits before validAfter, through the cooldown, and while the epoch's budget is spent", () => {
    expect(assess({ validAfter: 3_000n, lastCallAt: 0n }, 2_999n)).toMatchObject({
      mode: "wait",
      resumeAt: 3_000n,
      sessions: [{ status: "not-started" }],
    });
    expect(assess({}, 1_559n)).toMatchObject({ mode: "wait", resumeAt: 1_560n, sessions: [{ status: "cooldown" }] });
    expect(assess({}, 1_560n).mode).toBe("act");
    expect(assess({ callsInEpoch: 3n }, 2_000n)).toMatchObject({
      mode: "wait",
      resumeAt: 1_000n + 86_400n,
      sessions: [{ status: "out-of-budget" }],
    });
    // Volume left under the minimum move counts as spent: 999 left vs 1,000.
    expect(assess({ volumeInEpoch: 499_001n }, 2_000n).sessions[0]!.status).toBe("out-of-budget");
    expect(assess({ volumeInEpoch: 499_000n }, 2_000n).sessions[0]!.status).toBe("usable");
  });

  it("picks the usable session that lasts longest, or the one configured", () => {
    const long = { ...SESSION, validUntil: until + 1_000n };
    const snapshot = vaultSnapshot({ sessions: [sessionState(SESSION, 7n), sessionState(long, 8n)] });
    expect(assessVault(snapshot, policy).session?.id).toBe(8n);
    expect(assessVault(snapshot, { ...policy, preferredSessionId: 7n }).session?.id).toBe(7n);
    expect(assessVault(snapshot, { ...policy, preferredSessionId: 9n })).toMatchObject({
      mode: "stand-down",
      reason: expect.stringMatching(/not one of the agent's sessions/),
    });
  });

  it("stands down with no session at all", () => {
    expect(assessVault(vaultSnapshot({ sessions: [] }), policy)).toMatchObject({
      mode: "stand-down",
      reason: "no session for this vault",
    });
  });

  it("mirrors SessionManager.remaining", () => {
    expect(sessionRemaining(SESSION, false, 2_000n)).toEqual({
      active: true,
      timeLeft: until - 2_000n,
      volumePerCall: 300_000n,
      volumeInEpoch: 400_000n,
      callsInEpoch: 2n,
      nextCallAt: 2_000n,
      epochEndsAt: 87_400n,
      lossLeft: 2n ** 256n - 1n,
    });
    expect(sessionRemaining(SESSION, false, 87_400n), "next epoch").toMatchObject({
      volumeInEpoch: 500_000n,
      callsInEpoch: 3n,
    });
    expect(sessionRemaining(SESSION, false, until)).toMatchObject({ active: false, timeLeft: 0n, volumeInEpoch: 0n });
    expect(sessionRemaining(undefined, false, 2_000n).active).toBe(false);
  });
});
