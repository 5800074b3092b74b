/** Session awareness: act, wait or stand down, with each boundary at its edge. */
import { describe, expect, it } from "vitest";
import type { SessionRecord } from "../../src/chain/types.js";
import { sessionRemaining } from "../../src/checks/session-check.js";
import { assessVault, type SessionPolicy } from "../../src/session/assess.js";
import { formatChainTime } from "../../src/util/format.js";
import { B, OTHER, SESSION, sessionState, vaultSnapshot } from "../support/fixtures.js";

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

  it("acts through a reduce-only session like any other", () => {
    expect(assess({ reduceOnly: true }, 2_000n)).toMatchObject({ mode: "act", session: { id: 7n } });
  });

  it("warns when a session's own loss allowance has less than a tenth left, not at a tenth or without one", () => {
    const withAllowance = (lossUsed: bigint, maxLoss = 1_000n) => {
      const s = sessionState({ ...SESSION, maxLoss, lossUsed, reduceOnly: false });
      const left = maxLoss === 0n ? 2n ** 256n - 1n : maxLoss - lossUsed;
      const snapshot = vaultSnapshot({ sessions: [{ ...s, remaining: { ...s.remaining, lossLeft: left } }] });
      return assessVault(snapshot, policy, 2_000n);
    };
    expect(withAllowance(900n).lossAllowanceLow, "100 of 1,000 left: a tenth").toEqual([]);
    expect(withAllowance(901n)).toMatchObject({
      mode: "act",
      lossAllowanceLow: [{ id: 7n, lossUsed: 901n, maxLoss: 1_000n, lossLeft: 99n }],
    });
    expect(withAllowance(1_000n).mode, "a spent allowance still allows lossless plans").toBe("act");
    expect(withAllowance(0n, 0n).lossAllowanceLow, "none of its own").toEqual([]);
  });

  it("says why a session ended when the chain told: its own loss allowance passed, or moved to another key", () => {
    const ended = sessionState({ ...SESSION, revoked: true }, 7n);
    const snapshot = vaultSnapshot({ sessions: [ended] });
    const loss = { kind: "loss-allowance" as const, loss: 1_500_000n, lossLeft: 250_000n, maxLoss: 1_000_000n };
    expect(assessVault(snapshot, policy, 2_000n, new Map([[7n, loss]]))).toMatchObject({
      mode: "stand-down",
      sessions: [{ status: "revoked", end: loss }],
      reason:
        "session #7 revoked on chain: a rebalance from this key would have lost 1.5, more than the 0.25 its own loss allowance had left",
    });
    const rotated = { kind: "rotated" as const, to: OTHER, by: B, at: 1_900n };
    const moved = assessVault(
      vaultSnapshot({ sessions: [sessionState(SESSION, 7n)] }),
      policy,
      2_000n,
      new Map([[7n, rotated]]),
    );
    expect(moved).toMatchObject({
      mode: "stand-down",
      sessions: [{ status: "moved" }],
      reason: `session #7 moved to key 0x5555…5555 by 0x2222…2222 at ${formatChainTime(1_900n)}: this key no longer acts for the vault`,
    });
    expect(assessVault(snapshot, policy, 2_000n).reason, "a plain revocation").toBe("session #7 revoked");
    // The configured session never listed for this key: what the chain says of it.
    const elsewhere = { ...policy, preferredSessionId: 9n };
    expect(
      assessVault(vaultSnapshot({ sessions: [] }), elsewhere, 2_000n, new Map([[9n, { kind: "rotated", to: OTHER }]]))
        .reason,
    ).toBe("session #9 moved to key 0x5555…5555: this key no longer acts for the vault");
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
