/**
 * The report's figures, pure: the period's events, samples and the daemon's files in, the report out. Each list says
 * where each item comes from: the chain when it can tell, the journal, records or quarantine list where it cannot.
 */
import { getAddress } from "ethers";
import { strategyLabel } from "../audit/names.js";
import type { ChainEvent } from "../audit/types.js";
import type { VaultSnapshot } from "../chain/types.js";
import { formatAmount, formatChainTime, shortAddress } from "../util/format.js";
import { passiveOutcomes } from "../yield/passive.js";
import type { ReportInputs } from "./read.js";
import type {
  GovernanceReport,
  ReportOccurrence,
  ReportRebalance,
  ReportSample,
  ReportStrategy,
  SessionBudget,
  YieldComparison,
} from "./types.js";

/** Idle plus every position at its live value. */
function liveValue(s: VaultSnapshot): bigint {
  return s.idle + s.strategies.reduce((sum, x) => sum + x.currentValue, 0n);
}

function sampleOf(s: VaultSnapshot): ReportSample {
  return {
    block: Number(s.blockNumber),
    time: s.timestamp,
    sharePrice: s.sharePrice,
    totalAssets: s.totalAssets,
    idle: s.idle,
    values: Object.fromEntries(s.strategies.map((x) => [getAddress(x.strategy), x.currentValue])),
  };
}

/** The strategies any sample lists, in index order, named by their ERC-20 name. */
function strategiesOf(inputs: ReportInputs): ReportStrategy[] {
  const seen = new Set(inputs.snapshots.flatMap((s) => s.strategies.map((x) => getAddress(x.strategy))));
  return inputs.history.strategies
    .filter((s) => seen.has(s.address))
    .map((s) => ({ address: s.address, index: s.index, label: strategyLabel(s.address, inputs.history.strategies) }));
}

/**
 * The vault against leaving everything idle and a fixed equal split, from the first sample where the vault held assets
 * to the last: the vault's value then grown at its share price (deposits and exits in between change neither), and
 * the same value in the two passive choices.
 */
function yieldOf(first: VaultSnapshot, last: VaultSnapshot): YieldComparison {
  const principal = liveValue(first);
  const passive = passiveOutcomes(first, last, principal);
  const agent = first.sharePrice === 0n ? principal : (principal * last.sharePrice) / first.sharePrice;
  return {
    fromBlock: Number(first.blockNumber),
    principal,
    periodSeconds: Number(last.timestamp - first.timestamp),
    agent,
    idle: passive.idle,
    equalSplit: passive.equalSplit,
  };
}

function rebalancesOf(inputs: ReportInputs): ReportRebalance[] {
  const { events } = inputs.history;
  return events
    .filter((e) => e.name === "Rebalanced")
    .map((e) => {
      const a = e.args as Record<string, never>;
      const intentHash = String(a.intentHash);
      const known = inputs.records?.byHash.get(intentHash);
      return {
        block: e.blockNumber,
        time: e.timestamp,
        txHash: e.txHash,
        intentHash,
        sessionId: BigInt(a.sessionId),
        agent: getAddress(String(a.agent)),
        volume: BigInt(a.volume),
        loss: BigInt(a.loss),
        legs: events
          .filter((l) => l.name === "RebalanceLeg" && l.txHash === e.txHash)
          .map((l) => ({
            strategy: getAddress(String(l.args.strategy)),
            before: l.args.allocationBefore as bigint,
            after: l.args.allocationAfter as bigint,
          })),
        ...(known
          ? {
              reason: known.record.reason,
              reasonSource: inputs.records!.source.startsWith("journal") ? ("journal" as const) : ("records" as const),
            }
          : {}),
      };
    });
}

