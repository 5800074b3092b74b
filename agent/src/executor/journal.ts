/**
 * The decision journal: an append-only JSON-lines file, flushed to disk (fsync) before the daemon broadcasts anything.
 * Lines: `intent` (the record, its hash and the first signed attempt), `attempt` (a replacement, signed, written before
 * it is broadcast), `outcome`. Reading it back rebuilds every intent and tells what is still in flight, so a restarted
 * daemon resumes instead of deciding again.
 */
import fs from "node:fs";
import path from "node:path";
import { JournalError } from "../failures.js";
import { canonicalJson } from "../util/json.js";
import { intentHash as hashOf, type IntentRecord } from "./intent.js";

export interface Attempt {
  hash: string;
  /** The signed transaction, so a restart re-broadcasts the same bytes (same nonce, same hash) instead of a new one. */
  raw: string;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  /** Wall-clock milliseconds when signed. */
  at: number;
  /** A cancellation: a 0-value transfer to the agent itself at the intent's nonce, replacing a rebalance that no longer passes. */
  cancel?: boolean;
}

/** `cancelled`: the cancellation took the nonce, so the rebalance can never be mined. */
export type OutcomeStatus = "confirmed" | "reverted" | "dropped" | "cancelled";

export interface Outcome {
  status: OutcomeStatus;
  hash?: string;
  blockNumber?: number;
  gasUsed?: bigint;
  /** The decoded revert, for a reverted transaction. */
  error?: string;
  at: number;
}

export interface JournalEntry {
  intentHash: string;
  record: IntentRecord;
  attempts: Attempt[];
  outcome?: Outcome;
}

export interface Journal {
  entries(): JournalEntry[];
  /** Intents with a signed attempt and no outcome, optionally for one vault. */
  inFlight(vault?: string): JournalEntry[];
  /** Records an intent and its first signed attempt, durably, before broadcast. */
  begin(record: IntentRecord, attempt: Attempt): JournalEntry;
  addAttempt(intentHash: string, attempt: Attempt): void;
  finish(intentHash: string, outcome: Outcome): void;
}

type Line =
  | { type: "intent"; intentHash: string; record: IntentRecord; attempt: Attempt }
  | { type: "attempt"; intentHash: string; attempt: Attempt }
  | { type: "outcome"; intentHash: string; outcome: Outcome };

export class FileJournal implements Journal {
  private readonly byHash = new Map<string, JournalEntry>();

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) this.load();
  }

  /** Bytes cut from the end of the file at load: a line torn by a crash mid-write (0 when the file was whole). */
  repairedBytes = 0;

  private load(): void {
    let text = fs.readFileSync(this.file, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) text = this.repairTail(text);
    const lines = text.split("\n");
    lines.forEach((raw, i) => {
      if (raw.trim() === "") return;
      let line: Line;
      try {
        line = parseLine(JSON.parse(raw));
      } catch (err) {
        throw new JournalError(`journal ${this.file} line ${i + 1} is unreadable`, { cause: err });
      }
      this.apply(line);
    });
  }

  /**
   * A crash during a write leaves the last line without its newline. If that line is whole, only the newline is
   * missing and it is added; if not, the write never completed (so what it recorded was never acted on: every line is
   * written before the action it records) and the fragment is cut off. Either way the next append starts on a line of
   * its own; without this, it would be glued to the fragment and lost.
   */
  private repairTail(text: string): string {
    const cut = text.lastIndexOf("\n") + 1;
    const tail = text.slice(cut);
    let whole = false;
    try {
      parseLine(JSON.parse(tail));
      whole = true;
    } catch {
      whole = false;
    }
    const fd = fs.openSync(this.file, "r+");
    try {
      if (whole) {
        fs.writeSync(fd, "\n", Buffer.byteLength(text));
      } else {
        fs.ftruncateSync(fd, Buffer.byteLength(text.slice(0, cut)));
        this.repairedBytes = Buffer.byteLength(tail);
      }
      fs.fsyncSync(fd);
    } catch (err) {
      throw new JournalError(`could not repair the torn end of the journal ${this.file}`, { cause: err });
    } finally {
      fs.closeSync(fd);
    }
    return whole ? `${text}\n` : text.slice(0, cut);
  }

  private apply(line: Line): void {
    if (line.type === "intent") {
      this.byHash.set(line.intentHash, { intentHash: line.intentHash, record: line.record, attempts: [line.attempt] });
      return;
    }
    const entry = this.byHash.get(line.intentHash);
    if (!entry) throw new JournalError(`journal ${this.file} mentions unknown intent ${line.intentHash}`);
    if (line.type === "attempt") entry.attempts.push(line.attempt);
    else entry.outcome = line.outcome;
  }

  private append(line: Line): void {
    const fd = fs.openSync(this.file, "a");
    try {
      fs.writeSync(fd, `${canonicalJson(line)}\n`);
      fs.fsyncSync(fd);
    } catch (err) {
      throw new JournalError(`could not write the journal ${this.file}`, { cause: err });
    } finally {
      fs.closeSync(fd);
    }
    this.apply(line);
  }

  entries(): JournalEntry[] {
    return [...this.byHash.values()];
  }

  inFlight(vault?: string): JournalEntry[] {
    return this.entries().filter(
      (e) => !e.outcome && (vault === undefined || e.record.vault.toLowerCase() === vault.toLowerCase()),
    );
  }

  begin(record: IntentRecord, attempt: Attempt): JournalEntry {
    const intentHash = hashOf(record);
    if (this.byHash.has(intentHash)) throw new JournalError(`intent ${intentHash} is already journaled`);
    this.append({ type: "intent", intentHash, record, attempt });
    return this.byHash.get(intentHash)!;
  }

  addAttempt(intentHash: string, attempt: Attempt): void {
    this.append({ type: "attempt", intentHash, attempt });
  }

  finish(intentHash: string, outcome: Outcome): void {
    this.append({ type: "outcome", intentHash, outcome });
  }
}

