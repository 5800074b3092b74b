/**
 * The executor: the only component that signs. It simulates a plan from the agent's address, journals the decision
 * (whose hash is the on-chain `intentHash`) with the signed transaction before broadcasting it, manages nonces, waits
 * for confirmations, replaces a transaction stuck past a timeout with higher fees under a ceiling, and records the
 * outcome. Every attempt for one intent reuses its nonce, so at most one of them can ever be mined; a restart
 * re-broadcasts the journaled bytes rather than deciding again.
 */
import { ZeroHash } from "ethers";
import type { Logger } from "pino";
import type { Target, VaultSnapshot } from "../chain/types.js";
import { vaultInterface } from "../abi/index.js";
import { RevertError, RpcError } from "../failures.js";
import type { Clock } from "../util/clock.js";
import { gweiUnits } from "../util/format.js";
import { bumpedFees, initialFees, type FeePolicy } from "./fees.js";
import { intentHash as hashOf, stateDigest, type IntentRecord } from "./intent.js";
import type { Attempt, Journal, JournalEntry, Outcome } from "./journal.js";
import { InsufficientFundsError, type KeyFunds } from "./funds.js";
import type { CallSimulator, ChainReceipt, SendQuote, Tracking, TxSender } from "./sender.js";

/** Gas of a 0-value transfer, the cancellation. */
const CANCEL_GAS = 21_000n;

export interface ExecutorOptions {
  confirmations: number;
  /** A transaction not mined this long after its last attempt is replaced. */
  stuckAfterMs: number;
  fees: FeePolicy;
  /** Gas limit = estimate × this / 100. */
  gasLimitMultiplierPct: number;
}

export interface ExecutorHooks {
  onReplaced?(vault: string): void;
  onOutcome?(vault: string, outcome: Outcome): void;
  /** The agent key's balance: fed from every quote; a transaction it cannot pay for is not signed. */
  funds?: KeyFunds;
  /** A signed transaction the node refused, by cause. */
  onBroadcastFailed?(cause: "insufficient-funds" | "other"): void;
}

export interface SubmitRequest {
  snapshot: VaultSnapshot;
  sessionId: bigint;
  targets: Target[];
  planner: string;
  reason: string;
  volume: bigint;
  expectedGain: bigint;
  /** From `prepare` for these targets and session at the snapshot's block; read by `submit` when absent. */
  quote?: SendQuote;
}

export type PrepareResult = { status: "ready"; quote: SendQuote } | { status: "rejected"; error: RevertError };

/**
 * Calldata gas of the intent hash, which the quote's simulation does not carry (it runs with a zero hash): at most
 * 16 gas for each of its 32 bytes. The hash is an indexed event topic, whose gas does not depend on its value.
 */
export const INTENT_HASH_GAS = 32n * 16n;

export type SubmitResult =
  | { status: "sent"; intentHash: string; hash: string; nonce: number; settled?: ReconcileReport }
  | { status: "rejected"; error: RevertError }
  | { status: "deferred"; reason: string };

export type ReconcileState = "pending" | "awaiting-confirmations" | "confirmed" | "reverted" | "dropped" | "cancelled";

/**
 * Whether a journaled plan still passes, on the state the caller holds now: undefined when it does, else the reason.
 * Asked before journaled bytes are broadcast again or re-signed with higher fees: a transaction that never reached a
 * node is sent later only if it is still within the bounds.
 */
export type Recheck = (record: IntentRecord) => Promise<string | undefined>;

export interface ReconcileReport {
  intentHash: string;
  vault: string;
  /** Present for a loss write-down; absent for a rebalance. */
  action?: "realize-loss";
  state: ReconcileState;
  hash?: string;
  /** For a reverted transaction: the decoded reason, replayed at its block. */
  revert?: RevertError;
  replaced?: boolean;
  /** A cancellation was signed this time (the plan no longer passes). */
  cancelling?: boolean;
}

/** Encodes `realizeLoss(strategy)`. */
export function realizeLossCalldata(strategy: string): string {
  return vaultInterface.encodeFunctionData("realizeLoss", [strategy]);
}

/** The calldata a journaled intent sends: its rebalance with its intent hash, or its loss write-down. */
export function intentCalldata(record: IntentRecord, intentHash: string): string {
  return record.action ? realizeLossCalldata(record.action.strategy) : rebalanceCalldata(record.targets, record.sessionId, intentHash);
}

