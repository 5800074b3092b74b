/**
 * The daemon as `run` creates it (`createAgent` over `createProvider`, after `assertChain`; the executor signs with the
 * wallet), logging nothing: for the benches that run it whole.
 */
import { createAgent, createLogger, type Agent, type AgentConfig } from "@agent-treasury/agent";
import { Wallet } from "ethers";
import { assertChain, createProvider } from "./agent-internals.js";
import { AGENT_KEY } from "./config.js";

/** The daemon, and its provider (the caller destroys it when done). */
export async function benchDaemon(
  config: AgentConfig,
): Promise<{ daemon: Agent["daemon"]; provider: ReturnType<typeof createProvider> }> {
  const provider = createProvider(config);
  await assertChain(provider, config);
  // No dashboard is served: no read after a tick, which the RPC count would otherwise include.
  const { daemon } = await createAgent(config, {
    wallet: new Wallet(AGENT_KEY),
    provider,
    log: createLogger("silent"),
    readAfter: false,
  });
  return { daemon, provider };
}
