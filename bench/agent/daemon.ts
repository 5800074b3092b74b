/**
 * The daemon as `run` wires it (`createProvider`, `assertChain`, `buildRunners` with the wallet, so the executor
 * signs), logging nothing: for the benches that run it whole.
 */
import { Wallet } from "ethers";
import { AGENT_KEY } from "./config.js";
import { assertChain, buildRunners, createLogger, createProvider, Daemon, Metrics, systemClock, type AgentConfig } from "./agent-internals.js";

/** The daemon, and its provider (the caller destroys it when done). */
export async function benchDaemon(config: AgentConfig): Promise<{ daemon: Daemon; provider: ReturnType<typeof createProvider> }> {
  const wallet = new Wallet(AGENT_KEY);
  const log = createLogger("silent");
  const metrics = new Metrics();
  const provider = createProvider(config);
  await assertChain(provider, config);
  const { runners } = await buildRunners({ config, provider, agent: wallet.address, clock: systemClock, log, metrics, wallet });
  return { daemon: new Daemon(runners, systemClock, log, metrics, { pollIntervalMs: config.network.pollIntervalMs }), provider };
}
