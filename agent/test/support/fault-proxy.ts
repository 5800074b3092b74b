/**
 * A fault-injecting JSON-RPC proxy on loopback, in front of a real node (the embedded chain). Per request, each fault
 * kind fires with its own probability, drawn from a seeded generator, so a run can be replayed:
 *
 * | kind            | what the client sees                                                                        |
 * |-----------------|---------------------------------------------------------------------------------------------|
 * | drop            | the connection is closed before any answer (nothing forwarded)                              |
 * | timeout         | no answer; the connection is held open for `holdMs`, then closed (nothing forwarded)        |
 * | rate-limit      | HTTP 429 with Retry-After (nothing forwarded)                                               |
 * | http-error      | HTTP 500, 502 or 503 with a text body (nothing forwarded)                                   |
 * | rpc-error       | HTTP 200 with a JSON-RPC server error: -32000 header not found, -32603 internal, -32005 limit,|
 * |                 | or an unrecognised -32000 (nothing forwarded)                                                |
 * | stale           | a node `lag` blocks behind: old block number, state read at the old block, receipts and     |
 * |                 | transactions mined after it unknown, "header not found" for a block it has not got yet      |
 * | send-after-accept | eth_sendRawTransaction only: forwarded and accepted by the node, then the client gets an  |
 * |                 | error (JSON-RPC error, HTTP 502, or a dropped connection)                                   |
 *
 * With `logRangeLimit` set, an `eth_getLogs` over more blocks than that is refused as public providers refuse it
 * (JSON-RPC error -32602, "eth_getLogs is limited to a N block range"), every time, not by chance.
 *
 * Tests can also intercept requests (to kill a daemon at a precise step) and watch every signed transaction that
 * reaches the node. Only loopback is ever used; every held request is bounded by `holdMs`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { keccak256 } from "ethers";
import { Random } from "./random.js";

export const FAULT_KINDS = [
  "drop",
  "timeout",
  "rate-limit",
  "http-error",
  "rpc-error",
  "stale",
  "send-after-accept",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultRates = Partial<Record<FaultKind, number>>;

export interface RpcCall {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params?: unknown[];
}

interface RpcAnswer {
  jsonrpc: "2.0";
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** What an interceptor wants done with a request: forwarded as usual, or the connection closed without an answer. */
export type Interception = "forward" | "close";

export interface FaultProxyOptions {
  upstream: string;
  seed: number;
  /** How long a "timeout" holds the connection before closing it. */
  holdMs?: number;
  /** Blocks a "stale" answer lags by: a fixed number, or drawn in [min, max] per request. */
  lag?: number | [number, number];
  /** Only these methods get faults (all when unset). */
  methods?: string[];
}

export interface ProxyStats {
  requests: number;
  byMethod: Record<string, number>;
  /** Milliseconds spent answering, by method (faults included). */
  msByMethod: Record<string, number>;
  injected: Record<FaultKind, number>;
}

/** A signed transaction that reached the node through the proxy. */
export interface ForwardedTx {
  hash: string;
  raw: string;
  /** How many times these exact bytes were forwarded. */
  times: number;
  /** The node's answer the first time (result or error message). */
  answer: string;
}

const STALE_METHODS = new Set([
  "eth_blockNumber",
  "eth_call",
  "eth_estimateGas",
  "eth_getBlockByNumber",
  "eth_getTransactionCount",
  "eth_getBalance",
  "eth_getCode",
  "eth_getTransactionReceipt",
  "eth_getTransactionByHash",
]);
/** Position of the block tag in each method's params. */
const TAG_INDEX: Record<string, number> = {
  eth_call: 1,
  eth_estimateGas: 1,
  eth_getTransactionCount: 1,
  eth_getBalance: 1,
  eth_getCode: 1,
  eth_getBlockByNumber: 0,
};
const RPC_ERRORS = [
  { code: -32000, message: "header not found" },
  { code: -32603, message: "internal error" },
  { code: -32005, message: "request rate exceeded, limit exceeded" },
  // Not recognisably the server's fault: the daemon's provider does not fail over on it, so it reaches ethers (which
  // calls any eth_call error a CALL_EXCEPTION); it must still not be taken for a revert.
  { code: -32000, message: "failed to process request" },
];

