/** `run`: the daemon. Loads the key, checks the chain, serves the dashboard, /metrics and /health, ticks until stopped. */
import type { Logger } from "pino";
import type { FailoverProvider } from "../chain/provider.js";
import { loadConfig, redactedConfig } from "../config/load.js";
import type { AgentConfig } from "../config/schema.js";
import { ConfigError } from "../failures.js";
import { loadWallet } from "../config/key.js";
import { assembleDaemon, serveDaemon, type AssembledDaemon } from "../daemon/assemble.js";
import { assertChain, createProvider } from "../daemon/build.js";
import { createLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { systemClock } from "../util/clock.js";

export interface RunOptions {
  config?: string;
  once?: boolean;
  resetBreakers?: boolean;
  /** A strategy address, or true for every quarantined strategy. */
  releaseQuarantine?: string | true;
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

async function runWith(
  config: AgentConfig,
  provider: FailoverProvider,
  log: Logger,
  metrics: Metrics,
  options: RunOptions,
  signal: AbortSignal,
): Promise<void> {
  const chainId = await assertChain(provider, config, log);
  const wallet = await loadWallet(config, chainId);
  if (config.agentAddress && config.agentAddress !== wallet.address) {
    throw new ConfigError(`invalid config: agentAddress: ${config.agentAddress} is not the key's address ${wallet.address}`, "agentAddress");
  }
  log.info({ config: redactedConfig(config), agent: wallet.address, chainId: chainId.toString() }, "configuration loaded");
  const assembled = await assembleDaemon({
    config,
    provider,
    wallet,
    chainId,
    clock: systemClock,
    log,
    metrics,
    resetBreakers: options.resetBreakers,
    releaseQuarantine: options.releaseQuarantine,
  });
  const server = await serve(assembled, config, metrics);
  if (server) {
    log.info({ url: `http://${config.metrics.host}:${server.port}/` }, "serving the dashboard (/), /metrics and /health");
  }
  try {
    if (options.once) await assembled.daemon.tick();
    else await assembled.daemon.run(signal);
  } finally {
    await server?.close();
  }
}

/** Serves the dashboard, /metrics and /health; an address it cannot listen on is a configuration error naming
 * metrics.port or metrics.host. */
async function serve(assembled: AssembledDaemon, config: AgentConfig, metrics: Metrics) {
  const { host, port } = config.metrics;
  try {
    return await serveDaemon(assembled, config, metrics);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const field = code === "EADDRINUSE" || code === "EACCES" ? "metrics.port" : "metrics.host";
    throw new ConfigError(`invalid config: ${field}: cannot listen on ${host}:${port} (${code ?? String(err)})`, field, { cause: err });
  }
}
