/**
 * HTTP endpoints for operators: Prometheus `/metrics`, `/health` (liveness: 200 while the loop runs and its ticks
 * succeed, 503 not), `/ready` (readiness: 200 when the agent can act, 503 when it cannot, with the reasons) and, when
 * the daemon keeps a
 * dashboard state, the dashboard page at `/` with its JSON at `/api/dashboard` and its history charts at `/api/history`. The page is plain HTML, CSS and
 * JavaScript from `agent/dashboard/`, served as they are (no build step).
 */
import fs from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import type { Registry } from "prom-client";
import { listen } from "../util/listen.js";

export interface HealthReport {
  healthy: boolean;
  [key: string]: unknown;
}

export interface ObservabilityServer {
  port: number;
  close(): Promise<void>;
}

/** The dashboard's static files, by URL path. */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../dashboard/", import.meta.url));
const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/dashboard": { file: "index.html", type: "text/html; charset=utf-8" },
  "/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
  "/dashboard.js": { file: "dashboard.js", type: "text/javascript; charset=utf-8" },
};

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

export async function startObservabilityServer(options: {
  host: string;
  port: number;
  registry: Registry;
  health: () => HealthReport;
  /** Whether the agent can act; without it `/ready` answers as `/health`. */
  readiness?: () => { ready: boolean };
  /** The dashboard's state (`DashboardState.view`); without it the dashboard routes answer 404. */
  dashboard?: () => unknown;
  /** The vaults' history with its charts (`DashboardState.history`), at `/api/history`. */
  history?: () => unknown;
  /** A published decision record's JSON by its intent hash (`/api/decisions/<intentHash>`), undefined when none. */
  decision?: (intentHash: string) => string | undefined;
}): Promise<ObservabilityServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0]!;
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
      res.writeHead(report.healthy ? 200 : 503, { "content-type": "application/json" }).end(json(report));
      return;
    }
    if (url === "/ready") {
      const report = options.readiness?.() ?? options.health();
      const ok = "ready" in report ? report.ready : (report as HealthReport).healthy;
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" })
        .end(json(report));
      return;
    }
    const view = url === "/api/dashboard" ? options.dashboard : url === "/api/history" ? options.history : undefined;
    if (view) {
      // The body first: a view that fails to build answers 500, not a 200 cut short.
      let body: string;
      try {
        body = json(view());
      } catch (err) {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
      return;
    }
    if (options.decision && url.startsWith("/api/decisions/")) {
      const record = options.decision(url.slice("/api/decisions/".length));
      if (record === undefined) res.writeHead(404, { "content-type": "text/plain" }).end("no such decision record\n");
      else
        res
          .writeHead(200, {
            "content-type": "application/json",
            "cache-control": "public, max-age=31536000, immutable",
          })
          .end(record);
      return;
    }
    const asset = options.dashboard ? STATIC[url] : undefined;
    if (asset) {
      fs.readFile(`${DASHBOARD_DIR}${asset.file}`, (err, body) => {
        if (err) res.writeHead(500, { "content-type": "text/plain" }).end(`dashboard file missing: ${asset.file}`);
        else res.writeHead(200, { "content-type": asset.type, "cache-control": "no-cache" }).end(body);
      });
      return;
    }
    res.writeHead(404).end();
  });
  return await listen(server, options.port, options.host);
}
