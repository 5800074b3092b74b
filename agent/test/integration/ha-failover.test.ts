/**
 * High availability for real: `treasury-agent run` processes for one key, each with its own data directory (as on two
 * hosts), share the lease and the journal in a PostgreSQL server the test starts (Debian's). The active one is
 * SIGKILLed by the fault proxy at a step of a tick, cycling through the four:
 *
 * | step                 | the leader is killed when it sends                    | at that moment
 * |----------------------|--------------------------------------------------------|------------------------------------
 * | after planning       | the simulation of its plan                             | nothing journaled, nothing sent
 * | after journaling     | eth_sendRawTransaction (not forwarded)                 | intent journaled, node has nothing
 * | after broadcast      | eth_sendRawTransaction, once the node accepted it      | node has it, leader never heard back
 * | before outcome       | the node answered its first receipt query for it       | mined, outcome not journaled
 *
 * A standby (already running, standing by) takes over within the lease, settles what was left in flight before
 * planning, and a new standby is started for the next round. Checked each round and at the end: every intent hash on
 * chain once (one Rebalanced event each, none twice), exactly one agent transaction per round, every signed
 * transaction that reached the node journaled, every journaled intent settled (none lost). A paused leader (SIGSTOP
 * past its lease) that wakes up after the takeover sends nothing and stands down.
 *
 * `HA_SOAK_FAILOVERS` (default 5) sets the rounds; the takeover times (kill to the standby's "took the lease", and to
 * its first settled intent) are printed, median and max.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vaultInterface } from "../../src/abi/index.js";
import { statusCommand } from "../../src/cli/report-commands.js";
import { haScope, PgJournal, readLease } from "../../src/ha/postgres.js";
import { AGENT, AGENT_KEY, rebalancedEvents, tempDir, useStack } from "../support/daemon-harness.js";
import { FaultProxy, type RpcCall } from "../support/fault-proxy.js";
import { postgresOrSkip, startPostgres, type PostgresServer } from "../support/postgres.js";

const AGENT_DIR = path.resolve(import.meta.dirname, "../..");
const REBALANCE = vaultInterface.getFunction("rebalance")!.selector;
const ROUNDS = Number(process.env.HA_SOAK_FAILOVERS ?? 5);
const LEASE_SECONDS = 2;
const run = postgresOrSkip();

let proxy: FaultProxy;
/** A webhook receiver on loopback: the alerts the nodes send. */
let receiver: http.Server;
let receiverUrl: string;
const received: Array<{ event: string; message: string; details: Record<string, string> }> = [];
let server: PostgresServer;
let admin: pg.Pool;
const env = useStack({ session: { perCall: 2_000_000n, perEpoch: 50_000_000n } });

beforeAll(async () => {
  if (!run) return;
  [proxy, server] = await Promise.all([FaultProxy.start({ upstream: env.chain.url, seed: 19 }), startPostgres()]);
  admin = new pg.Pool({ connectionString: server.url, max: 2 });
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
}, 60_000);

afterAll(async () => {
  await admin?.end();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  await proxy?.close();
  await server?.stop();
});

interface Daemon {
  name: string;
  config: string;
  child: ChildProcess;
  lines: Array<{ msg: string; time: number; raw: string }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let databases = 0;
/** A fresh database per test: the chain is reverted between tests, so the journal must start empty too. */
async function freshDatabase(): Promise<string> {
  const name = `ha_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  return server.url.replace(/\/postgres$/, `/${name}`);
}

function spawnNode(name: string, databaseUrl: string): Daemon {
  const dir = tempDir(`agent-ha-${name}-`);
  const config = path.join(dir, "agent.config.json");
  fs.writeFileSync(
    config,
    JSON.stringify({
      network: {
        rpcUrl: proxy.url,
        chainId: env.chain.chainId,
        confirmations: 1,
        pollIntervalMs: 100,
        requestTimeoutMs: 5_000,
      },
      lens: env.stack.lensAddress,
      dataDir: "state",
      tx: { maxFeePerGasGwei: "500", stuckAfterSeconds: 600 },
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
      metrics: { enabled: true, port: 0 },
      log: { level: process.env.HA_TEST_LOG ?? "info" },
      ha: { leaseSeconds: LEASE_SECONDS, nodeId: name },
      alerts: { targets: [{ url: receiverUrl, events: ["ha-takeover"] }], checkNonces: false },
      vaults: [{ address: env.stack.vaultAddress, label: "main" }],
    }),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "run", "--config", config], {
    cwd: AGENT_DIR,
    env: { ...process.env, AGENT_PRIVATE_KEY: AGENT_KEY, AGENT_CONFIG: "", AGENT_HA_DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Daemon["lines"] = [];
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const raw of parts) {
      try {
        const j = JSON.parse(raw) as { msg: string; time: string | number };
        lines.push({ msg: j.msg, time: typeof j.time === "string" ? Date.parse(j.time) : j.time, raw });
      } catch {
        lines.push({ msg: raw, time: Date.now(), raw });
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) =>
    lines.push({ msg: `stderr: ${chunk.toString()}`, time: Date.now(), raw: chunk.toString() }),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { name, config, child, lines, exited };
}

const said = (d: Daemon, text: string) => d.lines.find((l) => l.msg.includes(text));
const tail = (d: Daemon) =>
  `${d.name}:\n${d.lines
    .slice(-Number(process.env.HA_TEST_TAIL ?? 15))
    .map((l) => l.raw)
    .join("\n")}`;

async function until(
  ms: number,
  what: string,
  check: () => boolean | Promise<boolean>,
  story = () => "",
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}\n${story()}`);
}

