/**
 * The evidence behind buffer and ceiling drafts, kept across ticks in `vaults/<vault>/bound-evidence.json`:
 * - flows: the vault's share supply and share price over time (one sample every `FLOW_SAMPLE_SECONDS` of chain time
 *   at most). Deposits and exits are the only moves of the supply, so a fall of it, valued at the share price, is the
 *   money members took out: the largest net outflow over any window of a given length is what idle had to cover.
 * - clips: each tick whose plan a session limit (per call, or per epoch) kept from moving what it wanted, with how
 *   much it left unmoved.
 * - hint: what `status` tells the operator when the fix is a session grant, not a proposal.
 * The summaries are pure; only `BoundEvidence` reads and writes the file. A file that cannot be read starts afresh.
 */
import fs from "node:fs";
import path from "node:path";
import type { VaultSnapshot } from "../chain/types.js";

/** Fewest seconds of chain time between two flow samples. */
export const FLOW_SAMPLE_SECONDS = 300n;
/** Most flow samples kept (oldest dropped first): 14 days at one every 5 minutes. */
export const MAX_FLOW_SAMPLES = 4_032;
/** Most clip records kept. */
export const MAX_CLIPS = 1_000;

export interface FlowSample {
  /** Chain time (seconds). */
  t: bigint;
  supply: bigint;
  /** Assets per 10**shareDecimals shares. */
  price: bigint;
}

/** Which session limit kept the plan from moving what it wanted. */
export type ClipLimit = "per-call" | "per-epoch";

export interface ClipRecord {
  t: bigint;
  limit: ClipLimit;
  /** What the plan moved, and what it would have moved without the session's volume limits. */
  moved: bigint;
  wanted: bigint;
}

export interface Hint {
  at: bigint;
  text: string;
}

/** The largest net outflow and the window it was measured over. */
export interface OutflowEvidence {
  /** Largest fall of the supply within `windowSeconds`, valued at the share price at its end (assets). */
  largestOutflow: bigint;
  windowSeconds: bigint;
  /** Chain time of the first and last sample: the record the figure rests on. */
  from: bigint;
  to: bigint;
  samples: number;
}

/**
 * The largest net outflow over any `windowSeconds` of the samples (oldest first); undefined when they span less than
 * `minHistorySeconds` (too little record to rest a cut of the buffer on).
 */
export function largestOutflow(
  samples: readonly FlowSample[],
  shareDecimals: number,
  windowSeconds: bigint,
  minHistorySeconds: bigint,
): OutflowEvidence | undefined {
  if (samples.length < 2) return undefined;
  const from = samples[0]!.t;
  const to = samples.at(-1)!.t;
  if (to - from < minHistorySeconds) return undefined;
  const unit = 10n ** BigInt(shareDecimals);
  let largest = 0n;
  // The highest supply within the window before each sample: a sliding maximum (indices of falling supplies).
  const window: number[] = [0];
  for (let i = 1; i < samples.length; i++) {
    const end = samples[i]!;
    while (window.length > 0 && end.t - samples[window[0]!]!.t > windowSeconds) window.shift();
    const high = window.length > 0 ? samples[window[0]!]!.supply : end.supply;
    if (high > end.supply) {
      const out = ((high - end.supply) * end.price) / unit;
      if (out > largest) largest = out;
    }
    while (window.length > 0 && samples[window.at(-1)!]!.supply <= end.supply) window.pop();
    window.push(i);
  }
  return { largestOutflow: largest, windowSeconds, from, to, samples: samples.length };
}

/** What the clip records of one limit since `since` say: how often, and how much was left unmoved. */
export interface ClipSummary {
  limit: ClipLimit;
  ticks: number;
  since: bigint;
  /** Largest amount left unmoved in one tick, and the sum over the ticks. */
  largestUnmoved: bigint;
  totalUnmoved: bigint;
}

export function summarizeClips(clips: readonly ClipRecord[], limit: ClipLimit, since: bigint): ClipSummary {
  const mine = clips.filter((c) => c.limit === limit && c.t >= since);
  let largest = 0n;
  let total = 0n;
  for (const c of mine) {
    const unmoved = c.wanted > c.moved ? c.wanted - c.moved : 0n;
    total += unmoved;
    if (unmoved > largest) largest = unmoved;
  }
  return { limit, ticks: mine.length, since, largestUnmoved: largest, totalUnmoved: total };
}

interface Stored {
  version: 1;
  flows: { t: string; s: string; p: string }[];
  clips: { t: string; l: ClipLimit; m: string; w: string }[];
  hint?: { at: string; text: string };
}

/** The evidence file of one vault (see the file comment). */
export class BoundEvidence {
  flows: FlowSample[] = [];
  clips: ClipRecord[] = [];
  hint: Hint | undefined;

  constructor(readonly file: string) {
    const stored = BoundEvidence.load(file);
    if (!stored) return;
    this.flows = stored.flows.map((f) => ({ t: BigInt(f.t), supply: BigInt(f.s), price: BigInt(f.p) }));
    this.clips = stored.clips.map((c) => ({ t: BigInt(c.t), limit: c.l, moved: BigInt(c.m), wanted: BigInt(c.w) }));
    this.hint = stored.hint && { at: BigInt(stored.hint.at), text: stored.hint.text };
  }

  private static load(file: string): Stored | undefined {
    try {
      const stored = JSON.parse(fs.readFileSync(file, "utf8")) as Stored;
      return stored.version === 1 ? stored : undefined;
    } catch {
      return undefined;
    }
  }

  /** The hint the daemon left for the operator in `file`, if any (read by `status`). */
  static hintOf(file: string): Hint | undefined {
    const h = BoundEvidence.load(file)?.hint;
    return h && { at: BigInt(h.at), text: h.text };
  }

  /** Adds the snapshot's supply and price when the last sample is `FLOW_SAMPLE_SECONDS` old; whether it did. */
  recordFlow(snapshot: VaultSnapshot): boolean {
    const last = this.flows.at(-1);
    if (last && snapshot.timestamp - last.t < FLOW_SAMPLE_SECONDS) return false;
    this.flows.push({ t: snapshot.timestamp, supply: snapshot.totalSupply, price: snapshot.sharePrice });
    if (this.flows.length > MAX_FLOW_SAMPLES) this.flows.splice(0, this.flows.length - MAX_FLOW_SAMPLES);
    return true;
  }

  recordClip(clip: ClipRecord): void {
    this.clips.push(clip);
    if (this.clips.length > MAX_CLIPS) this.clips.splice(0, this.clips.length - MAX_CLIPS);
  }

  /** Sets the hint; whether it changed. */
  setHint(hint: Hint | undefined): boolean {
    if (hint?.text === this.hint?.text) return false;
    this.hint = hint;
    return true;
  }

  save(): void {
    const stored: Stored = {
      version: 1,
      flows: this.flows.map((f) => ({ t: f.t.toString(), s: f.supply.toString(), p: f.price.toString() })),
      clips: this.clips.map((c) => ({ t: c.t.toString(), l: c.limit, m: c.moved.toString(), w: c.wanted.toString() })),
      ...(this.hint ? { hint: { at: this.hint.at.toString(), text: this.hint.text } } : {}),
    };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(stored));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
}
