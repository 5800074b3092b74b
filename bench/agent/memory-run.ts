/**
 * The daemon's peak memory alone (the "peak memory (RSS)" row of `bash scripts/bench.sh`, without the rest of the
 * bench): `node --import tsx bench/agent/memory-run.ts` (after a contracts build). `BENCH_DAEMON_ENTRY=dist` runs the
 * compiled agent (`agent/dist/cli.js`, after `pnpm --filter ./agent build`) instead of the executable's tsx, and
 * `BENCH_DAEMON_NODE_ARGS` passes Node options to the daemon (e.g. `--require` a script logging
 * `process.memoryUsage()`), to see where its resident set goes.
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
    timeoutMs: 300_000,
  });
  console.log(JSON.stringify(memory));
} finally {
  await chain.close();
}
