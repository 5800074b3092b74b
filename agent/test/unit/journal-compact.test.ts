/**
 * Journal compaction on a generated journal of about 100,000 lines: the daemon's recovery is the same after it (the
 * same intent in flight with its signed bytes, the same next nonce, the same latest settlements and write-downs, no
 * false "unrecorded" nonce), the file the current reader reads, a crash before the rename leaving the old file as it
 * was, and a journal locked by a running daemon refused.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NonceWatch } from "../../src/alerts/unrecorded.js";
import { entriesToKeep } from "../../src/executor/compact.js";
import { Executor, type ExecutorOptions } from "../../src/executor/executor.js";
import { intentHash, type IntentRecord } from "../../src/executor/intent.js";
import { type Attempt, FileJournal, JOURNAL_FORMAT, type Outcome } from "../../src/executor/journal.js";
import { canonicalJson } from "../../src/util/json.js";
import { ManualClock } from "../../src/util/clock.js";
import { AGENT_PACKAGE, AGENT_VERSION } from "../../src/version.js";
import { A, vaultSnapshot } from "../support/fixtures.js";
import { FakeSender } from "../support/fake-sender.js";
import { memoryLogger } from "../support/logs.js";
import { treasuryAgent } from "../support/process.js";

const GWEI = 10n ** 9n;
const OTHER_VAULT = "0x5555555555555555555555555555555555555555";
const AGENT = new FakeSender().address;
const options: ExecutorOptions = {
  confirmations: 1,
  finalityDepth: 64,
  stuckAfterMs: 30_000,
  gasLimitMultiplierPct: 130,
  fees: { maxFeePerGasCeiling: 100n * GWEI, bumpPercent: 25 },
};

/** Settled intents 0..n-1 (every 10th replaced once, every 1000th a loss write-down), then one in flight at nonce n. */
function generate(file: string, n: number, finalized: number): { inFlight: string } {
  const vaults = [vaultSnapshot().vault, OTHER_VAULT];
  const lines = [
    canonicalJson({ type: "journal", format: JOURNAL_FORMAT, writer: `${AGENT_PACKAGE} ${AGENT_VERSION}` }),
  ];
  const attempt = (i: number, k: number): Attempt => ({
    hash: `0x${(i * 4 + k).toString(16).padStart(64, "0")}`,
    raw: `0x02f8${(i * 4 + k).toString(16).padStart(200, "a")}`,
    maxFeePerGas: (20n + BigInt(k)) * GWEI,
    maxPriorityFeePerGas: GWEI,
    gasLimit: 400_000n,
    at: 1_700_000_000_000 + i,
  });
  let inFlight = "";
  for (let i = 0; i <= n; i++) {
    const vault = i === n ? OTHER_VAULT : vaults[i % 2]!;
    const record: IntentRecord = {
      version: 1,
      chainId: 31337n,
      vault,
      agent: AGENT,
      sessionId: 7n,
      nonce: i,
      stateDigest: `0x${"cd".repeat(32)}`,
      blockNumber: BigInt(1_000 + i),
      planner: "yield",
      reason: `move ${i}`,
      targets: i % 1000 === 500 ? [] : [{ strategy: A, assets: BigInt(300_000 + i) }],
      volume: 10_000n,
      expectedGain: 5n,
      createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      ...(i % 1000 === 500
        ? { action: { kind: "realize-loss" as const, strategy: A, allocation: BigInt(i), value: 1n } }
        : {}),
    };
    const hash = intentHash(record);
    lines.push(canonicalJson({ type: "intent", intentHash: hash, record, attempt: attempt(i, 0) }));
    if (i % 10 === 0) lines.push(canonicalJson({ type: "attempt", intentHash: hash, attempt: attempt(i, 1) }));
    if (i === n) {
      inFlight = hash;
      continue;
    }
    const outcome: Outcome = {
      status: i % 97 === 0 ? "reverted" : "confirmed",
      hash: attempt(i, i % 10 === 0 ? 1 : 0).hash,
      blockNumber: 1_001 + i,
      gasUsed: 300_000n,
      at: 1_700_000_000_000 + i,
    };
    lines.push(canonicalJson({ type: "outcome", intentHash: hash, outcome }));
    // A reorg of one not-yet-final intent, settled again at another block.
    if (i === n - 2) {
      lines.push(
        canonicalJson({
          type: "reorged",
          intentHash: hash,
          reorg: { hash: outcome.hash, blockNumber: outcome.blockNumber, at: 1 },
        }),
      );
      lines.push(
        canonicalJson({
          type: "outcome",
          intentHash: hash,
          outcome: { ...outcome, blockNumber: outcome.blockNumber! + 1 },
        }),
      );
    }
  }
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  expect(finalized).toBeLessThan(1_001 + n);
  return { inFlight };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "journal-compact-"));
}

