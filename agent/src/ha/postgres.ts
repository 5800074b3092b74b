/**
 * High availability in PostgreSQL: two or more daemons for one agent key, one active.
 *
 * - The lease: one row per scope (`<chainId>:<agent>`) in `agent_lease`, with its holder (`ha.nodeId`), a fencing token
 *   and an expiry in the database's clock. A node takes it only once it has expired (or was never held), which raises
 *   the token; the holder renews it every third of `ha.leaseSeconds`. No node's clock is trusted: every comparison is
 *   the database's `clock_timestamp()`.
 * - The journal: the same lines as the file journal (intent, attempt, outcome, reorged), one row each in
 *   `agent_journal`, in order. Every write runs in one transaction that first locks the lease row and checks that this
 *   node's token still holds it, unexpired: a leader that was paused or cut off and lost the lease cannot write, and
 *   since the executor awaits its writes before broadcasting (`flush`), cannot send either. A takeover updates the
 *   same row, so it waits for a write under way and the new leader reads every line the old one wrote.
 *
 * The journal keeps the file journal's synchronous interface with an in-memory mirror: a write is applied to the mirror
 * at once and queued to the database; `flush` resolves once the queue is durable and rejects (for ever after) once a
 * write was refused: the node then stands down.
 */
import type pg from "pg";
import { JournalError, LeaseLostError } from "../failures.js";
import { canonicalJson } from "../util/json.js";
import { type JournalEntry, type Line, LineJournal, parseLine } from "../executor/journal.js";

export const LEASE_TABLE = "agent_lease";
export const JOURNAL_TABLE = "agent_journal";

/** Who holds a lease: the node, its fencing token, and until when (the database's clock). */
export interface LeaseHolder {
  scope: string;
  nodeId: string;
  token: bigint;
  expiresAt: Date;
  acquiredAt: Date;
  /** Whether it has expired (by the database's clock): any node may take it. */
  expired: boolean;
}

/** The lease and journal of one agent key on one chain. */
export function haScope(chainId: bigint | number, agent: string): string {
  return `${chainId}:${agent.toLowerCase()}`;
}

