/**
 * One HA node (`ha` in the config): connects to PostgreSQL, waits as a standby until the lease is free, then leads:
 * renews the lease every third of `ha.leaseSeconds` and runs the daemon on the PostgreSQL journal, whose first tick
 * settles what the previous leader left in flight (the journaled signed bytes are sent again, receipts followed) before
 * anything new is planned. A lost lease (a renewal refused, or a journal write refused by the fencing) stops the
 * daemon at once and the node goes back to standing by.
 */
import http from "node:http";
import os from "node:os";
import pg from "pg";
import type { Logger } from "pino";
import type { HaConfig } from "../config/schema.js";
import type { JournalEntry } from "../executor/journal.js";
import { databaseName } from "../config/load.js";
import { ConfigError, LeaseLostError } from "../failures.js";
import type { Alert } from "../alerts/alert.js";
import type { Metrics } from "../obs/metrics.js";
import { listen } from "../util/listen.js";
import { ensureSchema, haScope, type LeaseHolder, PgJournal, PgLease, readLease } from "./postgres.js";

export interface HaNode {
  pool: pg.Pool;
  lease: PgLease;
  nodeId: string;
  /** Where the database is, for messages (no credentials). */
  database: string;
  close(): Promise<void>;
}

/** This node's name in the lease: `ha.nodeId`, else the host name. */
export function nodeIdOf(ha: HaConfig): string {
  return ha.nodeId ?? os.hostname();
}

