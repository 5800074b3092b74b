/**
 * Checks a co-signature before the daemon spends gas on it, as the vault will: an EOA policy signer must be the
 * address recovered from the EIP-712 digest; a contract policy signer (code at its address) must answer
 * `isValidSignature(digest, signature)` with the ERC-1271 magic value 0x1626ba7e (asked by eth_call).
 */
import { Interface, recoverAddress } from "ethers";
import { coSignatureDigest, type CoSignatureRequest } from "./typed-data.js";

const ERC1271 = new Interface(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
export const ERC1271_MAGIC = "0x1626ba7e";

/** What the check needs from the chain. */
export interface SignerChain {
  /** The code at an address ("0x" for none). */
  code(address: string): Promise<string>;
  /** eth_call; throws on a revert. */
  call(to: string, data: string): Promise<string>;
}

/** Undefined when the signature verifies for `policySigner`, else why not. */
export async function coSignatureProblem(
  request: CoSignatureRequest,
  signature: string,
  policySigner: string,
  chain: SignerChain,
): Promise<string | undefined> {
  const digest = coSignatureDigest(request);
  const code = await chain.code(policySigner);
  if (code === "0x") {
    let signer: string;
    try {
      signer = recoverAddress(digest, signature);
    } catch {
      return "the signature is malformed";
    }
    return signer.toLowerCase() === policySigner.toLowerCase()
      ? undefined
      : `the signature recovers to ${signer}, not the policy signer ${policySigner}`;
  }
  try {
    const answer = await chain.call(policySigner, ERC1271.encodeFunctionData("isValidSignature", [digest, signature]));
    const [magic] = ERC1271.decodeFunctionResult("isValidSignature", answer);
    return String(magic).toLowerCase() === ERC1271_MAGIC
      ? undefined
      : `the policy signer ${policySigner} (a contract) answered ${String(magic)} to isValidSignature, not ${ERC1271_MAGIC}`;
  } catch (err) {
    return `the policy signer ${policySigner} (a contract) refused the signature (isValidSignature: ${(err as Error).message.slice(0, 120)})`;
  }
}
