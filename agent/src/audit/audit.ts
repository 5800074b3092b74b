/**
 * The audit itself, pure: the vault's events in, the history a DAO member can read out, with every action of an agent
 * key judged against the decision records. A rebalance matches when a record hashes to its on-chain `intentHash` and
 * names the same chain, vault, agent and session; a loss write-down when the journal signed its transaction, or a
 * write-down record names its strategy and agent; any other transaction of an agent key (found by its nonce: reverted
 * ones leave no event) when a record holds its nonce. Whatever is left is unmatched: a stolen key, a rogue client, a
 * second daemon.
 */
import { getAddress, ZeroHash } from "ethers";
import {
  formatAmount,
  formatBps,
  formatChainTime,
  formatDuration,
  formatRiskGroups,
  shortAddress,
} from "../util/format.js";
import type { KnownRecord, RecordSet } from "./records.js";
import { scopeNames, strategyLabel } from "./names.js";
import type { ChainEvent, UnrecordedTransaction, VaultHistory } from "./types.js";

export type Category = "role" | "pause" | "session" | "bounds" | "strategy" | "rebalance" | "accounting";
/** `unchecked`: no records were given, so nothing was matched. */
export type MatchStatus = "matched" | "unmatched" | "mismatch" | "unchecked";

export interface HistoryRow {
  block: number;
  time: bigint;
  tx: string;
  sender: string;
  event: string;
  category: Category;
  detail: string;
  /** For a rebalance: how it stands against the records. */
  match?: MatchStatus;
}

export interface AgentAction {
  kind: "rebalance" | "loss write-down" | "transaction";
  block: number;
  time?: bigint;
  txHash?: string;
  agent: string;
  sessionId?: bigint;
  intentHash?: string;
  status: MatchStatus;
  /** Why it matched or not, in words. */
  note: string;
}

export interface AuditReport {
  chainId: bigint;
  vault: string;
  sessionManager: string;
  fromBlock: number;
  toBlock: number;
  pages: number;
  blockRange: number;
  /** Where the records came from (absent when none were given), how many, and what was wrong with some. */
  records?: { source: string; count: number; problems: string[] };
  rows: HistoryRow[];
  actions: AgentAction[];
  /** Agent keys seen (the vault's sessions' agents). */
  agents: string[];
  /** Actions of agent keys with no matching record (0 when no records were given). */
  unmatched: number;
  /** How the agent keys' nonces were checked (or why they were not). */
  nonceCheck: string;
  otherLogs: number;
}

const CATEGORY: Record<string, Category> = {
  GovernanceSet: "role",
  GovernanceProposed: "role",
  GuardianSet: "role",
  SessionAdminSet: "role",
  AgentsPausedSet: "pause",
  SessionGranted: "session",
  SessionRevoked: "session",
  SessionConsumed: "session",
  SessionLossBudgetSpent: "session",
  SessionAgentRotated: "session",
  CeilingsSet: "bounds",
  CapsSet: "bounds",
  IdleBufferSet: "bounds",
  LossLimitsSet: "bounds",
  GainRateSet: "bounds",
  MaxDrawdownSet: "bounds",
  MaxPriceRateSet: "bounds",
  LiquidityFloorSet: "bounds",
  StepUpSet: "bounds",
  RiskGroupCapSet: "bounds",
  RiskGroupsSet: "strategy",
  DeadManSwitchSet: "bounds",
  DeRisked: "rebalance",
  CoSignatureAccepted: "rebalance",
  FreezeCleared: "strategy",
  StrategyFrozen: "strategy",
  PriceMarked: "accounting",
  StrategyAdded: "strategy",
  StrategyRemoved: "strategy",
  StrategyEnabledSet: "strategy",
  WithdrawQueueSet: "strategy",
  LiquidityGroupSet: "strategy",
  Rebalanced: "rebalance",
  RebalanceLeg: "rebalance",
  StrategyMarked: "accounting",
  StrategyPulled: "accounting",
  StrategyWrittenOff: "accounting",
  StrategyWrittenDown: "accounting",
  HighWaterMarkSet: "accounting",
};

