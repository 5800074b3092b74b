/**
 * The journal across agent versions. `test/fixtures/journal-format1.jsonl` was written by agent 0.1.0 (format 1, no
 * header): a confirmed rebalance, a reverted loss write-down, and a rebalance in flight with a replacement. The new
 * code reads it, migrates it only when it writes, and refuses a format it does not know.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FileJournal, JOURNAL_FORMAT } from "../../src/executor/journal.js";
import { intentHash } from "../../src/executor/intent.js";
import { AGENT_VERSION } from "../../src/version.js";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/journal-format1.jsonl");
const IN_FLIGHT = "0x44864b289488fdcbf1c51af2aaa59b26948c2b4929210c292fdd33c1bee65994";

function copyFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "journal-format-"));
  const file = path.join(dir, "journal.jsonl");
  fs.copyFileSync(FIXTURE, file);
  return file;
}

function expectFixtureContent(journal: FileJournal): void {
  const entries = journal.entries();
  expect(entries, "three intents").toHaveLength(3);
  for (const e of entries)
    expect(intentHash(e.record), "every record hashes to its journaled intent hash").toBe(e.intentHash);
  expect(entries[0]!.outcome).toMatchObject({ status: "confirmed", blockNumber: 121, gasUsed: 301_234n });
  expect(entries[1]!.record.action).toEqual({
    kind: "realize-loss",
    strategy: "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853",
    allocation: 299_833_333_333n,
    value: 296_834_999_999n,
  });
  expect(entries[1]!.outcome?.status).toBe("reverted");
  const inFlight = journal.inFlight();
  expect(
    inFlight.map((e) => e.intentHash),
    "the in-flight intent is still in flight",
  ).toEqual([IN_FLIGHT]);
  expect(
    inFlight[0]!.attempts.map((a) => a.maxFeePerGas),
    "with both its attempts",
  ).toEqual([2_000_000_000n, 2_500_000_000n]);
  expect(inFlight[0]!.record.nonce).toBe(2);
}

describe("journal formats", () => {
  it("a format-1 journal (agent 0.1.0) is read as it is by a read-only command, and left untouched", () => {
    const file = copyFixture();
    const journal = new FileJournal(file, { readOnly: true });
    expect(journal.foundFormat).toBe(1);
    expect(journal.migratedFrom).toBeUndefined();
    expectFixtureContent(journal);
    expect(fs.readFileSync(file, "utf8")).toBe(fs.readFileSync(FIXTURE, "utf8"));
    expect(() => journal.finish(IN_FLIGHT, { status: "dropped", at: 1 })).toThrow(/opened read-only/);
  });

  it("a daemon that writes migrates it once: a header, every line kept, the old file kept as a backup", () => {
    const file = copyFixture();
    const journal = new FileJournal(file);
    expect(journal.migratedFrom).toEqual({ format: 1, backup: `${file}.format-1.bak` });
    expectFixtureContent(journal);
    const text = fs.readFileSync(file, "utf8");
    const [first, ...rest] = text.split("\n");
    expect(JSON.parse(first!)).toEqual({
      type: "journal",
      format: JOURNAL_FORMAT,
      writer: `@agent-treasury/agent ${AGENT_VERSION}`,
    });
    expect(rest.join("\n"), "the lines after the header are the old file's").toBe(fs.readFileSync(FIXTURE, "utf8"));
    expect(fs.readFileSync(`${file}.format-1.bak`, "utf8")).toBe(fs.readFileSync(FIXTURE, "utf8"));
    expect(fs.existsSync(`${file}.migrating`)).toBe(false);

    // It goes on as a journal: the in-flight intent settles, and a second open neither migrates nor loses anything.
    journal.finish(IN_FLIGHT, {
      status: "confirmed",
      hash: `0x${"44".repeat(32)}`,
      blockNumber: 430,
      gasUsed: 250_000n,
      at: 1_767_686_700_000,
    });
    const reopened = new FileJournal(file);
    expect(reopened.foundFormat).toBe(JOURNAL_FORMAT);
    expect(reopened.migratedFrom).toBeUndefined();
    expect(reopened.entries()).toHaveLength(3);
    expect(reopened.inFlight()).toEqual([]);
  });

  it("a format-2 journal (agent 0.2.x) is read as it is, and migrated once by a writer: its header replaced, not kept", () => {
    const file = copyFixture();
    const format2Header = JSON.stringify({ format: 2, type: "journal", writer: "@agent-treasury/agent 0.2.0" });
    const format2 = `${format2Header}\n${fs.readFileSync(FIXTURE, "utf8")}`;
    fs.writeFileSync(file, format2);
    const readOnly = new FileJournal(file, { readOnly: true });
    expect(readOnly.foundFormat).toBe(2);
    expectFixtureContent(readOnly);
    expect(fs.readFileSync(file, "utf8"), "a read-only open leaves it untouched").toBe(format2);

    const journal = new FileJournal(file);
    expect(journal.migratedFrom).toEqual({ format: 2, backup: `${file}.format-2.bak` });
    expectFixtureContent(journal);
    const [first, ...rest] = fs.readFileSync(file, "utf8").split("\n");
    expect(JSON.parse(first!)).toEqual({
      type: "journal",
      format: JOURNAL_FORMAT,
      writer: `@agent-treasury/agent ${AGENT_VERSION}`,
    });
    expect(rest.join("\n"), "one header: the old one is gone, every other line kept").toBe(
      fs.readFileSync(FIXTURE, "utf8"),
    );
    expect(fs.readFileSync(`${file}.format-2.bak`, "utf8")).toBe(format2);
  });

  it("a new journal starts with its header", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "journal-format-")), "j.jsonl");
    const source = new FileJournal(copyFixture(), { readOnly: true }).entries()[0]!;
    const journal = new FileJournal(file);
    journal.begin(source.record, source.attempts[0]!);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: "journal", format: JOURNAL_FORMAT });
    expect(new FileJournal(file).entries()[0]!.intentHash).toBe(source.intentHash);
  });

  it("a newer format is refused, naming the file and both versions; the file is not touched", () => {
    const file = copyFixture();
    const body = `${JSON.stringify({ type: "journal", format: JOURNAL_FORMAT + 1, writer: "@agent-treasury/agent 9.0.0" })}\n${fs.readFileSync(FIXTURE, "utf8")}{"torn":`;
    fs.writeFileSync(file, body);
    for (const readOnly of [false, true]) {
      expect(() => new FileJournal(file, { readOnly })).toThrow(
        `journal ${file} is in format ${JOURNAL_FORMAT + 1}, written by @agent-treasury/agent 9.0.0; this agent (@agent-treasury/agent ${AGENT_VERSION}) reads formats 1 to ${JOURNAL_FORMAT}`,
      );
    }
    expect(fs.readFileSync(file, "utf8"), "not repaired, not migrated").toBe(body);
    expect(fs.existsSync(`${file}.format-1.bak`)).toBe(false);
  });

  it("a header without a valid format is refused", () => {
    const file = copyFixture();
    fs.writeFileSync(file, `{"type":"journal","format":"two"}\n`);
    expect(() => new FileJournal(file)).toThrow(/has a header with no valid format/);
  });

  it("a read-only reader skips a line torn by a crash instead of repairing it", () => {
    const file = copyFixture();
    fs.appendFileSync(file, '{"type":"outcome","intentHash":');
    const before = fs.readFileSync(file, "utf8");
    expectFixtureContent(new FileJournal(file, { readOnly: true }));
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });
});