// ---------------------------------------------------------------- parsing (bigints are stored as decimal strings)

type Raw = Record<string, unknown>;
const big = (v: unknown) => BigInt(v as string);

function parseAttempt(a: Raw): Attempt {
  return {
    hash: a.hash as string,
    raw: a.raw as string,
    maxFeePerGas: big(a.maxFeePerGas),
    maxPriorityFeePerGas: big(a.maxPriorityFeePerGas),
    gasLimit: big(a.gasLimit),
    at: a.at as number,
    ...(a.cancel === true ? { cancel: true } : {}),
  };
}

export function parseRecord(r: Raw): IntentRecord {
  return {
    version: 1,
    chainId: big(r.chainId),
    vault: r.vault as string,
    agent: r.agent as string,
    sessionId: big(r.sessionId),
    nonce: r.nonce as number,
    stateDigest: r.stateDigest as string,
    blockNumber: big(r.blockNumber),
    planner: r.planner as string,
    reason: r.reason as string,
    targets: (r.targets as Raw[]).map((t) => ({ strategy: t.strategy as string, assets: big(t.assets) })),
    volume: big(r.volume),
    expectedGain: big(r.expectedGain),
    createdAt: r.createdAt as string,
    ...(r.action === undefined ? {} : { action: parseAction(r.action as Raw) }),
  };
}

function parseAction(a: Raw): NonNullable<IntentRecord["action"]> {
  if (a.kind !== "realize-loss") throw new Error(`unknown intent action ${String(a.kind)}`);
  return { kind: "realize-loss", strategy: a.strategy as string, allocation: big(a.allocation), value: big(a.value) };
}

function parseLine(raw: Raw): Line {
  const intentHash = raw.intentHash as string;
  switch (raw.type) {
    case "intent":
      return { type: "intent", intentHash, record: parseRecord(raw.record as Raw), attempt: parseAttempt(raw.attempt as Raw) };
    case "attempt":
      return { type: "attempt", intentHash, attempt: parseAttempt(raw.attempt as Raw) };
    case "outcome": {
      const o = raw.outcome as Raw;
      return {
        type: "outcome",
        intentHash,
        outcome: {
          status: o.status as OutcomeStatus,
          hash: o.hash as string | undefined,
          blockNumber: o.blockNumber as number | undefined,
          gasUsed: o.gasUsed === undefined ? undefined : big(o.gasUsed),
          error: o.error as string | undefined,
          at: o.at as number,
        },
      };
    }
    default:
      throw new Error(`unknown journal line type ${String(raw.type)}`);
  }
}