/** Creates the two tables when missing (idempotent; serialized between nodes starting together). */
export async function ensureSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext('treasury-agent schema'))");
    await client.query(`CREATE TABLE IF NOT EXISTS ${LEASE_TABLE} (
      scope text PRIMARY KEY,
      node_id text NOT NULL,
      token bigint NOT NULL,
      expires_at timestamptz NOT NULL,
      acquired_at timestamptz NOT NULL
    )`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${JOURNAL_TABLE} (
      seq bigserial PRIMARY KEY,
      scope text NOT NULL,
      token bigint NOT NULL,
      intent_hash text NOT NULL,
      line text NOT NULL,
      written_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
    await client.query(`CREATE INDEX IF NOT EXISTS ${JOURNAL_TABLE}_scope ON ${JOURNAL_TABLE} (scope, seq)`);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

interface LeaseRow {
  scope: string;
  node_id: string;
  token: string;
  expires_at: Date;
  acquired_at: Date;
  expired: boolean;
}

const holderOf = (r: LeaseRow): LeaseHolder => ({
  scope: r.scope,
  nodeId: r.node_id,
  token: BigInt(r.token),
  expiresAt: r.expires_at,
  acquiredAt: r.acquired_at,
  expired: r.expired,
});

/** Who holds the lease of `scope` now; undefined when no node ever held it. */
export async function readLease(pool: pg.Pool, scope: string): Promise<LeaseHolder | undefined> {
  const { rows } = await pool.query<LeaseRow>(
    `SELECT scope, node_id, token, expires_at, acquired_at, expires_at <= clock_timestamp() AS expired
       FROM ${LEASE_TABLE} WHERE scope = $1`,
    [scope],
  );
  return rows[0] ? holderOf(rows[0]) : undefined;
}

/** This node's side of one scope's lease. */
export class PgLease {
  /** The fencing token of the lease this node holds; undefined when it holds none. */
  token?: bigint;
  expiresAt?: Date;

  constructor(
    readonly pool: pg.Pool,
    readonly scope: string,
    readonly nodeId: string,
    readonly leaseSeconds: number,
  ) {}

  /**
   * Takes the lease if nobody holds it or it expired (raising the token), else leaves it: resolves the lease taken,
   * or undefined and the holder untouched.
   */
  async tryAcquire(): Promise<LeaseHolder | undefined> {
    const { rows } = await this.pool.query<LeaseRow>(
      `INSERT INTO ${LEASE_TABLE} AS l (scope, node_id, token, expires_at, acquired_at)
         VALUES ($1, $2, 1, clock_timestamp() + make_interval(secs => $3), clock_timestamp())
       ON CONFLICT (scope) DO UPDATE
         SET node_id = EXCLUDED.node_id, token = l.token + 1, expires_at = EXCLUDED.expires_at,
             acquired_at = EXCLUDED.acquired_at
         WHERE l.expires_at <= clock_timestamp()
       RETURNING scope, node_id, token, expires_at, acquired_at, false AS expired`,
      [this.scope, this.nodeId, this.leaseSeconds],
    );
    if (!rows[0]) return undefined;
    const held = holderOf(rows[0]);
    this.token = held.token;
    this.expiresAt = held.expiresAt;
    return held;
  }

  /** Extends the lease by `leaseSeconds` from now; false when this node no longer holds it (or it had expired). */
  async renew(): Promise<boolean> {
    if (this.token === undefined) return false;
    const { rows } = await this.pool.query<{ expires_at: Date }>(
      `UPDATE ${LEASE_TABLE} SET expires_at = clock_timestamp() + make_interval(secs => $3)
         WHERE scope = $1 AND token = $2 AND expires_at > clock_timestamp()
       RETURNING expires_at`,
      [this.scope, this.token.toString(), this.leaseSeconds],
    );
    if (!rows[0]) {
      this.token = undefined;
      return false;
    }
    this.expiresAt = rows[0].expires_at;
    return true;
  }

  /** Lets go at once (a graceful stop): a standby takes over at its next look instead of waiting for the expiry. */
  async release(): Promise<void> {
    if (this.token === undefined) return;
    await this.pool.query(
      `UPDATE ${LEASE_TABLE} SET expires_at = clock_timestamp() WHERE scope = $1 AND token = $2 AND expires_at > clock_timestamp()`,
      [this.scope, this.token.toString()],
    );
    this.token = undefined;
  }
}

/**
 * The journal in `agent_journal`, written under the lease (see the file's header). Open it after taking the lease: it
 * reads every line written before, the old leader's included.
 */
export class PgJournal extends LineJournal {
  private queue: Promise<void> = Promise.resolve();
  private failure?: Error;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly lease: PgLease,
  ) {
    super();
  }

  static async open(pool: pg.Pool, lease: PgLease): Promise<PgJournal> {
    const journal = new PgJournal(pool, lease);
    const { rows } = await pool.query<{ seq: string; line: string }>(
      `SELECT seq, line FROM ${JOURNAL_TABLE} WHERE scope = $1 ORDER BY seq`,
      [lease.scope],
    );
    for (const row of rows) {
      try {
        journal.apply(parseLine(JSON.parse(row.line)));
      } catch (err) {
        throw new JournalError(`journal ${lease.scope} row ${row.seq} is unreadable`, { cause: err });
      }
    }
    return journal;
  }

  /** Read only (status, doctor): the lines as they are, no lease needed (nothing can be written). */
  static async read(pool: pg.Pool, scope: string): Promise<JournalEntry[]> {
    return (await PgJournal.open(pool, new PgLease(pool, scope, "", 1))).entries();
  }

  protected where(): string {
    return this.lease.scope;
  }

  protected append(line: Line): void {
    if (this.failure) throw this.failure;
    const token = this.lease.token;
    if (token === undefined) {
      this.failure = new LeaseLostError(`not holding the lease of ${this.lease.scope}: journal write refused`);
      throw this.failure;
    }
    const text = canonicalJson(line);
    this.apply(line);
    this.queue = this.queue.then(() => (this.failure ? undefined : this.write(line.intentHash, text, token)));
  }

  /** One line, in one transaction that first checks this node's token still holds the lease (the fencing). */
  private async write(intentHash: string, text: string, token: bigint): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query("BEGIN");
      const held = await client.query(
        `SELECT token FROM ${LEASE_TABLE} WHERE scope = $1 AND token = $2 AND expires_at > clock_timestamp() FOR UPDATE`,
        [this.lease.scope, token.toString()],
      );
      if (held.rowCount !== 1) {
        await client.query("ROLLBACK");
        this.lease.token = undefined;
        this.failure = new LeaseLostError(
          `the lease of ${this.lease.scope} (token ${token}) is lost or expired: journal write refused, nothing sent`,
        );
        return;
      }
      await client.query(`INSERT INTO ${JOURNAL_TABLE} (scope, token, intent_hash, line) VALUES ($1, $2, $3, $4)`, [
        this.lease.scope,
        token.toString(),
        intentHash,
        text,
      ]);
      await client.query("COMMIT");
    } catch (err) {
      await client?.query("ROLLBACK").catch(() => undefined);
      this.failure = new JournalError(`could not write the journal ${this.lease.scope} to PostgreSQL`, { cause: err });
    } finally {
      client?.release();
    }
  }

  /**
   * Awaits every write, then checks once more that this node's token still holds the lease (the database's clock): the
   * executor calls it before each broadcast, so a leader that lost the lease does not even send journaled bytes again.
   * What is left is the instant between this check and the broadcast; what could be sent in it is journaled bytes only
   * (the same transaction, never a second intent).
   */
  async flush(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
    const token = this.lease.token;
    const held =
      token !== undefined &&
      (
        await this.pool.query(
          `SELECT 1 FROM ${LEASE_TABLE} WHERE scope = $1 AND token = $2 AND expires_at > clock_timestamp()`,
          [this.lease.scope, token.toString()],
        )
      ).rowCount === 1;
    if (!held) {
      this.lease.token = undefined;
      this.failure = new LeaseLostError(
        `the lease of ${this.lease.scope}${token === undefined ? "" : ` (token ${token})`} is lost or expired: nothing sent`,
      );
      throw this.failure;
    }
  }

  /** The refusal or failure that stopped this journal's writes, if any. */
  get failed(): Error | undefined {
    return this.failure;
  }
}
