/**
 * Per-vault circuit breaker. A permanent revert opens it; while open the daemon keeps reading and reporting the vault
 * but never plans or sends for it. It stays open across restarts (kept on disk) until an operator resets it.
 */
import fs from "node:fs";
import path from "node:path";

export interface BreakerState {
  open: boolean;
  reason?: string;
  at?: string;
}

export class CircuitBreaker {
  private state: BreakerState;

  constructor(private readonly file: string | undefined) {
    this.state =
      file && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as BreakerState) : { open: false };
  }

  get open(): boolean {
    return this.state.open;
  }

  get reason(): string | undefined {
    return this.state.reason;
  }

  trip(reason: string, at: Date): void {
    this.state = { open: true, reason, at: at.toISOString() };
    this.save();
  }

  reset(): void {
    this.state = { open: false };
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, JSON.stringify(this.state));
  }
}
