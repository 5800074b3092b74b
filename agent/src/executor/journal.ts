/**
 * The decision journal: an append-only JSON-lines file, flushed to disk (fsync) before the daemon broadcasts anything.
 * Lines: `intent` (the record, its hash and the first signed attempt), `attempt` (a replacement, signed, written before
 * it is broadcast), `outcome`, and `reorged` (the block holding the outcome left the chain: the intent is in flight
 * again; a later `outcome` records where it is mined now). Reading it back rebuilds every intent and tells what is
 * still in flight, so a restarted daemon resumes instead of deciding again.
 *
 * A daemon that writes holds the journal's lock (`<file>.lock`, naming its pid and host) for as long as it runs: a
 * second daemon on the same key refuses to start, naming the first; a lock left by a process that is gone from this
 * host is taken over.
 *
 * Formats: the first line is a header, `{"type":"journal","format":3,"writer":"@agent-treasury/agent 0.3.0"}`.
 * Format 1 (agent 0.1.x) had no header, format 2 (agent 0.2.x) no `reorged` line, the same lines otherwise: both are
 * read as they are, and a daemon that writes (`run`) migrates the file once, keeping the old one beside it
 * (`<file>.format-<n>.bak`), so an agent that does not know `reorged` lines refuses the file by its format instead of
 * stopping at such a line. A format this code does not know
 * (a newer agent's) is refused, naming the file and both versions: nothing is read from it or written to it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JournalError } from "../failures.js";
import { canonicalJson } from "../util/json.js";
import { AGENT_PACKAGE, AGENT_VERSION } from "../version.js";
import { intentHash as hashOf, type IntentRecord } from "./intent.js";
import { parseProvenance } from "./provenance.js";

/** The format this code writes. */
export const JOURNAL_FORMAT = 3;
/** The oldest format it reads (and migrates). */
export const OLDEST_JOURNAL_FORMAT = 1;

export interface Attempt {
  hash: string;
  /** The signed transaction, so a restart re-broadcasts the same bytes (same nonce, same hash) instead of a new one. */
  raw: string;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  /** Wall-clock milliseconds when signed. */
  at: number;
  /**
   * A cancellation: a 0-value transfer to the agent itself at the intent's nonce, replacing a rebalance that no longer
   * passes.
   */
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
  /** The block holding the intent's outcome left the chain (a reorg): the intent is in flight again. */
  reopen(intentHash: string, reorg: Reorg): void;
  /** Whether an intent with this nonce was journaled and later left out by a compaction (its record is in the backup). */
  compactedNonce?(nonce: number): boolean;
  /**
   * For a journal whose writes are asynchronous (PostgreSQL, under the HA lease): resolves once every write made so far
   * is durable; rejects when one was refused (the lease was lost) or failed. The executor awaits it before anything is
   * broadcast, so nothing leaves the process that is not journaled under the lease. The file journal writes
   * synchronously and has none.
   */
  flush?(): Promise<void>;
}

/** What a reorg took away: the outcome's transaction and block, and when that was found (wall-clock ms). */
export interface Reorg {
  hash?: string;
  blockNumber?: number;
  at: number;
}

/** The journal's first line (from format 2): its format, and the agent that created the file. */
export interface JournalHeader {
  type: "journal";
  format: number;
  writer: string;
  /**
   * Set by `compact`: the nonces of the intents it left out (all settled and final), as ranges ("0-4519,4521-9000"),
   * so the check for agent transactions the journal holds no record of still counts them as recorded. Readers that do
   * not know the field ignore it: the format is unchanged.
   */
  compacted?: { at: string; nonces: string; intents: number };
}

/** One journal line (a row of the PostgreSQL journal holds the same JSON). */
export type Line =
  | { type: "intent"; intentHash: string; record: IntentRecord; attempt: Attempt }
  | { type: "attempt"; intentHash: string; attempt: Attempt }
  | { type: "outcome"; intentHash: string; outcome: Outcome }
  | { type: "reorged"; intentHash: string; reorg: Reorg };

export interface FileJournalOptions {
  /** Read only (status, plan): a format-1 journal is read as it is, not migrated, and a torn tail is left alone. */
  readOnly?: boolean;
}

/**
 * A journal's intents rebuilt from its lines, in memory: what every store shares. A store writes a line durably in
 * `append` (then `apply`s it) and names itself in errors through `where`.
 */
export abstract class LineJournal implements Journal {
  protected readonly byHash = new Map<string, JournalEntry>();

  /** The store's name in errors: a file, or a database scope. */
  protected abstract where(): string;
  /** Writes one line (or queues it, for a store whose writes are awaited through `flush`), and applies it. */
  protected abstract append(line: Line): void;

