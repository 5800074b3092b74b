/**
 * The co-signer request and the local check of its answer: every way there is no usable co-signature gives a reason
 * (slow, down, refusing, no signature, a wrong signer), and only the policy signer's own signature verifies.
 */
import http from "node:http";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { askCoSigner } from "../../src/cosign/client.js";
import { decodeAsk, encodeAsk, type CoSignAsk } from "../../src/cosign/protocol.js";
import { coSignatureTypedData } from "../../src/cosign/typed-data.js";
import { coSignatureProblem } from "../../src/cosign/verify.js";
import { listen, type Listening } from "../../src/util/listen.js";
import { A, B } from "../support/fixtures.js";

const POLICY = new Wallet(keccak256(toUtf8Bytes("unit policy signer")));
const OTHER = new Wallet(keccak256(toUtf8Bytes("unit other signer")));
const ask: CoSignAsk = {
  chainId: 31337n,
  vault: B,
  sessionId: 3n,
  agent: A,
  targets: [{ strategy: A, assets: 1_000n }],
  intentHash: `0x${"11".repeat(32)}`,
  deadline: 2_000n,
  decision: {
    planner: "yield",
    reason: "r",
    volume: 1_000n,
    expectedGain: 1n,
    blockNumber: 9n,
    stateDigest: `0x${"22".repeat(32)}`,
    nonce: 4,
    createdAt: "2026-01-01T00:00:00.000Z",
  },
};
const noCode = { code: async () => "0x", call: async () => "0x" };

const servers: Listening[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function serve(handler: http.RequestListener): Promise<string> {
  const s = await listen(http.createServer(handler), 0, "127.0.0.1");
  servers.push(s);
  return `http://127.0.0.1:${s.port}/`;
}

describe("co-signer client", () => {
  it("sends the plan as JSON (amounts as decimal strings) and returns the signature", async () => {
    let body = "";
    const url = await serve((req, res) => {
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => res.end(JSON.stringify({ signature: "0xabcd" })));
    });
    expect(await askCoSigner(url, ask)).toEqual({ signature: "0xabcd" });
    expect(JSON.parse(body)).toMatchObject({ chainId: "31337", deadline: "2000", targets: [{ assets: "1000" }] });
    expect(decodeAsk(body), "read back as sent").toEqual(ask);
    expect(encodeAsk(ask), "no secret in the body").not.toMatch(/key|password|secret/i);
  });

  it("gives a reason for a slow, refusing, unreachable or signature-less co-signer", async () => {
    const slow = await serve(() => undefined);
    expect(await askCoSigner(slow, ask, 200)).toEqual({
      refused: `the co-signer at ${slow} did not answer within 200 ms`,
    });
    const refusing = await serve((_req, res) => {
      res.writeHead(422);
      res.end(JSON.stringify({ refused: "too large" }));
    });
    expect(await askCoSigner(refusing, ask)).toEqual({ refused: `the co-signer at ${refusing} refused: too large` });
    const empty = await serve((_req, res) => res.end("{}"));
    expect(await askCoSigner(empty, ask)).toEqual({
      refused: `the co-signer at ${empty} answered HTTP 200 without a signature`,
    });
    const down = "http://127.0.0.1:1/";
    expect((await askCoSigner(down, ask)) as { refused: string }).toMatchObject({
      refused: expect.stringMatching(/^the co-signer at http:\/\/127\.0\.0\.1:1\/ is unreachable/),
    });
  });
});

describe("co-signature check", () => {
  const sign = (w: Wallet) => {
    const { domain, types, value } = coSignatureTypedData(ask);
    return w.signTypedData(domain, types, value);
  };

  it("an EOA policy signer: its own signature verifies, another key's does not", async () => {
    expect(await coSignatureProblem(ask, await sign(POLICY), POLICY.address, noCode)).toBeUndefined();
    expect(await coSignatureProblem(ask, await sign(OTHER), POLICY.address, noCode)).toBe(
      `the signature recovers to ${OTHER.address}, not the policy signer ${POLICY.address}`,
    );
    // Signed over other arguments (a later deadline): recovers to someone else.
    const later = { ...ask, deadline: 3_000n };
    expect(await coSignatureProblem(later, await sign(POLICY), POLICY.address, noCode)).toMatch(
      /^the signature recovers to/,
    );
    expect(await coSignatureProblem(ask, "0x1234", POLICY.address, noCode)).toBe("the signature is malformed");
  });

  it("a contract policy signer is asked isValidSignature and must answer the magic value", async () => {
    const contract = { code: async () => "0x6001", call: async () => `0x1626ba7e${"00".repeat(28)}` };
    expect(await coSignatureProblem(ask, "0x12", B, contract)).toBeUndefined();
    const no = { ...contract, call: async () => `0x${"00".repeat(32)}` };
    expect(await coSignatureProblem(ask, "0x12", B, no)).toBe(
      `the policy signer ${B} (a contract) answered 0x00000000 to isValidSignature, not 0x1626ba7e`,
    );
  });
});
