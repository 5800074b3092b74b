/**
 * The decision records an audit matches the chain against: the daemon's journal, or a folder of published records
 * (one JSON file per record, as the daemon writes it; the file's name does not matter, its content is hashed). A
 * record counts only under the hash of its own content, so an edited record no longer matches its rebalance.
 */
import fs from "node:fs";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { FileJournal, parseRecord } from "../executor/journal.js";
import { intentHash, type IntentRecord } from "../executor/intent.js";
import { UsageError } from "../failures.js";
import { canonicalJson } from "../util/json.js";

export interface KnownRecord {
  /** The hash of the record's content (what a rebalance carries on chain as `intentHash`). */
  intentHash: string;
  record: IntentRecord;
  /** Transactions the journal signed for it (none for a published record). */
  txHashes: string[];
}

export interface RecordSet {
  /** Where the records come from, for the report: `journal <file>` or `records <dir>`. */
  source: string;
  byHash: Map<string, KnownRecord>;
  /**
   * Records whose stored hash is not the hash of their content (an edited journal line), or files that are no record.
   */
  problems: string[];
}

/** The records of a journal file (read only; never migrated or repaired). */
export function journalRecords(file: string): RecordSet {
  if (!fs.existsSync(file)) throw new UsageError(`--journal ${file}: no such file`);
  const set: RecordSet = { source: `journal ${file}`, byHash: new Map(), problems: [] };
  for (const entry of new FileJournal(file, { readOnly: true }).entries()) {
    const hash = intentHash(entry.record);
    if (hash !== entry.intentHash) {
      set.problems.push(
        `journal intent ${entry.intentHash}: its record hashes to ${hash} (edited after it was written)`,
      );
      continue;
    }
    const txHashes = [...entry.attempts.map((a) => a.hash), ...(entry.outcome?.hash ? [entry.outcome.hash] : [])];
    set.byHash.set(hash, {
      intentHash: hash,
      record: entry.record,
      txHashes: [...new Set(txHashes.map((h) => h.toLowerCase()))],
    });
  }
  return set;
}

/** The records of a folder of published JSON records (a file may also hold `{ "record": … }`). */
export function publishedRecords(dir: string): RecordSet {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--records ${dir}: not a directory`);
  const set: RecordSet = { source: `records ${dir}`, byHash: new Map(), problems: [] };
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()) {
    let record: IntentRecord;
    let hash: string;
    try {
      const file = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as Record<string, unknown>;
      const raw = (file.record ?? file) as Record<string, unknown>;
      record = parseRecord(raw);
      // The hash of the content as published, every field included (the intent hash is the same hash of the record).
      hash = keccak256(toUtf8Bytes(canonicalJson(raw)));
    } catch (err) {
      set.problems.push(`${name}: not a decision record (${(err as Error).message})`);
      continue;
    }
    set.byHash.set(hash, { intentHash: hash, record, txHashes: [] });
  }
  return set;
}
