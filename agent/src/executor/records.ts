/**
 * Published decision records: each intent's record as a file named by its hash (`<intentHash>.json`, the record's
 * canonical JSON), written when the intent is journaled. The folder can be published as static files; anyone can hash
 * a file and match it with the `intentHash` of a `Rebalanced` event (`treasury-agent audit --records <dir>`), and the
 * daemon serves them at `/api/decisions/<intentHash>`. The journal stays the daemon's own durable record: a record that
 * cannot be written is logged, never a reason to hold a transaction back.
 */
import fs from "node:fs";
import path from "node:path";
import { canonicalJson } from "../util/json.js";
import type { IntentRecord } from "./intent.js";

const HASH = /^0x[0-9a-f]{64}$/;

export class RecordFolder {
  constructor(readonly dir: string) {}

  /** Writes the record under its hash (atomically: a reader never sees half a file). */
  publish(record: IntentRecord, intentHash: string): string {
    const file = this.fileOf(intentHash);
    if (!file) throw new Error(`not an intent hash: ${intentHash}`);
    fs.mkdirSync(this.dir, { recursive: true });
    const next = `${file}.writing`;
    // The decision as hashed: a co-signature (made over the hash) is in the journal and the call, not in the record.
    const { coSignature: _signed, ...decision } = record;
    fs.writeFileSync(next, `${canonicalJson(decision)}\n`);
    fs.renameSync(next, file);
    return file;
  }

  /** The published record's text, or undefined when there is none (or `intentHash` is not a hash). */
  read(intentHash: string): string | undefined {
    const file = this.fileOf(intentHash.toLowerCase());
    if (!file || !fs.existsSync(file)) return undefined;
    return fs.readFileSync(file, "utf8");
  }

  private fileOf(intentHash: string): string | undefined {
    return HASH.test(intentHash) ? path.join(this.dir, `${intentHash}.json`) : undefined;
  }
}
