/**
 * The example alert rules shipped in agent/alerts/: valid YAML in Prometheus's shape, naming only metrics the daemon
 * exports.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Metrics } from "../../src/obs/metrics.js";

const RULES = fileURLToPath(new URL("../../alerts/treasury-agent.rules.yml", import.meta.url));

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe("alert rules", () => {
  const doc = parse(fs.readFileSync(RULES, "utf8")) as { groups: { name: string; rules: Rule[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);

  it("parses as Prometheus rule groups: each rule an alert with an expression, a severity and a summary", () => {
    expect(doc.groups.length, "at least one group").toBeGreaterThan(0);
    for (const r of rules) {
      expect(typeof r.alert, "alert name").toBe("string");
      expect(typeof r.expr, `${r.alert}: expr`).toBe("string");
      expect(r.labels?.severity, `${r.alert}: severity`).toBeDefined();
      expect(r.annotations?.summary, `${r.alert}: summary`).toBeDefined();
      if (r.for !== undefined) expect(r.for, `${r.alert}: for`).toMatch(/^\d+[smh]$/);
    }
    expect(new Set(rules.map((r) => r.alert)).size, "alert names unique").toBe(rules.length);
  });

  it("names only metrics the daemon exports, and covers readiness, stand-down and the key's balance", async () => {
    const exported = new Set((await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const histograms = new Set(
      (await new Metrics().registry.getMetricsAsJSON())
        .filter((m) => String(m.type) === "histogram")
        .map((m) => m.name),
    );
    const named = new Set<string>();
    for (const r of rules) {
      for (const [name] of r.expr.matchAll(/\bagent_[a-z_]+/g)) {
        const base = name.replace(/_(bucket|sum|count)$/, "");
        const known = exported.has(name) || (histograms.has(base) && base !== name);
        expect(known, `${r.alert}: ${name} is not a metric the daemon exports`).toBe(true);
        named.add(base);
      }
    }
    for (const m of [
      "agent_ready",
      "agent_vault_mode",
      "agent_key_balance_low",
      "agent_key_balance_eth",
      "agent_chain_stalled",
      "agent_last_tick_timestamp_seconds",
    ]) {
      expect(named.has(m), `a rule on ${m}`).toBe(true);
    }
  });
});