/** What an intent does, for logs. */
function what(record: IntentRecord): string {
  return record.action ? "loss realization" : "rebalance";
}

/** Encodes `rebalance(targets, sessionId, intentHash)`. */
export function rebalanceCalldata(targets: Target[], sessionId: bigint, intentHash: string): string {
  return vaultInterface.encodeFunctionData("rebalance", [
    targets.map((t) => ({ strategy: t.strategy, assets: t.assets })),
    sessionId,
    intentHash,
  ]);
}

/**
 * Simulates `rebalance` from the agent's address, at `block` (the block of the snapshot the plan was checked on, so
 * the simulation and the mirror judge the same state; a node that has not got that block fails as an RPC error, never
 * as a revert) or at the latest block. Resolves undefined when it would pass.
 */
export async function simulateRebalance(
  simulator: CallSimulator,
  vault: string,
  targets: Target[],
  sessionId: bigint,
  block?: bigint,
): Promise<RevertError | undefined> {
  try {
    await simulator.call(vault, rebalanceCalldata(targets, sessionId, ZeroHash), block === undefined ? "latest" : Number(block));
    return undefined;
  } catch (err) {
    if (err instanceof RevertError) return err;
    throw err;
  }
}

export class Executor {
  /** Head block at which an intent's nonce was first seen used with no receipt of ours (in memory). */
  private readonly nonceUsedAt = new Map<string, number>();

  constructor(
    private readonly sender: TxSender,
    private readonly journal: Journal,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ExecutorOptions,
    private readonly hooks: ExecutorHooks = {},
  ) {}

  get address(): string {
    return this.sender.address;
  }

  inFlight(vault: string): JournalEntry | undefined {
    return this.journal.inFlight(vault)[0];
  }

  /**
   * Simulates a rebalance from the agent's address at `block` (the snapshot's, so the simulation and the mirror judge
   * the same state) and reads what sending it needs (gas, fees, nonce): one round trip. The simulation runs with a
   * zero intent hash: the hash is made from the nonce this returns.
   */
  async prepare(vault: string, targets: Target[], sessionId: bigint, block?: bigint): Promise<PrepareResult> {
    try {
      const tag = block === undefined ? "latest" : Number(block);
      return { status: "ready", quote: await this.sender.quote(vault, rebalanceCalldata(targets, sessionId, ZeroHash), tag) };
    } catch (err) {
      if (err instanceof RevertError) return { status: "rejected", error: err };
      throw err;
    }
  }

  /**
   * Journals and broadcasts one rebalance (simulated by `prepare`). Never called while the vault has an intent in
   * flight. One round trip when the request carries its quote: the broadcast, with a look at the transaction's status
   * in the same batch (a chain that mines at once settles it here; elsewhere it is pending, followed by `reconcile`).
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const vault = request.snapshot.vault;
    if (this.inFlight(vault)) throw new Error(`vault ${vault} already has an intent in flight`);
    let quote = request.quote;
    if (!quote) {
      const prepared = await this.prepare(vault, request.targets, request.sessionId, request.snapshot.blockNumber);
      if (prepared.status === "rejected") return prepared;
      quote = prepared.quote;
    }
    const { snapshot, sessionId, planner, reason, targets, volume, expectedGain } = request;
    return this.send(snapshot, { sessionId, planner, reason, targets, volume, expectedGain }, quote);
  }

  /**
   * Writes a strategy's loss down: `vault.realizeLoss(strategy)`, which anyone may call. Simulated at the snapshot's
   * block, then journaled, nonce-managed, followed and replaced exactly like a rebalance (and, like one, never sent
   * while the vault has an intent in flight).
   */
  async realizeLoss(snapshot: VaultSnapshot, loss: { strategy: string; allocation: bigint; value: bigint }, reason: string): Promise<SubmitResult> {
    const vault = snapshot.vault;
    if (this.inFlight(vault)) throw new Error(`vault ${vault} already has an intent in flight`);
    let quote: SendQuote;
    try {
      quote = await this.sender.quote(vault, realizeLossCalldata(loss.strategy), Number(snapshot.blockNumber));
    } catch (err) {
      if (err instanceof RevertError) return { status: "rejected", error: err };
      throw err;
    }
    const action = { kind: "realize-loss" as const, strategy: loss.strategy, allocation: loss.allocation, value: loss.value };
    return this.send(snapshot, { sessionId: 0n, planner: "loss-realization", reason, targets: [], volume: 0n, expectedGain: 0n, action }, quote);
  }

