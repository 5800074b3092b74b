/**
 * The lens lists only an agent's active sessions (neither revoked nor expired, and still this key's), so a session
 * that ends drops out of the snapshot. A session seen at an earlier tick and no longer listed has ended in one of the
 * ways off the list: it expired (its `validUntil` has passed), it was revoked, or it moved to another key.
 * `EndedSessions` keeps the most recent of them, marked so, in the snapshot the daemon assesses: it can still say why
 * it stands down ("session #3 expired"). Why one that did not expire ended (its own loss allowance passed, or moved to
 * another key) is read from the chain once (`why-ended.ts`) and kept beside it (`explain`).
 * Pure apart from its own memory: no I/O, no clock.
 */
import type { SessionState, VaultSnapshot } from "../chain/types.js";
import { nothingLeft } from "../checks/session-check.js";
import type { SessionEnd } from "./why-ended.js";

/** A session seen before and no longer listed at `now`: expired if its window has closed, otherwise revoked. */
export function markEnded(s: SessionState, now: bigint): SessionState {
  const expired = now >= s.session.validUntil;
  return { id: s.id, session: { ...s.session, revoked: s.session.revoked || !expired }, remaining: nothingLeft() };
}

/** A session that ended before its window closed, and the last block it was listed at: why is read from there on. */
export interface Unexplained {
  id: bigint;
  lastListedAt: bigint;
}

export class EndedSessions {
  /** Last state seen of each session, by id: the active ones and the `keep` most recent ended ones. */
  private readonly known = new Map<bigint, SessionState>();
  /** The last block each known session was listed at. */
  private readonly listedAt = new Map<bigint, bigint>();
  /** Why ended sessions ended, once read (`undefined`: read, nothing more than a plain revocation). */
  private readonly causes = new Map<bigint, SessionEnd | undefined>();

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
    for (const s of snapshot.sessions) this.listedAt.set(s.id, snapshot.blockNumber);
    for (const id of [...this.listedAt.keys()]) if (!this.known.has(id)) this.listedAt.delete(id);
    // A session listed again (moved back to this key) has no end to tell.
    for (const id of [...this.causes.keys()]) if (!this.known.has(id) || listed.has(id)) this.causes.delete(id);
    if (ended.length === 0) return snapshot;
    const sessions = [...ended, ...snapshot.sessions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { ...snapshot, sessions };
  }

  /** Sessions of the last merge that ended before their window closed, whose cause is not read yet. */
  unexplained(): Unexplained[] {
    return [...this.known.values()]
      .filter((s) => s.session.revoked && !s.remaining.active && !this.causes.has(s.id) && this.listedAt.has(s.id))
      .map((s) => ({ id: s.id, lastListedAt: this.listedAt.get(s.id)! }));
  }

  /** Keeps what the chain says ended session `id` (`undefined`: a plain revocation). */
  explain(id: bigint, end: SessionEnd | undefined): void {
    if (this.known.has(id)) this.causes.set(id, end);
  }

  /** Why each explained session ended, by id. */
  ends(): ReadonlyMap<bigint, SessionEnd> {
    const out = new Map<bigint, SessionEnd>();
    for (const [id, end] of this.causes) if (end) out.set(id, end);
    return out;
  }
}
