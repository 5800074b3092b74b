/**
 * The HA lease and journal on a real PostgreSQL (Debian's, started by the test): the lease is taken, renewed, refused
 * to a second node while held, taken over once expired (by the database's clock) with a higher fencing token; a stale
 * leader's journal write is refused in the same transaction that would have written it, and `flush` (what the executor
 * awaits before broadcasting) rejects; the new leader reads every line the old one wrote, in flight or settled.
 */
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileJournal } from "../../src/executor/journal.js";
import { LeaseLostError } from "../../src/failures.js";
import { checkHaDatabase } from "../../src/ha/node.js";
import { ensureSchema, haScope, PgJournal, PgLease, readLease } from "../../src/ha/postgres.js";
import { postgresOrSkip, startPostgres, type PostgresServer } from "../support/postgres.js";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/journal-format1.jsonl");
const run = postgresOrSkip();

let server: PostgresServer;
let pool: pg.Pool;

beforeAll(async () => {
  if (!run) return;
  server = await startPostgres();
  pool = new pg.Pool({ connectionString: server.url, max: 4 });
  await ensureSchema(pool);
  await ensureSchema(pool); // idempotent
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let scopes = 0;
const nextScope = () => haScope(31337, `0x${(++scopes).toString(16).padStart(40, "0")}`);

describe.skipIf(!run)("HA lease and journal in PostgreSQL", () => {
  it("doctor: the database reachable and who holds the lease; an unreachable one fails naming the field, no password", async () => {
    const agent = "0x00000000000000000000000000000000000000d0";
    const lease = new PgLease(pool, haScope(31337, agent), "node-a", 30);
    await lease.tryAcquire();
    const ha = { databaseUrl: server.url, leaseSeconds: 15, nodeId: "node-b" };
    const ok = await checkHaDatabase(ha, 31337n, agent);
    expect(ok.status).toBe("ok");
    expect(ok.detail).toMatch(
      /reachable, tables in place; node node-b, lease 15 s; the lease is held by node-a \(token 1\) until /,
    );
    const dead = await checkHaDatabase(
      { databaseUrl: `postgresql://agent:s3cret@127.0.0.1:${server.port + 1}/nowhere`, leaseSeconds: 15 },
      31337n,
      agent,
    );
    expect(dead).toMatchObject({ status: "fail", field: "ha.databaseUrl" });
    expect(dead.detail).toContain("postgresql://127.0.0.1");
    expect(JSON.stringify(dead)).not.toContain("s3cret");
  });

  it("acquire, refuse a second node, renew, expire, take over with a higher token", async () => {
    const scope = nextScope();
    const a = new PgLease(pool, scope, "node-a", 1);
    const b = new PgLease(pool, scope, "node-b", 1);
    const first = await a.tryAcquire();
    expect(first).toMatchObject({ nodeId: "node-a", token: 1n });
    expect(await b.tryAcquire(), "held: node-b must wait").toBeUndefined();
    // Renewals keep it past its first expiry.
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      expect(await a.renew(), `renewal ${i}`).toBe(true);
      expect(await b.tryAcquire()).toBeUndefined();
    }
    expect((await readLease(pool, scope))?.nodeId).toBe("node-a");
    // node-a stops renewing (it died, or is paused): the lease expires in the database's clock and node-b takes it.
    await sleep(1_100);
    expect((await readLease(pool, scope))?.expired).toBe(true);
    const taken = await b.tryAcquire();
    expect(taken).toMatchObject({ nodeId: "node-b", token: 2n });
    expect(await a.renew(), "the old leader cannot renew a lease it lost").toBe(false);
    expect(a.token).toBeUndefined();
    // A graceful release hands it over at once.
    await b.release();
    expect(await a.tryAcquire()).toMatchObject({ nodeId: "node-a", token: 3n });
  });

  it("fencing: a stale leader's journal write is refused and nothing may be sent; the new leader reads every line", async () => {
    const scope = nextScope();
    const fixture = new FileJournal(FIXTURE, { readOnly: true }).entries();
    const [settled, reverted, inFlight] = fixture as [(typeof fixture)[0], (typeof fixture)[0], (typeof fixture)[0]];
    const a = new PgLease(pool, scope, "node-a", 1);
    await a.tryAcquire();
    const ja = await PgJournal.open(pool, a);
    ja.begin(settled.record, settled.attempts[0]!);
    ja.finish(settled.intentHash, settled.outcome!);
    ja.begin(inFlight.record, inFlight.attempts[0]!);
    await ja.flush();

    // node-a is paused past its lease; node-b takes over (token 2) and opens the journal.
    await sleep(1_100);
    const b = new PgLease(pool, scope, "node-b", 5);
    expect((await b.tryAcquire())?.token).toBe(2n);
    const jb = await PgJournal.open(pool, b);
    expect(jb.entries().map((e) => e.intentHash)).toEqual([settled.intentHash, inFlight.intentHash]);
    expect(
      jb.inFlight().map((e) => e.intentHash),
      "the old leader's in-flight intent is not lost",
    ).toEqual([inFlight.intentHash]);
    expect(jb.inFlight()[0]!.attempts[0]!.raw, "with its signed bytes, to re-broadcast").toBe(
      inFlight.attempts[0]!.raw,
    );

    // node-a wakes up and, before it writes anything, would send journaled bytes again: refused too.
    const idle = await PgJournal.open(pool, Object.assign(new PgLease(pool, scope, "node-a", 1), { token: 1n }));
    await expect(idle.flush(), "no broadcast by a node whose token lost the lease").rejects.toBeInstanceOf(
      LeaseLostError,
    );
    // node-a wakes up and writes: a replacement attempt and a new intent. It still believes it holds the lease (token
    // 1, no renewal tried): only the check in the write's own transaction refuses them.
    expect(a.token, "the stale leader's own belief").toBe(1n);
    ja.addAttempt(inFlight.intentHash, inFlight.attempts[1]!);
    await expect(ja.flush(), "flush rejects: the executor broadcasts nothing").rejects.toBeInstanceOf(LeaseLostError);
    expect(() => ja.begin(reverted.record, reverted.attempts[0]!), "and refuses every later write").toThrow(
      LeaseLostError,
    );
    expect(await a.renew()).toBe(false);
    const rows = await pool.query("SELECT token, line FROM agent_journal WHERE scope = $1 ORDER BY seq", [scope]);
    expect(
      rows.rows.map((r) => Number(r.token)),
      "nothing of the stale leader's after the takeover",
    ).toEqual([1, 1, 1]);

    // The new leader writes under its token; a reader sees the whole history.
    jb.addAttempt(inFlight.intentHash, inFlight.attempts[1]!);
    jb.finish(inFlight.intentHash, { status: "confirmed", hash: inFlight.attempts[1]!.hash, blockNumber: 9, at: 1 });
    await jb.flush();
    const read = await PgJournal.read(pool, scope);
    expect(read.find((e) => e.intentHash === inFlight.intentHash)?.attempts).toHaveLength(2);
    expect(
      read.every((e) => e.outcome),
      "nothing left in flight",
    ).toBe(true);
    expect(read.find((e) => e.intentHash === inFlight.intentHash)?.attempts[1]?.maxFeePerGas).toBe(2_500_000_000n);
  });

  it("a write racing a takeover: either it lands before the takeover (and the new leader reads it) or it is refused", async () => {
    const scope = nextScope();
    const [entry] = new FileJournal(FIXTURE, { readOnly: true }).entries();
    for (let round = 0; round < 5; round++) {
      const a = new PgLease(pool, `${scope}:${round}`, "node-a", 0.3);
      await a.tryAcquire();
      const ja = await PgJournal.open(pool, a);
      await sleep(250 + round * 20);
      ja.begin(entry!.record, entry!.attempts[0]!);
      // Landed: the write's own transaction found the token holding the lease. `flush` may still refuse after it (the
      // lease ran out between the write and its last check: nothing is sent), and the new leader must read the line.
      const landed = ja.flush().then(
        () => true,
        (err: unknown) =>
          err instanceof LeaseLostError ? !err.message.includes("journal write refused") : Promise.reject(err),
      );
      const b = new PgLease(pool, `${scope}:${round}`, "node-b", 5);
      while (!(await b.tryAcquire())) await sleep(20);
      const jb = await PgJournal.open(pool, b);
      expect(jb.entries().length, `round ${round}`).toBe((await landed) ? 1 : 0);
    }
  });
});