/** Connects and creates the tables when missing; a database it cannot reach is a configuration error naming ha. */
export async function openHaNode(ha: HaConfig, chainId: bigint, agent: string): Promise<HaNode> {
  const url = ha.databaseUrl!;
  const database = databaseName(url);
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
  // A connection the server ends (a restart, a failover of the database) must not crash the process.
  pool.on("error", () => undefined);
  try {
    await ensureSchema(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    const field = ha.databaseUrlFile ? "ha.databaseUrlFile" : "ha.databaseUrl";
    throw new ConfigError(
      `invalid config: ${field}: cannot use the PostgreSQL database ${database} (${(err as Error).message}); check AGENT_HA_DATABASE_URL, the server and its pg_hba.conf`,
      field,
      { cause: err },
    );
  }
  const nodeId = nodeIdOf(ha);
  return {
    pool,
    lease: new PgLease(pool, haScope(chainId, agent), nodeId, ha.leaseSeconds),
    nodeId,
    database,
    close: () => pool.end(),
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Stands by until this node takes the lease (a look every quarter of `leaseSeconds`); resolves the lease taken, or
 * undefined once `signal` aborts. A database it cannot reach is logged and tried again.
 */
export async function waitForLease(
  node: HaNode,
  signal: AbortSignal,
  log: Logger,
  metrics: Metrics,
): Promise<(LeaseHolder & { previous?: LeaseHolder }) | undefined> {
  const lookMs = (node.lease.leaseSeconds * 1_000) / 4;
  let said = "";
  let previous: LeaseHolder | undefined;
  while (!signal.aborted) {
    try {
      const taken = await node.lease.tryAcquire();
      if (taken) {
        metrics.haLeader.set(1);
        metrics.haToken.set(Number(taken.token));
        metrics.haLeaseExpires.set(taken.expiresAt.getTime() / 1_000);
        return { ...taken, ...(previous ? { previous } : {}) };
      }
      const holder = await readLease(node.pool, node.lease.scope);
      if (holder) previous = holder;
      metrics.haLeader.set(0);
      const who = holder ? `${holder.nodeId} (token ${holder.token})` : "";
      if (who !== said) {
        said = who;
        log.info(
          { holder: holder?.nodeId, token: holder?.token.toString(), expires: holder?.expiresAt.toISOString() },
          `standing by: the lease is held by ${who}; taking over if it is not renewed within ${node.lease.leaseSeconds} s`,
        );
      }
    } catch (err) {
      log.warn({ database: node.database, err: (err as Error).message }, "standing by: cannot reach PostgreSQL");
    }
    await sleep(lookMs, signal);
  }
  return undefined;
}

/**
 * Renews the lease every third of `leaseSeconds` while leading; `lost` aborts when a renewal is refused, when the
 * lease ran out without one succeeding (the database unreachable), or when the journal refused a write.
 */
export function keepRenewing(
  node: HaNode,
  journal: PgJournal,
  lost: AbortController,
  log: Logger,
  metrics: Metrics,
): { stop(): void } {
  const leaseMs = node.lease.leaseSeconds * 1_000;
  let lastOk = Date.now();
  let busy = false;
  const standDown = (why: string) => {
    if (lost.signal.aborted) return;
    metrics.haLeader.set(0);
    log.error(
      { nodeId: node.nodeId, token: node.lease.token?.toString() },
      `lease lost: ${why}; stopping, standing by`,
    );
    lost.abort(new LeaseLostError(why));
  };
  const timer = setInterval(async () => {
    if (busy || lost.signal.aborted) return;
    busy = true;
    try {
      if (journal.failed) return standDown(journal.failed.message);
      const token = node.lease.token;
      if (await node.lease.renew()) {
        lastOk = Date.now();
        if (node.lease.expiresAt) metrics.haLeaseExpires.set(node.lease.expiresAt.getTime() / 1_000);
        return;
      }
      standDown(`the lease (token ${token}) was taken over or expired before it was renewed`);
    } catch (err) {
      if (Date.now() - lastOk >= leaseMs)
        standDown(`no renewal reached PostgreSQL for ${leaseMs / 1_000} s (${(err as Error).message})`);
      else log.warn({ err: (err as Error).message }, "lease renewal failed; trying again");
    } finally {
      busy = false;
    }
  }, leaseMs / 3);
  return { stop: () => clearInterval(timer) };
}

/**
 * `doctor`'s check of the HA database (`ha` configured): reachable, the tables in place (created when missing), and
 * who holds the lease of this key on this chain. Never shows the URL's credentials.
 */
export async function checkHaDatabase(
  ha: HaConfig,
  chainId: bigint,
  agent: string | undefined,
): Promise<{ name: string; status: "ok" | "warn" | "fail"; detail: string; field?: string; fix?: string }> {
  const name = "ha database";
  const field = ha.databaseUrlFile ? "ha.databaseUrlFile" : "ha.databaseUrl";
  if (!ha.databaseUrl)
    return { name, status: "fail", detail: "no PostgreSQL URL", field, fix: "set AGENT_HA_DATABASE_URL" };
  let node: HaNode;
  try {
    node = await openHaNode(ha, chainId, agent ?? "0x0000000000000000000000000000000000000000");
  } catch (err) {
    return {
      name,
      status: "fail",
      detail: (err as Error).message.replace(/^invalid config: [^:]+: /, ""),
      field,
      fix: "start PostgreSQL, create the database and a role for the agent, and give its URL in AGENT_HA_DATABASE_URL (or a file named by ha.databaseUrlFile)",
    };
  }
  try {
    const holder = agent ? await readLease(node.pool, node.lease.scope) : undefined;
    const lease = !agent
      ? "lease not read (no agent address)"
      : !holder
        ? "no node has held the lease yet"
        : holder.expired
          ? `the lease (last held by ${holder.nodeId}, token ${holder.token}) expired at ${holder.expiresAt.toISOString()}: the next node to look takes it`
          : `the lease is held by ${holder.nodeId} (token ${holder.token}) until ${holder.expiresAt.toISOString()}`;
    return {
      name,
      status: "ok",
      detail: `${node.database} reachable, tables in place; node ${node.nodeId}, lease ${ha.leaseSeconds} s; ${lease}`,
    };
  } finally {
    await node.close().catch(() => undefined);
  }
}

/** `status`'s line about the lease: who holds it, its token and expiry; or why it could not be read. */
export async function leaseLine(ha: HaConfig, chainId: bigint, agent: string): Promise<string> {
  let node: HaNode | undefined;
  try {
    node = await openHaNode(ha, chainId, agent);
    const holder = await readLease(node.pool, node.lease.scope);
    if (!holder) return `HA lease: never held (node ${node.nodeId} here; ${node.database})`;
    const state = holder.expired
      ? `expired at ${holder.expiresAt.toISOString()}`
      : `until ${holder.expiresAt.toISOString()}`;
    return `HA lease: held by ${holder.nodeId}${holder.nodeId === node.nodeId ? " (this node)" : ""}, token ${holder.token}, ${state} (${node.database})`;
  } catch (err) {
    return `HA lease: cannot read it (${(err as Error).message})`;
  } finally {
    await node?.close().catch(() => undefined);
  }
}

/** The journal's entries from PostgreSQL, read only (`status`). */
export async function readHaJournal(ha: HaConfig, chainId: bigint, agent: string): Promise<JournalEntry[]> {
  const node = await openHaNode(ha, chainId, agent);
  try {
    return await PgJournal.read(node.pool, node.lease.scope);
  } finally {
    await node.close().catch(() => undefined);
  }
}

/** The `ha-takeover` alert: this node took the lease over from another that had stopped renewing it. */
export function takeoverAlert(nodeId: string, taken: LeaseHolder, previous: LeaseHolder, waitedMs: number): Alert {
  return {
    key: `ha-takeover:${taken.token}`,
    event: "ha-takeover",
    severity: "warning",
    message: `node ${nodeId} took over the HA lease (token ${taken.token}) from ${previous.nodeId}, which stopped renewing it (expired ${previous.expiresAt.toISOString()}); it settles what was left in flight, then plans`,
    details: {
      node: nodeId,
      token: taken.token.toString(),
      previousNode: previous.nodeId,
      previousToken: previous.token.toString(),
      standbyMs: String(waitedMs),
    },
  };
}

/**
 * What a standby serves on `metrics.host:metrics.port` until it takes over (then the dashboard takes the port):
 * `/health` 200 with its role and the lease's holder (the process is alive and looking), `/ready` 503 (it does not act:
 * a load balancer in front of the dashboards sends to the active node), `/metrics` (`agent_ha_leader` 0), and 503 for
 * anything else, naming the active node.
 */
export async function serveStandby(
  node: HaNode,
  metrics: Metrics,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = (req.url ?? "/").split("?")[0];
      if (url === "/metrics") {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
      }
      let holder: LeaseHolder | undefined;
      try {
        holder = await readLease(node.pool, node.lease.scope);
      } catch {
        holder = undefined;
      }
      const body = {
        role: "standby",
        nodeId: node.nodeId,
        lease: holder
          ? {
              nodeId: holder.nodeId,
              token: holder.token.toString(),
              expires: holder.expiresAt.toISOString(),
              expired: holder.expired,
            }
          : null,
      };
      res.writeHead(url === "/health" ? 200 : 503, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          url === "/health"
            ? body
            : { ...body, error: `standing by: the active node ${holder?.nodeId ?? "(none yet)"} serves the dashboard` },
        ),
      );
    })();
  });
  return listen(server, port, host);
}
