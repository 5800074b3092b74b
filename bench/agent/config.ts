/** The agent configuration the bench runs with: the daemon's defaults, parsed by the one schema, on the local chain. */
import { devKey } from "@agent-treasury/agent/devnet";
import { parseConfig, type AgentConfig } from "./agent-internals.js";

export const AGENT_KEY = devKey(3);

export interface BenchConfigOptions {
  rpcUrl: string;
  lens: string;
  dataDir: string;
  vaults: { address: string; label?: string }[];
  pollIntervalMs?: number;
  /** The daemon's per-request timeout (its default, 10 s, when absent). */
  requestTimeoutMs?: number;
  metricsPort?: number;
  planner?: Record<string, unknown>;
}

/** The config file object (what an operator writes); secrets stay out of it. */
export function benchConfigFile(o: BenchConfigOptions): Record<string, unknown> {
  return {
    network: {
      rpcUrl: o.rpcUrl,
      chainId: 31337,
      confirmations: 1,
      pollIntervalMs: o.pollIntervalMs ?? 1_000,
      ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }),
    },
    lens: o.lens,
    dataDir: o.dataDir,
    tx: { maxFeePerGasGwei: "500" },
    // Every planner setting at its default but the two without one.
    planner: { strategy: "yield", minMove: "1000", nativePriceInAsset: "3000", ...(o.planner ?? {}) },
    metrics: { enabled: o.metricsPort !== undefined, host: "127.0.0.1", port: o.metricsPort ?? 0 },
    log: { level: "warn" },
    vaults: o.vaults,
  };
}

export function benchConfig(o: BenchConfigOptions): AgentConfig {
  return parseConfig(benchConfigFile(o), { AGENT_PRIVATE_KEY: AGENT_KEY });
}
