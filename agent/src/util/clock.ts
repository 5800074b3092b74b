/** Wall-clock time behind an interface, so timeouts can be tested without waiting. Chain time comes from blocks. */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/** A clock tests move by hand. `sleep` advances it at once. */
export class ManualClock implements Clock {
  constructor(private ms = 1_700_000_000_000) {}
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.ms += ms;
  }
}

/** Chain time for a daemon driven block by block (the demo, the benches): set to each tick's block time; `sleep` is
 *  instant, as time moves only when the chain does. */
export class ChainTimeClock implements Clock {
  private ms = 0;
  set(seconds: bigint): void {
    this.ms = Number(seconds) * 1000;
  }
  nowMs(): number {
    return this.ms;
  }
  async sleep(): Promise<void> {}
}
