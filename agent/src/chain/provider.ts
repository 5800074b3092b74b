/**
 * The JSON-RPC provider: an ethers `JsonRpcProvider` over an ordered list of endpoints. Each request goes to the first
 * endpoint that is not resting after a failure; a transport failure (refused or dropped connection, timeout), an HTTP
 * 429 or 5xx, an unreadable answer, or a JSON-RPC server error (rate limit, internal error, missing state) sends the
 * same request to the next endpoint. An endpoint that failed rests for `retryFailedAfterMs`, then gets requests again.
 * Every request is bounded: one attempt per endpoint, each cut off after `requestTimeoutMs` (its socket is closed).
 * Contract reverts and other answers about the request itself (nonce too low, already known) are returned as they
 * are: another node would say the same.
 *
 * Endpoints are named by scheme, host and port only, so a key in a URL's path never reaches a log or a metric.
 */
import {
  FetchRequest,
  JsonRpcProvider,
  makeError,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
} from "ethers";
import type { Logger } from "pino";

export interface EndpointEvents {
  /** An endpoint failed a request; `kind` is timeout, connection, http-429, http-5xx, bad-response or rpc-error. */
  onError?(endpoint: string, kind: RpcFailureKind): void;
  /** Requests moved from one endpoint to another (after a failure, or back to a preferred one). */
  onSwitch?(from: string, to: string): void;
}

export interface FailoverOptions extends EndpointEvents {
  urls: string[];
  chainId: number;
  requestTimeoutMs: number;
  /** How long an endpoint that failed is passed over (unless every endpoint is resting). */
  retryFailedAfterMs: number;
  pollingIntervalMs?: number;
  /** Most calls in one HTTP request; `MAX_BATCH_CALLS` by default (`network.maxBatchCalls`). */
  maxBatchCalls?: number;
  /** Milliseconds, for the resting periods; wall clock by default. */
  now?: () => number;
  log?: Logger;
}

export type RpcFailureKind = "timeout" | "connection" | "http-429" | "http-5xx" | "bad-response" | "rpc-error";

/** `scheme://host:port` of a URL: what logs and metrics call an endpoint (never its path, query or credentials). */
export function endpointName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(invalid url)";
  }
}

/** JSON-RPC error codes that say the server, not the request, is the problem. */
const SERVER_CODES = new Set([-32603, -32005, -32002, -32001, -32099, 429]);
/** -32000 is used for everything by some nodes; these messages mark the server-side cases. */
const SERVER_MESSAGE =
  /header not found|missing trie node|unknown block|timed? ?out|busy|overload|rate.?limit|too many requests|limit exceeded|try again|unavailable|internal error|upstream|capacity|syncing|not synced/i;

/** Whether a JSON-RPC error answer says to ask another endpoint. Reverts (with data or "revert" text) never do. */
export function isServerSideRpcError(error: JsonRpcError["error"] | undefined): boolean {
  if (!error || typeof error !== "object") return false;
  const message = typeof error.message === "string" ? error.message : "";
  if (/revert/i.test(message)) return false;
  if (typeof error.data === "string" && /^0x[0-9a-fA-F]{8,}/.test(error.data)) return false;
  if (SERVER_CODES.has(error.code)) return true;
  return error.code === -32000 && SERVER_MESSAGE.test(message);
}

/** The failure kind of an error thrown by a request, for metrics and logs. */
export function failureKind(err: unknown): RpcFailureKind {
  const e = err as {
    code?: string;
    shortMessage?: string;
    message?: string;
    response?: { statusCode?: number };
    rpcError?: unknown;
  };
  if (e?.rpcError !== undefined) return "rpc-error";
  if (e?.code === "TIMEOUT" || e?.code === "CANCELLED") return "timeout";
  const status = e?.response?.statusCode;
  if (status === 429) return "http-429";
  if (typeof status === "number" && status >= 500) return "http-5xx";
  if (e?.code === "SERVER_ERROR" && /bad response|invalid json|unexpected/i.test(String(e.message)))
    return "bad-response";
  if (e?.code === "SERVER_ERROR" && typeof status === "number") return "http-5xx";
  if (e instanceof SyntaxError) return "bad-response";
  return "connection";
}

