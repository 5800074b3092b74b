/**
 * `createAgent`: the daemon as `treasury-agent run` wires it (assemble.ts), for every caller outside the CLI too: the
 * demo, the devnet, the benches and the tests. What the caller does not pass gets `run`'s choice: a provider over the
 * configured endpoints, the system clock, a logger at `log.level`, fresh metrics.
 */
import type { BaseWallet, JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import type { AgentConfig } from "../config/schema.js";
import { createLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import type { ObservabilityServer } from "../obs/server.js";
import { systemClock, type Clock } from "../util/clock.js";
import { assembleDaemon, serveDaemon, type AssembledDaemon } from "./assemble.js";
import { createProvider, type BuildOptions } from "./build.js";

export interface AgentOptions {
  /** The agent's key: the executor signs with it. */
  wallet: BaseWallet;
  /** The connection to the chain; by default one over the configured endpoints (with failover), closed by `close()`. */
  provider?: JsonRpcProvider;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: a logger at the configured `log.level`, on stdout. */
  log?: Logger;
  /** Default: fresh metrics (without the process's default metrics). */
  metrics?: Metrics;
  /** Close every circuit breaker before the first tick (`run --reset-breakers`). */
  resetBreakers?: boolean;
  /** A strategy address, or true for every quarantined strategy: released before the first tick. */
  releaseQuarantine?: string | true;
  /**
   * Read each vault again after a tick that sent or settled, so the dashboard shows the state after the transaction
   * (default true, as `run` does). False for callers that serve no dashboard and count the daemon's requests.
   */
  readAfter?: boolean;
  /** Test seams: a planner or check mirror, a transaction sender, a snapshot reader in place of the real ones. */
  overrides?: BuildOptions["overrides"];
  sender?: BuildOptions["sender"];
  reader?: BuildOptions["reader"];
}

export interface Agent extends AssembledDaemon {
  provider: JsonRpcProvider;
  log: Logger;
  metrics: Metrics;
  /**
   * Serves the dashboard, /metrics and /health on `metrics.host`, at `port` if given, else `metrics.port` (0: any
   * free port). Nothing (undefined) when the configuration disables metrics. `close()` stops it.
   */
  serve(options?: { port?: number }): Promise<ObservabilityServer | undefined>;
  /** Stops what `serve` started, and the provider if `createAgent` opened it. Does not stop a running loop. */
  close(): Promise<void>;
}

export async function createAgent(config: AgentConfig, options: AgentOptions): Promise<Agent> {
  const log = options.log ?? createLogger(config.log.level);
  const metrics = options.metrics ?? new Metrics();
  const provider = options.provider ?? createProvider(config, { log, metrics });
  const assembled = await assembleDaemon({
    config,
    provider,
    wallet: options.wallet,
    chainId: BigInt(config.network.chainId),
    clock: options.clock ?? systemClock,
    log,
    metrics,
    resetBreakers: options.resetBreakers,
    releaseQuarantine: options.releaseQuarantine,
    readAfter: options.readAfter,
    overrides: options.overrides,
    sender: options.sender,
    reader: options.reader,
  }).catch((err: unknown) => {
    if (!options.provider) provider.destroy();
    throw err;
  });
  const servers: ObservabilityServer[] = [];
  return {
    ...assembled,
    provider,
    log,
    metrics,
    async serve(serveOptions = {}) {
      const served = serveOptions.port === undefined ? config : { ...config, metrics: { ...config.metrics, port: serveOptions.port } };
      const server = await serveDaemon(assembled, served, metrics);
      if (server) servers.push(server);
      return server;
    },
    async close() {
      await Promise.all(servers.splice(0).map((s) => s.close()));
      if (!options.provider) provider.destroy();
    },
  };
}