function budgetsOf(inputs: ReportInputs): SessionBudget[] {
  const out: SessionBudget[] = [];
  for (const [id, s] of inputs.sessions) {
    const consumed = inputs.history.events.filter((e) => e.name === "SessionConsumed" && e.args.sessionId === id);
    const arg = (e: ChainEvent, k: string) => e.args[k] as bigint;
    out.push({
      sessionId: id,
      agent: s.agent,
      calls: consumed.length,
      volume: consumed.reduce((sum, e) => sum + arg(e, "volume"), 0n),
      largestCall: consumed.reduce((m, e) => (arg(e, "volume") > m ? arg(e, "volume") : m), 0n),
      maxVolumePerCall: s.maxVolumePerCall,
      peakEpochVolume: consumed.reduce((m, e) => (arg(e, "volumeInEpoch") > m ? arg(e, "volumeInEpoch") : m), 0n),
      maxVolumePerEpoch: s.maxVolumePerEpoch,
      peakEpochCalls: consumed.reduce((m, e) => (arg(e, "callsInEpoch") > m ? arg(e, "callsInEpoch") : m), 0n),
      maxCallsPerEpoch: s.maxCallsPerEpoch,
      lossUsed: s.lossUsed,
      maxLoss: s.maxLoss,
      validUntil: s.validUntil,
      revoked: s.revoked,
    });
  }
  return out.sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1));
}

/** The daemon's event log entries of `kind` in the period. */
function logged(inputs: ReportInputs, kinds: string[]): ReportOccurrence[] {
  return (inputs.events?.entries ?? [])
    .filter((e) => kinds.includes(e.kind))
    .filter((e) => Number(e.block) >= inputs.history.fromBlock && Number(e.block) <= inputs.history.toBlock)
    .map((e) => ({
      time: BigInt(e.at),
      block: Number(e.block),
      source: "event log" as const,
      what:
        e.kind === "resumed"
          ? `the daemon resumed (${e.reason})`
          : e.kind === "stand-down"
            ? `the daemon stood down: ${e.reason}`
            : e.reason,
    }));
}

const byTime = (a: ReportOccurrence, b: ReportOccurrence) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0);

/** Refused rebalances: on chain, a session's loss allowance passed; in the journal, intents that did not confirm. */
function rejectionsOf(inputs: ReportInputs, from: bigint, to: bigint): ReportOccurrence[] {
  const amt = (v: bigint) => formatAmount(v, inputs.history.assetDecimals, inputs.history.assetDecimals);
  const out: ReportOccurrence[] = inputs.history.events
    .filter((e) => e.name === "SessionLossBudgetSpent")
    .map((e) => ({
      time: e.timestamp,
      block: e.blockNumber,
      txHash: e.txHash,
      source: "chain" as const,
      what: `session #${e.args.sessionId} rebalance refused: loss ${amt(e.args.lossUsed as bigint)} over its own allowance ${amt(e.args.maxLoss as bigint)} (the session was revoked)`,
    }));
  const vault = inputs.history.vault.toLowerCase();
  for (const entry of inputs.journal?.entries ?? []) {
    const o = entry.outcome;
    if (!o || o.status === "confirmed" || entry.record.vault.toLowerCase() !== vault) continue;
    const time = BigInt(Math.floor(Date.parse(entry.record.createdAt) / 1000));
    const block = o.blockNumber ?? Number(entry.record.blockNumber);
    if (block < inputs.history.fromBlock || block > inputs.history.toBlock) continue;
    out.push({
      time: time < from ? from : time > to ? to : time,
      block,
      ...(o.hash ? { txHash: o.hash } : {}),
      source: "journal",
      what: `intent ${entry.intentHash.slice(0, 10)}… ${o.status}${o.error ? `: ${o.error}` : ""} (${entry.record.reason})`,
    });
  }
  out.push(...logged(inputs, ["rejected"]));
  return out.sort(byTime);
}

/**
 * What made the agent stand down, as the chain shows it (agents paused, sessions revoked or ended), and the daemon's
 * own stand-downs and resumptions from its event log.
 */
