/** HTTP endpoints for operators: Prometheus `/metrics` and `/health` (200 healthy, 503 not). */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthReport {
  healthy: boolean;
  [key: string]: unknown;
}

export interface ObservabilityServer {
  port: number;
  close(): Promise<void>;
}

export async function startObservabilityServer(options: {
  host: string;
  port: number;
  registry: Registry;
  health: () => HealthReport;
}): Promise<ObservabilityServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (url === "/metrics") {
      options.registry
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    if (url === "/health") {
      const report = options.health();
      res
        .writeHead(report.healthy ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
