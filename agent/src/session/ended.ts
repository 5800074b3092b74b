/**
 * The lens lists only an agent's active sessions (neither revoked nor expired), so a session that ends drops out of
 * the snapshot. A session seen at an earlier tick and no longer listed has ended in one of the only two ways off the
 * list: it expired (its `validUntil` has passed) or it was revoked. `EndedSessions` keeps the most recent of them,
 * marked
 * so, in the snapshot the daemon assesses: it can still say why it stands down ("session #3 expired").
 * Pure apart from its own memory: no I/O, no clock.
 */
import type { SessionState, VaultSnapshot } from "../chain/types.js";
import { nothingLeft } from "../checks/session-check.js";

/** A session seen before and no longer listed at `now`: expired if its window has closed, otherwise revoked. */
export function markEnded(s: SessionState, now: bigint): SessionState {
  const expired = now >= s.session.validUntil;
  return { id: s.id, session: { ...s.session, revoked: s.session.revoked || !expired }, remaining: nothingLeft() };
}

export class EndedSessions {
  /** Last state seen of each session, by id: the active ones and the `keep` most recent ended ones. */
  private readonly known = new Map<bigint, SessionState>();

  constructor(private readonly keep = 8) {}

  /** The snapshot with the sessions seen before that have since ended added back, marked ended; oldest first. */
  merge(snapshot: VaultSnapshot): VaultSnapshot {
    const listed = new Set(snapshot.sessions.map((s) => s.id));
    const ended = [...this.known.values()]
      .filter((s) => !listed.has(s.id))
      .map((s) => markEnded(s, snapshot.timestamp))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(-this.keep);
    this.known.clear();
    for (const s of [...ended, ...snapshot.sessions]) this.known.set(s.id, s);
    if (ended.length === 0) return snapshot;
    const sessions = [...ended, ...snapshot.sessions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { ...snapshot, sessions };
  }
}