  /** Applies one line to the intents in memory. */
  protected apply(line: Line): void {
    if (line.type === "intent") {
      this.byHash.set(line.intentHash, { intentHash: line.intentHash, record: line.record, attempts: [line.attempt] });
      return;
    }
    const entry = this.byHash.get(line.intentHash);
    if (!entry) throw new JournalError(`journal ${this.where()} mentions unknown intent ${line.intentHash}`);
    if (line.type === "attempt") entry.attempts.push(line.attempt);
    else if (line.type === "outcome") entry.outcome = line.outcome;
    else delete entry.outcome;
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

  reopen(intentHash: string, reorg: Reorg): void {
    this.append({ type: "reorged", intentHash, reorg });
  }
}

export class FileJournal extends LineJournal {
  /** Nonce ranges of the intents earlier compactions left out (from the header), inclusive. */
  private compactedRanges: Array<[number, number]> = [];
  /** The format of the file as it was found (the current one for a new or empty file). */
  readonly foundFormat: number = JOURNAL_FORMAT;
  /** Set when this open migrated an older format: where the old file was kept. */
  readonly migratedFrom?: { format: number; backup: string };

  constructor(
    private readonly file: string,
    private readonly options: FileJournalOptions = {},
  ) {
    super();
    if (!options.readOnly) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      lockJournal(file);
    }
    if (!fs.existsSync(file)) return;
    this.foundFormat = this.load();
    if (this.foundFormat < JOURNAL_FORMAT && !options.readOnly)
      this.migratedFrom = { format: this.foundFormat, backup: this.migrate() };
  }

  protected where(): string {
    return this.file;
  }

  /** Bytes cut from the end of the file at load: a line torn by a crash mid-write (0 when the file was whole). */
  repairedBytes = 0;

  /** Reads every line; returns the file's format (1 when it has no header). */
  private load(): number {
    let text = fs.readFileSync(this.file, "utf8");
    // The format is judged before anything else, so a newer agent's file is never repaired or read by rules it does not
    // follow.
    const format = this.formatOf(text);
    if (text.length > 0 && !text.endsWith("\n") && !this.options.readOnly) text = this.repairTail(text);
    const lines = text.split("\n");
    lines.forEach((raw, i) => {
      if (raw.trim() === "" || (i === 0 && format >= 2)) return;
      let line: Line;
      try {
        line = parseLine(JSON.parse(raw));
      } catch (err) {
        // A line torn by a crash, seen by a reader that does not repair: what it recorded was never acted on.
        if (this.options.readOnly && i === lines.length - 1 && !text.endsWith("\n")) return;
        throw new JournalError(`journal ${this.file} line ${i + 1} is unreadable`, { cause: err });
      }
      this.apply(line);
    });
    return format;
  }

  /** The format named by the first line's header; 1 for a file without one. A format it does not know is refused. */
  private formatOf(text: string): number {
    const first = text.slice(0, text.indexOf("\n") >= 0 ? text.indexOf("\n") : text.length);
    let header: Partial<JournalHeader> | undefined;
    try {
      const parsed = JSON.parse(first) as Partial<JournalHeader>;
      if (parsed?.type === "journal") header = parsed;
    } catch {
      header = undefined;
    }
    if (!header) return OLDEST_JOURNAL_FORMAT;
    if (typeof header.compacted?.nonces === "string") this.compactedRanges = parseRanges(header.compacted.nonces);
    const format = header.format;
    if (typeof format !== "number" || !Number.isInteger(format) || format < 2) {
      throw new JournalError(`journal ${this.file} has a header with no valid format (${JSON.stringify(first)})`);
    }
    if (format > JOURNAL_FORMAT) {
      throw new JournalError(
        `journal ${this.file} is in format ${format}${header.writer ? `, written by ${header.writer}` : ""}; this agent ` +
          `(${AGENT_PACKAGE} ${AGENT_VERSION}) reads formats ${OLDEST_JOURNAL_FORMAT} to ${JOURNAL_FORMAT}. Run the agent version that wrote it ` +
          `(or a newer one); nothing was read from or written to the file`,
      );
    }
    return format;
  }

