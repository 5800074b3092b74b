/**
 * Asks the co-signer service for a co-signature (`protocol.ts`): one POST with a timeout. Resolves the signature, or
 * the reason there is none (the service down, slow, refusing, or answering nonsense), for the daemon's hold message.
 */
import { encodeAsk, type CoSignAsk } from "./protocol.js";

export type CoSignAnswer = { signature: string } | { refused: string };

/** How long the daemon waits for the co-signer before holding the plan. */
export const COSIGN_TIMEOUT_MS = 10_000;

export async function askCoSigner(url: string, ask: CoSignAsk, timeoutMs = COSIGN_TIMEOUT_MS): Promise<CoSignAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: encodeAsk(ask),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error;
    if (e.name === "TimeoutError") return { refused: `the co-signer at ${url} did not answer within ${timeoutMs} ms` };
    const cause = (e.cause as { code?: string } | undefined)?.code;
    return { refused: `the co-signer at ${url} is unreachable (${cause ?? e.message})` };
  }
  let body: { signature?: unknown; refused?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    return { refused: `the co-signer at ${url} answered HTTP ${res.status} without JSON` };
  }
  if (typeof body.refused === "string") return { refused: `the co-signer at ${url} refused: ${body.refused}` };
  if (res.ok && typeof body.signature === "string" && /^0x([0-9a-fA-F]{2})+$/.test(body.signature))
    return { signature: body.signature };
  return { refused: `the co-signer at ${url} answered HTTP ${res.status} without a signature` };
}
