/**
 * The daemon as `run` wires it (`createProvider`, `assertChain`, `buildRunners` with the wallet, so the executor
 * signs), logging nothing: for the benches that run it whole.
 */
import { Wallet } from "ethers";
import {
  assertChain,
  buildRunners,
  createLogger,
  createProvider,
  Daemon,
  Metrics,
  systemClock,
  type AgentConfig,
} from "./agent-internals.js";
import { AGENT_KEY } from "./config.js";

/** The daemon, and its provider (the caller destroys it when done). */
export async function benchDaemon(
  config: AgentConfig,
): Promise<{ daemon: Daemon; provider: ReturnType<typeof createProvider> }> {
  const wallet = new Wallet(AGENT_KEY);
  const log = createLogger("silent");
  const metrics = new Metrics();
  const provider = createProvider(config);
  await assertChain(provider, config);
  const built = await buildRunners({ config, provider, agent: wallet.address, clock: systemClock, log, metrics, wallet });
  const daemon = new Daemon(built.runners, systemClock, log, metrics, { pollIntervalMs: config.network.pollIntervalMs });
  return { daemon, provider };
}