function standDownsOf(inputs: ReportInputs, from: bigint, to: bigint): ReportOccurrence[] {
  const out: ReportOccurrence[] = [];
  for (const e of inputs.history.events) {
    const base = { time: e.timestamp, block: e.blockNumber, txHash: e.txHash, source: "chain" as const };
    if (e.name === "AgentsPausedSet")
      out.push({
        ...base,
        what: `agents ${e.args.paused ? "paused" : "unpaused"} by ${shortAddress(getAddress(String(e.args.by)))}`,
      });
    if (e.name === "SessionRevoked")
      out.push({
        ...base,
        what: `session #${e.args.sessionId} revoked by ${shortAddress(getAddress(String(e.args.by)))}`,
      });
  }
  for (const [id, s] of inputs.sessions) {
    if (!s.revoked && s.validUntil >= from && s.validUntil <= to)
      out.push({
        time: s.validUntil,
        source: "chain",
        what: `session #${id} expired (${formatChainTime(s.validUntil)})`,
      });
  }
  out.push(...logged(inputs, ["stand-down", "resumed"]));
  return out.sort(byTime);
}

/**
 * Strategies the vault froze (chain), and those the daemon quarantined in the period (its event log says when; its
 * quarantine list, what is still quarantined).
 */
function quarantinesOf(inputs: ReportInputs, from: bigint): ReportOccurrence[] {
  const label = (a: string) => strategyLabel(a, inputs.history.strategies);
  const out: ReportOccurrence[] = inputs.history.events
    .filter((e) => e.name === "StrategyFrozen" || e.name === "FreezeCleared")
    .map((e) => ({
      time: e.timestamp,
      block: e.blockNumber,
      txHash: e.txHash,
      source: "chain" as const,
      what:
        e.name === "StrategyFrozen"
          ? `${label(String(e.args.strategy))} frozen to exit-only by the vault's share-price rate bound`
          : `${label(String(e.args.strategy))} freeze cleared`,
    }));
  const fromLog = logged(inputs, ["quarantine"]);
  out.push(...fromLog.map((o) => ({ ...o, what: `quarantined by the daemon: ${o.what}` })));
  for (const q of inputs.quarantine?.entries ?? []) {
    // The event log says when; the list only what is still quarantined.
    if (fromLog.some((o) => o.what.startsWith(q.strategy))) continue;
    const time = BigInt(Math.floor(Date.parse(q.since) / 1000));
    if (Number(q.block) < inputs.history.fromBlock) continue;
    out.push({
      time: time < from ? from : time,
      block: Number(q.block),
      source: "quarantine list",
      what: `${label(q.strategy)} quarantined by the daemon (${q.code}, ${q.exit ? "moving out" : "left in place"}): ${q.reason}`,
    });
  }
  return out.sort(byTime);
}

export function buildReport(inputs: ReportInputs): GovernanceReport {
  const { history, snapshots } = inputs;
  const first = snapshots[0]!;
  const last = snapshots[snapshots.length - 1]!;
  const funded = snapshots.find((s) => liveValue(s) > 0n && s.sharePrice > 0n) ?? last;
  const sources = [
    `chain ${history.chainId}: events of blocks ${history.fromBlock} to ${history.toBlock}, lens ${inputs.lens}`,
  ];
  if (inputs.journal) sources.push(`journal ${inputs.journal.file}`);
  else if (inputs.records) sources.push(inputs.records.source);
  if (inputs.quarantine) sources.push(`quarantine list ${inputs.quarantine.file}`);
  if (inputs.events) sources.push(`event log ${inputs.events.file}`);
  return {
    chainId: history.chainId,
    vault: history.vault,
    lens: inputs.lens,
    assetDecimals: history.assetDecimals,
    symbol: inputs.symbol,
    fromBlock: history.fromBlock,
    toBlock: history.toBlock,
    from: first.timestamp,
    to: last.timestamp,
    ...(inputs.days !== undefined ? { days: inputs.days } : {}),
    strategies: strategiesOf(inputs),
    samples: snapshots.map(sampleOf),
    yield: yieldOf(funded, last),
    rebalances: rebalancesOf(inputs),
    budgets: budgetsOf(inputs),
    rejections: rejectionsOf(inputs, first.timestamp, last.timestamp),
    standDowns: standDownsOf(inputs, first.timestamp, last.timestamp),
    quarantines: quarantinesOf(inputs, first.timestamp),
    sources,
  };
}
