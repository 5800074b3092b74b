/**
 * The embedded chain's in-process provider, served over JSON-RPC on loopback with simulated time: every transaction
 * that arrives over HTTP lands one second after the previous block, and errors are shaped as Hardhat's own node
 * shapes them. `pinBlockTimes` does the same for the callers that use the provider in process.
 */
import http from "node:http";
import { toQuantity } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { listen } from "../src/util/listen.js";

type Eip1193 = NetworkConnection["provider"];

interface RpcRequest {
  id?: number | string | null;
  method: string;
  params?: unknown[];
}

const SENDS = new Set(["eth_sendRawTransaction", "eth_sendTransaction"]);

async function latestTime(
  request: (args: { method: string; params?: unknown[] }) => Promise<unknown>,
): Promise<bigint> {
  return BigInt(
    ((await request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string }).timestamp,
  );
}

/**
 * Wraps `provider.request` (ethers and Ignition call it on this very object) so that a transaction or a mined block
 * whose time the caller did not set lands one second after the latest block.
 */
export function pinBlockTimes(provider: Eip1193): void {
  const request = provider.request.bind(provider);
  let timeSet = false;
  provider.request = (async (args: { method: string; params?: unknown[] }) => {
    if (args.method === "evm_setNextBlockTimestamp" || args.method === "evm_increaseTime") timeSet = true;
    const mines = SENDS.has(args.method) || args.method === "evm_mine" || args.method === "hardhat_mine";
    if (mines && !timeSet)
      await request({ method: "evm_setNextBlockTimestamp", params: [toQuantity((await latestTime(request)) + 1n)] });
    if (mines) timeSet = false;
    return request(args);
  }) as Eip1193["request"];
}

/** Serves `provider` on a free loopback port. */
export async function serveProvider(provider: Eip1193): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => void bridge(provider, req, res));
  return await listen(server, 0, "127.0.0.1");
}

/** Forwards JSON-RPC over HTTP to the in-process provider, with errors shaped as Hardhat's own node shapes them. */
async function bridge(provider: Eip1193, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: RpcRequest | RpcRequest[];
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
  } catch {
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
    return;
  }
  const one = async (r: RpcRequest) => {
    try {
      if (SENDS.has(r.method)) {
        // Deterministic block time: one second after the previous block.
        await provider.request({
          method: "evm_setNextBlockTimestamp",
          params: [toQuantity((await latestTime((args) => provider.request(args))) + 1n)],
        });
      }
      const result = await provider.request({ method: r.method, params: r.params ?? [] });
      return { jsonrpc: "2.0", id: r.id ?? null, result };
    } catch (err) {
      const e = err as { code?: unknown; message?: string; data?: unknown };
      const code = typeof e.code === "number" ? e.code : -32603;
      const inner = typeof e.data === "string" ? e.data : (e.data as { data?: unknown } | undefined)?.data;
      const data = code === 3 ? inner : { message: e.message, data: typeof inner === "string" ? inner : undefined };
      return { jsonrpc: "2.0", id: r.id ?? null, error: { code, message: e.message ?? String(err), data } };
    }
  };
  const out = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
}
