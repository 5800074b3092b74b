/**
 * What the dashboard shows, kept from the daemon's tick reports (it reads neither the runners nor the chain): each
 * vault's last snapshot (allocations against caps, idle against the buffer, sessions with budgets and time left), its
 * breaker and quarantine, the decision journal with each transaction and its intent hash, and the attempts that were
 * rejected; and each vault's history over the daemon's run (history.ts), charted. `view()` is the JSON the page polls,
 * `history()` the charts it fetches when a tick has changed them; amounts are integer strings in the asset's smallest
 * unit, so the page formats them exactly and tests compare them with the chain. Strategies are named by the label the
 * daemon gives (their ERC-20 name, read once), with the address beside it.
 */
import type { SessionState, VaultSnapshot } from "../chain/types.js";
import { BPS } from "../checks/math.js";
import { formatErrorForPeople } from "../errors.js";
import type { KeyFunds } from "../executor/funds.js";
import type { Journal, JournalEntry } from "../executor/journal.js";
import type { QuarantineEntry } from "../quarantine/store.js";
import { assessSession, type SessionPolicy } from "../session/assess.js";
import type { SessionEnd } from "../session/why-ended.js";
import { formatAmount, shortAddress } from "../util/format.js";
import type { Draft } from "../drafts/store.js";
import { historyCharts, VaultHistory } from "./history.js";
import type { HealthReport } from "./server.js";
import type { DaemonTick, TickReport, TickResult } from "./tick-report.js";
import { riskGroupIds } from "../util/format.js";

/**
 * A rejected attempt: a plan the mirror or the simulation refused, a reverted transaction, or one reported by a caller.
 */
export interface Rejection {
  /** Chain time (seconds) when it happened. */
  at: bigint;
  vault: string;
  /** Who attempted it: "daemon" for the agent's own plans, or a caller's label (e.g. "rogue client"). */
  source: string;
  /** Where it was stopped. */
  stage: "mirror" | "simulation" | "chain";
  /** The decoded error, `Name(arg=value, ...)`. */
  error: string;
  txHash?: string;
  gasUsed?: bigint;
  /** How many times in a row the same rejection happened. */
  count: number;
}

export interface DashboardOptions {
  agent: string;
  chainId: bigint;
  /** The network's name, when the daemon runs on several chains: each vault's row carries it and the chain id. */
  chain?: string;
  journal: Journal;
  /** The vaults shown, in order, with the policy their sessions are judged by. */
  vaults: DashboardVault[];
  health: () => HealthReport;
  /** Whether the agent can act (`/ready`'s body). */
  readiness?: () => unknown;
  /** The agent key's balance. */
  funds?: KeyFunds;
  /** Asset symbol per vault address (lower case), for display. */
  symbols?: Record<string, string>;
  /** Rejections kept (oldest dropped first). */
  maxRejections?: number;
  /** A strategy's name for display (default: its short address). */
  strategyLabel?: (address: string) => string;
  /** History points kept per vault (default `DEFAULT_HISTORY_POINTS`). */
  historyPoints?: number;
  /** The proposals the daemon drafted (drafts/store.ts), newest first. */
  drafts?: () => Draft[];
  /** High availability: the lease this daemon holds (it is the active node). */
  lease?: () => LeaseView;
}

/** Who holds the HA lease: this node, its fencing token, until when (the database's clock). */
export interface LeaseView {
  nodeId: string;
  token?: bigint;
  expiresAt?: Date;
}

