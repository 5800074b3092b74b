/**
 * What-if before a vote: the agent's past rebalances replayed under proposed bounds. Each rebalance the chain carries
 * (a `Rebalanced` event with the record's intent hash) in the window is taken from its decision record; the vault is
 * read at the record's block (a historical call to the lens), the proposed changes are applied to that snapshot
 * (`applyChanges`), the recorded targets are put through the check mirror (blocked: the error the vault would revert
 * with), and the planner is run again on the record's inputs (explain's `replayDecision`): changed when it plans other
 * targets or holds. The planned allocation's expected yield (the record's yield estimates) is counted from each
 * decision to the next, recorded against proposed (the re-derived plan when it passes the mirror, else the allocation
 * before the rebalance).
 *
 * Each decision is replayed on the state it actually saw: a blocked rebalance does not change the later snapshots.
 */
import type { Provider } from "ethers";
import { eventsInterface } from "../abi/index.js";
import { getLogsPaged } from "../audit/log-pages.js";
import type { RecordSet } from "../audit/records.js";
import { LensReader } from "../chain/reader.js";
import type { Target, VaultSnapshot } from "../chain/types.js";
import { checkRebalance, sessionFromSnapshot } from "../checks/rebalance-check.js";
import { positionValue, snapshotValuation } from "../checks/valuation.js";
import type { PredictedError } from "../checks/verdict.js";
import type { IntentRecord } from "../executor/intent.js";
import { plannerNamed } from "../explain/run-explain.js";
import { replayDecision } from "../explain/replay.js";
import { UsageError } from "../failures.js";
import type { PlanDecision } from "../planner/types.js";
import { applyChanges, type BoundsChange, type ChangeModel, changeModel } from "./changes.js";

const REBALANCED = eventsInterface.getEvent("Rebalanced")!;
const YEAR = 365n * 86_400n;
const WAD = 10n ** 18n;

export interface WhatIfOptions {
  vault: string;
  /** The TreasuryLens to read the vault with at each record's block. */
  lens: string;
  /** The decision records (`journalRecords`, `publishedRecords`). */
  records: RecordSet;
  /** The option the records came from, for the error when there are none (`--journal <dir>`). */
  origin: string;
  changes: readonly BoundsChange[];
  /** The window: rebalances whose decision is at most this many days before the latest block. */
  days: number;
  maxBlockRange?: number;
}

export type ReplayedStatus = "allowed" | "blocked" | "changed";

/** One past rebalance under the proposed bounds. */
export interface ReplayedRebalance {
  intentHash: string;
  txHash: string;
  blockNumber: bigint;
  /** The decision's chain time, seconds. */
  at: bigint;
  status: ReplayedStatus;
  /** The mirror's error for the recorded targets under the proposed bounds. */
  error?: PredictedError;
  recordedTargets: Target[];
  /** What the planner decides under the proposed bounds (a hold, or other targets). */
  replanned: PlanDecision;
  /** The mirror's error for the re-derived targets (the daemon would not send them). */
  replannedError?: PredictedError;
  /** The allocation's expected yield until the next decision (or the window's end), in assets. */
  recordedYield: bigint;
  proposedYield: bigint;
}

export interface WhatIf {
  vault: string;
  source: string;
  days: number;
  from: bigint;
  to: bigint;
  assetDecimals: number;
  model: ChangeModel;
  rebalances: ReplayedRebalance[];
  /** Records in the window no rebalance on chain carries (a failed or replaced transaction). */
  notOnChain: number;
  /** Records that carry no planner inputs (version 1): not replayed. */
  notReplayable: number;
  recordedYield: bigint;
  proposedYield: bigint;
}

/** Value per strategy (lowercase) once `targets` are reached from `snapshot`. */
function allocationAfter(snapshot: VaultSnapshot, targets: readonly Target[]): Map<string, bigint> {
  const out = new Map(snapshot.strategies.map((s) => [s.strategy.toLowerCase(), positionValue(s)]));
  for (const t of targets) out.set(t.strategy.toLowerCase(), t.assets);
  return out;
}

/** Expected yield of `allocation` over `seconds` at the record's yield estimates, in assets. */
function expectedYield(record: IntentRecord, allocation: Map<string, bigint>, seconds: bigint): bigint {
  let perYear = 0n;
  for (const y of record.inputs!.yields) perYear += ((allocation.get(y.strategy.toLowerCase()) ?? 0n) * y.aprWad) / WAD;
  return (perYear * seconds) / YEAR;
}

const sameTargets = (a: readonly Target[], b: readonly Target[]) => {
  const key = (ts: readonly Target[]) =>
    ts
      .map((t) => `${t.strategy.toLowerCase()}:${t.assets}`)
      .sort()
      .join();
  return key(a) === key(b);
};

