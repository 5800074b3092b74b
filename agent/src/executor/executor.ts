/**
 * The executor: the only component that signs. It simulates a plan from the agent's address, journals the decision
 * (whose hash is the on-chain `intentHash`) with the signed transaction before broadcasting it, manages nonces, waits
 * for confirmations, replaces a transaction stuck past a timeout with higher fees under a ceiling, and records the
 * outcome. Every attempt for one intent reuses its nonce, so at most one of them can ever be mined; a restart
 * re-broadcasts the journaled bytes rather than deciding again. What it recorded as mined it checks again until the
 * block is final: a reorg deeper than the confirmations puts the intent back in flight.
 */
import { ZeroHash } from "ethers";
import type { Logger } from "pino";
import type { Target, VaultSnapshot } from "../chain/types.js";
import { vaultInterface } from "../abi/index.js";
import { decodeRevert } from "../errors.js";
import { RevertError, RpcError } from "../failures.js";
import type { Clock } from "../util/clock.js";
import { gweiUnits } from "../util/format.js";
import { bumpedFees, initialFees, type FeePolicy } from "./fees.js";
import {
  type CoSignature,
  type DecisionProvenance,
  intentHash as hashOf,
  type IntentRecord,
  settingsHash,
  stateDigest,
} from "./intent.js";
import type { Attempt, Journal, JournalEntry, Outcome } from "./journal.js";
import { InsufficientFundsError, type KeyFunds } from "./funds.js";
import type { CallSimulator, ChainReceipt, SendQuote, Tracking, TxSender } from "./sender.js";

/** Gas of a 0-value transfer, the cancellation. */
const CANCEL_GAS = 21_000n;

export interface ExecutorOptions {
  confirmations: number;
  /** Blocks after which a mined transaction is final, on a node without the `finalized` block tag. */
  finalityDepth: number;
  /** A transaction not mined this long after its last attempt is replaced. */
  stuckAfterMs: number;
  fees: FeePolicy;
  /** Fee ceilings of the vaults that have their own (`vaults[].tx.maxFeePerGasGwei`), by lower-case address. */
  feeCeilings?: ReadonlyMap<string, bigint>;
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
  /** A vault starts (true) or stops (false) waiting for the base fee to fall under its fee ceiling. */
  onFeeWait?(vault: string, waiting: boolean): void;
  /** An intent was journaled (before its transaction is broadcast): e.g. to publish its record. Must not throw. */
  onJournaled?(record: IntentRecord, intentHash: string): void;
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
  /** The planner's version, settings and inputs: with them the record is a version 2 record `explain` can replay. */
  provenance?: DecisionProvenance;
  /**
   * For a plan above the vault's step-up threshold: asked, once the intent record and its hash exist (its nonce is
   * known), for a co-signature already checked against the policy signer, or the reason there is none (the plan is
   * then held: nothing is journaled or signed).
   */
  coSign?: CoSign;
}

/** Gets the policy signer's co-signature over an intent, verified; or why there is none. */
export type CoSign = (
  record: IntentRecord,
  intentHash: string,
) => Promise<{ coSignature: CoSignature } | { refused: string }>;

export type PrepareResult = { status: "ready"; quote: SendQuote } | { status: "rejected"; error: RevertError };

/**
 * Calldata gas of the intent hash, which the quote's simulation does not carry (it runs with a zero hash): at most
 * 16 gas for each of its 32 bytes. The hash is an indexed event topic, whose gas does not depend on its value.
 */
export const INTENT_HASH_GAS = 32n * 16n;

export type SubmitResult =
  | { status: "sent"; intentHash: string; hash: string; nonce: number; settled?: ReconcileReport }
  | { status: "rejected"; error: RevertError }
  | { status: "deferred"; reason: string; feeWait?: true }
  /** No co-signature for a plan above the step-up threshold: nothing was journaled or signed. */
  | { status: "held"; reason: string };

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

