/**
 * The step-up co-signature as the vault verifies it (`rebalanceCosigned`): EIP-712, domain name "TreasuryVault",
 * version "1", the chain and the vault, over `CoSignature(vault, sessionId, agent, targetsHash, intentHash, deadline)`
 * with `targetsHash = keccak256(abi.encode(targets))`. Pure: the daemon, the reference co-signer and the bench build the
 * same typed data from here.
 */
import { AbiCoder, keccak256, TypedDataEncoder, type TypedDataDomain, type TypedDataField } from "ethers";
import type { Target } from "../chain/types.js";

export interface CoSignatureRequest {
  chainId: bigint;
  vault: string;
  sessionId: bigint;
  agent: string;
  targets: Target[];
  intentHash: string;
  deadline: bigint;
}

export const COSIGNATURE_TYPES: Record<string, TypedDataField[]> = {
  CoSignature: [
    { name: "vault", type: "address" },
    { name: "sessionId", type: "uint256" },
    { name: "agent", type: "address" },
    { name: "targetsHash", type: "bytes32" },
    { name: "intentHash", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
};

/** `keccak256(abi.encode(targets))`, the `Allocation[]` as the vault receives it. */
export function targetsHash(targets: Target[]): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["tuple(address strategy,uint256 assets)[]"],
      [targets.map((t) => [t.strategy, t.assets])],
    ),
  );
}

/** The domain, types and value to sign (ethers' `signTypedData`). */
export function coSignatureTypedData(r: CoSignatureRequest): {
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  value: Record<string, unknown>;
} {
  return {
    domain: { name: "TreasuryVault", version: "1", chainId: r.chainId, verifyingContract: r.vault },
    types: COSIGNATURE_TYPES,
    value: {
      vault: r.vault,
      sessionId: r.sessionId,
      agent: r.agent,
      targetsHash: targetsHash(r.targets),
      intentHash: r.intentHash,
      deadline: r.deadline,
    },
  };
}

/** The digest the policy signer signs and the vault marks used. */
export function coSignatureDigest(r: CoSignatureRequest): string {
  const { domain, types, value } = coSignatureTypedData(r);
  return TypedDataEncoder.hash(domain, types, value);
}
