/** `run`: the daemon. Loads the key, checks the chain, serves /metrics and /health, ticks until stopped. */
import { loadConfig, redactedConfig } from "../config/load.js";
import { loadWallet } from "../config/key.js";
import { assertChain, buildRunners, createProvider } from "../daemon/build.js";
import { Daemon } from "../daemon/daemon.js";
import { createLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { startObservabilityServer } from "../obs/server.js";
import { systemClock } from "../util/clock.js";

export interface RunOptions {
  config?: string;
  once?: boolean;
  resetBreakers?: boolean;
}

export async function runCommand(options: RunOptions, signal: AbortSignal): Promise<void> {
  const config = loadConfig(options.config);
  const log = createLogger(config.log.level);
  const provider = createProvider(config);
  const chainId = await assertChain(provider, config);
  const wallet = await loadWallet(config, chainId);
  log.info({ config: redactedConfig(config), agent: wallet.address, chainId: chainId.toString() }, "configuration loaded");
  const metrics = new Metrics({ defaultMetrics: true });
  const { runners, executor } = await buildRunners({ config, provider, agent: wallet.address, clock: systemClock, log, metrics, wallet });
  if (options.resetBreakers) {
    for (const r of runners) {
      if (r.breaker.open) log.warn({ vault: r.config.label, was: r.breaker.reason }, "circuit breaker reset by the operator");
      r.breaker.reset();
    }
  }
  const daemon = new Daemon(runners, systemClock, log, metrics, { pollIntervalMs: config.network.pollIntervalMs });
  const server = config.metrics.enabled
    ? await startObservabilityServer({ host: config.metrics.host, port: config.metrics.port, registry: metrics.registry, health: () => daemon.health() })
    : undefined;
  if (server) log.info({ url: `http://${config.metrics.host}:${server.port}` }, "serving /metrics and /health");
  try {
    if (options.once) {
      await daemon.tick();
      // A running daemon settles what it sent at its next tick; a single tick settles it before it exits.
      await executor?.reconcile();
    }
    else await daemon.run(signal);
  } finally {
    await server?.close();
    provider.destroy();
  }
}
