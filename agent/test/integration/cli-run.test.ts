/**
 * `treasury-agent run` as an operator meets it, in real processes against the embedded chain (through a loopback proxy
 * the test can cut): a node unreachable at start, a node outage while it runs (said once, then "recovered"), SIGTERM
 * (a shutdown line), and `run --once` waiting for what it sent, saying what it left in flight, and exiting 1 when its
 * tick failed or its transaction reverted.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FileJournal, JOURNAL_FORMAT } from "../../src/executor/journal.js";
import { AGENT_VERSION } from "../../src/version.js";
import { AGENT, AGENT_KEY, rebalancedEvents, tempDir, useStack } from "../support/daemon-harness.js";
import { FaultProxy, type RpcCall } from "../support/fault-proxy.js";
import { BIN, treasuryAgent } from "../support/process.js";

const env = useStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } });
let proxy: FaultProxy;
let deadUrl: string;

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: env.chain.url, seed: 13 });
  // A port that was just free: nothing listens there.
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  deadUrl = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise<void>((r) => s.close(() => r()));
});

afterAll(async () => {
  await proxy?.close();
});

afterEach(async () => {
  proxy.intercept = undefined;
  proxy.onSendRaw = undefined;
  await env.chain.rpc("evm_setIntervalMining", [0]);
  await env.chain.setAutomine(true);
});

function writeConfig(over: { rpcUrl?: string; tx?: Record<string, unknown>; pollIntervalMs?: number } = {}): {
  file: string;
  dir: string;
} {
  const dir = tempDir("agent-run-");
  const file = path.join(dir, "agent.config.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      network: {
        rpcUrl: over.rpcUrl ?? proxy.url,
        chainId: 31337,
        confirmations: 1,
        pollIntervalMs: over.pollIntervalMs ?? 200,
        requestTimeoutMs: 2_000,
        retryFailedAfterMs: 100,
      },
      lens: env.stack.lensAddress,
      dataDir: "state",
      tx: { maxFeePerGasGwei: "100", stuckAfterSeconds: 60, ...over.tx },
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
      metrics: { enabled: false },
      log: { level: "info" },
      vaults: [{ address: env.stack.vaultAddress, label: "main" }],
    }),
  );
  return { file, dir };
}

const journalOf = (dir: string) =>
  new FileJournal(path.join(dir, "state", "31337", `journal-${AGENT.toLowerCase()}.jsonl`), { readOnly: true });
const parsed = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });

interface Running {
  child: ChildProcess;
  lines: () => { level: number; msg: string; [k: string]: unknown }[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `treasury-agent run` as a long-running process, its JSON log lines collected as they come. */