type Step = "after planning" | "after journaling" | "after broadcast" | "before outcome";
const STEPS: Step[] = ["after planning", "after journaling", "after broadcast", "before outcome"];

const isSimulation = (c: RpcCall) =>
  (c.method === "eth_call" || c.method === "eth_estimateGas") &&
  String((c.params?.[0] as { data?: string })?.data ?? "").startsWith(REBALANCE) &&
  (c.params?.[0] as { to?: string })?.to?.toLowerCase() === env.stack.vaultAddress.toLowerCase();

/** Arms the proxy to SIGKILL `leader` at `step`; resolves with the kill's wall-clock time. */
function killAt(step: Step, leader: Daemon, forwarded0: Set<string>): Promise<number> {
  let fired = false;
  return new Promise<number>((resolve) => {
    const kill = async () => {
      fired = true;
      proxy.intercept = undefined;
      proxy.afterForward = undefined;
      leader.child.kill("SIGKILL");
      const at = Date.now();
      await leader.exited;
      resolve(at);
      return "close" as const;
    };
    proxy.intercept = async (call) => {
      if (fired) return "forward";
      if (step === "after planning" && isSimulation(call)) return kill();
      if (step === "after journaling" && call.method === "eth_sendRawTransaction") return kill();
      return "forward";
    };
    proxy.afterForward = async (call) => {
      if (fired) return "forward";
      const asked = String(call.params?.[0] ?? "");
      if (
        step === "before outcome" &&
        call.method === "eth_getTransactionReceipt" &&
        proxy.forwarded.has(asked) &&
        !forwarded0.has(asked)
      )
        return kill();
      if (step === "after broadcast" && call.method === "eth_sendRawTransaction") return kill();
      return "forward";
    };
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

describe.skipIf(!run)("high availability: two daemons, one PostgreSQL", () => {
  it(`${ROUNDS} failovers, the leader killed at each step of a tick in turn: no intent twice, none lost`, async () => {
    const databaseUrl = await freshDatabase();
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const scope = haScope(env.chain.chainId, AGENT);
    const all: Daemon[] = [];
    const takeovers: number[] = [];
    const settles: number[] = [];
    try {
      let leader = spawnNode("node-0", databaseUrl);
      all.push(leader);
      await until(
        30_000,
        "node-0 to take the lease",
        () => !!said(leader, "took the lease"),
        () => tail(leader),
      );
      // Its first rebalance (of the deposit made at set-up) settled.
      await until(
        30_000,
        "node-0 to settle it",
        () => !!said(leader, "rebalance confirmed"),
        () => tail(leader),
      );
      const nonce0 = await env.chain.provider.getTransactionCount(AGENT, "latest");
      const forwarded0 = new Set(proxy.forwarded.keys());
      const base = (await PgJournal.read(db, scope)).length;
      for (let round = 0; round < ROUNDS; round++) {
        const step = STEPS[round % STEPS.length]!;
        const standby = spawnNode(`node-${round + 1}`, databaseUrl);
        all.push(standby);
        await until(
          30_000,
          `node-${round + 1} to stand by`,
          () => !!said(standby, "standing by: the lease is held"),
          () => tail(standby),
        );
        if (round === 0) {
          // A standby answers /health (alive, naming the active node) and /ready 503: it does not act.
          const at = JSON.parse(said(standby, "standing by: serving")!.raw).url as string;
          const health = await fetch(`${at}health`);
          expect(health.status).toBe(200);
          expect(await health.json()).toMatchObject({
            role: "standby",
            nodeId: standby.name,
            lease: { nodeId: leader.name },
          });
          expect((await fetch(`${at}ready`)).status).toBe(503);
          expect(await (await fetch(`${at}metrics`)).text()).toMatch(/^agent_ha_leader 0$/m);
        }
        const killed = killAt(step, leader, forwarded0);
        // A strategy's gain leaves it above its equal share: the leader's next tick plans a rebalance (the cooldown is
        // past).
        await env.chain.increaseTime(120);
        await (await env.stack.strategies[round % 3]!.simulateGain(30_000n * env.stack.unit)).wait();
        const killedAt = await Promise.race([
          killed,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`round ${round}: no kill ${step}\n${tail(leader)}`)), 30_000),
          ),
        ]);
        expect((await leader.exited).signal, `round ${round}: killed`).toBe("SIGKILL");
        const inJournal = await PgJournal.read(db, scope);
        expect(inJournal.length, `round ${round} ${step}: journaled before the kill`).toBe(
          base + (step === "after planning" ? round : round + 1),
        );

        await until(
          LEASE_SECONDS * 1_000 + 10_000,
          `round ${round}: the standby to take over`,
          () => !!said(standby, "took the lease"),
          () => tail(standby),
        );
        takeovers.push(said(standby, "took the lease")!.time - killedAt);
        await until(
          30_000,
          `round ${round} (${step}): the intent settled by the new leader`,
          async () => {
            const entries = await PgJournal.read(db, scope);
            return entries.length === base + round + 1 && entries.every((e) => e.outcome?.status === "confirmed");
          },
          () => tail(standby),
        );
        settles.push(Date.now() - killedAt);
        expect(
          await env.chain.provider.getTransactionCount(AGENT, "latest"),
          `round ${round} (${step}): one agent transaction per round`,
        ).toBe(nonce0 + round + 1);
        const lease = await readLease(db, scope);
        expect(lease, `round ${round}: the standby holds the lease, with a higher token`).toMatchObject({
          nodeId: standby.name,
          token: BigInt(round + 2),
        });
        leader = standby;
      }
      await new Promise((r) => setTimeout(r, 500)); // a few more ticks: nothing else may be sent

      // Every intent once on chain, none lost, nothing sent that was not journaled.
      const entries = (await PgJournal.read(db, scope)).slice(base);
      const events = (await rebalancedEvents(env.stack)).slice(base);
      const onChain = events.map((e) => String(e.args.intentHash));
      expect(new Set(onChain).size, "no intent hash on chain twice").toBe(onChain.length);
      expect(onChain.sort(), "every journaled intent on chain, once").toEqual(entries.map((e) => e.intentHash).sort());
      expect(entries).toHaveLength(ROUNDS);
      expect(entries.every((e) => e.outcome?.status === "confirmed")).toBe(true);
      expect(
        entries.map((e) => e.attempts.length),
        "no replacement signed",
      ).toEqual(entries.map(() => 1));
      const sent = [...proxy.forwarded.keys()].filter((h) => !forwarded0.has(h));
      expect(sent.sort(), "every signed transaction that reached the node was journaled").toEqual(
        entries.map((e) => e.attempts[0]!.hash).sort(),
      );
      expect(await env.chain.provider.getTransactionCount(AGENT, "latest")).toBe(nonce0 + ROUNDS);
      console.log(
        `HA failovers: ${ROUNDS}; takeover (kill to lease taken, lease ${LEASE_SECONDS} s) median ${median(takeovers)} ms, max ${Math.max(...takeovers)} ms; ` +
          `kill to intent settled median ${median(settles)} ms, max ${Math.max(...settles)} ms`,
      );
      expect(Math.max(...takeovers), "within the lease and one look").toBeLessThan(LEASE_SECONDS * 1_000 + 3_000);

      // Who holds the lease, as the active node's dashboard and metrics and `status` show it.
      const url = JSON.parse(said(leader, "serving the dashboard")!.raw).url as string;
      const view = (await (await fetch(`${url}api/dashboard`)).json()) as { ha: { nodeId: string; token: string } };
      expect(view.ha).toMatchObject({ nodeId: leader.name, token: String(ROUNDS + 1) });
      const metrics = await (await fetch(`${url}metrics`)).text();
      expect(metrics).toMatch(/^agent_ha_leader 1$/m);
      expect(metrics).toMatch(new RegExp(`^agent_ha_lease_token ${ROUNDS + 1}$`, "m"));
      const printed: string[] = [];
      const saved = { ...process.env };
      Object.assign(process.env, {
        AGENT_PRIVATE_KEY: AGENT_KEY,
        AGENT_HA_DATABASE_URL: databaseUrl,
        AGENT_HA_NODE_ID: "operator",
      });
      try {
        await statusCommand({ config: leader.config }, (t) => printed.push(t));
      } finally {
        process.env = saved;
      }
      const text = printed.join("\n");
      expect(text).toMatch(new RegExp(`HA lease: held by ${leader.name}, token ${ROUNDS + 1}, until `));
      expect(text, "the database URL's host only").not.toContain("postgres@");

      // Each takeover was alerted by the node that took over, naming the one it took over from.
      await until(
        5_000,
        "the takeover alerts",
        () => received.filter((a) => a.event === "ha-takeover").length >= ROUNDS,
      );
      const takeoverAlerts = received.filter((a) => a.event === "ha-takeover");
      expect(takeoverAlerts.map((a) => [a.details.node, a.details.previousNode])).toEqual(
        Array.from({ length: ROUNDS }, (_, i) => [`node-${i + 1}`, `node-${i}`]),
      );
      expect(JSON.stringify(takeoverAlerts), "no secret in an alert").not.toContain("postgres@");

      // A graceful stop (SIGTERM) releases the lease at once: a standby would take it at its next look.
      leader.child.kill("SIGTERM");
      expect(await leader.exited, tail(leader)).toEqual({ code: 0, signal: null });
      expect(said(leader, "released the lease")).toBeDefined();
      expect((await readLease(db, scope))?.expired, "released").toBe(true);
    } finally {
      for (const d of all) d.child.kill("SIGKILL");
      await Promise.all(all.map((d) => d.exited));
      await db.end();
    }
  }, 240_000);

  it("a leader cut off from the database journals nothing, sends nothing, and stands down; the standby takes over", async () => {
    const databaseUrl = await freshDatabase();
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const scope = haScope(env.chain.chainId, AGENT);
    // node-a reaches PostgreSQL through a TCP relay the test can cut (a network partition); node-b directly.
    const pgPort = Number(new URL(databaseUrl).port);
    const sockets = new Set<net.Socket>();
    let cut = false;
    const relay = net.createServer((client) => {
      if (cut) return client.destroy();
      const upstream = net.connect(pgPort, "127.0.0.1");
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on("error", () => undefined);
        sock.on("close", () => sockets.delete(sock));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const relayed = databaseUrl.replace(`:${pgPort}/`, `:${(relay.address() as AddressInfo).port}/`);
    const a = spawnNode("node-a", relayed);
    let b: Daemon | undefined;
    try {
      await until(
        30_000,
        "node-a to take the lease",
        () => !!said(a, "took the lease"),
        () => tail(a),
      );
      await until(
        30_000,
        "node-a's first rebalance",
        () => !!said(a, "rebalance confirmed"),
        () => tail(a),
      );
      b = spawnNode("node-b", databaseUrl);
      await until(
        30_000,
        "node-b to stand by",
        () => !!said(b!, "standing by: the lease is held"),
        () => tail(b!),
      );
      const nonce0 = await env.chain.provider.getTransactionCount(AGENT, "latest");
      const linesBefore = a.lines.length;
      // The partition: node-a's connections to the database end; new ones are refused. Then a plan is due.
      cut = true;
      for (const sock of sockets) sock.destroy();
      await env.chain.increaseTime(120);
      await (await env.stack.strategies[1]!.simulateGain(30_000n * env.stack.unit)).wait();
      await until(
        LEASE_SECONDS * 1_000 + 10_000,
        "node-b to take over",
        () => !!said(b!, "took the lease"),
        () => tail(b!),
      );
      await until(30_000, "node-b's rebalance settled", async () => {
        const entries = await PgJournal.read(db, scope);
        return entries.length === 2 && !!entries[1]!.outcome;
      });
      await until(
        15_000,
        "node-a to stand down",
        () => !!said(a, "lease lost"),
        () => tail(a),
      );
      const after = a.lines.slice(linesBefore).map((l) => l.msg);
      if (process.env.HA_TEST_LOG) console.log(after.join("\n"));
      expect(
        after.some((m) => m.includes("could not write the journal")),
        "node-a planned, and its journal write failed",
      ).toBe(true);
      expect(
        after.filter((m) => m.startsWith("journaled; broadcasting")),
        "node-a broadcast nothing once cut off",
      ).toEqual([]);
      expect(await env.chain.provider.getTransactionCount(AGENT, "latest"), "one transaction: node-b's").toBe(
        nonce0 + 1,
      );
      expect(await rebalancedEvents(env.stack)).toHaveLength(2);
      // The partition heals: node-a stands by behind node-b.
      cut = false;
      await until(15_000, "node-a to stand by again", () =>
        a.lines.slice(linesBefore).some((l) => l.msg.includes("standing by: the lease is held by node-b")),
      );
      expect((await readLease(db, scope))?.nodeId).toBe("node-b");
    } finally {
      for (const d of [a, b]) d?.child.kill("SIGKILL");
      await Promise.all([a, b].map((d) => d?.exited));
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => relay.close(r));
      await db.end();
    }
  }, 120_000);

  it("a paused leader (SIGSTOP past its lease) wakes up after the takeover, sends nothing, and stands down", async () => {
    const databaseUrl = await freshDatabase();
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const scope = haScope(env.chain.chainId, AGENT);
    const a = spawnNode("node-a", databaseUrl);
    let b: Daemon | undefined;
    try {
      await until(
        30_000,
        "node-a to take the lease",
        () => !!said(a, "took the lease"),
        () => tail(a),
      );
      await until(
        30_000,
        "node-a's first rebalance",
        () => !!said(a, "rebalance confirmed"),
        () => tail(a),
      );
      const nonce0 = await env.chain.provider.getTransactionCount(AGENT, "latest");
      b = spawnNode("node-b", databaseUrl);
      await until(
        30_000,
        "node-b to stand by",
        () => !!said(b!, "standing by: the lease is held"),
        () => tail(b!),
      );
      // node-a freezes at the simulation of its plan: planned, not yet journaled.
      let paused!: () => void;
      const frozen = new Promise<void>((r) => (paused = r));
      proxy.intercept = async (call) => {
        if (isSimulation(call) && a.child.exitCode === null && !said(b!, "took the lease")) {
          proxy.intercept = undefined;
          a.child.kill("SIGSTOP");
          paused();
        }
        return "forward" as const;
      };
      await env.chain.increaseTime(120);
      await (await env.stack.strategies[0]!.simulateGain(30_000n * env.stack.unit)).wait();
      await frozen;
      await until(LEASE_SECONDS * 1_000 + 10_000, "node-b to take over", () => !!said(b!, "took the lease"));
      await until(30_000, "node-b's rebalance settled", async () => {
        const entries = await PgJournal.read(db, scope);
        return entries.length === 2 && !!entries[1]!.outcome;
      });
      a.child.kill("SIGCONT");
      await until(
        15_000,
        "node-a to see it lost the lease",
        () => !!said(a, "lease lost"),
        () => tail(a),
      );
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await env.chain.provider.getTransactionCount(AGENT, "latest"), "one transaction: node-b's").toBe(
        nonce0 + 1,
      );
      const entries = await PgJournal.read(db, scope);
      expect(entries, "node-a journaled nothing after losing the lease").toHaveLength(2);
      const rows = await db.query("SELECT token FROM agent_journal ORDER BY seq");
      const tokens = rows.rows.map((r) => Number(r.token));
      expect(
        tokens.filter((t) => t !== 1),
        "after the takeover, only node-b's token",
      ).toEqual(tokens.slice(tokens.indexOf(2)));
      expect(tokens.at(-1)).toBe(2);
      expect(await rebalancedEvents(env.stack)).toHaveLength(2);
      expect((await readLease(db, scope))?.nodeId).toBe("node-b");
      await until(5_000, "node-a to stand by again", () => {
        const lost = a.lines.findIndex((l) => l.msg.includes("lease lost"));
        return (
          a.lines.findIndex((l, i) => i > lost && l.msg.includes("standing by: the lease is held by node-b")) > lost
        );
      });
    } finally {
      proxy.intercept = undefined;
      a.child.kill("SIGCONT");
      for (const d of [a, b]) d?.child.kill("SIGKILL");
      await Promise.all([a, b].map((d) => d?.exited));
      await db.end();
    }
  }, 120_000);
});
