/**
 * A vault's event log: what the daemon decided that the chain cannot show, one JSON line each, appended to
 * `vaults/<vault>/events.jsonl` in the data folder: when it stood down (and why) and when it resumed, plans it rejected
 * before sending (the check mirror or the simulation refused them), strategies it quarantined. The governance report
 * (`treasury-agent report`) reads it. A line repeating the one before it (the same kind and reason, tick after tick)
 * is not written again. A line that cannot be written is logged, never a reason to stop the tick.
 */
import fs from "node:fs";
import path from "node:path";

export type VaultEventKind = "stand-down" | "resumed" | "rejected" | "quarantine";

export interface VaultEvent {
  kind: VaultEventKind;
  /** Chain time (seconds) and block of the snapshot the tick acted on, as decimal strings. */
  at: string;
  block: string;
  reason: string;
}

export class VaultEventLog {
  private last: VaultEvent | undefined;

  constructor(readonly file: string) {
    this.last = VaultEventLog.read(file).at(-1);
  }

  /** The events of a log file, oldest first (none when there is no file; a torn last line is left out). */
  static read(file: string): VaultEvent[] {
    if (!fs.existsSync(file)) return [];
    const out: VaultEvent[] = [];
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as VaultEvent);
      } catch {
        // A line cut short by a crash: the lines before it stand.
      }
    }
    return out;
  }

  /** The last event written (or read at start). */
  get latest(): VaultEvent | undefined {
    return this.last;
  }

  /** Appends `event` unless it repeats the last one; true when written. */
  append(event: VaultEvent): boolean {
    if (this.last && this.last.kind === event.kind && this.last.reason === event.reason) return false;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${JSON.stringify(event)}\n`);
    this.last = event;
    return true;
  }
}