export interface DashboardVault {
  label: string;
  /** The vault's address. */
  vault: string;
  policy: SessionPolicy;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class DashboardState {
  private readonly latest = new Map<string, { report?: TickReport; snapshot?: VaultSnapshot; error?: string }>();
  private readonly rejections: Rejection[] = [];
  private version = 0;
  /** Timestamps of the blocks snapshots were read at, by block number: the chain time of a journaled decision. */
  private readonly blockTimes = new Map<string, number>();
  /** Each vault's samples over the daemon's run, by lower-case address. */
  private readonly histories = new Map<string, VaultHistory>();

  private noteBlock(s: VaultSnapshot | undefined): void {
    if (!s) return;
    this.blockTimes.set(s.blockNumber.toString(), Number(s.timestamp));
    if (this.blockTimes.size > 10_000) this.blockTimes.delete(this.blockTimes.keys().next().value!);
  }

  constructor(private readonly options: DashboardOptions) {}

  /**
   * Keeps each vault's latest tick and the rejections it reported. Pass as the daemon's `onTick`, with the daemon's
   * `readAfter` on: the page then shows the state after a tick's transaction.
   */
  observe(ticks: DaemonTick[]): void {
    for (const tick of ticks) {
      const shown = this.options.vaults.find((v) => v.label === tick.vault);
      const key = (shown?.vault ?? tick.vault).toLowerCase();
      const previous = this.latest.get(key);
      // The tick's snapshot was read before it sent or settled anything: the state after, when it was read again.
      const snapshot = tick.report?.after ?? tick.report?.snapshot ?? previous?.snapshot;
      this.noteBlock(tick.report?.snapshot);
      this.noteBlock(snapshot);
      this.latest.set(key, { report: tick.report ?? previous?.report, snapshot, error: tick.error?.message });
      if (tick.report && snapshot) this.historyOf(key).add(snapshot);
      const result = tick.report?.result;
      if (result?.kind === "rejected") {
        this.recordRejection({
          at: tick.report!.snapshot.timestamp,
          vault: tick.report!.vault,
          source: "daemon",
          stage: result.stage,
          error: result.error,
        });
      }
    }
    this.version++;
  }

  private historyOf(key: string): VaultHistory {
    let h = this.histories.get(key);
    if (!h) {
      h = new VaultHistory(this.options.historyPoints);
      this.histories.set(key, h);
    }
    return h;
  }

  private label(address: string): string {
    return this.options.strategyLabel?.(address) ?? shortAddress(address);
  }

  /**
   * Each vault's history (`/api/history`): its points (amounts as integer strings) and the three charts as SVG. Built
   * on request; the page asks again only when `version` has moved.
   */
  history(): Json {
    return {
      version: this.version,
      vaults: this.options.vaults.map((shown): Json => {
        const key = shown.vault.toLowerCase();
        const h = this.histories.get(key);
        const points = h?.points() ?? [];
        const decimals = this.latest.get(key)?.snapshot?.assetDecimals ?? 18;
        return {
          label: shown.label,
          address: shown.vault,
          cap: h?.cap ?? this.options.historyPoints ?? null,
          tickStride: h?.tickStride ?? 1,
          since: points[0]?.time ?? null,
          strategies: (h?.strategies ?? []).map((a) => ({ address: a, name: this.label(a) })),
          points: points.map((p) => ({
            time: p.time,
            block: p.block,
            sharePrice: p.sharePrice.toString(),
            idle: p.idle.toString(),
            values: p.values.map(String),
          })),
          charts: h && points.length > 0 ? historyCharts(h, points, decimals, (a) => this.label(a)) : null,
        };
      }),
    };
  }

  /** Adds a rejected attempt; the same one again in a row only raises its count. */
  recordRejection(r: Omit<Rejection, "count">): void {
    const last = this.rejections[this.rejections.length - 1];
    if (
      last &&
      !r.txHash &&
      !last.txHash &&
      last.vault === r.vault &&
      last.stage === r.stage &&
      last.error === r.error &&
      last.source === r.source
    ) {
      last.count++;
      last.at = r.at;
    } else {
      this.rejections.push({ ...r, count: 1 });
      const max = this.options.maxRejections ?? 100;
      if (this.rejections.length > max) this.rejections.splice(0, this.rejections.length - max);
    }
    this.version++;
  }

  private leaseView(): Json {
    const lease = this.options.lease?.();
    if (!lease) return null;
    return {
      nodeId: lease.nodeId,
      token: lease.token?.toString() ?? null,
      expires: lease.expiresAt ? Math.floor(lease.expiresAt.getTime() / 1_000) : null,
    };
  }

  /** The JSON the page renders. */
  view(): Json {
    const vaults: Json[] = [];
    for (const shown of this.options.vaults) {
      const latest = this.latest.get(shown.vault.toLowerCase());
      const chain: Record<string, Json> =
        this.options.chain === undefined ? {} : { chain: this.options.chain, chainId: Number(this.options.chainId) };
      if (!latest?.report) {
        vaults.push({ label: shown.label, address: shown.vault, ...chain, ready: false, error: latest?.error ?? null });
        continue;
      }
      const row = this.vaultView(shown, latest.report, latest.snapshot ?? latest.report.snapshot, latest.error);
      vaults.push({ ...(row as Record<string, Json>), ...chain });
    }
    const entries = this.options.journal.entries();
    const journal = entries
      .slice()
      .sort((a, b) =>
        a.record.blockNumber === b.record.blockNumber
          ? b.record.nonce - a.record.nonce
          : a.record.blockNumber < b.record.blockNumber
            ? 1
            : -1,
      )
      .map((e) => journalView(e, this.blockTimes));
    const reverted: Json[] = entries
      .filter((e) => e.outcome?.status === "reverted")
      .map((e) => ({
        at:
          this.blockTimes.get(String(e.outcome?.blockNumber)) ??
          this.blockTimes.get(e.record.blockNumber.toString()) ??
          null,
        block: e.outcome?.blockNumber ?? null,
        vault: e.record.vault,
        source: "daemon",
        stage: "chain",
        error: e.outcome?.error ?? "reverted",
        display: this.display(e.record.vault, e.outcome?.error ?? "reverted"),
        txHash: e.outcome?.hash ?? null,
        gasUsed: e.outcome?.gasUsed?.toString() ?? null,
        count: 1,
      }));
    return {
      version: this.version,
      agent: this.options.agent,
      chainId: this.options.chainId.toString(),
      health: toJson(this.options.health()),
      readiness: this.options.readiness ? toJson(this.options.readiness()) : null,
      key: this.keyView(),
      ha: this.leaseView(),
      vaults,
      journal,
      drafts: (this.options.drafts?.() ?? []).map((d) => this.draftView(d)),
      rejections: [
        ...this.rejections.map(
          (r): Json => ({
            at: Number(r.at),
            vault: r.vault,
            source: r.source,
            stage: r.stage,
            error: r.error,
            display: this.display(r.vault, r.error),
            txHash: r.txHash ?? null,
            gasUsed: r.gasUsed?.toString() ?? null,
            count: r.count,
          }),
        ),
        ...reverted,
      ].reverse(),
    };
  }

  /** A drafted proposal: its figures in the vault's asset units, the calls and the Safe batch as drafted. */
  private draftView(d: Draft): Json {
    const symbol = this.options.symbols?.[d.vault.toLowerCase()];
    const amount = (v: string) => `${formatAmount(BigInt(v), d.figures.assetDecimals, 2)}${symbol ? ` ${symbol}` : ""}`;
    return {
      hash: d.hash,
      status: d.status,
      vault: d.vault,
      label: d.label,
      at: d.at,
      block: d.block,
      kind: d.kind ?? "caps",
      rationale: d.rationale,
      evidence: d.evidence ?? null,
      whatIf: d.whatIf,
      gainPerYear: d.figures.gainPerYear,
      gainPerYearDisplay: amount(d.figures.gainPerYear),
      calls: d.calls.map((c) => ({ target: c.target, data: c.data, signature: c.signature, summary: c.summary })),
      safeBatch: toJson(d.safeBatch),
      superseded: d.superseded
        ? { at: d.superseded.at, reason: d.superseded.reason, by: d.superseded.by ?? null }
        : null,
    };
  }

  /** An error as people read it: amounts in the vault's asset units, times as chain time. */
  private display(vault: string, error: string): string {
    const s = this.latest.get(vault.toLowerCase())?.snapshot;
    if (!s) return error;
    return formatErrorForPeople(error, {
      decimals: s.assetDecimals,
      symbol: this.options.symbols?.[vault.toLowerCase()],
    });
  }

  private keyView(): Json {
    const f = this.options.funds;
    if (!f) return null;
    return {
      address: f.address,
      balanceWei: f.balance?.toString() ?? null,
      lowBalanceWei: f.lowBalance.toString(),
      low: f.low,
      cannotPay: f.cannotPay,
    };
  }

  private vaultView(shown: DashboardVault, report: TickReport, s: VaultSnapshot, error: string | undefined): Json {
    const now = s.timestamp;
    const required = ceilDiv(s.totalAssets * BigInt(s.bounds.idleBufferBps), BPS);
    const result = report.result;
    const liveValue = s.idle + s.strategies.reduce((sum, x) => sum + x.currentValue, 0n);
    return {
      label: shown.label,
      address: s.vault,
      ready: true,
      error: error ?? null,
      symbol: this.options.symbols?.[s.vault.toLowerCase()] ?? "",
      decimals: s.assetDecimals,
      blockNumber: s.blockNumber.toString(),
      timestamp: Number(now),
      totalAssets: s.totalAssets.toString(),
      liveValue: liveValue.toString(),
      /** Live value the vault has not recognised yet: gains enter total assets at most at `gainRateBps` a year. */
      unrecognised: (liveValue > s.totalAssets ? liveValue - s.totalAssets : 0n).toString(),
      gainRateBps: s.gainRateBps,
      maxPriceRateBps: s.maxPriceRateBps,
      idle: s.idle.toString(),
      idleRequired: required.toString(),
      idleBufferBps: s.bounds.idleBufferBps,
      /** Idle plus what the strategies let go now, without this block's deposits, against the liquidity floor. */
      availableLiquidity: (s.availableLiquidity > s.inflowInBlock
        ? s.availableLiquidity - s.inflowInBlock
        : 0n
      ).toString(),
      liquidityFloorBps: s.liquidityFloorBps,
      liquidityRequired: ceilDiv(s.totalAssets * BigInt(s.liquidityFloorBps), BPS).toString(),
      /** Volume above which a rebalance needs the policy signer's co-signature ("0": off). */
      stepUpThreshold: s.stepUpThreshold.toString(),
      /** The dead-man's switch (staleAfter 0: off) and when it may fire: lastRebalanceAt + staleAfter. */
      deadManSwitch: {
        staleAfter: s.deadManSwitch.staleAfter,
        dropBps: s.deadManSwitch.dropBps,
        maxExitBps: s.deadManSwitch.maxExitBps,
        lastRebalanceAt: Number(s.deadManSwitch.lastRebalanceAt),
        firesFrom:
          s.deadManSwitch.staleAfter === 0
            ? null
            : Number(s.deadManSwitch.lastRebalanceAt) + s.deadManSwitch.staleAfter,
      },
      policySigner: s.policySigner,
      sharePrice: s.sharePrice.toString(),
      shareDecimals: s.shareDecimals,
      agentsPaused: s.agentsPaused,
      breaker: { open: report.breaker.open, reason: report.breaker.reason ?? null },
      mode: report.assessment ? { mode: report.assessment.mode, reason: report.assessment.reason } : null,
      lastResult: { kind: result.kind, detail: resultDetail(result) },
      chainStall: report.chainStall ?? null,
      strategies: s.strategies.map((x) => {
        const relativeCap = (s.totalAssets * BigInt(x.relativeCapBps)) / BPS;
        const apr = report.yields.get(x.strategy);
        return {
          address: x.strategy,
          name: this.label(x.strategy),
          index: x.index,
          enabled: x.enabled,
          /** Frozen to exit-only by the share-price rate bound (which binds only while it is on). */
          frozen: s.maxPriceRateBps !== 0 && x.frozen,
          value: x.currentValue.toString(),
          allocation: x.allocation.toString(),
          absoluteCap: x.absoluteCap.toString(),
          relativeCapBps: x.relativeCapBps,
          relativeCap: relativeCap.toString(),
          cap: (relativeCap < x.absoluteCap ? relativeCap : x.absoluteCap).toString(),
          aprBps: apr ? Number((apr.aprWad * BPS) / 10n ** 18n) : null,
          quarantine: quarantineView(report.quarantine, x.strategy),
          /** The risk ids the strategy carries. */
          riskGroups: riskGroupIds(x.riskGroups ?? 0),
        };
      }),
      /** Each risk group in use: what its members hold together against the tighter of its caps (on total assets). */
      riskGroups: (s.riskGroups ?? []).map((g) => {
        const relativeCap = (s.totalAssets * BigInt(g.relativeCapBps)) / BPS;
        return {
          id: g.id,
          value: g.value.toString(),
          absoluteCap: g.absoluteCap.toString(),
          relativeCapBps: g.relativeCapBps,
          cap: (relativeCap < g.absoluteCap ? relativeCap : g.absoluteCap).toString(),
          members: s.strategies.filter((x) => ((x.riskGroups ?? 0) >>> g.id) & 1).map((x) => x.index),
        };
      }),
      sessions: s.sessions.map((x) =>
        sessionView(
          x,
          s.agentsPaused,
          now,
          shown.policy,
          s.assetDecimals,
          report.assessment?.sessions.find((a) => a.id === x.id)?.end,
        ),
      ),
    };
  }
}

function quarantineView(quarantine: QuarantineEntry[], strategy: string): Json {
  const q = quarantine.find((e) => e.strategy.toLowerCase() === strategy.toLowerCase());
  return q ? { code: q.code, reason: q.reason, exit: q.exit, block: q.block, since: q.since } : null;
}

/** A session as the page shows it; `end`: why the chain ended it, when the daemon read it (the tick's assessment). */
function sessionView(
  x: SessionState,
  paused: boolean,
  now: bigint,
  policy: SessionPolicy,
  decimals: number,
  end: SessionEnd | undefined,
): Json {
  const a = assessSession(x, paused, now, policy, decimals, end);
  return {
    id: x.id.toString(),
    status: a.status,
    detail: a.detail,
    /** Whether the chain told why it ended (its own loss allowance passed, moved to another key): `detail` says it. */
    ended: a.end !== undefined,
    reduceOnly: x.session.reduceOnly,
    /** The session's own loss allowance ("0": none of its own), used and left, in base units. */
    maxLoss: x.session.maxLoss.toString(),
    lossUsed: x.session.lossUsed.toString(),
    lossLeft: x.remaining.lossLeft.toString(),
    validAfter: Number(x.session.validAfter),
    validUntil: Number(x.session.validUntil),
    timeLeft: Number(a.timeLeft),
    maxVolumePerCall: x.session.maxVolumePerCall.toString(),
    maxVolumePerEpoch: x.session.maxVolumePerEpoch.toString(),
    volumeLeftInEpoch: x.remaining.volumeInEpoch.toString(),
    volumeLeftPerCall: x.remaining.volumePerCall.toString(),
    maxCallsPerEpoch: Number(x.session.maxCallsPerEpoch),
    callsLeftInEpoch: Number(x.remaining.callsInEpoch),
    epochLength: Number(x.session.epochLength),
    nextCallAt: Number(x.remaining.nextCallAt),
    epochEndsAt: Number(x.remaining.epochEndsAt),
  };
}

function journalView(e: JournalEntry, blockTimes: Map<string, number>): Json {
  const last = e.attempts[e.attempts.length - 1];
  return {
    intentHash: e.intentHash,
    vault: e.record.vault,
    /** Wall-clock time of the decision (the record's); the page shows `decidedAt`, chain time, like everything else. */
    createdAt: e.record.createdAt,
    /**
     * Chain time of the snapshot the plan was made from, when this process read that block (else null: show the block).
     */
    decidedAt: blockTimes.get(e.record.blockNumber.toString()) ?? null,
    blockNumber: e.record.blockNumber.toString(),
    sessionId: e.record.sessionId.toString(),
    planner: e.record.planner,
    reason: e.record.reason,
    volume: e.record.volume.toString(),
    expectedGain: e.record.expectedGain.toString(),
    targets: e.record.targets.map((t) => ({ strategy: t.strategy, assets: t.assets.toString() })),
    nonce: e.record.nonce,
    attempts: e.attempts.length,
    status: e.outcome?.status ?? "pending",
    txHash: e.outcome?.hash ?? last?.hash ?? null,
    minedIn: e.outcome?.blockNumber ?? null,
    gasUsed: e.outcome?.gasUsed?.toString() ?? null,
    error: e.outcome?.error ?? null,
  };
}

function resultDetail(result: TickResult): string {
  switch (result.kind) {
    case "sent":
      return `sent ${result.hash}${result.confirmed ? " (confirmed)" : ""}`;
    case "in-flight":
      return `${result.intentHash} ${result.state}`;
    case "rejected":
      return `${result.stage}: ${result.error}`;
    case "dry-run":
      return result.simulation;
    default:
      return result.reason;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}

function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Json;
}
