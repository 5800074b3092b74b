/** What every command needs: the configuration, a provider on the right chain, the agent's address, a logger. */
import type { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import { agentAddressOf } from "../config/key.js";
import { loadConfig } from "../config/load.js";
import type { AgentConfig } from "../config/schema.js";
import { errorDetail, UsageError } from "../failures.js";
import { assertChain, buildRunners, createProvider, type Built } from "../daemon/build.js";
import { chainConfigs } from "../daemon/chains.js";
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
export async function readOnlyContext(source: string | undefined | AgentConfig): Promise<CommandContext> {
  const config = typeof source === "object" ? source : loadConfig(source);
  if (config.networks.length > 1) {
    throw new UsageError(
      `the config lists several networks (${config.networks.map((n) => n.name).join(", ")}); this command reads one chain: give it a config with one network (status, sessions and plan --dry-run read every chain)`,
    );
  }
  const agent = await agentAddressOf(config);
  const log = createLogger("warn", pino.destination(2));
  const provider = createProvider(config, { log });
  try {
    const chainId = await assertChain(provider, config, log);
    return { config, provider, chainId, agent, log };
  } catch (err) {
    provider.destroy();
    throw err;
  }
}

/** The vaults a `--vault <address|label>` option selects; a value that names none is a usage error. */
export function selectVaults(config: AgentConfig, vault: string | undefined): Set<string> {
  if (vault === undefined) return new Set(config.vaults.map((v) => v.address));
  const match = config.vaults.find((v) => v.address.toLowerCase() === vault.toLowerCase() || v.label === vault);
  if (!match) {
    const known = config.vaults.map((v) => (v.label ? `${v.label} (${v.address})` : v.address)).join(", ");
    throw new UsageError(`--vault ${vault}: no configured vault has this address or label (configured: ${known})`);
  }
  return new Set([match.address]);
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

/**
 * Runs `read` on each chain of the configuration, in the order the networks are listed, with a context on that chain
 * alone. A chain that cannot be read is reported in `print` and the others are still read; the first such failure is
 * thrown at the end (one chain: thrown at once, as before).
 */
export async function eachChain(
  source: string | undefined | AgentConfig,
  print: (text: string) => void,
  read: (ctx: CommandContext, chain: { name: string; several: boolean }) => Promise<void>,
): Promise<void> {
  const config = typeof source === "object" ? source : loadConfig(source);
  const chains = chainConfigs(config);
  const several = chains.length > 1;
  let failure: unknown;
  for (const [i, c] of chains.entries()) {
    if (several && i > 0) print("");
    try {
      const ctx = await readOnlyContext(c);
      try {
        await read(ctx, { name: c.network.name, several });
      } finally {
        ctx.provider.destroy();
      }
    } catch (err) {
      if (!several) throw err;
      print(`Chain ${c.network.name} (${c.network.chainId}): cannot be read: ${errorDetail(err as Error)}`);
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
}