/**
 * The calldata a journaled intent sends: its rebalance with its intent hash (co-signed: `rebalanceCosigned` with the
 * journaled deadline and signature, so a re-broadcast or a fee bump sends exactly the co-signed call), or its loss
 * write-down.
 */
export function intentCalldata(record: IntentRecord, intentHash: string): string {
  if (record.action) return realizeLossCalldata(record.action.strategy);
  if (record.coSignature) return cosignedCalldata(record.targets, record.sessionId, intentHash, record.coSignature);
  return rebalanceCalldata(record.targets, record.sessionId, intentHash);
}

/** Encodes `rebalanceCosigned(targets, sessionId, intentHash, deadline, signature)`. */
export function cosignedCalldata(
  targets: Target[],
  sessionId: bigint,
  intentHash: string,
  coSignature: Pick<CoSignature, "deadline" | "signature">,
): string {
  return vaultInterface.encodeFunctionData("rebalanceCosigned", [
    targets.map((t) => ({ strategy: t.strategy, assets: t.assets })),
    sessionId,
    intentHash,
    coSignature.deadline,
    coSignature.signature,
  ]);
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
 * Simulates the rebalance as the agent, at `block` (the block of the snapshot the plan was checked on, so the
 * simulation and the mirror judge the same state; a node that has not got that block fails as an RPC error, never as
 * a revert) or at the latest block, through the vault's `previewRebalance`: the call's own code, whose verdict also
 * covers what `rebalance` does not revert for (a loss past the session's own allowance, which `rebalance` answers by
 * revoking the session and moving nothing). Resolves undefined when it would pass, else the error it would meet.
 */
export async function simulateRebalance(
  simulator: CallSimulator,
  vault: string,
  targets: Target[],
  sessionId: bigint,
  block?: bigint,
): Promise<RevertError | undefined> {
  const allocations = targets.map((t) => ({ strategy: t.strategy, assets: t.assets }));
  let answer: string;
  try {
    answer = await simulator.call(
      vault,
      vaultInterface.encodeFunctionData("previewRebalance", [allocations, sessionId, simulator.address]),
      block === undefined ? "latest" : Number(block),
    );
  } catch (err) {
    if (err instanceof RevertError) return err;
    throw err;
  }
  const [preview] = vaultInterface.decodeFunctionResult("previewRebalance", answer);
  if (preview.ok) return undefined;
  const reason: string = preview.reason;
  const decoded = decodeRevert(reason);
  const what = decoded
    ? decoded.text
    : reason !== "0x"
      ? `unknown revert ${reason.slice(0, 10)}`
      : "revert without data";
  return new RevertError(`simulation: ${what}`, reason, decoded);
}

export class Executor {
  /** Head block at which an intent's nonce was first seen used with no receipt of ours (in memory). */
  private readonly nonceUsedAt = new Map<string, number>();
  /** Blocks up to this one are final: what was mined there is not checked again. */
  private finalizedAt = -1;
  /** The node finalizes every block as it mines it (a development node): nothing mined is checked again. */
  private instantFinality = false;
  /** Intents a reorg put back in flight, with when (wall ms): the time to replace them runs from then. */
  private readonly reorgedAt = new Map<string, number>();
  /** Intents the node holds queued behind a nonce gap, already said (in memory). */
  private readonly queuedSaid = new Set<string>();
  /** Vaults waiting for the base fee to fall under their ceiling, by lower-case address: since when (wall ms). */
  private readonly feeWaits = new Map<string, number>();

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
   * Reads, at start, the head and the node's final block. A node whose `finalized` tag is its head finalizes every
   * block as it mines it (a development node such as Hardhat's): nothing mined there is ever checked again. Elsewhere
   * `reconcile` checks the receipts of what was mined until its block is final (the tag, or `finalityDepth` blocks).
   */
  async readFinality(): Promise<void> {
    try {
      const { head, finalized } = await this.sender.finality();
      this.instantFinality = head > 0 && finalized === head;
      this.finalizedAt = finalized ?? head - this.options.finalityDepth;
    } catch (err) {
      // Not known yet: the first check of a mined intent reads it.
      this.log.warn(
        { err: String((err as Error).message) },
        "could not read the node's final block at start; checking mined intents again until it answers",
      );
    }
  }

  /** The newest block known final (read at start by `readFinality`, then each tick); undefined until the node said. */
  get finalizedBlock(): number | undefined {
    return this.finalizedAt < 0 ? undefined : this.finalizedAt;
  }

  /** The fee policy of one vault: its own ceiling where it has one. */
  private feesFor(vault: string): FeePolicy {
    const ceiling = this.options.feeCeilings?.get(vault.toLowerCase());
    return ceiling === undefined ? this.options.fees : { ...this.options.fees, maxFeePerGasCeiling: ceiling };
  }

  /** The setting that holds one vault's fee ceiling, for messages. */
  private ceilingField(vault: string): string {
    return this.options.feeCeilings?.has(vault.toLowerCase()) ? "vaults[].tx.maxFeePerGasGwei" : "tx.maxFeePerGasGwei";
  }

  /**
   * Whether `vault` waits for the base fee to fall under its fee ceiling: the reason while it does, else undefined.
   * Judged on `quote` when given (the one `prepare` just read); without one, only a vault already waiting reads the
   * fees again (no simulation, no nonce). The wait is logged once when it starts and once when it ends, and reported
   * through `onFeeWait`.
   */
  async feeWait(vault: string, quote?: { baseFee: bigint; tip: bigint }): Promise<string | undefined> {
    const key = vault.toLowerCase();
    const since = this.feeWaits.get(key);
    const waiting = since !== undefined;
    if (!quote && !waiting) return undefined;
    const { baseFee, tip } = quote ?? (await this.sender.fees());
    const policy = this.feesFor(vault);
    const ceiling = gweiUnits(policy.maxFeePerGasCeiling);
    if (initialFees(baseFee, tip, policy)) {
      if (waiting) {
        this.feeWaits.delete(key);
        this.hooks.onFeeWait?.(vault, false);
        const seconds = Math.round((this.clock.nowMs() - since) / 1000);
        this.log.info(
          { vault, baseFeeGwei: gweiUnits(baseFee), ceilingGwei: ceiling, waitedSeconds: seconds },
          `the base fee (${gweiUnits(baseFee)} gwei) is under the fee ceiling of ${ceiling} gwei again; sending`,
        );
      }
      return undefined;
    }
    const reason = `waiting: base fee ${gweiUnits(baseFee)} gwei above the fee ceiling of ${ceiling} gwei (${this.ceilingField(vault)}); nothing is signed or simulated again until it falls`;
    if (!waiting) {
      this.feeWaits.set(key, this.clock.nowMs());
      this.hooks.onFeeWait?.(vault, true);
      this.log.warn({ vault, baseFeeGwei: gweiUnits(baseFee), ceilingGwei: ceiling }, reason);
    }
    return reason;
  }

  /**
   * Simulates a rebalance from the agent's address at `block` (the snapshot's, so the simulation and the mirror judge
   * the same state) and reads what sending it needs (gas, fees, nonce): one round trip. The simulation runs with a
   * zero intent hash: the hash is made from the nonce this returns. With `sessionHasLossAllowance` the vault's
   * `previewRebalance` runs in the same batch: `rebalance` does not revert for a loss past the session's own
   * allowance (it revokes the session and moves nothing), so only the preview tells that plan apart.
   */
  async prepare(
    vault: string,
    targets: Target[],
    sessionId: bigint,
    block?: bigint,
    sessionHasLossAllowance = false,
    cosigned = false,
  ): Promise<PrepareResult> {
    try {
      const tag = block === undefined ? "latest" : Number(block);
      if (cosigned) {
        // Without its co-signature the call reverts (CoSignatureRequired): the fees, nonce and balance now; the call
        // itself is simulated, and its gas read, once the co-signature is in it (`send`).
        const [{ baseFee, tip }, pendingNonce, balance] = await Promise.all([
          this.sender.fees(),
          this.sender.pendingNonce(),
          this.sender.balance(),
        ]);
        return { status: "ready", quote: { gas: 0n, baseFee, tip, pendingNonce, balance } };
      }
      const [quote, preview] = await Promise.all([
        this.sender.quote(vault, rebalanceCalldata(targets, sessionId, ZeroHash), tag),
        sessionHasLossAllowance ? simulateRebalance(this.sender, vault, targets, sessionId, block) : undefined,
      ]);
      if (preview) return { status: "rejected", error: preview };
      return { status: "ready", quote };
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
    const { snapshot, sessionId, planner, reason, targets, volume, expectedGain, provenance, coSign } = request;
    return this.send(
      snapshot,
      { sessionId, planner, reason, targets, volume, expectedGain },
      quote,
      provenance,
      coSign,
    );
  }

  /**
   * Writes a strategy's loss down: `vault.realizeLoss(strategy)`, which anyone may call. Simulated at the snapshot's
   * block, then journaled, nonce-managed, followed and replaced exactly like a rebalance (and, like one, never sent
   * while the vault has an intent in flight).
   */
  async realizeLoss(
    snapshot: VaultSnapshot,
    loss: { strategy: string; allocation: bigint; value: bigint },
    reason: string,
  ): Promise<SubmitResult> {
    const vault = snapshot.vault;
    if (this.inFlight(vault)) throw new Error(`vault ${vault} already has an intent in flight`);
    // In a fee spike it is simulated once, as a rebalance is (`feeWait`).
    const waiting = await this.feeWait(vault);
    if (waiting) return { status: "deferred", reason: waiting, feeWait: true };
    let quote: SendQuote;
    try {
      quote = await this.sender.quote(vault, realizeLossCalldata(loss.strategy), Number(snapshot.blockNumber));
    } catch (err) {
      if (err instanceof RevertError) return { status: "rejected", error: err };
      throw err;
    }
    const spike = await this.feeWait(vault, quote);
    if (spike) return { status: "deferred", reason: spike, feeWait: true };
    const action = {
      kind: "realize-loss" as const,
      strategy: loss.strategy,
      allocation: loss.allocation,
      value: loss.value,
    };
    return this.send(
      snapshot,
      { sessionId: 0n, planner: "loss-realization", reason, targets: [], volume: 0n, expectedGain: 0n, action },
      quote,
    );
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
    provenance?: DecisionProvenance,
    coSign?: CoSign,
  ): Promise<SubmitResult> {
    const vault = snapshot.vault;
    this.hooks.funds?.observe(quote.balance);
    const policy = this.feesFor(vault);
    const fees = initialFees(quote.baseFee, quote.tip, policy);
    if (!fees) {
      return {
        status: "deferred",
        reason: `the base fee ${gweiUnits(quote.baseFee)} gwei leaves no room under the fee ceiling of ${gweiUnits(policy.maxFeePerGasCeiling)} gwei (${this.ceilingField(vault)}); waiting for it to fall`,
      };
    }

    const journaled = this.journaledNonce();
    const hole = quote.pendingNonce < journaled ? await this.fillGap(quote.pendingNonce, journaled) : undefined;
    if (hole) return { status: "deferred", reason: hole };
    const nonce = Math.max(quote.pendingNonce, journaled);
    const chainId = await this.sender.chainId();
    const record: IntentRecord = {
      version: provenance ? 2 : 1,
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
      ...(provenance
        ? {
            plannerVersion: provenance.plannerVersion,
            settingsHash: settingsHash(provenance.settings),
            settings: provenance.settings,
            inputs: provenance.inputs,
          }
        : {}),
    };
    const intentHash = hashOf(record);
    let gas = quote.gas + INTENT_HASH_GAS;
    if (coSign) {
      const answer = await coSign(record, intentHash);
      if ("refused" in answer) return { status: "held", reason: answer.refused };
      record.coSignature = answer.coSignature;
      // The co-signed call itself, simulated at the snapshot's block: its gas, and the vault's own verdict on the
      // signature before anything is signed.
      try {
        gas = (await this.sender.quote(vault, intentCalldata(record, intentHash), Number(snapshot.blockNumber))).gas;
      } catch (err) {
        if (err instanceof RevertError) return { status: "rejected", error: err };
        throw err;
      }
    }
    const data = intentCalldata(record, intentHash);
    const gasLimit = (gas * BigInt(this.options.gasLimitMultiplierPct)) / 100n;
    const unpaid = this.hooks.funds?.shortfall(gasLimit * fees.maxFeePerGas);
    if (unpaid) return { status: "deferred", reason: unpaid };
    const signed = await this.sender.sign({ to: vault, data, nonce, gasLimit, chainId, ...fees });
    const attempt: Attempt = { hash: signed.hash, raw: signed.raw, gasLimit, at: this.clock.nowMs(), ...fees };
    this.journal.begin(record, attempt); // durable before anything leaves the process
    // An asynchronous journal (PostgreSQL, under the HA lease): the write awaited first; refused, nothing is sent.
    if (this.journal.flush) await this.journal.flush();
    this.hooks.onJournaled?.(record, intentHash);
    this.log.info({ intentHash, nonce, tx: signed.hash, ...feesLog(fees) }, `journaled; broadcasting ${what(record)}`);
    const [, tracking] = await Promise.all([
      this.safeBroadcast(signed.raw, intentHash, true),
      this.sender.track([signed.hash], this.options.confirmations > 1).catch(() => undefined),
    ]);
    const entry = this.journal.inFlight(vault).find((e) => e.intentHash === intentHash);
    const settled =
      tracking && entry ? await this.reconcileOne(entry, undefined, 0, { tracking, justSent: true }) : undefined;
    return { status: "sent", intentHash, hash: signed.hash, nonce, ...(settled ? { settled } : {}) };
  }

  /**
   * Advances every in-flight intent (of one vault, or all): outcome, confirmations, re-broadcast, replacement. With
   * `recheck`, a plan is re-checked before its bytes are broadcast again or re-signed, and cancelled if it fails.
   */
  async reconcile(vault?: string, recheck?: Recheck): Promise<ReconcileReport[]> {
    await this.settleFinality();
    const reports: ReconcileReport[] = [];
    for (const entry of this.journal.inFlight(vault)) reports.push(await this.reconcileOne(entry, recheck));
    return reports;
  }

  /**
   * Checks again the receipts of what was mined after the last block known final (every vault's: they share the key's
   * nonces). One still in its block is left alone. One mined elsewhere now, or gone (a reorg deeper than the
   * confirmations), goes back in flight and is settled again like any in-flight intent: recorded at its new block, or
   * its journaled bytes sent again when the node lost them. A later intent of the same vault that was planned on a view
   * holding the vanished one is cancelled first: behind it, it would revert (or act on a view that no longer holds).
   */
  private async settleFinality(): Promise<void> {
    if (this.instantFinality) return;
    const mined = this.journal
      .entries()
      .filter(
        (e) =>
          e.outcome?.hash !== undefined &&
          e.outcome.blockNumber !== undefined &&
          e.outcome.blockNumber > this.finalizedAt,
      );
    if (mined.length === 0) return;
    const [{ head, finalized }, receipts] = await Promise.all([
      this.sender.finality(),
      Promise.all(mined.map((e) => this.sender.receipt(e.outcome!.hash!))),
    ]);
    this.finalizedAt = Math.max(this.finalizedAt, finalized ?? head - this.options.finalityDepth);
    const vanished: { entry: JournalEntry; block: number }[] = [];
    for (const [i, entry] of mined.entries()) {
      const outcome = entry.outcome!;
      const receipt = receipts[i];
      if (receipt && receipt.blockNumber === outcome.blockNumber) continue;
      // A node behind the block it was recorded in (a lagging backend) says nothing about it.
      if (!receipt && head < outcome.blockNumber!) continue;
      this.journal.reopen(entry.intentHash, {
        hash: outcome.hash,
        blockNumber: outcome.blockNumber,
        at: this.clock.nowMs(),
      });
      this.reorgedAt.set(entry.intentHash, this.clock.nowMs());
      const log = this.log.child({
        intentHash: entry.intentHash,
        nonce: entry.record.nonce,
        vault: entry.record.vault,
      });
      if (receipt) {
        log.warn(
          { tx: outcome.hash, was: outcome.blockNumber, now: receipt.blockNumber },
          `reorg: the ${what(entry.record)} recorded in block ${outcome.blockNumber} is now in block ${receipt.blockNumber}; recording it there`,
        );
        continue;
      }
      log.error(
        { tx: outcome.hash, block: outcome.blockNumber, head },
        `reorg: the ${what(entry.record)} recorded ${outcome.status} in block ${outcome.blockNumber} is no longer on the chain; in flight again, its journaled bytes are sent again`,
      );
      vanished.push({ entry, block: outcome.blockNumber! });
    }
    for (const { entry, block } of vanished) {
      for (const later of this.journal.inFlight(entry.record.vault)) {
        const last = later.attempts[later.attempts.length - 1]!;
        if (later.record.nonce <= entry.record.nonce || later.record.blockNumber < BigInt(block) || last.cancel)
          continue;
        const log = this.log.child({ intentHash: later.intentHash, nonce: later.record.nonce });
        await this.cancel(
          later,
          `it was planned at block ${later.record.blockNumber} on a view holding intent ${entry.intentHash}, which a reorg took out of block ${block}`,
          log,
        );
      }
    }
  }

  /**
   * The node counts fewer of the key's transactions than the journal holds (`pending` against `next`): a nonce between
   * them is missing (a reorg took a mined one out, or the node lost a pending one), or the node lags. Nothing is signed
   * behind a hole, where it would sit queued for ever: the receipts of what was mined are checked again (a vanished
   * intent goes back in flight, see `settleFinality`), and the journaled bytes of every intent in flight in the gap are
   * sent again. Resolves the reason to wait when a hole could not be filled; undefined when none is left (the rest is
   * mined, as its receipt shows, on a node that counts late).
   */
  private async fillGap(pending: number, next: number): Promise<string | undefined> {
    await this.settleFinality();
    if (this.journal.flush) await this.journal.flush();
    const unfilled: number[] = [];
    for (const entry of this.journal.inFlight()) {
      const { nonce } = entry.record;
      if (nonce < pending || nonce >= next) continue;
      const last = entry.attempts[entry.attempts.length - 1]!;
      try {
        await this.sender.broadcast(last.raw);
        this.log.warn(
          { intentHash: entry.intentHash, nonce, tx: last.hash, pendingNonce: pending },
          `nonce gap: the node lacks nonce ${nonce}; sending its journaled bytes again`,
        );
      } catch (err) {
        this.log.warn(
          { intentHash: entry.intentHash, nonce, tx: last.hash, err: String((err as Error).message) },
          `nonce gap: the node refused the journaled bytes of nonce ${nonce}`,
        );
        unfilled.push(nonce);
      }
    }
    if (unfilled.length === 0) return undefined;
    return `nonce gap: the node lacks nonce ${unfilled.sort((a, b) => a - b).join(", ")} of the agent's and refused its journaled bytes; signing nothing behind the hole`;
  }

  /**
   * Looks at this vault's in-flight intents and records what became of them (mined, with its confirmations, or
   * dropped), sending nothing: no re-broadcast, no replacement, no cancellation. For `run --once`, which waits for what
   * it sent without deciding anything more; the next `reconcile` takes over whatever is still pending.
   */
  async follow(vault: string): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = [];
    for (const entry of this.journal.inFlight(vault))
      reports.push(await this.reconcileOne(entry, undefined, 0, undefined, true));
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
   * The nonce after every one in the journal (in flight, mined, or used by another transaction). The next nonce is the
   * later of this and the node's pending count: a node that lags or lost a transaction of ours cannot make the daemon
   * reuse a nonce it knows is taken, and a hole below it is filled first (`fillGap`).
   */
  private journaledNonce(): number {
    return this.journal.entries().reduce((m, e) => Math.max(m, e.record.nonce + 1), 0);
  }

  private async safeBroadcast(raw: string, intentHash: string, flushed = false): Promise<void> {
    // Journaled durably (under the HA lease, when there is one) before it leaves the process; a refusal throws. A
    // journal that writes synchronously (the file's) has no flush: nothing is awaited, the broadcast goes first.
    if (this.journal.flush && !flushed) await this.journal.flush();
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
        this.log.error(
          { intentHash, agent: this.sender.address, err: err.message },
          `the node refused the transaction: the agent key ${this.sender.address} has too little ETH to pay for its gas; fund it (the same bytes are sent again each tick)`,
        );
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
        const outcome: Outcome = {
          status: "cancelled",
          hash: found.hash,
          blockNumber: found.blockNumber,
          gasUsed: found.gasUsed,
          at: this.clock.nowMs(),
        };
        this.journal.finish(intentHash, outcome);
        this.hooks.onOutcome?.(record.vault, outcome);
        log.warn(
          { tx: found.hash, block: found.blockNumber },
          "cancellation mined; the rebalance that no longer passed can never be",
        );
        return { ...base, state: "cancelled", hash: found.hash };
      }
      if (found.status === 1) {
        const outcome: Outcome = {
          status: "confirmed",
          hash: found.hash,
          blockNumber: found.blockNumber,
          gasUsed: found.gasUsed,
          at: this.clock.nowMs(),
        };
        this.journal.finish(intentHash, outcome);
        this.hooks.onOutcome?.(record.vault, outcome);
        log.info(
          { tx: found.hash, block: found.blockNumber, gasUsed: found.gasUsed.toString(), confirmations },
          `${what(record)} confirmed`,
        );
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
      log.error(
        { tx: found.hash, block: found.blockNumber, error: outcome.error },
        `${what(record)} reverted on chain`,
      );
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
        .some(
          (e) =>
            e.intentHash !== intentHash &&
            e.record.nonce === record.nonce &&
            (e.outcome?.status === "confirmed" || e.outcome?.status === "reverted"),
        );
      const seenAt = this.nonceUsedAt.get(intentHash);
      if (!takenByOurs && (seenAt === undefined || head <= seenAt)) {
        if (seenAt === undefined) this.nonceUsedAt.set(intentHash, head);
        log.warn(
          { head },
          "nonce used but no receipt of ours found; checking again at a later block before calling it dropped",
        );
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
      // Never reached a node (or the node forgot it). Broadcast again only what still passes; a cancellation always
      // does.
      const problem = last.cancel || !recheck ? undefined : await recheck(record);
      if (problem !== undefined) return this.cancel(entry, problem, log);
      // An asynchronous journal (HA) first confirms the lease is still held: a node that lost it sends nothing.
      if (this.journal.flush) await this.journal.flush();
      log.warn({ tx: last.hash }, "node does not know the journaled transaction; re-broadcasting the same bytes");
      await this.safeBroadcast(last.raw, intentHash, true);
      // A node that mines at once (or had it all along) settles it now rather than a tick later.
      if (depth < 2 && (await this.findReceipt(entry))) return this.reconcileOne(entry, recheck, depth + 1);
    }
    const since = Math.max(last.at, this.reorgedAt.get(intentHash) ?? 0);
    if (this.clock.nowMs() - since < this.options.stuckAfterMs) return { ...base, state: "pending", hash: last.hash };

    // A transaction the node holds queued (a nonce of ours below it is missing) is not stuck for its fees: raising
    // them would not mine it. The hole is filled by the journaled bytes of the missing nonce.
    const pending = await this.sender.pendingNonce();
    if (record.nonce >= pending) {
      if (!this.queuedSaid.has(intentHash)) {
        this.queuedSaid.add(intentHash);
        log.warn(
          { tx: last.hash, pendingNonce: pending },
          `the node holds the transaction queued behind nonce ${pending}, which it lacks; not raising its fees`,
        );
      }
      await this.fillGap(pending, record.nonce);
      return { ...base, state: "pending", hash: last.hash };
    }
    this.queuedSaid.delete(intentHash);

    if (!last.cancel && recheck) {
      const problem = await recheck(record);
      if (problem !== undefined) return this.cancel(entry, problem, log);
    }
    const policy = this.feesFor(record.vault);
    const { baseFee, tip } = await this.sender.fees();
    const fees = bumpedFees(last, baseFee, tip, policy);
    if (!fees) {
      log.warn(
        { tx: last.hash, ...feesLog(last), ceilingGwei: gweiUnits(policy.maxFeePerGasCeiling) },
        `stuck at the fee ceiling (${gweiUnits(last.maxFeePerGas)} gwei, ${this.ceilingField(record.vault)} ${gweiUnits(policy.maxFeePerGasCeiling)}); waiting`,
      );
      return { ...base, state: "pending", hash: last.hash };
    }
    const signed = await this.sender.sign(
      last.cancel
        ? this.cancellation(record, fees)
        : {
            to: record.vault,
            data: intentCalldata(record, intentHash),
            nonce: record.nonce,
            gasLimit: last.gasLimit,
            chainId: record.chainId,
            ...fees,
          },
    );
    const gasLimit = last.cancel ? CANCEL_GAS : last.gasLimit;
    this.journal.addAttempt(intentHash, {
      hash: signed.hash,
      raw: signed.raw,
      gasLimit,
      at: this.clock.nowMs(),
      ...fees,
      ...(last.cancel ? { cancel: true } : {}),
    });
    log.warn(
      { replaced: last.hash, tx: signed.hash, cancel: !!last.cancel, ...feesLog(fees) },
      "transaction stuck; replaced with higher fees",
    );
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
    const fees = bumpedFees(last, baseFee, tip, this.feesFor(record.vault));
    if (!fees) {
      log.warn(
        { tx: last.hash, problem },
        `the journaled ${what(record)} no longer passes and the fee ceiling leaves no room to cancel it; not sending it, waiting`,
      );
      return { ...base, state: "pending", hash: last.hash };
    }
    const signed = await this.sender.sign(this.cancellation(record, fees));
    this.journal.addAttempt(intentHash, {
      hash: signed.hash,
      raw: signed.raw,
      gasLimit: CANCEL_GAS,
      at: this.clock.nowMs(),
      ...fees,
      cancel: true,
    });
    log.warn(
      { tx: signed.hash, replaces: last.hash, problem, ...feesLog(fees) },
      `the journaled ${what(record)} no longer passes; cancelling its nonce instead of sending it`,
    );
    await this.safeBroadcast(signed.raw, intentHash);
    const mined = await this.findReceipt(entry);
    if (mined)
      return this.reconcileOne(
        this.journal.inFlight(record.vault).find((e) => e.intentHash === intentHash) ?? entry,
        undefined,
        2,
      );
    return { ...base, state: "pending", hash: signed.hash, cancelling: true };
  }

  private cancellation(record: IntentRecord, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) {
    return {
      to: record.agent,
      data: "0x",
      nonce: record.nonce,
      gasLimit: CANCEL_GAS,
      chainId: record.chainId,
      ...fees,
    };
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
function newestReceipt(
  entry: JournalEntry,
  receipts: (ChainReceipt | null)[],
): (ChainReceipt & { cancel: boolean }) | null {
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
