/**
 * JSON-RPC round trips of the daemon wired as `run` wires it, counted at a loopback proxy: one on an idle tick, for
 * all vaults together (their lens snapshots in one batch); three on the tick that sends a rebalance (snapshot;
 * simulation with fees and nonce; the
 * broadcast with a look at its status, which settles it at once on a chain that mines at once); two on a tick that
 * follows a transaction still pending (snapshot; receipt with nonce and mempool status).
 */
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../devnet/chain.js";
import { startCountingProxy, type CountingProxy } from "../../devnet/rpc-proxy.js";
import { deployVault, type Stack } from "../../devnet/stack.js";
import { assertChain, buildRunners, createProvider } from "../../src/daemon/build.js";
import { createAgent } from "../../src/daemon/create-agent.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { Metrics } from "../../src/obs/metrics.js";
import { systemClock } from "../../src/util/clock.js";
import { memoryLogger } from "../support/logs.js";
import { AGENT, AGENT_KEY, startStack, tempDir, testConfig } from "../support/daemon-harness.js";

let chain: LocalChain;
let stack: Stack;
let proxy: CountingProxy;

beforeAll(async () => {
  ({ chain, stack } = await startStack({ session: { perCall: 600_000n, perEpoch: 3_000_000n, minInterval: 0 } }));
  proxy = await startCountingProxy(chain.url);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await chain?.close();
});

