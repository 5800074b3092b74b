/**
 * Reaction: blocks from a yield change to the corrective rebalance being mined, on a chain that mines a block every
 * interval (interval mining, automine off). The daemon runs its own loop (`Daemon.run`, polling once per block time),
 * wired as `run` wires it, managing one vault whose price history is flat (no yield anywhere). Each trial makes one
 * strategy earn (`MockStrategy.simulateGain`, more each time so each trial calls for a move) and waits for the vault's
 * `Rebalanced` event; the figure is the event's block minus the gain's block.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { dataPaths, type LensReader } from "./agent-internals.js";
import { AGENT_KEY, benchConfig } from "./config.js";
import { benchDaemon } from "./daemon.js";
import { addVault, type Fleet } from "./fleet.js";
import { writeHistoryFile } from "./synthetic.js";

export interface ReactionFigures {
  blockMs: number;
  pollMs: number;
  /** Blocks per trial, in trial order; a trial with no rebalance within `timeoutBlocks` counts as that many. */
  blocks: number[];
  reacted: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureReaction(
  fleet: Fleet,
  reader: LensReader,
  options: { from: number; trials: number; blockMs: number; timeoutBlocks?: number },
): Promise<ReactionFigures> {
  const { chain } = fleet;
  const timeout = options.timeoutBlocks ?? 10;
  const v = await addVault(fleet, { strategies: 3, from: options.from });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bench-reaction-"));
  const wallet = new Wallet(AGENT_KEY);
  // Latency, not policy: each trial turns to a strategy an earlier trial may have just moved out of, which the
  // planner's
  // rule against reversals would hold back for `minHoldHours`; the rule is off here.
  const config = benchConfig({
    rpcUrl: chain.url,
    lens: fleet.lensAddress,
    dataDir: dir,
    vaults: [{ address: v.address, label: "reaction" }],
    pollIntervalMs: options.blockMs,
    planner: { minHoldHours: 0 },
  });
  writeHistoryFile(
    dataPaths(config, wallet.address).prices(v.address),
    await reader.snapshot(v.address, wallet.address),
    { apr: () => 0n },
  );
  const { daemon, provider } = await benchDaemon(config);

  await chain.setAutomine(false);
  await chain.rpc("evm_setIntervalMining", [options.blockMs]);
  const stop = new AbortController();
  const running = daemon.run(stop.signal);
  const blocks: number[] = [];
  let reacted = 0;
  try {
    await sleep(3 * options.blockMs); // the daemon reads the vault and holds
    for (let i = 0; i < options.trials; i++) {
      const strategy = fleet.strategies[options.from + (i % 3)]!;
      const total = await strategy.totalAssets();
      // 0.01% of the strategy's assets, doubling each trial: about 2.6% a year over the 33-hour history, then more.
      const receipt = await (await strategy.simulateGain((total * 2n ** BigInt(i)) / 10_000n)).wait();
      const gainBlock = receipt!.blockNumber;
      let rebalanceBlock: number | undefined;
      while (rebalanceBlock === undefined && (await chain.provider.getBlockNumber()) <= gainBlock + timeout) {
        const events = await v.vault.queryFilter(v.vault.filters.Rebalanced(), gainBlock, "latest");
        rebalanceBlock = events[0]?.blockNumber;
        if (rebalanceBlock === undefined) await sleep(50);
      }
      if (rebalanceBlock !== undefined) reacted++;
      blocks.push(rebalanceBlock === undefined ? timeout : rebalanceBlock - gainBlock);
      await sleep(2 * options.blockMs); // settled by the daemon's next ticks
    }
  } finally {
    stop.abort();
    await running;
    await chain.rpc("evm_setIntervalMining", [0]);
    await chain.setAutomine(true);
    provider.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { blockMs: options.blockMs, pollMs: config.network.pollIntervalMs, blocks, reacted };
}
