/**
 * The journaled decision behind a rebalance and its hash, which goes on chain as `intentHash`. Anyone holding the
 * journal can recompute the hash from the record and match it with the `Rebalanced` event.
 *
 * Version 2 records also carry what it takes to re-derive the decision (`treasury-agent explain`): the planner's
 * version, its settings and their hash, and the inputs it used beyond the chain snapshot (`DecisionInputs`). Version 1
 * records stay readable (audit matches them; explain says they cannot be replayed).
 */
import { keccak256, toUtf8Bytes } from "ethers";
import type { Target, VaultSnapshot } from "../chain/types.js";
import type { PlannerParams, RecentMove } from "../planner/types.js";
import type { LossEvents } from "../yield/estimate.js";
import { canonicalJson, type Json } from "../util/json.js";

/** The settings a planner ran with, resolved to on-chain units (what `settingsHash` hashes). */
export interface PlannerSettings {
  planner: string;
  params: PlannerParams;
  /** The cost model without its gas price (which is an input: `DecisionInputs.gasPriceWei`). */
  gas: { baseGas: bigint; gasPerLeg: bigint; assetPerNative: bigint };
  minWithdrawableBps?: number;
  /** The yield model's name (`trailing`: from the share-price history alone; others also read market views). */
  yieldModel: string;
}

/** One strategy's yield estimate as the planner used it, with the digest of the price samples it came from. */
export interface RecordedYield {
  strategy: string;
  aprWad: bigint;
  volatilityWad: bigint;
  samples: number;
  windowSeconds: bigint;
  losses?: LossEvents;
  /** keccak256 of the canonical JSON of the strategy's price samples held when the estimate was made. */
  samplesDigest: string;
}

/** What the planner used beyond the chain snapshot at `blockNumber`. */
export interface DecisionInputs {
  /** The time the planner believed it was (chain time of the snapshot), seconds. */
  now: bigint;
  /** The gas price the plan was priced at (only whether to move depends on it, never the targets). */
  gasPriceWei: bigint;
  yields: RecordedYield[];
  /** The agent's own recent moves the rule against reversals consulted (`PlannerParams.minHoldSeconds`). */
  recentMoves: RecentMove[];
  /** Quarantined strategies: `exit` true to move out, false to leave in place. */
  quarantined: { strategy: string; exit: boolean }[];
  /**
   * Sessions the daemon had seen end and kept in its view of the vault (the lens lists active ones only), as canonical
   * JSON: the state digest covers them; the planner does not read them.
   */
  endedSessions: Json[];
  /**
   * The snapshot's fields, each hashed on its own (the first 8 bytes of the keccak256 of its canonical JSON; each
   * strategy as `strategies.<address>`), so a replay whose state digest differs can say which fields do.
   */
  stateFields: Record<string, string>;
}

export interface IntentRecord {
  version: 1 | 2;
  chainId: bigint;
  vault: string;
  agent: string;
  sessionId: bigint;
  nonce: number;
  /** keccak256 of the canonical JSON of the snapshot the plan was made from. */
  stateDigest: string;
  blockNumber: bigint;
  planner: string;
  reason: string;
  targets: Target[];
  volume: bigint;
  expectedGain: bigint;
  /** Wall-clock time of the decision, ISO 8601. */
  createdAt: string;
  /**
   * Absent for a rebalance. A loss write-down: `vault.realizeLoss(strategy)` (no session, no intent hash on chain; the
   * record is journaled and its nonce managed like a rebalance's), with the mark and the live value it was sent on.
   */
  action?: LossRealization;
  /** Version 2: the agent's package version that planned it. */
  plannerVersion?: string;
  /** Version 2: keccak256 of the canonical JSON of `settings`. */
  settingsHash?: string;
  /** Version 2: the planner settings used. */
  settings?: PlannerSettings;
  /** Version 2: the planner's inputs beyond the chain snapshot. */
  inputs?: DecisionInputs;
  /**
   * A rebalance above the vault's step-up threshold: sent as `rebalanceCosigned` with the policy signer's co-signature
   * over this intent's hash and the deadline. Not part of the hash (the signature is made over it).
   */
  coSignature?: CoSignature;
}

export interface CoSignature {
  /** Chain time (seconds) after which the vault refuses the co-signature, and the daemon cancels and plans again. */
  deadline: bigint;
  signature: string;
  /** The service that gave it. */
  coSigner: string;
}

export interface LossRealization {
  kind: "realize-loss";
  strategy: string;
  /** The vault's mark when the loss was seen. */
  allocation: bigint;
  /** The position's redeemable value then. */
  value: bigint;
}

export function stateDigest(snapshot: VaultSnapshot): string {
  return keccak256(toUtf8Bytes(canonicalJson(snapshot)));
}

/** Short digests of a snapshot's fields (see `DecisionInputs.stateFields`), from its canonical JSON. */
export function stateFieldDigests(canonical: Json): Record<string, string> {
  const short = (v: Json) => keccak256(toUtf8Bytes(JSON.stringify(v))).slice(0, 18);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(canonical as { [key: string]: Json })) {
    if (key === "strategies" && Array.isArray(value)) {
      for (const s of value) out[`strategies.${String((s as { strategy: Json }).strategy)}`] = short(s);
    } else out[key] = short(value);
  }
  return out;
}

/** The record's hash, without its co-signature (which signs this hash). */
export function intentHash(record: IntentRecord): string {
  const { coSignature: _signed, ...decision } = record;
  return keccak256(toUtf8Bytes(canonicalJson(decision)));
}

export function settingsHash(settings: PlannerSettings): string {
  return keccak256(toUtf8Bytes(canonicalJson(settings)));
}

/** What a planner's decision adds to a version 2 record. */
export interface DecisionProvenance {
  plannerVersion: string;
  settings: PlannerSettings;
  inputs: DecisionInputs;
}
