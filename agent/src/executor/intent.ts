/**
 * The journaled decision behind a rebalance and its hash, which goes on chain as `intentHash`. Anyone holding the
 * journal can recompute the hash from the record and match it with the `Rebalanced` event.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import type { Target, VaultSnapshot } from "../chain/types.js";
import { canonicalJson } from "../util/json.js";

export interface IntentRecord {
  version: 1;
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

/** The record's hash, without its co-signature (which signs this hash). */
export function intentHash(record: IntentRecord): string {
  const { coSignature: _signed, ...decision } = record;
  return keccak256(toUtf8Bytes(canonicalJson(decision)));
}
