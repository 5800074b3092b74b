/**
 * What a journal compaction keeps (pure): every entry the daemon still acts on or reads back, each intent at its latest
 * state. Kept: every intent in flight; every outcome not yet final (its receipt is checked again until its block is
 * final, and a reorg puts it back in flight); every intent at or above the lowest nonce in flight (a nonce used by
 * another intent of ours decides whether one in flight was dropped); the intent with the highest nonce (new nonces come
 * after it); each vault's latest settled intent (a snapshot older than it is stale); each strategy's latest loss
 * write-down (the same mark is never written down twice). What is left out is settled and final: its record stays in
 * the backup and in the published decision records, and its nonce in the journal's header.
 */
import type { JournalEntry } from "./journal.js";

/** The intent hashes to keep, with `finalizedBlock` the newest block the chain calls final. */
export function entriesToKeep(entries: readonly JournalEntry[], finalizedBlock: number): Set<string> {
  const keep = new Set<string>();
  const inFlight = entries.filter((e) => !e.outcome);
  const lowestInFlight = Math.min(...inFlight.map((e) => e.record.nonce));
  let highest: JournalEntry | undefined;
  const latestSettled = new Map<string, JournalEntry>();
  const latestLoss = new Map<string, JournalEntry>();
  for (const e of entries) {
    const { outcome, record } = e;
    if (!outcome || outcome.blockNumber === undefined || outcome.blockNumber > finalizedBlock) keep.add(e.intentHash);
    if (record.nonce >= lowestInFlight) keep.add(e.intentHash);
    if (!highest || record.nonce >= highest.record.nonce) highest = e;
    const vault = record.vault.toLowerCase();
    const settledAt = outcome?.blockNumber;
    const was = latestSettled.get(vault)?.outcome?.blockNumber;
    if (settledAt !== undefined && (was === undefined || settledAt >= was)) latestSettled.set(vault, e);
    if (record.action) latestLoss.set(`${vault}:${record.action.strategy.toLowerCase()}`, e);
  }
  if (highest) keep.add(highest.intentHash);
  for (const e of [...latestSettled.values(), ...latestLoss.values()]) keep.add(e.intentHash);
  return keep;
}
