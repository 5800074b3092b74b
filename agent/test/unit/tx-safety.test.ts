/**
 * Transaction safety the executor keeps with a fake chain: a mined intent whose block a reorg took out goes back in
 * flight (and stays so in the journal read back); a transaction the node holds queued behind a missing nonce is not
 * fee-bumped, the hole is filled with the journaled bytes; and the journal's lock keeps a second daemon off the key.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Executor, type ExecutorOptions } from "../../src/executor/executor.js";
import { FileJournal } from "../../src/executor/journal.js";
import { ManualClock } from "../../src/util/clock.js";
import { vaultSnapshot } from "../support/fixtures.js";
import { A } from "../support/fixtures.js";
import { FakeSender } from "../support/fake-sender.js";
import { memoryLogger } from "../support/logs.js";

const GWEI = 10n ** 9n;
const options: ExecutorOptions = {
  confirmations: 1,
  finalityDepth: 64,
  stuckAfterMs: 30_000,
  gasLimitMultiplierPct: 130,
  fees: { maxFeePerGasCeiling: 100n * GWEI, bumpPercent: 25 },
};
const request = {
  snapshot: vaultSnapshot(),
  sessionId: 7n,
  targets: [{ strategy: A, assets: 310_000n }],
  planner: "yield",
  reason: "test",
  volume: 10_000n,
  expectedGain: 5n,
};
const OTHER_VAULT = "0x9999999999999999999999999999999999999998";

function setup() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "txsafety-")), "journal.jsonl");
  const sender = new FakeSender();
  // A chain whose blocks are final 64 blocks later, and whose node has no `finalized` tag.
  sender.finality = async () => ({ head: sender.head });
  const clock = new ManualClock();
  const logs = memoryLogger();
  const executor = new Executor(sender, new FileJournal(file), clock, logs.log, options);
  return { sender, clock, logs, file, executor };
}

describe("reorgs and nonce gaps", () => {
  it("a confirmed intent whose block is gone goes back in flight, in memory and in the journal read back", async () => {
    const { sender, executor, file, logs } = setup();
    const sent = await executor.submit(request);
    sender.mine();
    expect((await executor.reconcile())[0]).toMatchObject({ state: "confirmed" });
    expect(executor.inFlight(request.snapshot.vault)).toBeUndefined();

    sender.receipts.clear(); // a reorg deeper than the confirmations
    sender.mempool.clear();
    sender.latest = 0;
    const [report] = await executor.reconcile();
    expect(report, "in flight again, its bytes sent again").toMatchObject({ state: "pending" });
    expect(sender.broadcasts.at(-1), "the journaled bytes, not a new signature").toBe(sender.broadcasts[0]);
    expect(sender.signed, "nothing signed anew").toHaveLength(1);
    expect(executor.inFlight(request.snapshot.vault)?.intentHash).toBe(sent.status === "sent" ? sent.intentHash : "");
    expect(
      new FileJournal(file, { readOnly: true }).inFlight(request.snapshot.vault),
      "the journal read back says so",
    ).toHaveLength(1);
    expect(logs.messages()).toContain(
      "reorg: the rebalance recorded confirmed in block 101 is no longer on the chain; in flight again, its journaled bytes are sent again",
    );

    sender.mine();
    expect((await executor.reconcile())[0], "recorded at the block it is mined in now").toMatchObject({
      state: "confirmed",
    });
    expect(new FileJournal(file, { readOnly: true }).entries()[0]!.outcome).toMatchObject({
      status: "confirmed",
      blockNumber: 102,
    });
  });

  it("a transaction the node holds queued behind a missing nonce is not fee-bumped: the hole is filled with the journaled bytes", async () => {
    const { sender, executor, clock, logs } = setup();
    await executor.submit(request); // nonce 0
    sender.mine();
    await executor.reconcile();
    await executor.submit({ ...request, snapshot: vaultSnapshot({ vault: OTHER_VAULT }) }); // nonce 1, another vault on the key
    const first = sender.broadcasts[0]!;

    // A reorg takes nonce 0 out; the node keeps nonce 1 queued behind it (its pending count stops at 0).
    sender.receipts.clear();
    sender.latest = 0;
    sender.pendingNonce = async () => 0;
    clock.advance(35_000); // past the timeout
    const [report] = await executor.reconcile(OTHER_VAULT);
    expect(report).toMatchObject({ state: "pending" });
    expect(report!.replaced, "no replacement with higher fees").toBeUndefined();
    expect(sender.signed, "nothing signed anew").toHaveLength(2);
    expect(sender.broadcasts.at(-1), "nonce 0's journaled bytes fill the hole").toBe(first);
    expect(logs.messages()).toContain(
      "the node holds the transaction queued behind nonce 0, which it lacks; not raising its fees",
    );
    expect(executor.inFlight(request.snapshot.vault), "the vanished intent is in flight again").toBeDefined();
  });

  it("nothing new is signed behind a hole the node refuses to fill", async () => {
    const { sender, executor } = setup();
    await executor.submit(request); // nonce 0, in flight
    sender.mempool.clear(); // the node lost it
    sender.broadcast = async () => {
      throw new Error("the node refuses it");
    };
    const other = await executor.submit({ ...request, snapshot: vaultSnapshot({ vault: OTHER_VAULT }) });
    expect(other).toMatchObject({ status: "deferred" });
    expect(other.status === "deferred" ? other.reason : "").toMatch(
      /^nonce gap: the node lacks nonce 0 of the agent's and refused its journaled bytes; signing nothing behind the hole$/,
    );
    expect(sender.signed, "nothing signed at nonce 1").toHaveLength(1);
  });
});

describe("the journal's lock", () => {
  const lockedJournal = (holder: { pid: number; host: string }) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "journal-lock-")), "journal.jsonl");
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ ...holder, since: "2026-01-01T00:00:00.000Z" }));
    return file;
  };

  it("refuses to open beside a live daemon on this host, naming its pid and host", async () => {
    const other = spawn("sleep", ["30"]);
    try {
      const file = lockedJournal({ pid: other.pid!, host: os.hostname() });
      expect(() => new FileJournal(file)).toThrow(
        `journal ${file} is in use by another daemon (pid ${other.pid} on ${os.hostname()}, since 2026-01-01T00:00:00.000Z): two daemons on one key would send the same plans with the same nonces. Stop that one first; if it is gone for good, delete ${file}.lock`,
      );
      expect(
        new FileJournal(file, { readOnly: true }).entries(),
        "read-only commands (status) do not need the lock",
      ).toEqual([]);
    } finally {
      other.kill();
    }
  });

  it("refuses a lock held on another host, which it cannot check", () => {
    const file = lockedJournal({ pid: 1, host: "other-host" });
    expect(() => new FileJournal(file)).toThrow(
      /in use by another daemon \(pid 1 on other-host, .*Stop that one first \(it runs on another host\)/,
    );
  });

  it("takes over a stale lock (its process is gone from this host), and lets it go when closed", () => {
    const gone = spawnSync("true").pid;
    const file = lockedJournal({ pid: gone, host: os.hostname() });
    const journal = new FileJournal(file);
    expect(JSON.parse(fs.readFileSync(`${file}.lock`, "utf8")), "the lock names this process").toMatchObject({
      pid: process.pid,
      host: os.hostname(),
    });
    journal.close();
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
});
