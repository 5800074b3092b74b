/**
 * The per-tick figures at 50 and 200 vaults of 20 strategies again on a second node: anvil (npm `@foundry-rs/anvil`,
 * revm), which executes `eth_call` as production nodes do. The read is the node executing each vault's
 * `TreasuryLens.snapshot`, so its time is the node's; the embedded chain (EDR) stays the primary figure and this one
 * stands beside it. The same fleet (asset, session manager, lens, 20 seeded strategies shared by 200 vaults) is
 * deployed on anvil, and the same daemon ticks (`timeTicks`) run against it over loopback HTTP.
 */
import { startLocalChain } from "@agent-treasury/agent/devnet";
import { LensReader, lensInterface } from "./agent-internals.js";
import { benchConfig } from "./config.js";
import { addVault, addVaults, deployFleet } from "./fleet.js";
import { nowMs, summarize, type Summary } from "./stats.js";
import { timeTicks, type TickTimes } from "./tick-time.js";

export interface SecondNodeFigures {
  node: "anvil";
  setupSeconds: number;
  /** The node answering one 20-strategy lens eth_call (30 calls). */
  readNode: Summary;
  /** Whole ticks by vault count (50, 200). */
  ticks: Map<number, TickTimes>;
}

export async function measureSecondNode(agent: string, log: (line: string) => void): Promise<SecondNodeFigures> {
  const started = nowMs();
  const chain = await startLocalChain({ node: "anvil" });
  try {
    log("agent: the same fleet on anvil (a second node)");
    const fleet = await deployFleet(chain, { strategies: 20 });
    const reader = new LensReader(chain.provider, fleet.lensAddress);
    const one = await addVault(fleet, { strategies: 20 });
    const many = await addVaults(fleet, 200, { strategies: 20 });
    const setupSeconds = (nowMs() - started) / 1000;

    const data = lensInterface.encodeFunctionData("snapshot", [one.address, agent]);
    for (let i = 0; i < 5; i++) await chain.provider.send("eth_call", [{ to: fleet.lensAddress, data }, "latest"]);
    const node: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = nowMs();
      await chain.provider.send("eth_call", [{ to: fleet.lensAddress, data }, "latest"]);
      node.push(nowMs() - t);
    }

    const ticks = new Map<number, TickTimes>();
    for (const v of [50, 200]) {
      const subset = many.slice(0, v);
      const config = benchConfig({
        rpcUrl: chain.url,
        lens: fleet.lensAddress,
        dataDir: "unused",
        vaults: subset.map((x) => ({ address: x.address })),
      });
      ticks.set(
        v,
        await timeTicks({
          config,
          agent,
          reader,
          first: (a) => reader.snapshot(a, agent),
          iterations: v === 200 ? 3 : 5,
          warmup: 1,
        }),
      );
    }
    return { node: "anvil", setupSeconds, readNode: summarize(node), ticks };
  } finally {
    await chain.close();
  }
}