export class FaultProxy {
  readonly stats: ProxyStats = {
    requests: 0,
    byMethod: {},
    msByMethod: {},
    injected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  };
  /** Every distinct signed transaction forwarded to the node, by hash, in order of first arrival. */
  readonly forwarded = new Map<string, ForwardedTx>();
  /** Called before a request is forwarded or faulted; may close the connection instead (and kill a client first). */
  intercept?: (call: RpcCall) => Promise<Interception | undefined> | Interception | undefined;
  /** Called after the node answered, before the client gets the answer; may close the connection instead. */
  afterForward?: (call: RpcCall, answer: RpcAnswer) => Promise<Interception | undefined> | Interception | undefined;
  /** Called with each new signed transaction before it is forwarded (the first time only). */
  onSendRaw?: (raw: string, hash: string) => Promise<void> | void;

  /** Blocks a "stale" answer lags by (overrides the option when set). */
  lag: number | [number, number] | undefined;
  /** Most blocks one eth_getLogs may span; a wider query is refused (unset: no limit). */
  logRangeLimit: number | undefined;
  /** eth_getLogs queries refused for their range. */
  refusedLogRanges = 0;
  private rates: FaultRates = {};
  private methods: Set<string> | undefined;
  private readonly random: Random;
  private readonly held = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private readonly lastMethod = new WeakMap<http.IncomingMessage, string>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly options: FaultProxyOptions,
  ) {
    this.random = new Random(options.seed);
    this.methods = options.methods ? new Set(options.methods) : undefined;
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = http.createServer((req, res) => void proxy!.handle(req, res));
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    proxy = new FaultProxy(server, `http://127.0.0.1:${port}`, options);
    return proxy;
  }

  /** Sets each kind's probability per request (0 to 1); kinds not named are off. */
  setFaults(rates: FaultRates, methods?: string[]): void {
    this.rates = { ...rates };
    this.methods = methods ? new Set(methods) : this.options.methods ? new Set(this.options.methods) : undefined;
  }

  clearFaults(): void {
    this.rates = {};
  }

  get faults(): FaultRates {
    return { ...this.rates };
  }

  totalInjected(): number {
    return Object.values(this.stats.injected).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    for (const t of this.held) clearTimeout(t);
    this.held.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------------------------ request handling

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    res.on("close", () => {
      const method = this.lastMethod.get(req);
      if (method) this.stats.msByMethod[method] = (this.stats.msByMethod[method] ?? 0) + (performance.now() - started);
    });
    let body = "";
    for await (const chunk of req) body += chunk;
    let parsed: RpcCall | RpcCall[];
    try {
      parsed = JSON.parse(body) as RpcCall | RpcCall[];
    } catch {
      res.writeHead(400).end("bad json");
      return;
    }
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    this.lastMethod.set(req, calls.map((c) => c.method).join(","));
    try {
      for (const call of calls) {
        this.stats.requests++;
        this.stats.byMethod[call.method] = (this.stats.byMethod[call.method] ?? 0) + 1;
        if (this.intercept && (await this.intercept(call)) === "close") return void req.socket.destroy();
      }
      const fault = this.draw(calls);
      if (fault) this.stats.injected[fault]++;
      switch (fault) {
        case "drop":
          return void req.socket.destroy();
        case "timeout": {
          const timer = setTimeout(() => {
            this.held.delete(timer);
            req.socket.destroy();
          }, this.options.holdMs ?? 2_000);
          this.held.add(timer);
          res.on("close", () => {
            clearTimeout(timer);
            this.held.delete(timer);
          });
          return;
        }
        case "rate-limit":
          res.writeHead(429, { "retry-after": "1", "content-type": "text/plain" }).end("Too Many Requests");
          return;
        case "http-error": {
          const status = this.random.pick([500, 502, 503]);
          res
            .writeHead(status, { "content-type": "text/html" })
            .end(`<html><body>${status} upstream unavailable</body></html>`);
          return;
        }
        case "rpc-error": {
          const error = this.random.pick(RPC_ERRORS);
          return void this.reply(
            res,
            Array.isArray(parsed),
            calls.map((c) => ({ jsonrpc: "2.0", id: c.id, error })),
          );
        }
        default:
          break;
      }
      const answers: RpcAnswer[] = [];
      for (const call of calls) {
        const answer = fault === "stale" ? await this.stale(call) : await this.forward(call);
        if (this.afterForward && (await this.afterForward(call, answer)) === "close") return void req.socket.destroy();
        answers.push(answer);
      }
      if (fault === "send-after-accept") {
        const form = this.random.int(0, 2);
        if (form === 0) return void req.socket.destroy();
        if (form === 1) return void res.writeHead(502, { "content-type": "text/plain" }).end("Bad Gateway");
        const error = { code: -32000, message: "request timed out" };
        return void this.reply(
          res,
          Array.isArray(parsed),
          calls.map((c) => ({ jsonrpc: "2.0", id: c.id, error })),
        );
      }
      this.reply(res, Array.isArray(parsed), answers);
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`proxy: ${String(err)}`);
    }
  }

  /** At most one fault per HTTP request, each kind drawn in a fixed order (so a seed replays the same faults). */
  private draw(calls: RpcCall[]): FaultKind | undefined {
    if (this.methods && !calls.every((c) => this.methods!.has(c.method))) return undefined;
    for (const kind of FAULT_KINDS) {
      const p = this.rates[kind] ?? 0;
      if (p <= 0) continue;
      if (kind === "send-after-accept" && !calls.some((c) => c.method === "eth_sendRawTransaction")) continue;
      if (kind === "stale" && !calls.every((c) => STALE_METHODS.has(c.method))) continue;
      if (this.random.chance(p)) return kind;
    }
    return undefined;
  }

  private reply(res: http.ServerResponse, batch: boolean, answers: RpcAnswer[]): void {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(batch ? answers : answers[0]));
  }

  /** Forwards one call to the node (recording signed transactions), and returns its answer with the caller's id. */
  private async forward(call: RpcCall): Promise<RpcAnswer> {
    if (call.method === "eth_getLogs" && this.logRangeLimit !== undefined) {
      const filter = (call.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const span = Number(BigInt(filter.toBlock ?? "0x0") - BigInt(filter.fromBlock ?? "0x0")) + 1;
      if (span > this.logRangeLimit) {
        this.refusedLogRanges++;
        return {
          jsonrpc: "2.0",
          id: call.id,
          error: { code: -32602, message: `eth_getLogs is limited to a ${this.logRangeLimit} block range` },
        };
      }
    }
    let sent: ForwardedTx | undefined;
    if (call.method === "eth_sendRawTransaction") {
      const raw = String(call.params?.[0]);
      const hash = keccak256(raw);
      sent = this.forwarded.get(hash);
      if (sent) sent.times++;
      else {
        await this.onSendRaw?.(raw, hash);
        sent = { hash, raw, times: 1, answer: "" };
        this.forwarded.set(hash, sent);
      }
    }
    const answer = await this.upstream(call.method, call.params ?? []);
    if (sent && sent.answer === "")
      sent.answer = answer.error ? `error: ${answer.error.message}` : String(answer.result);
    return { ...answer, id: call.id };
  }

  private async upstream(method: string, params: unknown[]): Promise<RpcAnswer> {
    const response = await fetch(this.options.upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
      signal: AbortSignal.timeout(30_000),
    });
    return (await response.json()) as RpcAnswer;
  }

  /** Answers as a node `lag` blocks behind the real head would. */
  private async stale(call: RpcCall): Promise<RpcAnswer> {
    const head = BigInt((await this.upstream("eth_blockNumber", [])).result as string);
    const setting = this.lag ?? this.options.lag ?? [1, 4];
    const lag = BigInt(typeof setting === "number" ? setting : this.random.int(...setting));
    const old = head > lag ? head - lag : 0n;
    const hex = `0x${old.toString(16)}`;
    const params = [...(call.params ?? [])];
    switch (call.method) {
      case "eth_blockNumber":
        return { jsonrpc: "2.0", id: call.id, result: hex };
      case "eth_getTransactionReceipt":
      case "eth_getTransactionByHash": {
        const answer = await this.forward(call);
        const block = (answer.result as { blockNumber?: string | null } | null)?.blockNumber;
        if (block && BigInt(block) > old) return { jsonrpc: "2.0", id: call.id, result: null };
        return answer;
      }
      default: {
        const at = TAG_INDEX[call.method];
        if (at !== undefined) {
          const tag = params[at];
          const numeric = typeof tag === "string" && /^0x[0-9a-f]+$/i.test(tag) ? BigInt(tag) : undefined;
          // A block the lagging node has not got yet: it says so, as nodes do.
          if (numeric !== undefined && numeric > old)
            return { jsonrpc: "2.0", id: call.id, error: { code: -32000, message: "header not found" } };
          if (numeric === undefined) params[at] = hex;
        }
        return this.forward({ ...call, params });
      }
    }
  }
}