  /** Whether a write-down of `strategy` at this mark was already journaled (sent, whatever came of it). */
  lossRealizationSent(vault: string, strategy: string, allocation: bigint): boolean {
    return this.journal
      .entries()
      .some(
        (e) =>
          e.record.vault.toLowerCase() === vault.toLowerCase() &&
          e.record.action?.strategy.toLowerCase() === strategy.toLowerCase() &&
          e.record.action.allocation === allocation,
      );
  }

  /** Signs, journals (durably, first) and broadcasts one intent, then looks at its status in the same round trip. */
  private async send(
    snapshot: VaultSnapshot,
    decision: Pick<IntentRecord, "sessionId" | "planner" | "reason" | "targets" | "volume" | "expectedGain" | "action">,
    quote: SendQuote,
  ): Promise<SubmitResult> {
    const vault = snapshot.vault;
    this.hooks.funds?.observe(quote.balance);
    const fees = initialFees(quote.baseFee, quote.tip, this.options.fees);
    if (!fees) {
      return {
        status: "deferred",
        reason: `the base fee ${gweiUnits(quote.baseFee)} gwei leaves no room under the fee ceiling of ${gweiUnits(this.options.fees.maxFeePerGasCeiling)} gwei (tx.maxFeePerGasGwei); waiting for it to fall`,
      };
    }

    const nonce = this.nextNonce(quote.pendingNonce);
    const chainId = await this.sender.chainId();
    const record: IntentRecord = {
      version: 1,
      chainId,
      vault,
      agent: this.sender.address,
      sessionId: decision.sessionId,
      nonce,
      stateDigest: stateDigest(snapshot),
      blockNumber: snapshot.blockNumber,
      planner: decision.planner,
      reason: decision.reason,
      targets: decision.targets,
      volume: decision.volume,
      expectedGain: decision.expectedGain,
      createdAt: new Date(this.clock.nowMs()).toISOString(),
      ...(decision.action ? { action: decision.action } : {}),
    };
    const intentHash = hashOf(record);
    const data = intentCalldata(record, intentHash);
    const gasLimit = ((quote.gas + INTENT_HASH_GAS) * BigInt(this.options.gasLimitMultiplierPct)) / 100n;
    const unpaid = this.hooks.funds?.shortfall(gasLimit * fees.maxFeePerGas);
    if (unpaid) return { status: "deferred", reason: unpaid };
    const signed = await this.sender.sign({ to: vault, data, nonce, gasLimit, chainId, ...fees });
    const attempt: Attempt = { hash: signed.hash, raw: signed.raw, gasLimit, at: this.clock.nowMs(), ...fees };
    this.journal.begin(record, attempt); // durable before anything leaves the process
    this.log.info({ intentHash, nonce, tx: signed.hash, ...feesLog(fees) }, `journaled; broadcasting ${what(record)}`);
    const [, tracking] = await Promise.all([
      this.safeBroadcast(signed.raw, intentHash),
      this.sender.track([signed.hash], this.options.confirmations > 1).catch(() => undefined),
    ]);
    const entry = this.journal.inFlight(vault).find((e) => e.intentHash === intentHash);
    const settled = tracking && entry ? await this.reconcileOne(entry, undefined, 0, { tracking, justSent: true }) : undefined;
    return { status: "sent", intentHash, hash: signed.hash, nonce, ...(settled ? { settled } : {}) };
  }

