/** /metrics and /health over HTTP on loopback. */
import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/obs/metrics.js";
import { startObservabilityServer } from "../../src/obs/server.js";

describe("observability server", () => {
  it("serves Prometheus metrics and a health report", async () => {
    const metrics = new Metrics();
    metrics.ticks.inc({ vault: "main" });
    let healthy = true;
    const server = await startObservabilityServer({
      host: "127.0.0.1",
      port: 0,
      registry: metrics.registry,
      health: () => ({ healthy, lastTickAt: "now" }),
    });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const m = await fetch(`${url}/metrics`);
      expect(m.status).toBe(200);
      expect(await m.text()).toContain('agent_ticks_total{vault="main"} 1');
      const h = await fetch(`${url}/health`);
      expect(h.status).toBe(200);
      expect(await h.json()).toEqual({ healthy: true, lastTickAt: "now" });
      healthy = false;
      expect((await fetch(`${url}/health`)).status).toBe(503);
      expect((await fetch(`${url}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("dashboard routes", () => {
  it("serve the page, its script and style, and the JSON only when the daemon keeps a dashboard state", async () => {
    const metrics = new Metrics();
    const health = () => ({ healthy: true });
    const bare = await startObservabilityServer({ host: "127.0.0.1", port: 0, registry: metrics.registry, health });
    try {
      expect((await fetch(`http://127.0.0.1:${bare.port}/`)).status, "no dashboard without its state").toBe(404);
      expect((await fetch(`http://127.0.0.1:${bare.port}/api/dashboard`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${bare.port}/api/history`)).status).toBe(404);
    } finally {
      await bare.close();
    }
    let version = 1;
    const server = await startObservabilityServer({
      host: "127.0.0.1",
      port: 0,
      registry: metrics.registry,
      health,
      dashboard: () => ({ version: version++, big: 2n ** 70n }),
      history: () => ({ vaults: [{ points: [{ idle: 2n ** 64n }] }] }),
    });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const page = await fetch(`${url}/`);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain("<title>Treasury agent</title>");
      expect(html).toContain('src="/dashboard.js"');
      const js = await fetch(`${url}/dashboard.js`);
      expect(js.headers.get("content-type")).toContain("javascript");
      const script = await js.text();
      expect(script).toContain('getJson("/api/dashboard")');
      expect(script, "the charts, fetched when the state moved").toContain('getJson("/api/history")');
      expect((await fetch(`${url}/dashboard.css`)).headers.get("content-type")).toContain("text/css");
      const api = await fetch(`${url}/api/dashboard`);
      expect(api.headers.get("cache-control")).toBe("no-store");
      expect(await api.json(), "bigints as decimal strings").toEqual({ version: 1, big: "1180591620717411303424" });
      expect(
        ((await (await fetch(`${url}/api/dashboard`)).json()) as { version: number }).version,
        "computed per request",
      ).toBe(2);
      const history = await fetch(`${url}/api/history`);
      expect(history.headers.get("cache-control")).toBe("no-store");
      expect(await history.json()).toEqual({ vaults: [{ points: [{ idle: "18446744073709551616" }] }] });
    } finally {
      await server.close();
    }
  });
});
