/**
 * What the governance report reads, in stages: the period (blocks from days, or from `--from-block`), the vault's
 * events in it (the audit's paged history), the vault sampled at block intervals through the lens (historical calls),
 * then the daemon's journal, published records and quarantine list where given. Read only; nothing signs.
 */
import fs from "node:fs";
import { getAddress, type Provider, ZeroAddress } from "ethers";
import { ISessionManager__factory } from "../abi/index.js";
import { readHistory, readVaultContext } from "../audit/read-chain.js";
import { journalRecords, publishedRecords, type RecordSet } from "../audit/records.js";
import type { VaultHistory } from "../audit/types.js";
import { assetSymbol } from "../chain/asset-symbol.js";
import { LensReader } from "../chain/reader.js";
import type { VaultSnapshot } from "../chain/types.js";
import { type VaultEvent, VaultEventLog } from "../daemon/event-log.js";
import { FileJournal, type JournalEntry } from "../executor/journal.js";
import { UsageError } from "../failures.js";
import type { QuarantineEntry } from "../quarantine/store.js";
import { buildReport } from "./build.js";
import type { GovernanceReport } from "./types.js";

export interface ReportOptions {
  vault: string;
  lens: string;
  /** The period: the last `days` days up to `toBlock`, unless `fromBlock` is given. */
  days: number;
  fromBlock?: number;
  /** The last block (the latest when absent). */
  toBlock?: number;
  /** Blocks sampled for the charts (evenly spaced, both ends included). */
  samples: number;
  maxBlockRange: number;
  journal?: string;
  records?: string;
  quarantine?: string;
  /** The daemon's event log of the vault (stand-downs, rejections before sending, quarantines). */
  events?: string;
}

/** The raw material of a report, before any figure is derived from it. */
export interface ReportInputs {
  history: VaultHistory;
  lens: string;
  symbol: string;
  days?: number;
  snapshots: VaultSnapshot[];
  /** The vault's sessions seen in the period, as stored at the last block. */
  sessions: Map<
    bigint,
    {
      agent: string;
      validUntil: bigint;
      revoked: boolean;
      maxLoss: bigint;
      lossUsed: bigint;
      maxVolumePerCall: bigint;
      maxVolumePerEpoch: bigint;
      maxCallsPerEpoch: bigint;
    }
  >;
  records?: RecordSet;
  journal?: { file: string; entries: JournalEntry[] };
  quarantine?: { file: string; entries: QuarantineEntry[] };
  events?: { file: string; entries: VaultEvent[] };
}

/** Requests sent at once when sampling. */
const CONCURRENCY = 4;

