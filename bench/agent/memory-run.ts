/**
 * The daemon's peak memory alone (the "peak memory (RSS)" row of `bash scripts/bench.sh`, without the rest of the
 * bench): `node --import tsx bench/agent/memory-run.ts`.
 */
import { startLocalChain } from "@agent-treasury/agent/devnet";
import { addVaults, deployFleet } from "./fleet.js";
import { LensReader } from "./agent-internals.js";
import { measureDaemonMemory } from "./memory.js";

const chain = await startLocalChain();
try {
  const fleet = await deployFleet(chain, { strategies: 20 });
  const reader = new LensReader(chain.provider, fleet.lensAddress);
  const vaults = await addVaults(fleet, 50, { strategies: 20 });
  const memory = await measureDaemonMemory(fleet, reader, vaults, {
    ticks: 3,
    pollIntervalMs: 500,
    timeoutMs: 120_000,
  });
  console.log(JSON.stringify(memory));
} finally {
  await chain.close();
}