  /**
   * Rewrites an older journal in the current format: the header (in place of the old one), then its lines as they are
   * (intents, attempts and outcomes keep their meaning, so every intent hash and every in-flight transaction is
   * unchanged). The new file is
   * written beside it, fsynced, and renamed over it; the old one is kept as `<file>.format-<n>.bak`.
   */
  private migrate(): string {
    const backup = `${this.file}.format-${this.foundFormat}.bak`;
    const next = `${this.file}.migrating`;
    try {
      const text = fs.readFileSync(this.file, "utf8");
      // From format 2 on, the first line is the old header: it is replaced, never kept beside the new one.
      const body = this.foundFormat >= 2 ? text.slice(text.indexOf("\n") + 1) : text;
      fs.copyFileSync(this.file, backup);
      const fd = fs.openSync(next, "w");
      try {
        fs.writeSync(fd, `${canonicalJson(header())}\n${body}`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(next, this.file);
      syncDir(path.dirname(this.file));
    } catch (err) {
      fs.rmSync(next, { force: true });
      throw new JournalError(
        `could not migrate the journal ${this.file} from format ${this.foundFormat} to ${JOURNAL_FORMAT}`,
        { cause: err },
      );
    }
    return backup;
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

  protected append(line: Line): void {
    if (this.options.readOnly) throw new JournalError(`journal ${this.file} was opened read-only`);
    const fd = fs.openSync(this.file, "a");
    try {
      // A new (or empty) file starts with its header.
      const start = fs.fstatSync(fd).size === 0 ? `${canonicalJson(header())}\n` : "";
      fs.writeSync(fd, `${start}${canonicalJson(line)}\n`);
      fs.fsyncSync(fd);
    } catch (err) {
      throw new JournalError(`could not write the journal ${this.file}`, { cause: err });
    } finally {
      fs.closeSync(fd);
    }
    this.apply(line);
  }

  compactedNonce(nonce: number): boolean {
    return this.compactedRanges.some(([a, b]) => nonce >= a && nonce <= b);
  }

  /**
   * Rewrites the journal with the entries `keep` names only, each as its latest state (its intent line, every attempt,
   * its outcome), in journal order, under a header that adds the nonces of the entries left out to those of earlier
   * compactions. The new file is written beside the journal (`<file>.compacting`), fsynced, and renamed over it; the
   * old file is kept first as `<file>.<time>.bak`. A crash at any point leaves either the old file or the new one,
   * whole. Needs the lock (a daemon that writes holds it): a read-only journal refuses.
   */
  compact(keep: ReadonlySet<string>, hooks: { beforeRename?: () => void } = {}): CompactionResult {
    if (this.options.readOnly) throw new JournalError(`journal ${this.file} was opened read-only`);
    const all = this.entries();
    const kept = all.filter((e) => keep.has(e.intentHash));
    const dropped = all.filter((e) => !keep.has(e.intentHash));
    const before = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
    const ranges = toRanges([
      ...this.compactedRanges.flatMap(([a, b]) => rangeOf(a, b)),
      ...dropped.map((e) => e.record.nonce),
    ]);
    const previous = this.compactedRanges.length > 0;
    const head: JournalHeader = {
      ...header(),
      ...(ranges.length > 0
        ? {
            compacted: {
              at: new Date().toISOString(),
              nonces: ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(","),
              intents: dropped.length + (previous ? this.compactedIntents() : 0),
            },
          }
        : {}),
    };
    const lines = [canonicalJson(head)];
    for (const e of kept) {
      lines.push(canonicalJson({ type: "intent", intentHash: e.intentHash, record: e.record, attempt: e.attempts[0] }));
      for (const a of e.attempts.slice(1))
        lines.push(canonicalJson({ type: "attempt", intentHash: e.intentHash, attempt: a }));
      if (e.outcome) lines.push(canonicalJson({ type: "outcome", intentHash: e.intentHash, outcome: e.outcome }));
    }
    const backup = `${this.file}.${new Date().toISOString().replace(/[:.]/g, "-")}.bak`;
    const next = `${this.file}.compacting`;
    try {
      fs.copyFileSync(this.file, backup);
      const fd = fs.openSync(next, "w");
      try {
        fs.writeSync(fd, `${lines.join("\n")}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      hooks.beforeRename?.();
      fs.renameSync(next, this.file);
      syncDir(path.dirname(this.file));
    } catch (err) {
      fs.rmSync(next, { force: true });
      throw new JournalError(`could not compact the journal ${this.file} (the old file is unchanged)`, { cause: err });
    }
    for (const e of dropped) this.byHash.delete(e.intentHash);
    this.compactedRanges = ranges;
    this.compactedTotal = head.compacted?.intents ?? 0;
    return { before, after: fs.statSync(this.file).size, kept: kept.length, dropped: dropped.length, backup };
  }

  private compactedTotal?: number;

  private compactedIntents(): number {
    if (this.compactedTotal !== undefined) return this.compactedTotal;
    try {
      const text = fs.readFileSync(this.file, "utf8");
      const first = JSON.parse(text.slice(0, text.indexOf("\n"))) as Partial<JournalHeader>;
      return first.compacted?.intents ?? 0;
    } catch {
      return 0;
    }
  }

  /** Lets another daemon open the journal (the lock is also released when the process exits). */
  close(): void {
    if (!this.options.readOnly) releaseJournalLock(this.file);
  }
}

/** What `compact` did: the file's size before and after (bytes), the intents kept and left out, the backup. */
export interface CompactionResult {
  before: number;
  after: number;
  kept: number;
  dropped: number;
  backup: string;
}

/** "0-4,7,9-12" as inclusive ranges; anything unreadable is skipped. */
function parseRanges(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m) out.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return out;
}

function rangeOf(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** Sorted, merged inclusive ranges of `nonces`. */
function toRanges(nonces: number[]): Array<[number, number]> {
  const sorted = [...new Set(nonces)].sort((x, y) => x - y);
  const out: Array<[number, number]> = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}

/** The holder of a journal's lock, as written in `<journal>.lock`. */
export interface JournalLock {
  pid: number;
  host: string;
  since: string;
}

/** Lock files this process holds, removed when it exits. */
const held = new Set<string>();
let releaseOnExit = false;

/**
 * Takes `<file>.lock` for this process: created exclusively, holding the pid and host. A lock this process already
 * holds is kept (one process opens its journal again after a restart of its loop). A lock whose pid is gone from this
 * host is stale and taken over; any other refuses, naming the holder: two daemons on one key would sign with the same
 * nonces and send the same plans.
 */
function lockJournal(file: string): void {
  const lock = `${file}.lock`;
  if (held.has(lock)) return;
  const me: JournalLock = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let tries = 0; ; tries++) {
    try {
      fs.writeFileSync(lock, `${JSON.stringify(me)}\n`, { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || tries > 0) {
        throw new JournalError(`could not lock the journal ${file} (${lock})`, { cause: err });
      }
    }
    const holder = readLock(lock);
    if (holder && holder.pid === process.pid && holder.host === me.host) break;
    if (holder && (holder.host !== me.host || alive(holder.pid))) {
      throw new JournalError(
        `journal ${file} is in use by another daemon (pid ${holder.pid} on ${holder.host}, since ${holder.since}): two daemons on one key ` +
          `would send the same plans with the same nonces. Stop that one first${holder.host === me.host ? "" : " (it runs on another host)"}; ` +
          `if it is gone for good, delete ${lock}`,
      );
    }
    // Stale: its process is gone from this host (or the file is unreadable, left by a crash mid-write).
    fs.rmSync(lock, { force: true });
  }
  held.add(lock);
  if (!releaseOnExit) {
    releaseOnExit = true;
    process.once("exit", () => {
      for (const l of held) fs.rmSync(l, { force: true });
    });
  }
}

function releaseJournalLock(file: string): void {
  const lock = `${file}.lock`;
  if (held.delete(lock)) fs.rmSync(lock, { force: true });
}

/** Lets go of every journal lock this process holds under `dataDir`: the command that opened them is done. */
export function releaseJournalLocks(dataDir: string): void {
  const under = `${path.resolve(dataDir)}${path.sep}`;
  for (const lock of [...held]) {
    if (path.resolve(lock).startsWith(under)) releaseJournalLock(lock.slice(0, -".lock".length));
  }
}

function readLock(lock: string): JournalLock | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(lock, "utf8")) as Partial<JournalLock>;
    return typeof parsed.pid === "number" && typeof parsed.host === "string"
      ? { pid: parsed.pid, host: parsed.host, since: String(parsed.since) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs on this host (one owned by another user counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function header(): JournalHeader {
  return { type: "journal", format: JOURNAL_FORMAT, writer: `${AGENT_PACKAGE} ${AGENT_VERSION}` };
}

/** Makes a rename in `dir` durable (best effort where directories cannot be opened). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Not supported on this platform.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
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
    version: r.version === 2 ? 2 : 1,
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
    ...(r.version === 2 ? parseProvenance(r) : {}),
    ...(r.coSignature === undefined ? {} : { coSignature: parseCoSignature(r.coSignature as Raw) }),
  };
}

function parseCoSignature(c: Raw): NonNullable<IntentRecord["coSignature"]> {
  return { deadline: big(c.deadline), signature: c.signature as string, coSigner: c.coSigner as string };
}

function parseAction(a: Raw): NonNullable<IntentRecord["action"]> {
  if (a.kind !== "realize-loss") throw new Error(`unknown intent action ${String(a.kind)}`);
  return { kind: "realize-loss", strategy: a.strategy as string, allocation: big(a.allocation), value: big(a.value) };
}

export function parseLine(raw: Raw): Line {
  const intentHash = raw.intentHash as string;
  switch (raw.type) {
    case "intent":
      return {
        type: "intent",
        intentHash,
        record: parseRecord(raw.record as Raw),
        attempt: parseAttempt(raw.attempt as Raw),
      };
    case "attempt":
      return { type: "attempt", intentHash, attempt: parseAttempt(raw.attempt as Raw) };
    case "reorged": {
      const r = raw.reorg as Raw;
      return {
        type: "reorged",
        intentHash,
        reorg: {
          hash: r.hash as string | undefined,
          blockNumber: r.blockNumber as number | undefined,
          at: r.at as number,
        },
      };
    }
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