interface Endpoint {
  url: string;
  name: string;
  restingUntil: number;
  /** Requests failed in a row (0 while it answers). */
  failures: number;
  /** When the current run of failures began. */
  failingSince: number;
}

type Payload = JsonRpcPayload | JsonRpcPayload[];

/**
 * Most JSON-RPC calls in one HTTP request, by default (`network.maxBatchCalls` sets it for an endpoint with a
 * smaller cap). The daemon asks every vault's snapshot at once, so a fleet of up to this
 * many vaults is read in one request per tick (16 before: 4 requests for 50 vaults). Common hosted endpoints accept
 * batches of 100 or more; the calls of one batch are executed by the node one after the other either way, so a
 * larger batch costs no extra latency over several smaller ones sent together.
 */
export const MAX_BATCH_CALLS = 100;

export class FailoverProvider extends JsonRpcProvider {
  readonly endpoints: readonly Endpoint[];
  private active = 0;
  private readonly now: () => number;

  constructor(private readonly options: FailoverOptions) {
    if (options.urls.length === 0) throw new Error("at least one RPC URL");
    // Requests issued together go out as one JSON-RPC batch (one HTTP request, failed over as a whole) without
    // waiting for more: the executor issues what it needs together (`WalletSender.quote`, `track`), so a tick makes
    // few round trips. The chain id is the configured one (checked by `assertChain`), never asked again.
    super(options.urls[0], options.chainId, {
      staticNetwork: true,
      batchMaxCount: options.maxBatchCalls ?? MAX_BATCH_CALLS,
      batchStallTime: 0,
      cacheTimeout: -1,
      pollingInterval: options.pollingIntervalMs ?? 4_000,
    });
    this.endpoints = options.urls.map((url) => ({
      url,
      name: endpointName(url),
      restingUntil: 0,
      failures: 0,
      failingSince: 0,
    }));
    this.now = options.now ?? Date.now;
  }

  /** The endpoint that answered the last request. */
  get activeEndpoint(): string {
    return this.endpoints[this.active]!.name;
  }

  /** Endpoints in the order to try them: those not resting first (configured order), then the resting ones. */
  private order(): Endpoint[] {
    const now = this.now();
    const ready = this.endpoints.filter((e) => e.restingUntil <= now);
    const resting = this.endpoints.filter((e) => e.restingUntil > now).sort((a, b) => a.restingUntil - b.restingUntil);
    return [...ready, ...resting];
  }

  override async _send(payload: Payload): Promise<JsonRpcResult[]> {
    let lastError: unknown;
    for (const endpoint of this.order()) {
      try {
        const results = await this.post(endpoint, payload);
        const serverError = results.find((r) => "error" in r && isServerSideRpcError((r as JsonRpcError).error)) as
          | JsonRpcError
          | undefined;
        if (serverError) {
          throw Object.assign(
            makeError(`JSON-RPC server error ${serverError.error.code}: ${serverError.error.message}`, "SERVER_ERROR"),
            {
              rpcError: serverError.error,
            },
          );
        }
        this.succeeded(endpoint);
        return results;
      } catch (err) {
        lastError = err;
        this.failed(endpoint, payload, err);
      }
    }
    throw lastError;
  }

  /** Sends one request to every endpoint separately (no failover): each one's result or failure. */
  async probeEach(
    method: string,
    params: unknown[] = [],
  ): Promise<Array<{ endpoint: string; result?: unknown; error?: string }>> {
    return Promise.all(
      this.endpoints.map(async (endpoint) => {
        try {
          const [answer] = await this.post(endpoint, { method, params, id: 1, jsonrpc: "2.0" });
          if (answer && "error" in answer) {
            const e = (answer as JsonRpcError).error;
            return { endpoint: endpoint.name, error: `${e.code}: ${e.message}` };
          }
          return { endpoint: endpoint.name, result: (answer as { result: unknown }).result };
        } catch (err) {
          return { endpoint: endpoint.name, error: `${failureKind(err)}: ${shortError(err)}` };
        }
      }),
    );
  }

