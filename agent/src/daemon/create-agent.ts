/**
 * `createAgent`: the daemon as `treasury-agent run` wires it (assemble.ts), for every caller outside the CLI too: the
 * demo, the devnet, the benches and the tests. What the caller does not pass gets `run`'s choice: a provider over the
 * configured endpoints, the system clock, a logger at `log.level`, fresh metrics.
 */
import type { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import type { AgentConfig } from "../config/schema.js";
import { createLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import type { ObservabilityServer } from "../obs/server.js";
import { systemClock, type Clock } from "../util/clock.js";
import { assembleDaemon, serveDaemon, type AssembledDaemon } from "./assemble.js";
import { createProvider, dataPaths } from "./build.js";

/**
 * The agent's key (`wallet`: the executor signs with it) and, optionally, what `run` otherwise chooses: the connection
 * to the chain (by default one over the configured endpoints, with failover, closed by `close()`), the clock (the
 * system's), the logger (at the configured `log.level`, on stdout) and the metrics (fresh ones). The other options are
 * `assembleDaemon`'s, passed through: `run`'s operator flags (`resetBreakers`, `releaseQuarantine`), `readAfter`
 * (false for callers that serve no dashboard and count the daemon's requests) and the test seams.
 */
export type AgentOptions = Omit<
  Parameters<typeof assembleDaemon>[0],
  "config" | "provider" | "chainId" | "clock" | "log" | "metrics"
> & {
  provider?: JsonRpcProvider;
  clock?: Clock;
  log?: Logger;
  metrics?: Metrics;
};

export interface Agent extends AssembledDaemon {
  provider: JsonRpcProvider;
  log: Logger;
  metrics: Metrics;
  /** The decision journal's file, under `dataDir`. */
  journalPath: string;
  /**
   * Serves the dashboard, /metrics and /health on `metrics.host`, at `port` if given, else `metrics.port` (0: any
   * free port). Nothing (undefined) when the configuration disables metrics. `close()` stops it.
   */
  serve(options?: { port?: number }): Promise<ObservabilityServer | undefined>;
  /** Stops what `serve` started, delivers the alerts still queued (2 s at most), and closes the provider if
   *  `createAgent` opened it. Does not stop a running loop. */
  close(): Promise<void>;
}

export async function createAgent(config: AgentConfig, options: AgentOptions): Promise<Agent> {
  const { provider: given, clock, log: givenLog, metrics: givenMetrics, ...passed } = options;
  const log = givenLog ?? createLogger(config.log.level);
  const metrics = givenMetrics ?? new Metrics();
  const provider = given ?? createProvider(config, { log, metrics });
  const assembled = await assembleDaemon({
    ...passed,
    config,
    provider,
    chainId: BigInt(config.network.chainId),
    clock: clock ?? systemClock,
    log,
    metrics,
  }).catch((err: unknown) => {
    if (!given) provider.destroy();
    throw err;
  });
  const servers: ObservabilityServer[] = [];
  return {
    ...assembled,
    provider,
    log,
    metrics,
    journalPath: dataPaths(config, passed.wallet.address).journal,
    async serve(serveOptions = {}) {
      const served =
        serveOptions.port === undefined
          ? config
          : { ...config, metrics: { ...config.metrics, port: serveOptions.port } };
      const server = await serveDaemon(assembled, served, metrics);
      if (server) servers.push(server);
      return server;
    },
    async close() {
      await Promise.all(servers.splice(0).map((s) => s.close()));
      // Alerts still queued get a short grace to be delivered.
      await assembled.notifier?.close();
      if (!given) provider.destroy();
    },
  };
}
