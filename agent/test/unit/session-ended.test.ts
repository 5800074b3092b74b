/** Sessions that drop out of the lens's active list are kept, marked expired or revoked, so the daemon says why. */
import { describe, expect, it } from "vitest";
import { assessVault, type SessionPolicy } from "../../src/session/assess.js";
import { EndedSessions } from "../../src/session/ended.js";
import { OTHER, SESSION, sessionState, vaultSnapshot } from "../support/fixtures.js";

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

  it("lists a session revoked before its end once, from the block it was last listed at, until explained", () => {
    const ended = new EndedSessions();
    const other = { ...SESSION, validUntil: until + 1_000n };
    ended.merge(vaultSnapshot({ blockNumber: 40n, sessions: [sessionState(other, 7n), sessionState(SESSION, 8n)] }));
    ended.merge(vaultSnapshot({ blockNumber: 41n, sessions: [sessionState(SESSION, 8n)] }));
    ended.merge(vaultSnapshot({ blockNumber: 42n, timestamp: until, sessions: [] }));
    // #7 left before its end (last listed at 40), #8 expired: only #7 has a cause to read.
    expect(ended.unexplained()).toEqual([{ id: 7n, lastListedAt: 40n }]);
    const cause = { kind: "rotated" as const, to: OTHER };
    ended.explain(7n, cause);
    expect(ended.unexplained()).toEqual([]);
    expect([...ended.ends()]).toEqual([[7n, cause]]);
    const later = ended.merge(vaultSnapshot({ blockNumber: 43n, timestamp: until, sessions: [] }));
    expect(assessVault(later, policy, until, ended.ends()).reason).toBe(
      "session #7 moved to key 0x5555…5555: this key no longer acts for the vault; session #8 expired",
    );
  });

  it("forgets the cause of a session listed again (moved back to this key)", () => {
    const ended = new EndedSessions();
    ended.merge(vaultSnapshot({ blockNumber: 40n, sessions: [sessionState(SESSION, 7n)] }));
    ended.merge(vaultSnapshot({ blockNumber: 41n, sessions: [] }));
    ended.explain(7n, { kind: "rotated", to: OTHER });
    ended.merge(vaultSnapshot({ blockNumber: 42n, sessions: [sessionState(SESSION, 7n)] }));
    expect(ended.ends().size).toBe(0);
  });
});