  private async post(endpoint: Endpoint, payload: Payload): Promise<JsonRpcResult[]> {
    const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const request = new FetchRequest(endpoint.url);
    request.body = JSON.stringify(payload);
    request.setHeader("content-type", "application/json");
    request.timeout = this.options.requestTimeoutMs;
    // No silent retries inside ethers (it would wait out a 429 for minutes): failing over is the retry.
    request.retryFunc = async () => false;
    request.setThrottleParams({ maxAttempts: 1 });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        request.cancel(); // closes the socket, so a hung request does not linger
        reject(makeError(`no answer within ${this.options.requestTimeoutMs} ms`, "TIMEOUT"));
      }, this.options.requestTimeoutMs);
    });
    try {
      const response = await Promise.race([request.send(), deadline]);
      response.assertOk();
      // Decoded with the platform's UTF-8 decoder: ethers' `bodyJson` decodes through an array of code points, several
      // times the size of a fleet's batched answer (megabytes) in garbage at every tick.
      let body: unknown;
      try {
        body = JSON.parse(utf8.decode(response.body ?? new Uint8Array(0)));
      } catch {
        throw makeError("response body is not valid JSON", "UNSUPPORTED_OPERATION", { operation: "bodyJson" });
      }
      const results = (Array.isArray(body) ? body : [body]) as JsonRpcResult[];
      if (results.some((r) => typeof r !== "object" || r === null || !("id" in r))) {
        throw makeError("bad response: not JSON-RPC", "SERVER_ERROR");
      }
      return results;
    } finally {
      clearTimeout(timer);
    }
  }

  private succeeded(endpoint: Endpoint): void {
    if (endpoint.failures > 0) {
      const seconds = Math.round((this.now() - endpoint.failingSince) / 1000);
      this.options.log?.info(
        { endpoint: endpoint.name, failures: endpoint.failures, downSeconds: seconds },
        `RPC endpoint ${endpoint.name} recovered: it answers again after ${endpoint.failures} failed request${endpoint.failures === 1 ? "" : "s"} over ${seconds}s`,
      );
    }
    endpoint.failures = 0;
    endpoint.restingUntil = 0;
    const index = this.endpoints.indexOf(endpoint);
    if (index !== this.active) {
      const from = this.endpoints[this.active]!.name;
      const back = index < this.active;
      this.active = index;
      this.options.log?.warn(
        { from, to: endpoint.name },
        back ? "RPC back on a preferred endpoint" : "RPC failed over to the next endpoint",
      );
      this.options.onSwitch?.(from, endpoint.name);
    }
  }

  private failed(endpoint: Endpoint, payload: Payload, err: unknown): void {
    const kind = failureKind(err);
    if (endpoint.failures === 0) endpoint.failingSince = this.now();
    endpoint.failures++;
    endpoint.restingUntil = this.now() + this.options.retryFailedAfterMs;
    const method = Array.isArray(payload) ? payload.map((p) => p.method).join(",") : payload.method;
    // Once per outage at warn; the requests that fail after it are debug lines, until the endpoint recovers.
    this.options.log?.[endpoint.failures === 1 ? "warn" : "debug"](
      { endpoint: endpoint.name, method, kind, error: shortError(err), failures: endpoint.failures },
      endpoint.failures === 1 ? "RPC endpoint failed" : "RPC endpoint failed again",
    );
    this.options.onError?.(endpoint.name, kind);
  }
}

function shortError(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; code?: string };
  return String(e?.shortMessage ?? e?.message ?? err).slice(0, 200);
}
