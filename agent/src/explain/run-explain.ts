/**
 * `treasury-agent explain`: loads a decision record (from the daemon's journal or a folder of published records),
 * checks its hash against the chain (the `Rebalanced` event of the transaction, or the event carrying the intent hash),
 * reads the vault at the record's block (a historical call to the lens), replays the planner on the recorded inputs
 * (`replayDecision`) and puts the decision in words — or says where it diverges.
 */
import { keccak256, type Log, type Provider, toUtf8Bytes } from "ethers";
import { eventsInterface } from "../abi/index.js";
import { getLogsPaged } from "../audit/log-pages.js";
import { LensReader } from "../chain/reader.js";
import type { VaultSnapshot } from "../chain/types.js";
import { intentHash as hashOf, type IntentRecord, type PlannerSettings } from "../executor/intent.js";
import { FileJournal, parseRecord } from "../executor/journal.js";
import { RecordFolder } from "../executor/records.js";
import { AgentError, UsageError } from "../failures.js";
import { EqualWeightPlanner } from "../planner/equal-weight.js";
import type { Planner } from "../planner/types.js";
import { YieldPlanner } from "../planner/yield-planner.js";
import { canonicalJson } from "../util/json.js";
import { type Divergence, replayDecision } from "./replay.js";
import { type DecisionWords, decisionInWords } from "./words.js";

const REBALANCED = eventsInterface.getEvent("Rebalanced")!;
const HASH = /^0x[0-9a-fA-F]{64}$/;

export type RecordSource = { kind: "journal"; file: string } | { kind: "records"; dir: string };

export interface ExplainOptions {
  /** A rebalance's transaction hash, or its intent hash. */
  hash: string;
  source: RecordSource;
  /** The TreasuryLens to read the vault with. */
  lens: string;
  /** Settings to replay with (a configuration's, resolved for the record's vault and asset); default: the record's. */
  settings?: (record: IntentRecord, snapshot: VaultSnapshot) => PlannerSettings;
  /** Most blocks per log query when looking the intent hash up on chain. */
  maxBlockRange?: number;
}

/** Where the chain stands on the record: the rebalance carrying its intent hash, when there is one. */
export interface OnChain {
  found: boolean;
  txHash?: string;
  blockNumber?: number;
  /** The intent hash the event carries. */
  intentHash?: string;
}

/** What explain found: a divergence list that is empty when the decision was reproduced exactly. */
export interface Explanation {
  intentHash: string;
  source: string;
  record: IntentRecord;
  /** The hash of the record as loaded (what its intent hash must be). */
  recordHash: string;
  onChain: OnChain;
  /** Not a divergence of the decision itself: the record or chain says something else. */
  divergences: ExplainDivergence[];
  words?: DecisionWords;
  /** The vault asset's decimals (from the snapshot), for amounts in words. */
  assetDecimals: number;
  /** The settings the replay ran with, and whether they came from the record. */
  settingsFrom: "record" | "configuration";
  reproduced: boolean;
}

export type ExplainDivergence =
  | Divergence
  /** The record's content does not hash to the intent hash on chain (or the one it is filed under). */
  | { kind: "record-hash"; expected: string; computed: string }
  /** No rebalance on chain carries the intent hash. */
  | { kind: "not-on-chain"; intentHash: string };

export function plannerNamed(name: string): Planner {
  if (name === "yield") return new YieldPlanner();
  if (name === "equal-weight") return new EqualWeightPlanner();
  throw new Error(`unknown planner ${name}`);
}

/** The record filed under `intentHash`, and the hash of its content as filed. */
function loadRecord(
  source: RecordSource,
  intentHash: string,
): { record: IntentRecord; recordHash: string; txHashes: string[] } | undefined {
  if (source.kind === "records") {
    const text = new RecordFolder(source.dir).read(intentHash);
    if (text === undefined) return undefined;
    const raw = JSON.parse(text) as Record<string, unknown>;
    const body = (raw.record ?? raw) as Record<string, unknown>;
    return { record: parseRecord(body), recordHash: keccak256(toUtf8Bytes(canonicalJson(body))), txHashes: [] };
  }
  const entry = new FileJournal(source.file, { readOnly: true })
    .entries()
    .find((e) => e.intentHash.toLowerCase() === intentHash.toLowerCase());
  if (!entry) return undefined;
  const txHashes = [...entry.attempts.map((a) => a.hash), ...(entry.outcome?.hash ? [entry.outcome.hash] : [])];
  return { record: entry.record, recordHash: hashOf(entry.record), txHashes: txHashes.map((h) => h.toLowerCase()) };
}