/** The intent hashes the vault's `Rebalanced` events carry from `fromBlock`, with their transactions. */
async function rebalancesOnChain(
  provider: Provider,
  vault: string,
  fromBlock: number,
  toBlock: number,
  maxBlockRange: number,
): Promise<Map<string, string>> {
  const { logs } = await getLogsPaged(
    provider,
    { address: vault, topics: [REBALANCED.topicHash] },
    fromBlock,
    toBlock,
    maxBlockRange,
  );
  return new Map(logs.map((log) => [log.topics[3]!.toLowerCase(), log.transactionHash]));
}

/** Replays the vault's rebalances of the last `days` days under `changes` (see the file comment). */
export async function whatIf(provider: Provider, options: WhatIfOptions): Promise<WhatIf> {
  const latest = await provider.getBlock("latest");
  if (!latest) throw new Error("the node returned no latest block");
  const to = BigInt(latest.timestamp);
  const from = to - BigInt(options.days) * 86_400n;
  const records = [...options.records.byHash.values()]
    .filter((k) => k.record.vault.toLowerCase() === options.vault.toLowerCase() && !k.record.action)
    .filter((k) => (k.record.inputs?.now ?? BigInt(Date.parse(k.record.createdAt) / 1000)) >= from)
    .sort((a, b) =>
      a.record.blockNumber < b.record.blockNumber ? -1 : a.record.blockNumber > b.record.blockNumber ? 1 : 0,
    );
  if (records.length === 0) {
    throw new UsageError(
      `${options.origin}: no decision record of vault ${options.vault} in the last ${options.days} days ` +
        `(${options.records.source}); give the daemon's journal or records with --journal, or its --config`,
    );
  }
  const onChain = await rebalancesOnChain(
    provider,
    options.vault,
    Number(records[0]!.record.blockNumber),
    latest.number,
    options.maxBlockRange ?? 10_000,
  );
  const landed = records.filter((k) => onChain.has(k.intentHash.toLowerCase()));
  const replayable = landed.filter((k) => k.record.inputs && k.record.settings);
  const model = changeModel(options.changes);
  const lens = new LensReader(provider, options.lens);
  const result: WhatIf = {
    vault: options.vault,
    source: options.records.source,
    days: options.days,
    from,
    to,
    assetDecimals: 18,
    model,
    rebalances: [],
    notOnChain: records.length - landed.length,
    notReplayable: landed.length - replayable.length,
    recordedYield: 0n,
    proposedYield: 0n,
  };
  for (const [i, { record, intentHash }] of replayable.entries()) {
    const snapshot = await lens.snapshot(record.vault, record.agent, record.blockNumber);
    result.assetDecimals = snapshot.assetDecimals;
    const proposed = applyChanges(snapshot, model.applied);
    const now = record.inputs!.now;
    const check = (targets: Target[]) =>
      checkRebalance({
        snapshot: proposed,
        targets,
        sessionId: record.sessionId,
        session: sessionFromSnapshot(proposed, record.sessionId),
        agent: record.agent,
        valuation: snapshotValuation(proposed),
        now,
        cosigned: record.coSignature !== undefined,
      }).error;
    const error = check(record.targets);
    const replanned = replayDecision({
      record,
      snapshot: proposed,
      planner: plannerNamed(record.settings!.planner),
    }).decision;
    const replannedError = replanned.kind === "rebalance" ? check(replanned.targets) : undefined;
    const status: ReplayedStatus = error
      ? "blocked"
      : replanned.kind === "rebalance" && sameTargets(replanned.targets, record.targets)
        ? "allowed"
        : "changed";
    const next = replayable[i + 1];
    const end = next ? next.record.inputs!.now : to;
    const seconds = end > now ? end - now : 0n;
    const recordedYield = expectedYield(record, allocationAfter(snapshot, record.targets), seconds);
    const proposedTargets =
      status === "allowed"
        ? record.targets
        : replanned.kind === "rebalance" && !replannedError
          ? replanned.targets
          : [];
    const proposedYield = expectedYield(record, allocationAfter(snapshot, proposedTargets), seconds);
    result.recordedYield += recordedYield;
    result.proposedYield += proposedYield;
    result.rebalances.push({
      intentHash,
      txHash: onChain.get(intentHash.toLowerCase())!,
      blockNumber: record.blockNumber,
      at: now,
      status,
      ...(error ? { error } : {}),
      recordedTargets: record.targets,
      replanned,
      ...(replannedError ? { replannedError } : {}),
      recordedYield,
      proposedYield,
    });
  }
  return result;
}
