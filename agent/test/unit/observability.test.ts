/** /metrics and /health over HTTP on loopback. */
import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/obs/metrics.js";
import { startObservabilityServer } from "../../src/obs/server.js";

describe("observability server", () => {
  it("serves Prometheus metrics and a health report", async () => {
    const metrics = new Metrics();
    metrics.ticks.inc({ vault: "main" });
    let healthy = true;
    const server = await startObservabilityServer({ host: "127.0.0.1", port: 0, registry: metrics.registry, health: () => ({ healthy, lastTickAt: "now" }) });
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
