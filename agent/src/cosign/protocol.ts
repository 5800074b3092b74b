/**
 * The co-signer protocol: what the daemon POSTs to `vaults[].coSigner` for a plan above the vault's step-up threshold,
 * and what it accepts back. JSON, amounts as decimal strings. The request carries the call to co-sign (the fields of
 * the EIP-712 `CoSignature`) and the decision record for the co-signer to judge; never a secret.
 *
 * Request: `{ chainId, vault, sessionId, agent, targets: [{ strategy, assets }], intentHash, deadline, decision }`.
 * Answer: `200 { signature: "0x…" }`, or any status with `{ refused: "why" }`.
 */
import type { Target } from "../chain/types.js";
import type { CoSignatureRequest } from "./typed-data.js";

/** The decision behind the plan (the journaled intent record's fields the co-signer can judge). */
export interface CoSignDecision {
  planner: string;
  reason: string;
  volume: bigint;
  expectedGain: bigint;
  /** The block and the state digest of the snapshot the plan was made from. */
  blockNumber: bigint;
  stateDigest: string;
  nonce: number;
  createdAt: string;
}

export interface CoSignAsk extends CoSignatureRequest {
  decision: CoSignDecision;
}

type Wire = Record<string, unknown>;

/** The request body, bigints as decimal strings. */
export function encodeAsk(a: CoSignAsk): string {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Reads a request body (the reference co-signer's side); throws on a malformed one. */
export function decodeAsk(body: string): CoSignAsk {
  const w = JSON.parse(body) as Wire;
  const big = (v: unknown, name: string): bigint => {
    if (typeof v !== "string" || !/^\d+$/.test(v)) throw new Error(`${name}: a decimal string`);
    return BigInt(v);
  };
  const str = (v: unknown, name: string): string => {
    if (typeof v !== "string") throw new Error(`${name}: a string`);
    return v;
  };
  const d = (w.decision ?? {}) as Wire;
  if (!Array.isArray(w.targets)) throw new Error("targets: an array");
  return {
    chainId: big(w.chainId, "chainId"),
    vault: str(w.vault, "vault"),
    sessionId: big(w.sessionId, "sessionId"),
    agent: str(w.agent, "agent"),
    targets: (w.targets as Wire[]).map(
      (t, i): Target => ({
        strategy: str(t.strategy, `targets.${i}.strategy`),
        assets: big(t.assets, `targets.${i}.assets`),
      }),
    ),
    intentHash: str(w.intentHash, "intentHash"),
    deadline: big(w.deadline, "deadline"),
    decision: {
      planner: str(d.planner, "decision.planner"),
      reason: str(d.reason, "decision.reason"),
      volume: big(d.volume, "decision.volume"),
      expectedGain: big(d.expectedGain, "decision.expectedGain"),
      blockNumber: big(d.blockNumber, "decision.blockNumber"),
      stateDigest: str(d.stateDigest, "decision.stateDigest"),
      nonce: Number(d.nonce),
      createdAt: str(d.createdAt, "decision.createdAt"),
    },
  };
}
