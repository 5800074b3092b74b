/** The executor against an in-memory chain: journal before broadcast, nonces, outcomes, replacement, restart. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Executor, intentCalldata, type CoSign, type ExecutorOptions } from "../../src/executor/executor.js";
import { vaultInterface } from "../../src/abi/index.js";
import { intentHash } from "../../src/executor/intent.js";
import { FileJournal, JOURNAL_FORMAT } from "../../src/executor/journal.js";
import { ManualClock } from "../../src/util/clock.js";
import { A, vaultSnapshot } from "../support/fixtures.js";
import { FakeSender, revertData } from "../support/fake-sender.js";
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

function setup(
  o: Partial<ExecutorOptions> = {},
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "exec-")), "journal.jsonl"),
) {
  const sender = new FakeSender();
  const clock = new ManualClock();
  const logs = memoryLogger();
  const make = () => new Executor(sender, new FileJournal(file), clock, logs.log, { ...options, ...o });
  return { sender, clock, logs, file, make, executor: make() };
}

describe("executor", () => {
  it("journals the intent and its signed transaction durably before broadcasting", async () => {
    const { sender, executor, file } = setup();
    let journaledAtBroadcast = "";
    sender.onBroadcast = () => (journaledAtBroadcast = fs.readFileSync(file, "utf8"));
    const sent = await executor.submit(request);
    expect(sent.status).toBe("sent");
    if (sent.status !== "sent") return;
    const [header, intentLine] = journaledAtBroadcast.trim().split("\n");
    expect(JSON.parse(header!), "the journal's header").toMatchObject({ type: "journal", format: JOURNAL_FORMAT });
    const line = JSON.parse(intentLine!) as {
      type: string;
      intentHash: string;
      record: { nonce: number; stateDigest: string; reason: string };
      attempt: { hash: string };
    };
    expect(line).toMatchObject({ type: "intent", intentHash: sent.intentHash, attempt: { hash: sent.hash } });
    expect(line.record).toMatchObject({ nonce: 0, reason: "test" });
    expect(line.record.stateDigest).toMatch(/^0x[0-9a-f]{64}$/);
    const entry = new FileJournal(file).entries()[0]!;
    expect(intentHash(entry.record), "the hash of the journaled record").toBe(sent.intentHash);
    expect(sender.signed[0]!.gasLimit, "(estimate + the intent hash's calldata gas) x 1.3").toBe(
      ((200_000n + 512n) * 13n) / 10n,
    );
  });

  it("sends nothing and journals nothing when the simulation reverts", async () => {
    const { sender, executor, file } = setup();
    sender.revertWith = revertData("SessionExpired", [7n, 1_000n]);
    const r = await executor.submit(request);
    expect(r.status).toBe("rejected");
    expect(r.status === "rejected" && r.error.decoded?.name).toBe("SessionExpired");
    expect(sender.signed).toHaveLength(0);
    expect(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "").toBe("");
  });

  it("defers when the base fee is above the ceiling", async () => {
    const { sender, executor } = setup();
    sender.baseFee = 100n * GWEI;
    expect(await executor.submit(request)).toMatchObject({
      status: "deferred",
      reason:
        "the base fee 100 gwei leaves no room under the fee ceiling of 100 gwei (tx.maxFeePerGasGwei); waiting for it to fall",
    });
    expect(sender.signed).toHaveLength(0);
  });

  it("confirms after the configured confirmations and records the outcome", async () => {
    const { sender, executor } = setup({ confirmations: 2 });
    const sent = await executor.submit(request);
    sender.mine();
    expect((await executor.reconcile())[0]).toMatchObject({ state: "awaiting-confirmations" });
    sender.head++;
    expect((await executor.reconcile())[0]).toMatchObject({
      state: "confirmed",
      hash: sent.status === "sent" ? sent.hash : "",
    });
    expect(executor.inFlight(request.snapshot.vault)).toBeUndefined();
    expect(await executor.reconcile(), "nothing left").toEqual([]);
  });

  it("takes the next nonce after what is pending on chain and in the journal", async () => {
    const { sender, executor } = setup();
    sender.latest = 5;
    await executor.submit(request);
    expect(sender.signed[0]!.nonce).toBe(5);
    const other = { ...request, snapshot: vaultSnapshot({ vault: "0x9999999999999999999999999999999999999998" }) };
    sender.mempool.clear(); // the node lost it; the journal still has nonce 5 in flight
    await executor.submit(other);
    expect(sender.signed[1]!.nonce, "after the journaled in-flight nonce").toBe(6);
  });

  it("marks an intent dropped when its nonce was used by another transaction, seen at two heads", async () => {
    const { sender, executor, logs } = setup();
    await executor.submit(request);
    sender.useNonceElsewhere();
    // A load-balanced node can count the nonce on one backend and miss our receipt on another: not dropped yet.
    expect((await executor.reconcile())[0]).toMatchObject({ state: "pending" });
    expect((await executor.reconcile())[0], "same head: still not").toMatchObject({ state: "pending" });
    expect(logs.messages()).toContain(
      "nonce used but no receipt of ours found; checking again at a later block before calling it dropped",
    );
    sender.head++;
    expect((await executor.reconcile())[0]).toMatchObject({ state: "dropped" });
    expect(executor.inFlight(request.snapshot.vault)).toBeUndefined();
  });

  it("a receipt that shows up on the second look settles the intent as confirmed, not dropped", async () => {
    const { sender, executor } = setup();
    const sent = await executor.submit(request);
    sender.mine();
    const hidden = new Map(sender.receipts);
    sender.receipts.clear(); // this backend has not indexed the receipt yet, but counts the nonce
    expect((await executor.reconcile())[0]).toMatchObject({ state: "pending" });
    sender.head++;
    for (const [h, r] of hidden) sender.receipts.set(h, r);
    expect((await executor.reconcile())[0]).toMatchObject({
      state: "confirmed",
      hash: sent.status === "sent" ? sent.hash : "",
    });
  });

  it("never reuses a nonce the journal knows is taken, even when the node reports a lower count", async () => {
    const { sender, executor } = setup();
    await executor.submit(request);
    sender.mine();
    await executor.reconcile();
    sender.latest = 0; // a lagging node: it has not seen nonce 0 used
    const other = { ...request, snapshot: vaultSnapshot({ blockNumber: 101n }) };
    await executor.submit(other);
    expect(
      sender.signed.map((t) => t.nonce),
      "nonce 0 is journaled as mined",
    ).toEqual([0, 1]);
  });

  it("replaces a stuck transaction under the ceiling, and waits at the ceiling", async () => {
    const { sender, executor, clock, logs } = setup();
    await executor.submit(request);
    clock.advance(29_999);
    expect((await executor.reconcile())[0]).toMatchObject({ state: "pending" });
    expect(sender.signed).toHaveLength(1);
    clock.advance(1);
    expect((await executor.reconcile())[0]).toMatchObject({ state: "pending", replaced: true });
    expect(sender.signed).toHaveLength(2);
    expect(sender.signed[1]!.nonce, "same nonce").toBe(sender.signed[0]!.nonce);
    expect(sender.signed[1]!.data, "same call, same intent").toBe(sender.signed[0]!.data);
    // The market rises: the next bump would pass the 100 gwei ceiling only if it were above it; it is capped at it.
    sender.baseFee = 60n * GWEI;
    clock.advance(30_000);
    await executor.reconcile();
    expect(sender.signed[2]!.maxFeePerGas).toBe(100n * GWEI);
    clock.advance(30_000);
    expect((await executor.reconcile())[0]).toMatchObject({ state: "pending" });
    expect(sender.signed, "no valid bump left under the ceiling").toHaveLength(3);
    const stuck = logs.lines.find((l) => l.msg.startsWith("stuck at the fee ceiling"));
    expect(stuck?.msg, "fees in gwei").toBe("stuck at the fee ceiling (100 gwei, tx.maxFeePerGasGwei 100); waiting");
    expect(stuck, "and in wei for machines").toMatchObject({
      maxFeeGwei: "100",
      maxFeePerGasWei: "100000000000",
      ceilingGwei: "100",
    });
    sender.mine();
    expect((await executor.reconcile())[0]).toMatchObject({ state: "confirmed", hash: [...sender.receipts.keys()][0] });
  });

  it("after a restart, re-broadcasts the journaled bytes instead of signing anew", async () => {
    const { sender, make } = setup();
    await make().submit(request);
    const raw = sender.broadcasts[0]!;
    sender.mempool.clear(); // the node forgot it (restart of the node, or it was never accepted)
    const restarted = make();
    expect(restarted.inFlight(request.snapshot.vault), "picked up from the journal").toBeDefined();
    await restarted.reconcile();
    expect(sender.broadcasts).toEqual([raw, raw]);
    expect(sender.signed, "nothing new signed").toHaveLength(1);
    await expect(restarted.submit(request), "no second intent while one is in flight").rejects.toThrow(/in flight/);
  });

  it("a journaled rebalance that never reached a node and no longer passes is cancelled, not sent", async () => {
    const { sender, executor, logs } = setup();
    sender.onBroadcast = () => {
      throw new Error("connection dropped");
    };
    const sent = await executor.submit(request);
    expect(sent.status).toBe("sent");
    sender.onBroadcast = undefined;
    const original = sender.signed[0]!;
    // The state moved while the transaction was nowhere: the plan now breaks a bound.
    const [r] = await executor.reconcile(undefined, async () => "mirror: IdleBufferBreached(idle=1, required=2)");
    expect(r).toMatchObject({ state: "pending", cancelling: true });
    expect(sender.signed).toHaveLength(2);
    const cancel = sender.signed[1]!;
    expect(cancel, "a 0-value transfer to itself at the same nonce").toMatchObject({
      to: sender.address,
      data: "0x",
      nonce: original.nonce,
      gasLimit: 21_000n,
    });
    expect(cancel.maxFeePerGas >= (original.maxFeePerGas * 125n) / 100n, "fees raised to replace it anywhere").toBe(
      true,
    );
    expect(sender.broadcasts, "the rebalance was never broadcast").toHaveLength(1);
    expect(logs.messages()).toContain(
      "the journaled rebalance no longer passes; cancelling its nonce instead of sending it",
    );
    const entry = executor.inFlight(request.snapshot.vault)!;
    expect(
      entry.attempts.map((a) => !!a.cancel),
      "journaled before broadcast",
    ).toEqual([false, true]);

    sender.mine();
    const [settled] = await executor.reconcile(undefined, async () => "still failing");
    expect(settled).toMatchObject({ state: "cancelled" });
    expect(executor.inFlight(request.snapshot.vault)).toBeUndefined();
  });

  it("a journaled rebalance that never reached a node and still passes is re-broadcast as it was", async () => {
    const { sender, executor } = setup();
    sender.onBroadcast = () => {
      throw new Error("HTTP 502");
    };
    await executor.submit(request);
    sender.onBroadcast = undefined;
    let asked = 0;
    await executor.reconcile(undefined, async () => {
      asked++;
      return undefined;
    });
    expect(asked).toBe(1);
    expect(sender.signed, "nothing new signed").toHaveLength(1);
    expect(sender.broadcasts).toHaveLength(1);
    expect(sender.mempool.size).toBe(1);
  });

  it("a stuck rebalance whose plan no longer passes is replaced by a cancellation, and a stuck cancellation by a dearer one", async () => {
    const { sender, executor, clock } = setup();
    await executor.submit(request);
    clock.advance(30_000);
    await executor.reconcile(undefined, async () => "mirror: CooldownActive(sessionId=7, nextCallAt=9)");
    expect(sender.signed.map((t) => t.data === "0x")).toEqual([false, true]);
    clock.advance(30_000);
    const [r] = await executor.reconcile(undefined, async () => undefined);
    expect(r, "the cancellation is bumped, never turned back into the rebalance").toMatchObject({ replaced: true });
    expect(sender.signed.map((t) => t.data === "0x")).toEqual([false, true, true]);
    expect(sender.signed[2]!.maxFeePerGas > sender.signed[1]!.maxFeePerGas).toBe(true);
    sender.mine();
    expect((await executor.reconcile())[0]).toMatchObject({ state: "cancelled" });
  });

  it("a co-signed plan: asked with its intent hash, journaled and bumped as rebalanceCosigned, kept across a restart", async () => {
    const { sender, make, clock } = setup();
    const asked: string[] = [];
    const coSign: CoSign = async (_record, hash) => {
      asked.push(hash);
      return { coSignature: { deadline: 1_000n, signature: `0x${"ab".repeat(65)}`, coSigner: "http://cosigner/" } };
    };
    const executor = make();
    const sent = await executor.submit({ ...request, coSign });
    expect(sent.status).toBe("sent");
    if (sent.status !== "sent") return;
    expect(asked, "asked once, over the intent's own hash").toEqual([sent.intentHash]);
    const data = sender.signed[0]!.data;
    const call = vaultInterface.parseTransaction({ data })!;
    expect(call.name, "the co-signed call").toBe("rebalanceCosigned");
    expect(call.args[2], "its intent hash").toBe(sent.intentHash);
    expect(call.args[3], "the co-signature's deadline").toBe(1_000n);
    const entry = executor.inFlight(request.snapshot.vault)!;
    expect(entry.record.coSignature?.coSigner, "journaled with its co-signature").toBe("http://cosigner/");
    expect(intentHash(entry.record), "the co-signature stays out of the hash").toBe(sent.intentHash);
    // A restart reads the same record back; a fee bump re-signs exactly the co-signed call.
    const restarted = make();
    expect(intentCalldata(restarted.inFlight(request.snapshot.vault)!.record, sent.intentHash)).toBe(data);
    clock.advance(30_000);
    expect((await restarted.reconcile())[0]).toMatchObject({ replaced: true });
    expect(sender.signed[1]!.data, "the bump sends the same co-signed call").toBe(data);
  });

  it("a co-signed plan without a co-signature is held: nothing journaled, signed or sent", async () => {
    const { sender, executor } = setup();
    const held = await executor.submit({ ...request, coSign: async () => ({ refused: "the co-signer is down" }) });
    expect(held).toEqual({ status: "held", reason: "the co-signer is down" });
    expect(executor.inFlight(request.snapshot.vault), "nothing journaled").toBeUndefined();
    expect(sender.signed, "nothing signed").toEqual([]);
    expect(sender.broadcasts, "nothing sent").toEqual([]);
  });

  it("decodes a transaction that reverted when mined", async () => {
    const { sender, executor } = setup();
    await executor.submit(request);
    sender.mine(0);
    sender.revertWith = revertData("AbsoluteCapExceeded", [A, 2n, 1n]);
    const [r] = await executor.reconcile();
    expect(r).toMatchObject({ state: "reverted" });
    expect(r!.revert?.decoded?.name).toBe("AbsoluteCapExceeded");
  });
});

describe("journal", () => {
  const record = (nonce: number) => ({
    version: 1 as const,
    chainId: 1n,
    vault: A,
    agent: A,
    sessionId: 1n,
    nonce,
    stateDigest: "0x00",
    blockNumber: 1n,
    planner: "p",
    reason: "r",
    targets: [{ strategy: A, assets: 1n }],
    volume: 1n,
    expectedGain: 0n,
    createdAt: "2020-01-01T00:00:00.000Z",
  });
  const attempt = (hash: string) => ({
    hash,
    raw: "0x02",
    maxFeePerGas: 3n,
    maxPriorityFeePerGas: 1n,
    gasLimit: 9n,
    at: 1,
  });

  it("after a torn write, the next lines are written on lines of their own and read back (a crash, then two more intents)", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "journal-")), "j.jsonl");
    const first = new FileJournal(file).begin(record(0), attempt("0x01"));
    fs.appendFileSync(file, '{"type":"intent","intentHash":"0xdead'); // the process died mid-write
    const restarted = new FileJournal(file);
    expect(restarted.repairedBytes, "the fragment was cut off").toBeGreaterThan(0);
    const second = restarted.begin(record(1), attempt("0x03"));
    restarted.finish(first.intentHash, { status: "confirmed", hash: "0x01", blockNumber: 5, gasUsed: 1n, at: 2 });
    const third = restarted.begin(record(2), attempt("0x04"));
    const reread = new FileJournal(file);
    expect(
      reread.entries().map((e) => e.intentHash),
      "nothing glued to the fragment and lost",
    ).toEqual([first.intentHash, second.intentHash, third.intentHash]);
    expect(
      reread.inFlight().map((e) => e.record.nonce),
      "in flight: the two later intents",
    ).toEqual([1, 2]);
    expect(reread.repairedBytes).toBe(0);
  });

  it("a last line missing only its newline is kept and completed", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "journal-")), "j.jsonl");
    const entry = new FileJournal(file).begin(record(0), attempt("0x01"));
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").trimEnd());
    const reread = new FileJournal(file);
    expect(reread.inFlight().map((e) => e.intentHash)).toEqual([entry.intentHash]);
    reread.finish(entry.intentHash, { status: "dropped", at: 3 });
    expect(new FileJournal(file).inFlight()).toHaveLength(0);
  });

  it("survives a torn last line (a crash mid-write) and rejects a damaged middle", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "journal-"));
    const file = path.join(dir, "j.jsonl");
    const j = new FileJournal(file);
    const record = {
      version: 1 as const,
      chainId: 1n,
      vault: A,
      agent: A,
      sessionId: 1n,
      nonce: 0,
      stateDigest: "0x00",
      blockNumber: 1n,
      planner: "p",
      reason: "r",
      targets: [{ strategy: A, assets: 1n }],
      volume: 1n,
      expectedGain: 0n,
      createdAt: "2020-01-01T00:00:00.000Z",
    };
    const entry = j.begin(record, {
      hash: "0x01",
      raw: "0x02",
      maxFeePerGas: 3n,
      maxPriorityFeePerGas: 1n,
      gasLimit: 9n,
      at: 1,
    });
    fs.appendFileSync(file, '{"type":"outcome","intentHash":');
    const reread = new FileJournal(file);
    expect(reread.inFlight()).toHaveLength(1);
    expect(reread.entries()[0]!.record, "bigints restored").toEqual(record);
    expect(reread.entries()[0]!.intentHash).toBe(entry.intentHash);
    fs.writeFileSync(file, `garbage\n${fs.readFileSync(file, "utf8")}\n`);
    expect(() => new FileJournal(file)).toThrow(/line 1 is unreadable/);
  });
});