/** The first block in [lo, hi] whose time is at or after `time` (hi when none is). */
export async function blockAtTime(provider: Provider, time: bigint, lo: number, hi: number): Promise<number> {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const block = await provider.getBlock(mid);
    if (BigInt(block!.timestamp) >= time) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first block in [lo, hi] at which every address has code (hi must be one). */
async function firstWithCode(provider: Provider, addresses: string[], lo: number, hi: number): Promise<number> {
  const has = async (n: number) =>
    (await Promise.all(addresses.map((a) => provider.getCode(a, n)))).every((c) => c !== "0x");
  if (await has(lo)) return lo;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await has(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `count` blocks evenly spaced over [from, to], both ends included, each once. */
export function sampleBlocks(from: number, to: number, count: number): number[] {
  if (count <= 1 || to === from) return [to];
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(from + Math.round(((to - from) * i) / (count - 1)));
  return [...out];
}

async function period(provider: Provider, options: ReportOptions): Promise<{ fromBlock: number; toBlock: number }> {
  const latest = await provider.getBlockNumber();
  const toBlock = options.toBlock ?? latest;
  if (toBlock > latest) throw new UsageError(`--to-block ${toBlock} is after the latest block (${latest})`);
  if ((await provider.getCode(options.lens, toBlock)) === "0x")
    throw new UsageError(`--lens ${options.lens}: no contract at this address at block ${toBlock}`);
  let fromBlock: number;
  if (options.fromBlock !== undefined) {
    if (options.fromBlock > toBlock)
      throw new UsageError(`--from-block ${options.fromBlock} is after the last block of the report (${toBlock})`);
    fromBlock = options.fromBlock;
  } else {
    const end = BigInt((await provider.getBlock(toBlock))!.timestamp);
    fromBlock = await blockAtTime(provider, end - BigInt(options.days) * 86_400n, 0, toBlock);
  }
  // Before the vault and the lens were deployed there is nothing to read.
  return { fromBlock: await firstWithCode(provider, [options.vault, options.lens], fromBlock, toBlock), toBlock };
}

async function readSnapshots(provider: Provider, options: ReportOptions, blocks: number[]): Promise<VaultSnapshot[]> {
  const reader = new LensReader(provider, options.lens);
  const out: VaultSnapshot[] = [];
  for (let i = 0; i < blocks.length; i += CONCURRENCY) {
    const batch = blocks.slice(i, i + CONCURRENCY);
    out.push(...(await Promise.all(batch.map((b) => reader.snapshot(options.vault, ZeroAddress, BigInt(b))))));
  }
  return out;
}

async function readSessions(provider: Provider, history: VaultHistory): Promise<ReportInputs["sessions"]> {
  const manager = ISessionManager__factory.connect(history.sessionManager, provider);
  const out: ReportInputs["sessions"] = new Map();
  for (const id of history.sessionAgents.keys()) {
    const s = await manager.getSession(id, { blockTag: history.toBlock });
    out.set(id, {
      agent: getAddress(s.agent),
      validUntil: BigInt(s.validUntil),
      revoked: s.revoked,
      maxLoss: BigInt(s.maxLoss),
      lossUsed: BigInt(s.lossUsed),
      maxVolumePerCall: BigInt(s.maxVolumePerCall),
      maxVolumePerEpoch: BigInt(s.maxVolumePerEpoch),
      maxCallsPerEpoch: BigInt(s.maxCallsPerEpoch),
    });
  }
  return out;
}

function readQuarantine(file: string): ReportInputs["quarantine"] {
  if (!fs.existsSync(file)) throw new UsageError(`--quarantine ${file}: no such file`);
  const stored = JSON.parse(fs.readFileSync(file, "utf8")) as { entries?: QuarantineEntry[] };
  return { file, entries: stored.entries ?? [] };
}

function readEvents(file: string): ReportInputs["events"] {
  if (!fs.existsSync(file)) throw new UsageError(`--events ${file}: no such file`);
  return { file, entries: VaultEventLog.read(file) };
}

export async function readReportInputs(provider: Provider, options: ReportOptions): Promise<ReportInputs> {
  const ctx = await readVaultContext(provider, options.vault);
  const { fromBlock, toBlock } = await period(provider, options);
  const history = await readHistory(provider, ctx, { fromBlock, toBlock, maxBlockRange: options.maxBlockRange });
  const snapshots = await readSnapshots(provider, options, sampleBlocks(fromBlock, toBlock, options.samples));
  let journal: ReportInputs["journal"];
  if (options.journal !== undefined) {
    if (!fs.existsSync(options.journal)) throw new UsageError(`--journal ${options.journal}: no such file`);
    journal = { file: options.journal, entries: new FileJournal(options.journal, { readOnly: true }).entries() };
  }
  return {
    history,
    lens: getAddress(options.lens),
    symbol: await assetSymbol(provider, ctx.vault),
    ...(options.fromBlock === undefined ? { days: options.days } : {}),
    snapshots,
    sessions: await readSessions(provider, history),
    records:
      options.journal !== undefined
        ? journalRecords(options.journal)
        : options.records !== undefined
          ? publishedRecords(options.records)
          : undefined,
    journal,
    quarantine: options.quarantine !== undefined ? readQuarantine(options.quarantine) : undefined,
    events: options.events !== undefined ? readEvents(options.events) : undefined,
  };
}

/** Reads the period's material and derives the report's figures. */
export async function readGovernanceReport(provider: Provider, options: ReportOptions): Promise<GovernanceReport> {
  return buildReport(await readReportInputs(provider, options));
}
