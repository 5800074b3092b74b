/** `run`: the daemon. Loads the key, checks the chain, serves the dashboard, /metrics and /health, ticks until stopped. */
import { loadConfig, redactedConfig } from "../config/load.js";
import { loadWallet } from "../config/key.js";
import { assembleDaemon, serveDaemon } from "../daemon/assemble.js";
import { assertChain, createProvider } from "../daemon/build.js";
import { createLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
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
  const assembled = await assembleDaemon({
    config,
    provider,
    wallet,
    chainId,
    clock: systemClock,
    log,
    metrics,
    resetBreakers: options.resetBreakers,
  });
  const server = await serveDaemon(assembled, config, metrics);
  if (server) {
    log.info({ url: `http://${config.metrics.host}:${server.port}/` }, "serving the dashboard (/), /metrics and /health");
  }
  try {
    if (options.once) await assembled.daemon.tick();
    else await assembled.daemon.run(signal);
  } finally {
    await server?.close();
    provider.destroy();
  }
}
