/** Sessions that drop out of the lens's active list are kept, marked expired or revoked, so the daemon says why. */
import { describe, expect, it } from "vitest";
import { assessVault, type SessionPolicy } from "../../src/session/assess.js";
import { EndedSessions } from "../../src/session/ended.js";
import { SESSION, sessionState, vaultSnapshot } from "../support/fixtures.js";

const policy: SessionPolicy = { expiryMarginSeconds: 120n, warnBeforeExpirySeconds: 3_600n, minVolume: 1_000n };
const until = SESSION.validUntil;

describe("EndedSessions", () => {
  it("passes a snapshot through unchanged while every session seen is still listed", () => {
    const ended = new EndedSessions();
    const snap = vaultSnapshot({ sessions: [sessionState()] });
    expect(ended.merge(snap)).toBe(snap);
    expect(ended.merge(snap)).toBe(snap);
  });

  it("marks a session gone after its validUntil as expired, and one gone before it as revoked", () => {
    const ended = new EndedSessions();
    const other = { ...SESSION, validUntil: until + 1_000n };
    ended.merge(vaultSnapshot({ timestamp: 2_000n, sessions: [sessionState(SESSION, 7n), sessionState(other, 8n)] }));
    const later = ended.merge(vaultSnapshot({ timestamp: until, sessions: [] }));
    expect(later.sessions.map((s) => [s.id, s.session.revoked, s.remaining.active])).toEqual([
      [7n, false, false],
      [8n, true, false],
    ]);
    const a = assessVault(later, policy, until);
    expect(a.mode).toBe("stand-down");
    expect(a.reason).toBe("session #7 expired; session #8 revoked");
  });

  it("keeps an ended session across ticks, oldest first beside the active ones, and only the most recent few", () => {
    const ended = new EndedSessions(2);
    const seen = [1n, 2n, 3n].map((id) => sessionState(SESSION, id));
    ended.merge(vaultSnapshot({ sessions: seen }));
    const fresh = sessionState(SESSION, 9n);
    const first = ended.merge(vaultSnapshot({ timestamp: until, sessions: [fresh] }));
    expect(first.sessions.map((s) => s.id)).toEqual([2n, 3n, 9n]);
    const second = ended.merge(vaultSnapshot({ timestamp: until + 1n, sessions: [fresh] }));
    expect(second.sessions.map((s) => s.id)).toEqual([2n, 3n, 9n]);
  });
});