function startRun(config: string): Running {
  const clean = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith("AGENT_"))
      .map((k) => [k, ""]),
  );
  const child = spawn(process.execPath, [BIN, "run", "--config", config], {
    env: { ...process.env, ...clean, AGENT_PRIVATE_KEY: AGENT_KEY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, lines: () => parsed(stdout), stderr: () => stderr, exited };
}

async function until(ms: number, what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const runOnce = (config: string) =>
  treasuryAgent(["run", "--once", "--config", config], { env: { AGENT_PRIVATE_KEY: AGENT_KEY }, timeoutMs: 60_000 });

describe("treasury-agent run", () => {
  it("stops at once when no node answers at start: one line naming the endpoint without its credentials, no retry line, exit 1", async () => {
    const keyed = `${deadUrl.replace("http://", "http://operator:pa55word@")}/v3/secret-key-123`;
    const { file } = writeConfig({ rpcUrl: keyed });
    const r = await treasuryAgent(["run", "--config", file], { env: { AGENT_PRIVATE_KEY: AGENT_KEY } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^treasury-agent: cannot reach the RPC endpoint: ${deadUrl} \\(connection: [^)]*\\)\\. Is the node running, and is network\\.rpcUrl \\(or AGENT_RPC_URL\\) right\\? Nothing was sent\\n$`,
      ),
    );
    expect(r.stdout, "no log line: in particular none saying it will be tried again").toBe("");
    for (const secret of ["pa55word", "secret-key-123", "operator"])
      expect(r.stdout + r.stderr, secret).not.toContain(secret);
  });

  it("a node outage while it runs is logged once and then 'recovered'; SIGTERM ends it with a shutdown line", async () => {
    const { file } = writeConfig();
    const d = startRun(file);
    try {
      await until(20_000, "the first ticks", () => d.lines().filter((l) => l.tick !== undefined).length >= 1);
      proxy.intercept = () => "close"; // the node goes away
      await until(10_000, "several failed ticks", () => d.lines().some((l) => l.msg.startsWith("tick failed")));
      await new Promise((r) => setTimeout(r, 1_200)); // a handful more ticks fail meanwhile
      proxy.intercept = undefined; // and comes back
      await until(10_000, "the recovery", () => d.lines().some((l) => l.msg.startsWith("recovered: vault main")));
      d.child.kill("SIGTERM");
      expect(await d.exited, d.stderr()).toBe(0);
    } finally {
      d.child.kill("SIGKILL");
    }
    const lines = d.lines();
    const failed = lines.filter((l) => l.level === 50);
    expect(
      failed.map((l) => l.msg),
      "one error line for the outage",
    ).toEqual([
      expect.stringMatching(
        /^tick failed: .*(socket hang up|ECONNRESET).*; retrying every 200 ms \(logged again when the failure changes, and when it recovers\)$/,
      ),
    ]);
    expect(
      lines.filter((l) => l.msg === "RPC endpoint failed"),
      "one warning for the endpoint",
    ).toHaveLength(1);
    expect(
      lines.filter((l) => l.msg.startsWith(`RPC endpoint ${proxy.url} recovered: it answers again after `)),
    ).toHaveLength(1);
    const recovered = lines.filter((l) => l.msg.startsWith("recovered: vault main ticks again after "));
    expect(recovered).toHaveLength(1);
    expect(Number(recovered[0]!.failedTicks), "the outage spanned several ticks").toBeGreaterThan(1);
    const tail = lines.slice(-2).map((l) => l.msg);
    expect(tail[0]).toBe(
      "received SIGTERM: stopping after the current tick (a second SIGTERM ends the process at once)",
    );
    expect(tail[1]).toMatch(/^daemon stopped \(SIGTERM\) after \d+ ticks$/);
  });

  it("run --once waits for the transaction it sent to be mined, records the outcome, and exits 0", async () => {
    await env.chain.setAutomine(false);
    await env.chain.rpc("evm_setIntervalMining", [700]);
    const { file, dir } = writeConfig();
    const r = await runOnce(file);
    expect(r.code, r.stderr).toBe(0);
    const msgs = parsed(r.stdout).map((l) => l.msg);
    expect(msgs).toContain(
      "waiting for the transaction sent (receipt and 1 confirmation), at most 1m 0s (tx.stuckAfterSeconds)",
    );
    expect(msgs).toContain("rebalance confirmed");
    expect(msgs.at(-1)).toBe("stopped after one tick (--once)");
    const journal = journalOf(dir);
    expect(journal.entries()).toHaveLength(1);
    expect(journal.inFlight(), "nothing left in flight").toEqual([]);
    expect(journal.entries()[0]!.outcome?.status).toBe("confirmed");
    expect(await rebalancedEvents(env.stack)).toHaveLength(1);
  });

  it("run --once says what it left in flight when no block comes in time, and the next run settles it", async () => {
    await env.chain.setAutomine(false);
    const { file, dir } = writeConfig({ tx: { stuckAfterSeconds: 2 } });
    const first = await runOnce(file);
    expect(first.code, first.stderr).toBe(0);
    const left = parsed(first.stdout).find((l) => l.msg.startsWith("left intent "));
    expect(left?.level, "a warning").toBe(40);
    expect(left?.msg).toMatch(
      /^left intent 0x[0-9a-f]{64} \(tx 0x[0-9a-f]{64}, nonce 0\) in flight for main: no receipt with 1 confirmation yet\. It is in the journal; the next run settles it first .* and plans nothing new for this vault until then$/,
    );
    expect(journalOf(dir).inFlight()).toHaveLength(1);

    await env.chain.mine(); // the block it was waiting for
    await env.chain.setAutomine(true);
    const second = await runOnce(file);
    expect(second.code, second.stderr).toBe(0);
    expect(parsed(second.stdout).map((l) => l.msg)).toContain("rebalance confirmed");
    const journal = journalOf(dir);
    expect(journal.inFlight()).toEqual([]);
    expect(journal.entries()[0]!.outcome?.status).toBe("confirmed");
    expect(await rebalancedEvents(env.stack), "settled, not sent again").toHaveLength(1);
  });

  it("run --once exits 1 when its tick failed", async () => {
    const { file } = writeConfig();
    let lensCalls = 0;
    proxy.intercept = (call: RpcCall) => {
      const to = (call.params?.[0] as { to?: string } | undefined)?.to?.toLowerCase();
      if (call.method === "eth_call" && to === env.stack.lensAddress.toLowerCase() && ++lensCalls >= 2) return "close"; // the tick's snapshot, after the one at start
      return "forward";
    };
    const r = await runOnce(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^treasury-agent: run --once: main: lens snapshot of 0x[0-9a-fA-F]{40} failed/);
    expect(
      parsed(r.stdout)
        .filter((l) => l.level === 50)
        .map((l) => l.msg),
    ).toEqual([expect.stringMatching(/^tick failed: lens snapshot/)]);
  });

  it("run --once exits 1 when its transaction reverted on chain", async () => {
    await env.chain.setAutomine(false);
    await env.chain.rpc("evm_setIntervalMining", [700]);
    // The guardian pauses the agents in the very block the rebalance lands in, ahead of it (a higher tip).
    const pause = env.stack.sessions.connect(env.stack.guardian);
    proxy.onSendRaw = async () => {
      await pause.pauseAgents({ maxPriorityFeePerGas: 50n * 10n ** 9n, maxFeePerGas: 100n * 10n ** 9n });
    };
    const { file, dir } = writeConfig();
    const r = await runOnce(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^treasury-agent: run --once: main: transaction 0x[0-9a-f]{64} reverted on chain \(AgentsPaused\(\)\)\n$/,
    );
    expect(journalOf(dir).entries()[0]!.outcome).toMatchObject({ status: "reverted", error: "AgentsPaused()" });
  });

  it("across an upgrade: a 0.1.x journal is read by status, migrated by run (said, the old file kept); a newer agent's journal is refused", async () => {
    const { file, dir } = writeConfig();
    const first = await runOnce(file);
    expect(first.code, first.stderr).toBe(0);
    const journalFile = path.join(dir, "state", "31337", `journal-${AGENT.toLowerCase()}.jsonl`);
    // The same journal as agent 0.1.x wrote it: the lines without the header.
    const lines = fs.readFileSync(journalFile, "utf8").split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: "journal", format: JOURNAL_FORMAT });
    const format1 = lines.slice(1).join("\n");
    fs.writeFileSync(journalFile, format1);

    const status = await treasuryAgent(["status", "--config", file], { env: { AGENT_PRIVATE_KEY: AGENT_KEY } });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout, "the recent decision, read from the old format").toMatch(/confirmed/);
    expect(fs.readFileSync(journalFile, "utf8"), "status changes nothing").toBe(format1);

    const upgraded = await runOnce(file);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(parsed(upgraded.stdout).find((l) => l.msg.startsWith("journal migrated"))?.msg).toBe(
      `journal migrated from format 1 to ${JOURNAL_FORMAT} (every intent and in-flight transaction kept); the old file is kept at ${journalFile}.format-1.bak`,
    );
    expect(fs.readFileSync(`${journalFile}.format-1.bak`, "utf8")).toBe(format1);
    expect(journalOf(dir).entries()[0]!.outcome?.status).toBe("confirmed");

    // A journal from a newer agent: refused by every command, nothing sent.
    const newer = `${JSON.stringify({ type: "journal", format: JOURNAL_FORMAT + 1, writer: "@agent-treasury/agent 9.9.9" })}\n${format1}`;
    fs.writeFileSync(journalFile, newer);
    const before = await env.chain.provider.getTransactionCount(AGENT, "latest");
    const message = `treasury-agent: journal ${journalFile} is in format ${JOURNAL_FORMAT + 1}, written by @agent-treasury/agent 9.9.9; this agent (@agent-treasury/agent ${AGENT_VERSION}) reads formats 1 to ${JOURNAL_FORMAT}.`;
    for (const args of [
      ["status", "--config", file],
      ["run", "--once", "--config", file],
    ]) {
      const r = await treasuryAgent(args, { env: { AGENT_PRIVATE_KEY: AGENT_KEY } });
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    }
    expect(fs.readFileSync(journalFile, "utf8"), "left as it was").toBe(newer);
    expect(await env.chain.provider.getTransactionCount(AGENT, "latest"), "nothing sent").toBe(before);
  });
});
