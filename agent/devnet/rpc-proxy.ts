/**
 * A counting JSON-RPC proxy on loopback: forwards every HTTP request to the chain unchanged and counts what passes,
 * both HTTP requests (round trips) and JSON-RPC calls (a batch is one request carrying several calls), by method.
 */
import http from "node:http";
import { listen } from "../src/util/listen.js";

export interface RpcCounts {
  requests: number;
  calls: number;
  methods: Record<string, number>;
}

export interface CountingProxy {
  url: string;
  counts(): RpcCounts;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  let counts: RpcCounts = { requests: 0, calls: 0, methods: {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      try {
        const parsed = JSON.parse(body.toString("utf8")) as { method?: string } | { method?: string }[];
        const calls = Array.isArray(parsed) ? parsed : [parsed];
        counts.requests++;
        counts.calls += calls.length;
        for (const c of calls) counts.methods[c.method ?? "?"] = (counts.methods[c.method ?? "?"] ?? 0) + 1;
      } catch {
        counts.requests++;
      }
      fetch(target, { method: "POST", body, headers: { "content-type": "application/json" } })
        .then(async (r) => {
          const text = await r.text();
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(502);
          res.end(String(err));
        });
    });
  });
  const { port, close } = await listen(server, 0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts, methods: { ...counts.methods } }),
    reset: () => {
      counts = { requests: 0, calls: 0, methods: {} };
    },
    close,
  };
}