describe("requests per tick", () => {
  it("one when idle, three to send a rebalance, two while it is pending", async () => {
    const config = testConfig(chain, stack, tempDir(), {
      network: { rpcUrl: proxy.url, chainId: 31337, confirmations: 1, pollIntervalMs: 100 },
    });
    const provider = createProvider(config);
    await assertChain(provider, config);
    const { log } = memoryLogger();
    const { runners } = await buildRunners({
      config,
      provider,
      agent: AGENT,
      clock: systemClock,
      log,
      metrics: new Metrics(),
      wallet: new Wallet(AGENT_KEY),
    });
    const daemon = new Daemon(runners, systemClock, log, new Metrics(), { pollIntervalMs: 100 });
    const tick = async () => {
      proxy.reset();
      const [t] = await daemon.tick();
      return { result: t!.report!.result, kind: t!.report!.result.kind, ...proxy.counts() };
    };

    // No yield history yet: idle above the buffer goes out in an equal split, sent like any rebalance.
    expect(await tick(), "the first tick's equal split").toMatchObject({
      kind: "sent",
      requests: 3,
      result: { confirmed: true },
    });
    await chain.increaseTime(3_600);
    expect(await tick(), "idle with a history, no fee quote").toMatchObject({
      kind: "hold",
      requests: 1,
      calls: 1,
      methods: { eth_call: 1 },
    });

    await chain.increaseTime(3_600);
    await (await stack.strategies[1]!.simulateGain(2n * stack.unit)).wait();
    const sending = await tick();
    expect(sending, JSON.stringify(sending.methods)).toMatchObject({
      kind: "sent",
      requests: 3,
      result: { confirmed: true },
    });
    expect(sending.methods).toEqual({
      eth_call: 1,
      eth_estimateGas: 1,
      eth_getBlockByNumber: 1,
      eth_maxPriorityFeePerGas: 1,
      eth_getTransactionCount: 2,
      eth_getBalance: 1,
      eth_sendRawTransaction: 1,
      eth_getTransactionReceipt: 1,
      eth_getTransactionByHash: 1,
    });
    expect(await tick(), "settled already: the next tick is idle").toMatchObject({ requests: 1, calls: 1 });

    // A chain that does not mine at once: the rebalance waits in the mempool, followed with one batched read a tick.
    await chain.setAutomine(false);
    try {
      await chain.increaseTime(3_600);
      const gain = await stack.strategies[2]!.simulateGain(20n * stack.unit);
      await chain.mine();
      await gain.wait();
      const pendingSend = await tick();
      expect(pendingSend, JSON.stringify(pendingSend.methods)).toMatchObject({
        kind: "sent",
        requests: 3,
        result: { confirmed: false },
      });
      const following = await tick();
      expect(following, JSON.stringify(following.methods)).toMatchObject({
        kind: "in-flight",
        requests: 2,
        methods: { eth_call: 1, eth_getTransactionReceipt: 1 },
      });
      await chain.mine();
      const settling = await tick();
      expect(settling.requests, JSON.stringify(settling.methods)).toBeLessThanOrEqual(2);
    } finally {
      await chain.setAutomine(true);
    }
    provider.destroy();
  });

  it("one for all vaults together when idle: every vault's snapshot in one batch", async () => {
    // 16 more vaults on the same lens, with no session: each reads and stands down, as the first reads and holds.
    // 17 vaults: more than the 16 calls a request carried before, so the old provider would have sent two.
    const others = [];
    for (let i = 0; i < 16; i++)
      others.push(
        await deployVault(stack.governance, await stack.asset.getAddress(), await stack.sessions.getAddress()),
      );
    const vaults = [
      { address: stack.vaultAddress, label: "main" },
      ...(await Promise.all(others.map(async (v, i) => ({ address: await v.getAddress(), label: `other-${i}` })))),
    ];
    const config = testConfig(chain, stack, tempDir(), {
      network: { rpcUrl: proxy.url, chainId: 31337, confirmations: 1, pollIntervalMs: 100 },
      vaults,
    });
    const provider = createProvider(config);
    await assertChain(provider, config);
    const { log } = memoryLogger();
    const { runners } = await buildRunners({
      config,
      provider,
      agent: AGENT,
      clock: systemClock,
      log,
      metrics: new Metrics(),
      wallet: new Wallet(AGENT_KEY),
    });
    const daemon = new Daemon(runners, systemClock, log, new Metrics(), { pollIntervalMs: 100 });
    // Ticks until the first vault has nothing worth moving (its history begun, its first moves made): an idle tick.
    let ticks: Awaited<ReturnType<Daemon["tick"]>> = [];
    for (let i = 0; i < 5 && ticks[0]?.report?.result.kind !== "hold"; i++) {
      await chain.increaseTime(3_600);
      proxy.reset();
      ticks = await daemon.tick();
    }
    expect(ticks.map((t) => t.report?.result.kind)).toEqual(["hold", ...others.map(() => "stand-down")]);
    expect(proxy.counts(), "all 17 snapshots in one request").toMatchObject({
      requests: 1,
      calls: 17,
      methods: { eth_call: 17 },
    });
    provider.destroy();

    // The daemon as `run` assembles it (`createAgent`: the dashboard's strategy names, the notifier), over the same
    // vaults and data: every idle tick is that one request, the first after start too. The strategies' ERC-20 names
    // are read at start; read at the first tick instead, they were a second request there (1.2 a tick over 5).
    const agentProvider = createProvider(config);
    await assertChain(agentProvider, config);
    const agent = await createAgent(config, { wallet: new Wallet(AGENT_KEY), provider: agentProvider, log });
    for (let i = 0; i < 3; i++) {
      await chain.mine(); // a new block, moments later: the vault still has nothing worth moving
      proxy.reset();
      ticks = await agent.daemon.tick();
      expect(ticks.map((t) => t.report?.result.kind)).toEqual(["hold", ...others.map(() => "stand-down")]);
      expect(proxy.counts(), `idle tick ${i + 1} of the assembled daemon: one request`).toMatchObject({
        requests: 1,
        calls: 17,
        methods: { eth_call: 17 },
      });
    }
    await agent.close();
    agentProvider.destroy();

    // An endpoint that caps its batches: `network.maxBatchCalls` 5 sends the same 17 snapshots as 4 requests.
    const cappedConfig = testConfig(chain, stack, tempDir(), {
      network: { rpcUrl: proxy.url, chainId: 31337, confirmations: 1, pollIntervalMs: 100, maxBatchCalls: 5 },
      vaults,
    });
    const capped = createProvider(cappedConfig);
    await assertChain(capped, cappedConfig);
    const built = await buildRunners({
      config: cappedConfig,
      provider: capped,
      agent: AGENT,
      clock: systemClock,
      log,
      metrics: new Metrics(),
      wallet: new Wallet(AGENT_KEY),
    });
    const cappedDaemon = new Daemon(built.runners, systemClock, log, new Metrics(), { pollIntervalMs: 100 });
    ticks = [];
    for (let i = 0; i < 5 && ticks[0]?.report?.result.kind !== "hold"; i++) {
      await chain.increaseTime(3_600);
      proxy.reset();
      ticks = await cappedDaemon.tick();
    }
    expect(ticks[0]?.report?.result.kind).toBe("hold");
    expect(proxy.counts(), "17 snapshots in requests of at most 5 calls").toMatchObject({
      requests: 4,
      calls: 17,
      methods: { eth_call: 17 },
    });
    capped.destroy();
  });
});
