/**
 * The agent's figures for the bench command (`bash scripts/bench.sh`), as flat named numbers:
 * - time per tick of read, plan and check (`tick-time.ts`): the read on chain at 1, 20 and 64 strategies (a vault
 *   lists at most 64); plan and check on snapshots at 1, 20 and 100 strategies (100 built from the real 64-strategy
 *   snapshot, `synthetic.ts`); whole daemon ticks at 1, 10, 50 and 200 vaults, and the agent's own part of them
 *   (decode, plan, check of the node's answers kept in memory) at 50 and 200; the 50 and 200 vault ticks again on a
 *   second node, anvil (`second-node.ts`);
 * - JSON-RPC requests per vault per tick, idle and rebalancing (`rpc-count.ts`);
 * - reaction in blocks to a yield change, mining every block (`reaction.ts`);
 * - peak memory of the daemon managing 50 vaults (`memory.ts`) and the demos' wall time (`demo-time.ts`).
 * Everything runs on the embedded chain served on loopback (`agent/devnet/chain.ts`), as the agent's integration tests
 * do.
 */
import { startLocalChain } from "@agent-treasury/agent/devnet";
import { Wallet } from "ethers";
import { decodeSnapshot, lensInterface, LensReader, type VaultSnapshot } from "./agent-internals.js";
import { AGENT_KEY, benchConfig } from "./config.js";
import { measureDemos } from "./demo-time.js";
import { addVault, addVaults, deployFleet, type FleetVault } from "./fleet.js";
import { measureDaemonMemory } from "./memory.js";
import { measureReaction } from "./reaction.js";
import { measureRpcRequests } from "./rpc-count.js";
import { measureSecondNode } from "./second-node.js";
import { nowMs, round3, summarize, type Summary } from "./stats.js";
import { syntheticAddress, widenSnapshot } from "./synthetic.js";
import { answerReader, memoryReader, timeTicks, type TickTimes } from "./tick-time.js";

export type AgentFigures = Record<string, number>;

/** Strategies of the fleet: 0-63 for the timing vaults, then 3 for the request count and 3 for the reaction. */
const RPC_FROM = 64;
const REACTION_FROM = 67;