  /**
   * Advances every in-flight intent (of one vault, or all): outcome, confirmations, re-broadcast, replacement. With
   * `recheck`, a plan is re-checked before its bytes are broadcast again or re-signed, and cancelled if it fails.
   */
  async reconcile(vault?: string, recheck?: Recheck): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = [];
    for (const entry of this.journal.inFlight(vault)) reports.push(await this.reconcileOne(entry, recheck));
    return reports;
  }

  /**
   * Looks at this vault's in-flight intents and records what became of them (mined, with its confirmations, or
   * dropped), sending nothing: no re-broadcast, no replacement, no cancellation. For `run --once`, which waits for what
   * it sent without deciding anything more; the next `reconcile` takes over whatever is still pending.
   */
  async follow(vault: string): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = [];
    for (const entry of this.journal.inFlight(vault)) reports.push(await this.reconcileOne(entry, undefined, 0, undefined, true));
    return reports;
  }

  /** The highest block at which one of this vault's intents was settled (mined, or found dropped). */
  lastSettledBlock(vault: string): bigint {
    let block = 0n;
    for (const e of this.journal.entries()) {
      if (e.record.vault.toLowerCase() !== vault.toLowerCase() || e.outcome?.blockNumber === undefined) continue;
      if (BigInt(e.outcome.blockNumber) > block) block = BigInt(e.outcome.blockNumber);
    }
    return block;
  }

  /**
   * The next nonce: after what the node counts as pending, and after every nonce in the journal (in flight, mined, or
   * used by another transaction). A node that lags or forgets its mempool cannot make the daemon reuse a nonce it knows
   * is taken.
   */
  private nextNonce(pending: number): number {
    const journaled = this.journal.entries().reduce((m, e) => Math.max(m, e.record.nonce + 1), 0);
    return Math.max(pending, journaled);
  }

  private async safeBroadcast(raw: string, intentHash: string): Promise<void> {
    try {
      await this.sender.broadcast(raw);
      // Accepted after a refusal for want of funds: the key was funded; read how much it holds now.
      if (this.hooks.funds?.cannotPay) await this.readBalance();
    } catch (err) {
      // Still journaled: the next reconcile re-broadcasts the same bytes or finds the nonce used.
      if (err instanceof InsufficientFundsError) {
        this.hooks.onBroadcastFailed?.("insufficient-funds");
        await this.readBalance();
        this.hooks.funds?.refused();
        this.log.error({ intentHash, agent: this.sender.address, err: err.message }, `the node refused the transaction: the agent key ${this.sender.address} has too little ETH to pay for its gas; fund it (the same bytes are sent again each tick)`);
        return;
      }
      this.hooks.onBroadcastFailed?.("other");
      this.log.warn({ intentHash, err: String((err as Error).message) }, "broadcast failed; will retry the same bytes");
    }
  }

  /** Reads the key's balance into `funds` (only after the node refused or accepted a transaction for funds). */
  private async readBalance(): Promise<void> {
    if (!this.hooks.funds) return;
    try {
      this.hooks.funds.observe(await this.sender.balance());
    } catch {
      // The next quote reads it again.
    }
  }

  /**
   * `sent`: the status read in the broadcast's own round trip, for an entry with that one attempt. Only a receipt is
   * acted on then; anything else is pending until the next reconcile looks again.
   */
  private async reconcileOne(
    entry: JournalEntry,
    recheck?: Recheck,
    depth = 0,
    sent?: { tracking: Tracking; justSent: true },
    followOnly = false,
  ): Promise<ReconcileReport> {
    const { intentHash, record } = entry;
    const base = { intentHash, vault: record.vault, ...(record.action ? { action: "realize-loss" as const } : {}) };
    const log = this.log.child({ intentHash, nonce: record.nonce });

    // One round trip: every attempt's receipt, the mined nonce, whether the node knows the last attempt, and the head
    // when confirmations beyond the including block are asked for.
    const tracking =
      sent?.tracking ??
      (await this.sender.track(
        entry.attempts.map((a) => a.hash),
        this.options.confirmations > 1,
      ));
    const found = newestReceipt(entry, tracking.receipts);
    if (!found && sent) return { ...base, state: "pending", hash: entry.attempts[entry.attempts.length - 1]!.hash };
    if (found) {
      // Without the head, the including block is the one confirmation asked for.
      const confirmations = tracking.head === undefined ? 1 : tracking.head - found.blockNumber + 1;
      if (confirmations < this.options.confirmations) {
        return { ...base, state: "awaiting-confirmations", hash: found.hash };
      }
      if (found.cancel) {
        const outcome: Outcome = { status: "cancelled", hash: found.hash, blockNumber: found.blockNumber, gasUsed: found.gasUsed, at: this.clock.nowMs() };
        this.journal.finish(intentHash, outcome);
        this.hooks.onOutcome?.(record.vault, outcome);
        log.warn({ tx: found.hash, block: found.blockNumber }, "cancellation mined; the rebalance that no longer passed can never be");
        return { ...base, state: "cancelled", hash: found.hash };
      }
      if (found.status === 1) {
        const outcome: Outcome = { status: "confirmed", hash: found.hash, blockNumber: found.blockNumber, gasUsed: found.gasUsed, at: this.clock.nowMs() };
        this.journal.finish(intentHash, outcome);
        this.hooks.onOutcome?.(record.vault, outcome);
        log.info({ tx: found.hash, block: found.blockNumber, gasUsed: found.gasUsed.toString(), confirmations }, `${what(record)} confirmed`);
        return { ...base, state: "confirmed", hash: found.hash };
      }
      const revert = await this.replayRevert(entry, found.blockNumber);
      const outcome: Outcome = {
        status: "reverted",
        hash: found.hash,
        blockNumber: found.blockNumber,
        gasUsed: found.gasUsed,
        error: revert?.decoded?.text ?? revert?.message ?? "unknown",
        at: this.clock.nowMs(),
      };
      this.journal.finish(intentHash, outcome);
      this.hooks.onOutcome?.(record.vault, outcome);
      log.error({ tx: found.hash, block: found.blockNumber, error: outcome.error }, `${what(record)} reverted on chain`);
      return { ...base, state: "reverted", hash: found.hash, revert };
    }

    if (tracking.latestNonce > record.nonce) {
      // The nonce was used, but by none of our attempts (checked again to close the race with mining).
      const late = await this.findReceipt(entry);
      if (late && depth < 2) return this.reconcileOne(entry, recheck, depth + 1, undefined, followOnly);
      // A node behind a load balancer can count the nonce on one backend and miss the receipt on another. The intent
      // is dropped only when the nonce was also seen used, without a receipt, at an earlier head, or when another
      // journaled intent of ours is known to have been mined with that nonce.
      const head = tracking.head ?? (await this.sender.blockNumber());
      const takenByOurs = this.journal
        .entries()
        .some((e) => e.intentHash !== intentHash && e.record.nonce === record.nonce && (e.outcome?.status === "confirmed" || e.outcome?.status === "reverted"));
      const seenAt = this.nonceUsedAt.get(intentHash);
      if (!takenByOurs && (seenAt === undefined || head <= seenAt)) {
        if (seenAt === undefined) this.nonceUsedAt.set(intentHash, head);
        log.warn({ head }, "nonce used but no receipt of ours found; checking again at a later block before calling it dropped");
        return { ...base, state: "pending", hash: entry.attempts[entry.attempts.length - 1]!.hash };
      }
      this.nonceUsedAt.delete(intentHash);
      const outcome: Outcome = { status: "dropped", blockNumber: head, at: this.clock.nowMs() };
      this.journal.finish(intentHash, outcome);
      this.hooks.onOutcome?.(record.vault, outcome);
      log.warn({ head }, "nonce used by another transaction; intent dropped");
      return { ...base, state: "dropped" };
    }
    this.nonceUsedAt.delete(intentHash);

    const last = entry.attempts[entry.attempts.length - 1]!;
    if (followOnly) return { ...base, state: "pending", hash: last.hash };
    if (!tracking.lastKnown) {
      // Never reached a node (or the node forgot it). Broadcast again only what still passes; a cancellation always does.
      const problem = last.cancel || !recheck ? undefined : await recheck(record);
      if (problem !== undefined) return this.cancel(entry, problem, log);
      log.warn({ tx: last.hash }, "node does not know the journaled transaction; re-broadcasting the same bytes");
      await this.safeBroadcast(last.raw, intentHash);
      // A node that mines at once (or had it all along) settles it now rather than a tick later.
      if (depth < 2 && (await this.findReceipt(entry))) return this.reconcileOne(entry, recheck, depth + 1);
    }
    if (this.clock.nowMs() - last.at < this.options.stuckAfterMs) return { ...base, state: "pending", hash: last.hash };

    if (!last.cancel && recheck) {
      const problem = await recheck(record);
      if (problem !== undefined) return this.cancel(entry, problem, log);
    }
    const { baseFee, tip } = await this.sender.fees();
    const fees = bumpedFees(last, baseFee, tip, this.options.fees);
    if (!fees) {
      log.warn(
        { tx: last.hash, ...feesLog(last), ceilingGwei: gweiUnits(this.options.fees.maxFeePerGasCeiling) },
        `stuck at the fee ceiling (${gweiUnits(last.maxFeePerGas)} gwei, tx.maxFeePerGasGwei ${gweiUnits(this.options.fees.maxFeePerGasCeiling)}); waiting`,
      );
      return { ...base, state: "pending", hash: last.hash };
    }
    const signed = await this.sender.sign(
      last.cancel
        ? this.cancellation(record, fees)
        : { to: record.vault, data: intentCalldata(record, intentHash), nonce: record.nonce, gasLimit: last.gasLimit, chainId: record.chainId, ...fees },
    );
    const gasLimit = last.cancel ? CANCEL_GAS : last.gasLimit;
    this.journal.addAttempt(intentHash, { hash: signed.hash, raw: signed.raw, gasLimit, at: this.clock.nowMs(), ...fees, ...(last.cancel ? { cancel: true } : {}) });
    log.warn({ replaced: last.hash, tx: signed.hash, cancel: !!last.cancel, ...feesLog(fees) }, "transaction stuck; replaced with higher fees");
    this.hooks.onReplaced?.(record.vault);
    await this.safeBroadcast(signed.raw, intentHash);
    return { ...base, state: "pending", hash: signed.hash, replaced: true };
  }

  /**
   * Takes the intent's nonce with a 0-value transfer to the agent itself, with fees raised as for a replacement so that
   * it replaces the rebalance wherever that may still be waiting. Journaled before it is broadcast, like any attempt.
   */
  private async cancel(entry: JournalEntry, problem: string, log: Logger): Promise<ReconcileReport> {
    const { intentHash, record } = entry;
    const last = entry.attempts[entry.attempts.length - 1]!;
    const base = { intentHash, vault: record.vault, ...(record.action ? { action: "realize-loss" as const } : {}) };
    const { baseFee, tip } = await this.sender.fees();
    const fees = bumpedFees(last, baseFee, tip, this.options.fees);
    if (!fees) {
      log.warn({ tx: last.hash, problem }, `the journaled ${what(record)} no longer passes and the fee ceiling leaves no room to cancel it; not sending it, waiting`);
      return { ...base, state: "pending", hash: last.hash };
    }
    const signed = await this.sender.sign(this.cancellation(record, fees));
    this.journal.addAttempt(intentHash, { hash: signed.hash, raw: signed.raw, gasLimit: CANCEL_GAS, at: this.clock.nowMs(), ...fees, cancel: true });
    log.warn({ tx: signed.hash, replaces: last.hash, problem, ...feesLog(fees) }, `the journaled ${what(record)} no longer passes; cancelling its nonce instead of sending it`);
    await this.safeBroadcast(signed.raw, intentHash);
    const mined = await this.findReceipt(entry);
    if (mined) return this.reconcileOne(this.journal.inFlight(record.vault).find((e) => e.intentHash === intentHash) ?? entry, undefined, 2);
    return { ...base, state: "pending", hash: signed.hash, cancelling: true };
  }

  private cancellation(record: IntentRecord, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) {
    return { to: record.agent, data: "0x", nonce: record.nonce, gasLimit: CANCEL_GAS, chainId: record.chainId, ...fees };
  }

  private async findReceipt(entry: JournalEntry): Promise<(ChainReceipt & { cancel: boolean }) | null> {
    for (const attempt of [...entry.attempts].reverse()) {
      const receipt = await this.sender.receipt(attempt.hash);
      if (receipt) return { ...receipt, cancel: attempt.cancel === true };
    }
    return null;
  }

  /** Replays a reverted intent at its block to name the error (best effort). */
  private async replayRevert(entry: JournalEntry, blockNumber: number): Promise<RevertError | undefined> {
    const data = intentCalldata(entry.record, entry.intentHash);
    try {
      await this.sender.call(entry.record.vault, data, blockNumber);
      return undefined;
    } catch (err) {
      if (err instanceof RevertError) return err;
      if (err instanceof RpcError) return undefined;
      throw err;
    }
  }
}

/** The receipt of the newest attempt that was mined, and whether that attempt was the cancellation. */
function newestReceipt(entry: JournalEntry, receipts: (ChainReceipt | null)[]): (ChainReceipt & { cancel: boolean }) | null {
  for (let i = receipts.length - 1; i >= 0; i--) {
    const r = receipts[i];
    if (r) return { ...r, cancel: entry.attempts[i]!.cancel === true };
  }
  return null;
}

/** Fees for a log line: in gwei, and in wei for machines. */
function feesLog(f: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) {
  return {
    maxFeeGwei: gweiUnits(f.maxFeePerGas),
    priorityFeeGwei: gweiUnits(f.maxPriorityFeePerGas),
    maxFeePerGasWei: f.maxFeePerGas.toString(),
    maxPriorityFeePerGasWei: f.maxPriorityFeePerGas.toString(),
  };
}