function sourceName(source: RecordSource): string {
  return source.kind === "journal" ? `journal ${source.file}` : `records ${source.dir}`;
}

function rebalancedIn(logs: readonly Log[]): { log: Log; intentHash: string; agent: string } | undefined {
  for (const log of logs) {
    if (log.topics[0] !== REBALANCED.topicHash) continue;
    const parsed = eventsInterface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed)
      return { log, intentHash: String(parsed.args.intentHash).toLowerCase(), agent: String(parsed.args.agent) };
  }
  return undefined;
}

export async function explainDecision(provider: Provider, options: ExplainOptions): Promise<Explanation> {
  if (!HASH.test(options.hash))
    throw new UsageError(`${options.hash}: not a transaction or intent hash (0x and 64 hex digits)`);
  const hash = options.hash.toLowerCase();
  const receipt = await provider.getTransactionReceipt(hash);
  let onChain: OnChain = { found: false };
  let intentHash = hash;
  if (receipt) {
    const event = rebalancedIn(receipt.logs);
    if (!event) throw new UsageError(`transaction ${hash} emitted no Rebalanced event: not a rebalance`);
    intentHash = event.intentHash;
    onChain = { found: true, txHash: hash, blockNumber: receipt.blockNumber, intentHash };
  }
  const loaded = loadRecord(options.source, intentHash);
  if (!loaded) throw new UsageError(`no decision record for intent ${intentHash} in ${sourceName(options.source)}`);
  const { record, recordHash } = loaded;
  if (record.action) throw new UsageError(`intent ${intentHash} is a loss write-down, not a rebalance`);

  if (!receipt) {
    const latest = await provider.getBlockNumber();
    const { logs } = await getLogsPaged(
      provider,
      { address: record.vault, topics: [REBALANCED.topicHash, null, null, intentHash] },
      Number(record.blockNumber),
      latest,
      options.maxBlockRange ?? 10_000,
    );
    const event = rebalancedIn(logs);
    if (event)
      onChain = { found: true, txHash: event.log.transactionHash, blockNumber: event.log.blockNumber, intentHash };
  }

  const divergences: ExplainDivergence[] = [];
  if (!onChain.found) divergences.push({ kind: "not-on-chain", intentHash });
  if (recordHash !== intentHash) divergences.push({ kind: "record-hash", expected: intentHash, computed: recordHash });

  const explanation: Explanation = {
    intentHash,
    source: sourceName(options.source),
    record,
    recordHash,
    onChain,
    divergences,
    settingsFrom: options.settings ? "configuration" : "record",
    assetDecimals: 18,
    reproduced: false,
  };
  if (!record.inputs || !record.settings) {
    throw new AgentError(
      `intent ${intentHash} has a version ${record.version} record: it carries no planner inputs and cannot be replayed`,
    );
  }
  const snapshot = await new LensReader(provider, options.lens).snapshot(
    record.vault,
    record.agent,
    record.blockNumber,
  );
  explanation.assetDecimals = snapshot.assetDecimals;
  const given = options.settings?.(record, snapshot);
  const settings = given ?? record.settings;
  const replay = replayDecision({
    record,
    snapshot,
    planner: plannerNamed(settings.planner),
    ...(given ? { settings: given } : {}),
  });
  divergences.push(...replay.divergences);
  explanation.words = decisionInWords(replay.input, replay.decision);
  explanation.reproduced = divergences.length === 0;
  return explanation;
}

/** `explain` found a divergence: the command exits 3 (after printing its report). */
export class DivergedError extends AgentError {
  readonly exitCode = 3;

  constructor(readonly divergences: number) {
    super(`the decision diverges from its record in ${divergences} place${divergences === 1 ? "" : "s"}`);
  }
}