export async function measureAgent(options: { repoRoot: string; log?: (line: string) => void }): Promise<AgentFigures> {
  const log = options.log ?? (() => undefined);
  const started = nowMs();
  const f: AgentFigures = {};
  const put = (name: string, s: Summary) => {
    f[`${name}_median`] = round3(s.median);
    f[`${name}_p95`] = round3(s.p95);
  };
  const agent = new Wallet(AGENT_KEY).address;

  const chain = await startLocalChain();
  try {
    log("agent: deploying vaults on the embedded chain");
    const fleet = await deployFleet(chain, { strategies: 70 });
    const reader = new LensReader(chain.provider, fleet.lensAddress);
    const byStrategies = new Map<number, FleetVault>();
    for (const s of [1, 20, 64]) byStrategies.set(s, await addVault(fleet, { strategies: s }));
    const many1 = await addVaults(fleet, 50, { strategies: 1 });
    const many20 = await addVaults(fleet, 200, { strategies: 20 });
    f.agent_setup_seconds = round3((nowMs() - started) / 1000);

    // The read alone: one lens eth_call over loopback HTTP, decoded.
    log("agent: read, plan and check");
    for (const s of [1, 20, 64]) {
      const v = byStrategies.get(s)!;
      for (let i = 0; i < 5; i++) await reader.snapshot(v.address, agent);
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = nowMs();
        await reader.snapshot(v.address, agent);
        times.push(nowMs() - t);
      }
      put(`agent_read_ms_s${s}`, summarize(times));
      // The same read in its two parts: the node executing the lens, and the agent decoding the answer as the reader
      // decodes it (the plain decoder, not ethers' `Result` decoder, which is about 15 times slower).
      const data = lensInterface.encodeFunctionData("snapshot", [v.address, agent]);
      const node: number[] = [];
      const decode: number[] = [];
      for (let i = 0; i < 30; i++) {
        let t = nowMs();
        const raw = await chain.provider.send("eth_call", [{ to: fleet.lensAddress, data }, "latest"]);
        node.push(nowMs() - t);
        t = nowMs();
        decodeSnapshot(raw);
        decode.push(nowMs() - t);
      }
      put(`agent_read_node_ms_s${s}`, summarize(node));
      put(`agent_read_decode_ms_s${s}`, summarize(decode));
    }

    // Plan and check on snapshots: the real ones at 1 and 20 strategies, 100 built from the real 64-strategy one.
    const real = new Map<number, VaultSnapshot>();
    for (const s of [1, 20, 64]) real.set(s, await reader.snapshot(byStrategies.get(s)!.address, agent));
    const snapshotsAt = (s: number, vaults: number): VaultSnapshot[] =>
      Array.from({ length: vaults }, (_, k) => {
        const base = s === 100 ? widenSnapshot(real.get(64)!, 100) : real.get(s)!;
        return { ...base, vault: syntheticAddress(`bench vault ${s}:${k}`) };
      });
    const inMemory = async (s: number, vaults: number, iterations: number, warmup = 3): Promise<TickTimes> => {
      const snapshots = snapshotsAt(s, vaults);
      const map = new Map(snapshots.map((x) => [x.vault, x]));
      const config = benchConfig({
        rpcUrl: chain.url,
        lens: fleet.lensAddress,
        dataDir: "unused",
        vaults: snapshots.map((x) => ({ address: x.vault })),
      });
      return timeTicks({
        config,
        agent,
        reader: memoryReader(map),
        first: async (v) => map.get(v)!,
        iterations,
        warmup,
      });
    };
    for (const s of [1, 20, 100]) {
      const t = await inMemory(s, 1, 200);
      if (t.checkedPlans !== t.vaultTicks)
        throw new Error(
          `plan and check at ${s} strategies: only ${t.checkedPlans} of ${t.vaultTicks} ticks checked a plan`,
        );
      put(`agent_plan_check_ms_s${s}`, t.planCheck);
      put(`agent_plan_ms_s${s}`, t.plan);
      put(`agent_check_ms_s${s}`, t.check);
    }
    f.agent_plan_check_ratio_s100_vs_s1 = round3(f.agent_plan_check_ms_s100_median! / f.agent_plan_check_ms_s1_median!);

    // Whole ticks of the daemon's loop over 1, 10, 50 and 200 vaults: on chain at 1 and 20 strategies (200 vaults at
    // 20 only), from snapshots at 100.
    for (const v of [1, 10, 50, 200]) {
      const iterations = v === 200 ? 3 : v === 50 ? 5 : v === 10 ? 12 : 30;
      const warmup = v >= 50 ? 1 : 3;
      for (const [s, vaults] of [
        [1, many1],
        [20, many20],
      ] as const) {
        if (v > vaults.length) continue;
        const subset = vaults.slice(0, v);
        const config = benchConfig({
          rpcUrl: chain.url,
          lens: fleet.lensAddress,
          dataDir: "unused",
          vaults: subset.map((x) => ({ address: x.address })),
        });
        const t = await timeTicks({
          config,
          agent,
          reader,
          first: (a) => reader.snapshot(a, agent),
          iterations,
          warmup,
        });
        put(`agent_tick_rpc_ms_v${v}_s${s}`, t.readPlanCheck);
        put(`agent_tick_read_ms_v${v}_s${s}`, t.read);
        put(`agent_tick_plan_check_ms_v${v}_s${s}`, t.planCheck);
        put(`agent_tick_total_ms_v${v}_s${s}`, t.tick);
      }
      if (v <= 50) {
        const t = await inMemory(100, v, iterations, warmup);
        put(`agent_tick_rpc_ms_v${v}_s100`, t.readPlanCheck);
        put(`agent_tick_total_ms_v${v}_s100`, t.tick);
      }
    }
    f.agent_tick_per_vault_ratio_v50_vs_v1_s20 = round3(
      f.agent_tick_rpc_ms_v50_s20_median! / 50 / f.agent_tick_rpc_ms_v1_s20_median!,
    );

    // The agent's own part of a tick at 50 and 200 vaults of 20 strategies: the node's answers (the lens's raw results,
    // read once) decoded at every read as the reader decodes them, then plan and check; no node, no transfer.
    const answers = new Map<string, string>();
    for (const x of many20)
      answers.set(
        x.address,
        await chain.provider.send("eth_call", [
          { to: fleet.lensAddress, data: lensInterface.encodeFunctionData("snapshot", [x.address, agent]) },
          "latest",
        ]),
      );
    for (const v of [50, 200]) {
      const subset = many20.slice(0, v);
      const config = benchConfig({
        rpcUrl: chain.url,
        lens: fleet.lensAddress,
        dataDir: "unused",
        vaults: subset.map((x) => ({ address: x.address })),
      });
      const t = await timeTicks({
        config,
        agent,
        reader: answerReader(answers),
        first: async (a) => decodeSnapshot(answers.get(a)!),
        iterations: v === 200 ? 5 : 10,
        warmup: 2,
      });
      put(`agent_tick_own_ms_v${v}_s20`, t.readPlanCheck);
      put(`agent_tick_own_decode_ms_v${v}_s20`, t.read);
    }

    log("agent: JSON-RPC requests per tick");
    // 20 vaults: more than the 16 calls a request carried before `MAX_BATCH_CALLS`, so one request shows the whole fleet.
    const rpc = await measureRpcRequests(fleet, reader, { vaults: 20, idleTicks: 5, from: RPC_FROM });
    const expectKinds = (what: string, kinds: string[], want: string) => {
      if (kinds.some((k) => k !== want))
        throw new Error(`request count, ${what}: expected every vault to ${want}, got ${kinds.join(", ")}`);
    };
    expectKinds("idle", rpc.results.idle, "hold");
    expectKinds("rebalancing", rpc.results.rebalance, "sent");
    expectKinds("pending", rpc.results.pending, "in-flight");
    f.agent_rpc_requests_idle_per_tick_all_vaults = rpc.idleRequestsPerTick;
    f.agent_rpc_vaults = rpc.vaults;
    f.agent_rpc_requests_idle_per_vault_tick = rpc.idleRequests;
    f.agent_rpc_calls_idle_per_vault_tick = rpc.idleCalls;
    f.agent_rpc_requests_rebalance_per_vault_tick = rpc.rebalanceRequests;
    f.agent_rpc_calls_rebalance_per_vault_tick = rpc.rebalanceCalls;
    f.agent_rpc_requests_pending_per_vault_tick = rpc.pendingRequests;
    f.agent_rpc_calls_pending_per_vault_tick = rpc.pendingCalls;
    f.agent_rpc_requests_settle_per_vault_tick = rpc.settleRequests;
    f.agent_rpc_calls_settle_per_vault_tick = rpc.settleCalls;
    f.agent_rpc_requests_startup_per_vault = rpc.startup.requests / rpc.vaults;

    log("agent: reaction to a yield change, one block a second");
    const reaction = await measureReaction(fleet, reader, { from: REACTION_FROM, trials: 5, blockMs: 1_000 });
    const blocks = summarize(reaction.blocks);
    f.agent_reaction_blocks_median = blocks.median;
    f.agent_reaction_blocks_max = blocks.max;
    f.agent_reaction_trials = reaction.blocks.length;
    f.agent_reaction_trials_reacted = reaction.reacted;
    f.agent_reaction_block_ms = reaction.blockMs;

    log("agent: peak memory of the daemon managing 50 vaults");
    const memory = await measureDaemonMemory(fleet, reader, many20.slice(0, 50), {
      ticks: 3,
      pollIntervalMs: 500,
      // As memory-run.ts: on a loaded machine three ticks of 50 vaults have taken 150 s.
      timeoutMs: 300_000,
    });
    f.agent_daemon_peak_rss_mib_v50_s20 = round3(memory.peakRssMiB);
    f.agent_daemon_rss_after_first_tick_mib_v50_s20 = round3(memory.afterFirstTickRssMiB);
    f.agent_daemon_heap_used_mib_v50_s20 = round3(memory.heapUsedMiB);
    f.agent_daemon_memory_run_ticks = memory.ticks;
    f.agent_daemon_memory_run_seconds = round3(memory.seconds);
    f.agent_daemon_memory_run_cpu_seconds = round3(memory.cpuSeconds);
  } finally {
    await chain.close();
  }

  // The per-tick figures at 50 and 200 vaults of 20 strategies on a second node, anvil (revm), beside the embedded
  // chain's: the read is the node executing the lens.
  const second = await measureSecondNode(agent, log);
  f.agent_anvil_setup_seconds = round3(second.setupSeconds);
  put("agent_read_node_ms_s20_anvil", second.readNode);
  for (const [v, t] of second.ticks) {
    put(`agent_tick_rpc_ms_v${v}_s20_anvil`, t.readPlanCheck);
    put(`agent_tick_read_ms_v${v}_s20_anvil`, t.read);
    put(`agent_tick_plan_check_ms_v${v}_s20_anvil`, t.planCheck);
    put(`agent_tick_total_ms_v${v}_s20_anvil`, t.tick);
  }

  log("agent: demo wall time");
  const demos = await measureDemos(options.repoRoot);
  f.demo_seconds = round3(demos.demoSeconds);
  f.demo_agent_devnet_seconds = round3(demos.devnetSeconds);
  f.agent_bench_seconds = round3((nowMs() - started) / 1000);
  return f;
}
