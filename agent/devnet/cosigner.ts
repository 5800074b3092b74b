/**
 * The reference co-signer: an HTTP service holding the policy signer's key (or, for a contract policy signer, its
 * owner's). For each plan the daemon POSTs (`src/cosign/protocol.ts`) it reads the vault afresh through the lens,
 * re-checks the plan with the agent's own check mirror as the co-signed call, and refuses what fails, what exceeds its
 * own per-plan limit, what is for another chain or vault, or a deadline too far out; it signs the rest (EIP-712
 * `CoSignature`). A starting point for a risk team's own service; the devnet and the tests run it.
 */
import http from "node:http";
import type { BaseWallet } from "ethers";
import type { ChainReader } from "../src/chain/reader.js";
import { checkRebalance, sessionFromSnapshot } from "../src/checks/rebalance-check.js";
import { snapshotValuation } from "../src/checks/valuation.js";
import { formatPredicted } from "../src/checks/verdict.js";
import { decodeAsk, type CoSignAsk } from "../src/cosign/protocol.js";
import { coSignatureTypedData } from "../src/cosign/typed-data.js";
import { listen, type Listening } from "../src/util/listen.js";

export interface CoSignerOptions {
  /** Signs the EIP-712 digest: the policy signer itself, or the owner a contract policy signer accepts. */
  key: BaseWallet;
  reader: ChainReader;
  chainId: bigint;
  /** The vaults it co-signs for (lower-case or checksummed). */
  vaults: string[];
  /** Its own limit: it refuses a plan moving more than this (base units). */
  maxVolume: bigint;
  /** It refuses a deadline further than this past the vault's chain time (seconds). */
  maxDeadlineSeconds?: bigint;
  port?: number;
  host?: string;
}

export interface CoSignerService extends Listening {
  url: string;
  /** Requests answered, signed or refused, in order (for tests and logs). */
  answered: { intentHash: string; signed: boolean; refused?: string }[];
}

/** Why the co-signer refuses this plan, or undefined when it signs it. */
export async function judgeAsk(ask: CoSignAsk, options: CoSignerOptions): Promise<string | undefined> {
  if (ask.chainId !== options.chainId) return `chain ${ask.chainId} is not this co-signer's (${options.chainId})`;
  if (!options.vaults.some((v) => v.toLowerCase() === ask.vault.toLowerCase()))
    return `vault ${ask.vault} is not one this co-signer signs for`;
  const snapshot = await options.reader.snapshot(ask.vault, ask.agent);
  const maxAhead = options.maxDeadlineSeconds ?? 3_600n;
  if (ask.deadline <= snapshot.timestamp) return `the deadline ${ask.deadline} has passed`;
  if (ask.deadline > snapshot.timestamp + maxAhead) return `the deadline is more than ${maxAhead} s away`;
  const verdict = checkRebalance({
    snapshot,
    targets: ask.targets,
    sessionId: ask.sessionId,
    session: sessionFromSnapshot(snapshot, ask.sessionId),
    agent: ask.agent,
    valuation: snapshotValuation(snapshot),
    now: snapshot.timestamp,
    cosigned: true,
  });
  if (!verdict.ok) return `the plan fails the checks: ${formatPredicted(verdict.error!)}`;
  if (verdict.volume > options.maxVolume)
    return `the plan moves ${verdict.volume}, above this co-signer's limit of ${options.maxVolume}`;
  return undefined;
}

/** Starts the reference co-signer on loopback (port 0: any free one). */
export async function startCoSigner(options: CoSignerOptions): Promise<CoSignerService> {
  const answered: CoSignerService["answered"] = [];
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") return reply(405, { refused: "POST a plan" });
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      void (async () => {
        let ask: CoSignAsk;
        try {
          ask = decodeAsk(body);
        } catch (err) {
          return reply(400, { refused: `malformed request: ${(err as Error).message}` });
        }
        try {
          const refused = await judgeAsk(ask, options);
          if (refused) {
            answered.push({ intentHash: ask.intentHash, signed: false, refused });
            return reply(422, { refused });
          }
          const { domain, types, value } = coSignatureTypedData(ask);
          const signature = await options.key.signTypedData(domain, types, value);
          answered.push({ intentHash: ask.intentHash, signed: true });
          return reply(200, { signature });
        } catch (err) {
          return reply(503, { refused: `could not judge the plan: ${(err as Error).message}` });
        }
      })();
    });
  });
  const host = options.host ?? "127.0.0.1";
  const listening = await listen(server, options.port ?? 0, host);
  return { ...listening, url: `http://${host}:${listening.port}/`, answered };
}
