/** `run`: the daemon. Loads the key, checks the chain, serves /metrics and /health, ticks until stopped. */
import type { Logger } from "pino";
import type { FailoverProvider } from "../chain/provider.js";
import { loadConfig, redactedConfig } from "../config/load.js";
import type { AgentConfig } from "../config/schema.js";
import { ConfigError } from "../failures.js";
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
  const metrics = new Metrics({ defaultMetrics: true });
  const provider = createProvider(config, { log, metrics });
  try {
    await runWith(config, provider, log, metrics, options, signal);
  } finally {
    provider.destroy();
  }
}

async function runWith(config: AgentConfig, provider: FailoverProvider, log: Logger, metrics: Metrics, options: RunOptions, signal: AbortSignal): Promise<void> {
  const chainId = await assertChain(provider, config, log);
  const wallet = await loadWallet(config, chainId);
  if (config.agentAddress && config.agentAddress !== wallet.address) {
    throw new ConfigError(`invalid config: agentAddress: ${config.agentAddress} is not the key's address ${wallet.address}`, "agentAddress");
  }
  log.info({ config: redactedConfig(config), agent: wallet.address, chainId: chainId.toString() }, "configuration loaded");
  const { runners } = await buildRunners({ config, provider, agent: wallet.address, clock: systemClock, log, metrics, wallet });
  if (options.resetBreakers) {
    for (const r of runners) {
      if (r.breaker.open) log.warn({ vault: r.config.label, was: r.breaker.reason }, "circuit breaker reset by the operator");
      r.breaker.reset();
    }
  }
  const daemon = new Daemon(runners, systemClock, log, metrics, { pollIntervalMs: config.network.pollIntervalMs });
  const server = config.metrics.enabled ? await serve(config, metrics, daemon) : undefined;
  if (server) log.info({ url: `http://${config.metrics.host}:${server.port}` }, "serving /metrics and /health");
  try {
    if (options.once) await daemon.tick();
    else await daemon.run(signal);
  } finally {
    await server?.close();
  }
}

/** Serves /metrics and /health; an address it cannot listen on is a configuration error naming metrics.port or host. */
async function serve(config: AgentConfig, metrics: Metrics, daemon: Daemon) {
  const { host, port } = config.metrics;
  try {
    return await startObservabilityServer({ host, port, registry: metrics.registry, health: () => daemon.health() });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const field = code === "EADDRINUSE" || code === "EACCES" ? "metrics.port" : "metrics.host";
    throw new ConfigError(`invalid config: ${field}: cannot listen on ${host}:${port} (${code ?? String(err)})`, field, { cause: err });
  }
}