/** What a restarted daemon reads back from a journal: in flight, next nonce, latest settlements, write-downs. */
async function recovery(file: string, n: number) {
  const sender = new FakeSender();
  sender.latest = n + 1; // every nonce mined, the one in flight included (its receipt not yet seen)
  const journal = new FileJournal(file);
  const executor = new Executor(sender, journal, new ManualClock(), memoryLogger().log, options);
  const view = {
    inFlight: journal
      .inFlight()
      .map((e) => ({ intentHash: e.intentHash, nonce: e.record.nonce, attempts: e.attempts })),
    lastSettled: [vaultSnapshot().vault, OTHER_VAULT].map((v) => executor.lastSettledBlock(v)),
    // The mark each strategy was last written down at (the one that stands: an older one is not the vault's mark any
    // more), and one never written down.
    lossSent: [n - 1 - ((n - 1 - 500) % 1000), n + 1].map((i) =>
      executor.lossRealizationSent(vaultSnapshot().vault, A, BigInt(i)),
    ),
    unrecorded: await new NonceWatch(AGENT, journal, async () => n + 1).check(),
  };
  // The next intent: a new plan for the vault with nothing in flight takes the nonce after every journaled one.
  const sent = await executor.submit({
    snapshot: vaultSnapshot(),
    sessionId: 7n,
    targets: [{ strategy: A, assets: 310_000n }],
    planner: "yield",
    reason: "after",
    volume: 10_000n,
    expectedGain: 5n,
  });
  journal.close();
  return { ...view, nextNonce: sent.status === "sent" ? sent.nonce : sent.status };
}

describe("journal compaction", () => {
  const N = 47_700; // ≈ 100,000 lines: an intent and its outcome per nonce, a replacement for every 10th

  it("on ~100k records keeps what recovery needs: the same in-flight intent, next nonce, settlements, no false alert", async () => {
    const dir = tmp();
    const file = path.join(dir, "journal.jsonl");
    const finalized = 1_001 + N - 5; // the last four settled intents are not final yet
    const { inFlight } = generate(file, N, finalized);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n").length;
    expect(lines, "about 100k records").toBeGreaterThan(100_000);
    const copy = path.join(dir, "before.jsonl");
    fs.copyFileSync(file, copy);

    const journal = new FileJournal(file);
    const before = fs.statSync(file).size;
    const result = journal.compact(entriesToKeep(journal.entries(), finalized));
    journal.close();
    console.log(
      `JOURNAL_COMPACT ${JSON.stringify({ records: lines, intents: N + 1, before: result.before, after: result.after, kept: result.kept, dropped: result.dropped })}`,
    );
    expect(result.before).toBe(before);
    expect(result.after, "much smaller").toBeLessThan(before / 100);
    expect(fs.readFileSync(result.backup, "utf8"), "the backup is the old file").toBe(fs.readFileSync(copy, "utf8"));

    // The current reader reads it, in the same format; the header lists what was left out.
    const reread = new FileJournal(file, { readOnly: true });
    expect(reread.foundFormat).toBe(JOURNAL_FORMAT);
    expect(reread.inFlight().map((e) => e.intentHash)).toEqual([inFlight]);
    expect(reread.compactedNonce(0) && reread.compactedNonce(N - 10) && !reread.compactedNonce(N)).toBe(true);

    const [was, now] = [await recovery(copy, N), await recovery(file, N)];
    expect(now, "recovery after compaction").toEqual(was);
    expect(now.inFlight.map((e) => e.nonce)).toEqual([N]);
    expect(now.nextNonce).toBe(N + 1);
    expect(now.unrecorded, "no nonce taken for unrecorded").toBeUndefined();

    // A second compaction keeps the first one's nonces in the header.
    const again = new FileJournal(file);
    again.compact(entriesToKeep(again.entries(), finalized + 10));
    again.close();
    const third = new FileJournal(file, { readOnly: true });
    expect(third.compactedNonce(0) && third.compactedNonce(N - 3)).toBe(true);
    expect(await new NonceWatch(AGENT, third, async () => N + 1).check()).toBeUndefined();
  }, 120_000);

  it("a crash before the rename leaves the old file whole and readable; nothing half-written is left", () => {
    const dir = tmp();
    const file = path.join(dir, "journal.jsonl");
    generate(file, 2_000, 2_900);
    const bytes = fs.readFileSync(file);
    const journal = new FileJournal(file);
    expect(() =>
      journal.compact(entriesToKeep(journal.entries(), 2_900), {
        beforeRename: () => {
          throw new Error("power cut");
        },
      }),
    ).toThrow(/could not compact the journal .* \(the old file is unchanged\)/);
    journal.close();
    expect(fs.readFileSync(file).equals(bytes), "old file intact").toBe(true);
    expect(fs.existsSync(`${file}.compacting`)).toBe(false);
    expect(new FileJournal(file, { readOnly: true }).entries().length).toBe(2_001);
  });

  it("refuses while a daemon holds the journal (in process and as `treasury-agent journal compact`)", async () => {
    const dir = tmp();
    const dataDir = path.join(dir, "state");
    const file = path.join(dataDir, "31337", `journal-${AGENT.toLowerCase()}.jsonl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    generate(file, 100, 50);
    const bytes = fs.readFileSync(file);
    // A live process of this host holds the lock: the test's parent.
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, host: os.hostname(), since: "2026-01-01" }));
    expect(() => new FileJournal(file)).toThrow(/is in use by another daemon/);
    const config = path.join(dir, "agent.config.json");
    fs.writeFileSync(
      config,
      JSON.stringify({
        network: { rpcUrl: "http://127.0.0.1:1", chainId: 31337 },
        lens: A,
        agentAddress: AGENT,
        dataDir: "state",
        tx: { maxFeePerGasGwei: "100" },
        planner: { minMove: "1000", nativePriceInAsset: "3000" },
        vaults: [{ address: OTHER_VAULT }],
      }),
    );
    const run = await treasuryAgent(["journal", "compact", "--config", config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`journal .* is in use by another daemon \\(pid ${process.ppid} on`));
    expect(fs.readFileSync(file).equals(bytes), "journal untouched").toBe(true);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith(".bak"))).toEqual([]);
  }, 30_000);
});