/** The event's content in words. */
export function describeEvent(e: ChainEvent, h: Pick<VaultHistory, "assetDecimals" | "strategies">): string {
  const a = e.args as Record<string, never>;
  const amt = (v: bigint) => formatAmount(v, h.assetDecimals);
  // Every digit, for loss allowances (a few base units, at times).
  const exact = (v: bigint) => formatAmount(v, h.assetDecimals, h.assetDecimals);
  const strat = (s: string) => strategyLabel(s, h.strategies);
  const addr = (s: string) => shortAddress(getAddress(s));
  switch (e.name) {
    case "GovernanceSet":
      return `governance ${addr(a.previous)} → ${addr(a.governance)}`;
    case "GovernanceProposed":
      return BigInt(a.pending) === 0n
        ? "pending governance handover cancelled"
        : `governance handover proposed to ${addr(a.pending)}`;
    case "GuardianSet":
      return `guardian ${addr(a.previous)} → ${addr(a.guardian)}`;
    case "SessionAdminSet":
      return `session admin ${addr(a.previous)} → ${addr(a.sessionAdmin)}`;
    case "AgentsPausedSet":
      return `agents ${a.paused ? "paused" : "unpaused"} by ${addr(a.by)}`;
    case "CeilingsSet":
      return `session ceilings: ${formatDuration(a.maxDuration)}, ${amt(a.maxVolumePerCall)}/call, ${amt(a.maxVolumePerEpoch)}/epoch`;
    case "SessionGranted": {
      const p = a.params as Record<string, never>;
      return (
        `session #${a.sessionId} to agent ${addr(p.agent)} by ${addr(a.granter)}: ${scopeNames(p.scope, h.strategies).join(", ") || "no strategy"}; ` +
        `${formatChainTime(p.validAfter)} → ${formatChainTime(p.validUntil)}; ${amt(p.maxVolumePerCall)}/call, ${amt(p.maxVolumePerEpoch)} and ` +
        `${p.maxCallsPerEpoch} calls per ${formatDuration(p.epochLength)}` +
        `${p.reduceOnly ? "; reduce-only" : ""}; ${BigInt(p.maxLoss) === 0n ? "no loss allowance of its own" : `own loss allowance ${exact(p.maxLoss)}`}`
      );
    }
    case "SessionRevoked":
      return `session #${a.sessionId} revoked by ${addr(a.by)}`;
    case "SessionLossBudgetSpent":
      return `session #${a.sessionId} went over its own loss allowance (${exact(a.lossUsed)} with the refused rebalance, allowed ${exact(a.maxLoss)}): the rebalance was undone and the session revoked`;
    case "SessionAgentRotated":
      return `session #${a.sessionId} moved from agent ${addr(a.previousAgent)} to ${addr(a.newAgent)} by ${addr(a.by)}`;
    case "SessionConsumed":
      return `session #${a.sessionId} used for ${amt(a.volume)} (epoch ${a.epoch}: ${amt(a.volumeInEpoch)} in ${a.callsInEpoch} calls)`;
    case "StrategyAdded":
      return `${strat(a.strategy)} listed, caps ${amt(a.absoluteCap)} and ${formatBps(a.relativeCapBps)}`;
    case "StrategyRemoved":
      return `${strat(a.strategy)} delisted`;
    case "CapsSet":
      return `${strat(a.strategy)} caps ${amt(a.absoluteCap)} and ${formatBps(a.relativeCapBps)}, by ${addr(a.by)}`;
    case "StrategyEnabledSet":
      return `${strat(a.strategy)} ${a.enabled ? "enabled" : "disabled"} by ${addr(a.by)}`;
    case "IdleBufferSet":
      return `idle buffer ${formatBps(a.idleBufferBps)}, by ${addr(a.by)}`;
    case "LossLimitsSet":
      return `loss limits ${formatBps(a.maxLossPerCallBps)}/call, ${formatBps(a.epochLossBudgetBps)} per ${formatDuration(a.lossEpochLength)}, by ${addr(a.by)}`;
    case "GainRateSet":
      return `gain rate ${formatBps(a.gainRateBps)} a year, by ${addr(a.by)}`;
    case "MaxDrawdownSet":
      return `drawdown limit ${formatBps(a.maxDrawdownBps)}, by ${addr(a.by)}`;
    case "MaxPriceRateSet":
      return BigInt(a.maxPriceRateBps) === 0n
        ? `share-price rate bound off, by ${addr(a.by)}`
        : `share-price rate bound ${formatBps(a.maxPriceRateBps)} a day, by ${addr(a.by)}`;
    case "StrategyFrozen":
      return `${strat(a.strategy)} frozen to exit-only: its share price moved ${a.markPrice} → ${a.price} beyond the rate bound`;
    case "FreezeCleared":
      return `${strat(a.strategy)} freeze cleared, re-marked at ${a.price}, by ${addr(a.by)}`;
    case "PriceMarked":
      return `${strat(a.strategy)} share price marked at ${a.price}`;
    case "WithdrawQueueSet":
      return `withdraw queue: ${(a.queue as string[]).map(strat).join(", ")}`;
    case "LiquidityGroupSet":
      return `${strat(a.strategy)} liquidity group ${a.group}`;
    case "Rebalanced":
      return (
        `session #${a.sessionId}, agent ${addr(a.agent)}: volume ${amt(a.volume)}, total ${amt(a.totalAssetsBefore)} → ${amt(a.totalAssetsAfter)}, ` +
        `loss ${amt(a.loss)}, intent ${a.intentHash}`
      );
    case "RebalanceLeg":
      return `${strat(a.strategy)}: ${amt(a.allocationBefore)} → ${amt(a.allocationAfter)}`;
    case "StrategyMarked":
      return `${strat(a.strategy)} marked ${amt(a.previousAllocation)} → ${amt(a.allocation)}`;
    case "StrategyPulled":
      return `${amt(a.assets)} pulled from ${strat(a.strategy)} for an exit`;
    case "StrategyWrittenOff":
      return `${amt(a.assets)} of ${strat(a.strategy)} written off`;
    case "StrategyWrittenDown":
      return `${strat(a.strategy)} written down ${amt(a.previousBook)} → ${amt(a.book)} (its views fail), by ${addr(a.by)}`;
    case "LiquidityFloorSet":
      return `liquidity floor ${formatBps(a.liquidityFloorBps)}, by ${addr(a.by)}`;
    case "StepUpSet":
      return BigInt(a.threshold) === 0n
        ? `step-up off, by ${addr(a.by)}`
        : `step-up: moves above ${amt(a.threshold)} need ${addr(a.policySigner)}'s co-signature; by ${addr(a.by)}`;
    case "RiskGroupCapSet":
      return `risk group ${a.id} caps ${amt(a.absoluteCap)} and ${formatBps(a.relativeCapBps)}, by ${addr(a.by)}`;
    case "RiskGroupsSet":
      return `${strat(a.strategy)} risk groups ${formatRiskGroups(a.riskGroups)}, by ${addr(a.by)}`;
    case "CoSignatureAccepted":
      return `co-signature of ${addr(a.policySigner)} accepted for session #${a.sessionId}`;
    case "DeadManSwitchSet":
      return Number(a.staleAfter) === 0
        ? `dead-man's switch off, by ${addr(a.by)}`
        : `dead-man's switch: after ${formatDuration(a.staleAfter)} without a rebalance, strategies more than ${formatBps(a.dropBps)} below their mark, ${formatBps(a.maxExitBps)} of total assets a call; by ${addr(a.by)}`;
    case "DeRisked":
      return `${strat(a.strategy)} de-risked under the dead-man's switch by ${addr(a.caller)}: ${amt(a.assets)} to idle, loss ${exact(a.loss)}`;
    case "HighWaterMarkSet":
      return `share price high-water mark ${a.price}`;
    default:
      return "";
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** How a rebalance stands against the record its intent hash names. */
function judgeRebalance(
  e: ChainEvent,
  chainId: bigint,
  vault: string,
  records: RecordSet,
): { status: MatchStatus; note: string } {
  const intent = String(e.args.intentHash);
  if (intent === ZeroHash) return { status: "unmatched", note: "no intent hash" };
  const known = records.byHash.get(intent);
  if (!known) return { status: "unmatched", note: "no record has this intent hash" };
  const r = known.record;
  const differs: string[] = [];
  if (r.action) differs.push(`it is a ${r.action.kind} record`);
  if (r.chainId !== chainId) differs.push(`chain ${r.chainId}`);
  if (!same(r.vault, vault)) differs.push(`vault ${r.vault}`);
  if (!same(r.agent, String(e.args.agent))) differs.push(`agent ${r.agent}`);
  if (r.sessionId !== e.args.sessionId) differs.push(`session #${r.sessionId}`);
  if (differs.length > 0) return { status: "mismatch", note: `the record differs: ${differs.join(", ")}` };
  return { status: "matched", note: `${r.planner}: ${r.reason}`.slice(0, 120) };
}

/**
 * A loss write-down sent by an agent key: the journal signed it, or a write-down record names its strategy and agent.
 */
function judgeWriteDown(
  txHash: string,
  agent: string,
  strategy: string,
  records: RecordSet,
  used: Set<KnownRecord>,
): { status: MatchStatus; note: string } {
  const tx = txHash.toLowerCase();
  for (const known of records.byHash.values()) {
    const action = known.record.action;
    if (
      known.txHashes.includes(tx) ||
      (action && !used.has(known) && same(action.strategy, strategy) && same(known.record.agent, agent))
    ) {
      used.add(known);
      return { status: "matched", note: `record ${known.intentHash}` };
    }
  }
  return { status: "unmatched", note: "no record of this write-down" };
}

/**
 * The agent keys of the vault's sessions, of every rebalance seen, and both keys of every rotation: a key a session
 * moved away from is still audited (what it sends after is no session's).
 */
export function agentKeys(history: VaultHistory): string[] {
  const keys = new Set(history.sessionAgents.values());
  for (const e of history.events) {
    if (e.name === "Rebalanced") keys.add(getAddress(String(e.args.agent)));
    if (e.name === "SessionAgentRotated") {
      keys.add(getAddress(String(e.args.previousAgent)));
      keys.add(getAddress(String(e.args.newAgent)));
    }
  }
  return [...keys].sort();
}

/** Nonces an agent key used, [first, end), that no record holds (the records' nonces of that agent, any vault). */
export function unrecordedNonces(agent: string, range: { first: number; end: number }, records: RecordSet): number[] {
  const recorded = new Set(
    [...records.byHash.values()].filter((k) => same(k.record.agent, agent)).map((k) => k.record.nonce),
  );
  const out: number[] = [];
  for (let n = range.first; n < range.end; n++) if (!recorded.has(n)) out.push(n);
  return out;
}

/**
 * The audit report: every event as a history row, every action of an agent key judged against the records (all
 * `unchecked` without records), and the unrecorded transactions found by nonce that no event already accounts for.
 */
export function buildAudit(
  history: VaultHistory,
  records: RecordSet | undefined,
  nonces: { unrecorded: UnrecordedTransaction[]; note: string } = { unrecorded: [], note: "not checked" },
): AuditReport {
  const rows: HistoryRow[] = [];
  const actions: AgentAction[] = [];
  const agents = agentKeys(history);
  const rebalanceTxs = new Set(history.events.filter((e) => e.name === "Rebalanced").map((e) => e.txHash));
  const usedWriteDowns = new Set<KnownRecord>();
  for (const e of history.events) {
    const row: HistoryRow = {
      block: e.blockNumber,
      time: e.timestamp,
      tx: e.txHash,
      sender: e.sender,
      event: e.name,
      category: CATEGORY[e.name] ?? "accounting",
      detail: describeEvent(e, history),
    };
    const base = { block: e.blockNumber, time: e.timestamp, txHash: e.txHash };
    if (e.name === "Rebalanced") {
      const verdict = records
        ? judgeRebalance(e, history.chainId, history.vault, records)
        : { status: "unchecked" as const, note: "no records given" };
      row.match = verdict.status;
      actions.push({
        kind: "rebalance",
        ...base,
        agent: getAddress(String(e.args.agent)),
        sessionId: e.args.sessionId as bigint,
        intentHash: String(e.args.intentHash),
        ...verdict,
      });
    } else if (e.name === "StrategyMarked" && agents.includes(e.sender) && !rebalanceTxs.has(e.txHash)) {
      const verdict = records
        ? judgeWriteDown(e.txHash, e.sender, String(e.args.strategy), records, usedWriteDowns)
        : { status: "unchecked" as const, note: "no records given" };
      row.match = verdict.status;
      actions.push({ kind: "loss write-down", ...base, agent: e.sender, ...verdict });
    }
    rows.push(row);
  }
  const judged = new Set(actions.map((a) => a.txHash?.toLowerCase()));
  for (const t of nonces.unrecorded) {
    if (t.txHash && judged.has(t.txHash.toLowerCase())) continue;
    const what = t.txHash
      ? `${t.reverted ? "reverted" : "mined"} transaction to ${t.to ? shortAddress(t.to) : "a new contract"}`
      : "transaction not found in its block";
    actions.push({
      kind: "transaction",
      block: t.blockNumber,
      time: t.timestamp,
      txHash: t.txHash,
      agent: t.agent,
      status: "unmatched",
      note: `nonce ${t.nonce} has no record: ${what}`,
    });
  }
  actions.sort((a, b) => a.block - b.block);
  return {
    chainId: history.chainId,
    vault: history.vault,
    sessionManager: history.sessionManager,
    fromBlock: history.fromBlock,
    toBlock: history.toBlock,
    pages: history.pages,
    blockRange: history.blockRange,
    ...(records ? { records: { source: records.source, count: records.byHash.size, problems: records.problems } } : {}),
    rows,
    actions,
    agents,
    unmatched: actions.filter((a) => a.status === "unmatched" || a.status === "mismatch").length,
    nonceCheck: nonces.note,
    otherLogs: history.otherLogs,
  };
}
