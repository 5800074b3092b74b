/**
 * JSON-RPC requests per vault per tick, counted at a loopback proxy between the daemon and the chain. The daemon is
 * wired exactly as `run` wires it (`createProvider`, `assertChain`, `buildRunners` with the wallet, so the executor
 * signs and sends), for a few vaults at once:
 * - idle: ticks where every vault acts through its session, plans, and holds (nothing worth moving);
 * - rebalancing: the tick after a strategy's yield changed, where every vault plans, checks, simulates, signs and
 *   sends a rebalance, on a chain that does not mine at once (automine off, as on a real network); then a tick while
 *   the transactions wait in the mempool, and the tick after they are mined, where each vault settles its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCountingProxy, type RpcCounts } from "@agent-treasury/agent/devnet";
import { Wallet } from "ethers";
import { dataPaths, type DaemonTick, type LensReader } from "./agent-internals.js";
import { AGENT_KEY, benchConfig } from "./config.js";
import { benchDaemon } from "./daemon.js";
import { addVault, type Fleet } from "./fleet.js";
import { writeHistoryFile } from "./synthetic.js";

export interface RpcFigures {
  vaults: number;
  startup: RpcCounts;
  idle: RpcCounts & { ticks: number };
  rebalance: RpcCounts;
  pending: RpcCounts;
  settle: RpcCounts;
  /** HTTP requests of one idle tick, all vaults together (their reads go out as one batch). */
  idleRequestsPerTick: number;
  /** Per vault per tick. */
  idleRequests: number;
  idleCalls: number;
  rebalanceRequests: number;
  rebalanceCalls: number;
  pendingRequests: number;
  pendingCalls: number;
  settleRequests: number;
  settleCalls: number;
  results: { idle: string[]; rebalance: string[]; pending: string[]; settle: string[] };
}

const kinds = (ticks: DaemonTick[]) => ticks.map((t) => t.report?.result.kind ?? `error: ${t.error?.message}`);

export async function measureRpcRequests(
  fleet: Fleet,
  reader: LensReader,
  options: { vaults: number; idleTicks: number; from: number },
): Promise<RpcFigures> {
  const vaults = [];
  for (let i = 0; i < options.vaults; i++) vaults.push(await addVault(fleet, { strategies: 3, from: options.from }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bench-rpc-"));
  const proxy = await startCountingProxy(fleet.chain.url);
  try {
    const config = benchConfig({
      rpcUrl: proxy.url,
      lens: fleet.lensAddress,
      dataDir: dir,
      vaults: vaults.map((v, i) => ({ address: v.address, label: `v${i}` })),
    });
    const wallet = new Wallet(AGENT_KEY);
    // Flat prices for the last 33 hours: no yield anywhere, so the planners hold until a strategy earns.
    const paths = dataPaths(config, wallet.address);
    for (const v of vaults)
      writeHistoryFile(paths.prices(v.address), await reader.snapshot(v.address, wallet.address), { apr: () => 0n });

    const { daemon, provider } = await benchDaemon(config);
    const startup = proxy.counts();

    proxy.reset();
    const idleKinds: string[] = [];
    for (let i = 0; i < options.idleTicks; i++) idleKinds.push(...kinds(await daemon.tick()));
    const idle = { ...proxy.counts(), ticks: options.idleTicks };

    // A strategy every vault holds earns: about 2.6% a year over the 33-hour window.
    const strategy = fleet.strategies[options.from]!;
    const total = await strategy.totalAssets();
    await (await strategy.simulateGain(total / 10_000n)).wait();
    await fleet.chain.setAutomine(false);
    let rebalanceKinds: string[];
    let pendingKinds: string[];
    let settleKinds: string[];
    let rebalance: RpcCounts;
    let pending: RpcCounts;
    let settle: RpcCounts;
    try {
      proxy.reset();
      rebalanceKinds = kinds(await daemon.tick());
      rebalance = proxy.counts();
      proxy.reset();
      pendingKinds = kinds(await daemon.tick());
      pending = proxy.counts();
      await fleet.chain.mine();
      proxy.reset();
      settleKinds = kinds(await daemon.tick());
      settle = proxy.counts();
    } finally {
      await fleet.chain.setAutomine(true);
    }
    provider.destroy();

    const n = options.vaults;
    return {
      vaults: n,
      startup,
      idle,
      rebalance,
      pending,
      settle,
      idleRequestsPerTick: idle.requests / options.idleTicks,
      idleRequests: idle.requests / (n * options.idleTicks),
      idleCalls: idle.calls / (n * options.idleTicks),
      rebalanceRequests: rebalance.requests / n,
      rebalanceCalls: rebalance.calls / n,
      pendingRequests: pending.requests / n,
      pendingCalls: pending.calls / n,
      settleRequests: settle.requests / n,
      settleCalls: settle.calls / n,
      results: { idle: idleKinds, rebalance: rebalanceKinds, pending: pendingKinds, settle: settleKinds },
    };
  } finally {
    await proxy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
