/**
 * The demo's embedded chain: Hardhat's in-process EDR chain, starting at a fixed date, reached two ways at once:
 * - as a Hardhat network connection (ethers + Ignition), for deployment and the governance, guardian and session
 *   actions of scripts/actions/ (Ignition keeps no journal on disk for an in-process chain);
 * - over JSON-RPC on loopback, for the agent daemon, which talks to any endpoint by URL.
 *
 * Time is simulated: the demo moves it with `mineAt`, and every transaction that arrives over JSON-RPC lands one second
 * after the previous block, so no figure depends on how fast the machine runs.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { toQuantity } from "ethers";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { REPO_ROOT } from "../lib/addresses.js";

/** The chain's genesis time: a Monday at midnight UTC. */
export const GENESIS = "2026-01-05T00:00:00.000Z";

export interface DemoChain {
  connection: NetworkConnection;
  /** JSON-RPC over HTTP on 127.0.0.1. */
  url: string;
  /** Timestamp of the latest block. */
  now(): Promise<bigint>;
  /** Mines a block at `timestamp` (at the next second if that is not later than the latest block). */
  mineAt(timestamp: bigint): Promise<bigint>;
  close(): Promise<void>;
}

type Eip1193 = NetworkConnection["provider"];

export interface DemoChainOptions {
  /**
   * Every transaction sent through `connection` too lands one second after the previous block (unless the demo set the
   * next block's time), so that no block's time depends on the wall clock: needed where interest accrues by the
   * second (the lending world). Without it, the in-process chain stamps those blocks by the wall clock.
   */
  pinBlockTimes?: boolean;
}

export async function startDemoChain(options: DemoChainOptions = {}): Promise<DemoChain> {
  const configPath = path.join(REPO_ROOT, "hardhat.config.ts");
  const { default: config } = (await import(configPath)) as { default: Parameters<typeof createHardhatRuntimeEnvironment>[0] };
  const hre = await createHardhatRuntimeEnvironment(config, { config: configPath }, REPO_ROOT);
  // A reverted transaction is mined and its hash returned, as on a real node (Hardhat throws by default).
  const connection = await hre.network.create({ override: { initialDate: GENESIS, throwOnTransactionFailures: false } });
  const provider = connection.provider;
  if (options.pinBlockTimes) pinBlockTimes(provider);

  const now = async () => BigInt(((await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string }).timestamp);
  const mineAt = async (timestamp: bigint) => {
    const latest = await now();
    const at = timestamp > latest ? timestamp : latest + 1n;
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [toQuantity(at)] });
    await provider.request({ method: "evm_mine", params: [] });
    return at;
  };

  const server = http.createServer((req, res) => void bridge(provider, now, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    connection,
    url,
    now,
    mineAt,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await connection.close();
    },
  };
}

/**
 * Wraps `provider.request` (ethers and Ignition call it on this very object) so that a transaction or a mined block
 * whose time the caller did not set lands one second after the latest block.
 */
function pinBlockTimes(provider: Eip1193): void {
  const request = provider.request.bind(provider);
  let timeSet = false;
  const latest = async () => BigInt(((await request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string }).timestamp);
  provider.request = (async (args: { method: string; params?: unknown[] }) => {
    if (args.method === "evm_setNextBlockTimestamp" || args.method === "evm_increaseTime") timeSet = true;
    const mines = SENDS.has(args.method) || args.method === "evm_mine" || args.method === "hardhat_mine";
    if (mines && !timeSet) await request({ method: "evm_setNextBlockTimestamp", params: [toQuantity((await latest()) + 1n)] });
    if (mines) timeSet = false;
    return request(args);
  }) as Eip1193["request"];
}

interface RpcRequest {
  id?: number | string | null;
  method: string;
  params?: unknown[];
}

const SENDS = new Set(["eth_sendRawTransaction", "eth_sendTransaction"]);

/** Forwards JSON-RPC over HTTP to the in-process provider, with errors shaped as Hardhat's own node shapes them. */
async function bridge(provider: Eip1193, now: () => Promise<bigint>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: RpcRequest | RpcRequest[];
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
  } catch {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
    return;
  }
  const one = async (r: RpcRequest) => {
    try {
      if (SENDS.has(r.method)) {
        // Deterministic block time: one second after the previous block.
        await provider.request({ method: "evm_setNextBlockTimestamp", params: [toQuantity((await now()) + 1n)] });
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
