/**
 * A vault's quarantined strategies, kept on disk across restarts (beside the circuit breaker) until an operator
 * releases them (`treasury-agent run --release-quarantine`). A quarantined strategy gets no new deposits; it is exited
 * as far as its liquidity allows unless its entry says to leave it in place. Written atomically (temporary file, then
 * rename), so a crash mid-write leaves the previous list.
 */
import fs from "node:fs";
import path from "node:path";
import type { QuarantineCode } from "./inspect.js";

export interface QuarantineEntry {
  strategy: string;
  code: QuarantineCode;
  reason: string;
  /** Whether the daemon moves out of it; false leaves it in place (for governance: disable, write down, delist). */
  exit: boolean;
  /** Block and wall-clock time it was quarantined at. */
  block: string;
  since: string;
}

interface StoredQuarantine {
  version: 1;
  entries: QuarantineEntry[];
}

export class QuarantineList {
  private readonly byKey = new Map<string, QuarantineEntry>();

  /** `file` undefined (or `persist` false): kept in memory only, as for read-only commands. */
  constructor(
    private readonly file: string | undefined,
    private readonly persist = true,
  ) {
    if (!file || !fs.existsSync(file)) return;
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as StoredQuarantine;
    for (const e of stored.entries) this.byKey.set(e.strategy.toLowerCase(), e);
  }

  get size(): number {
    return this.byKey.size;
  }

  get(strategy: string): QuarantineEntry | undefined {
    return this.byKey.get(strategy.toLowerCase());
  }

  entries(): QuarantineEntry[] {
    return [...this.byKey.values()];
  }

  /**
   * Quarantines a strategy. Returns true when it was not quarantined before. An entry already there is only ever made
   * stricter: one that exits becomes one left in place when the new sign says so (never the other way).
   */
  add(entry: QuarantineEntry): boolean {
    const key = entry.strategy.toLowerCase();
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.exit && !entry.exit) {
        this.byKey.set(key, { ...existing, exit: false, reason: `${existing.reason}; then ${entry.reason}` });
        this.save();
      }
      return false;
    }
    this.byKey.set(key, entry);
    this.save();
    return true;
  }

  /** Releases one strategy, or every one; returns what was released. */
  release(strategy?: string): QuarantineEntry[] {
    const released =
      strategy === undefined
        ? this.entries()
        : [this.get(strategy)].filter((e): e is QuarantineEntry => e !== undefined);
    for (const e of released) this.byKey.delete(e.strategy.toLowerCase());
    if (released.length > 0) this.save();
    return released;
  }

  private save(): void {
    if (!this.file || !this.persist) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const body: StoredQuarantine = { version: 1, entries: this.entries() };
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
    fs.renameSync(tmp, this.file);
  }
}
