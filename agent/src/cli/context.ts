/** What every command needs: the configuration, a provider on the right chain, the agent's address, a logger. */
import type { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import { agentAddressOf } from "../config/key.js";
import { loadConfig } from "../config/load.js";
import type { AgentConfig } from "../config/schema.js";
import { assertChain, buildRunners, createProvider, type Built } from "../daemon/build.js";
import { Metrics } from "../obs/metrics.js";
import { createLogger } from "../obs/logger.js";
import { systemClock } from "../util/clock.js";
import { pino } from "pino";

export interface CommandContext {
  config: AgentConfig;
  provider: JsonRpcProvider;
  chainId: bigint;
  agent: string;
  log: Logger;
}

/** For read-only commands: logs only warnings, to stderr, so stdout holds just the report. */
export async function readOnlyContext(configPath: string | undefined): Promise<CommandContext> {
  const config = loadConfig(configPath);
  const log = createLogger("warn", pino.destination(2));
  const provider = createProvider(config);
  const chainId = await assertChain(provider, config);
  return { config, provider, chainId, agent: agentAddressOf(config), log };
}

export async function readOnlyRunners(ctx: CommandContext): Promise<Built> {
  return buildRunners({
    config: ctx.config,
    provider: ctx.provider,
    agent: ctx.agent,
    clock: systemClock,
    log: ctx.log,
    metrics: new Metrics(),
    readOnly: true,
  });
}
