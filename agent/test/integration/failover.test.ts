/**
 * RPC failover with two endpoints in front of the embedded chain. The provider: a dead or faulty first endpoint sends
 * the request to the second, which is used while the first rests, then the first gets requests again; a revert or a
 * request-level error is not failed over. The daemon: with its first URL dead or faulty, it still ticks and rebalances
 * through the second, says so in its logs and counts it. A lagging node never makes it repeat its own rebalance.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Wallet } from "ethers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../devnet/anvil.js";
import { fund } from "../../devnet/stack.js";
import { parseConfig } from "../../src/config/load.js";
import { assertChain, createProvider } from "../../src/daemon/build.js";
import { rebalanceCalldata } from "../../src/executor/executor.js";
import { ProviderSimulator } from "../../src/executor/sender.js";
import { ChainMismatchError, RevertError, RpcError } from "../../src/failures.js";
import { Metrics } from "../../src/obs/metrics.js";
import {
  AGENT,
  AGENT_KEY,
  metricValue,
  rebalancedEvents,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";
import { FaultProxy, type FaultKind } from "../support/fault-proxy.js";
import { memoryLogger } from "../support/logs.js";

let primary: FaultProxy;
let secondary: FaultProxy;
let deadUrl: string;

const env = useStack({ session: { perCall: 1_000_000n, perEpoch: 5_000_000n } });

beforeAll(async () => {
  primary = await FaultProxy.start({ upstream: env.chain.url, seed: 11, holdMs: 2_000 });
  secondary = await FaultProxy.start({ upstream: env.chain.url, seed: 12 });
  // A port nothing listens on: connection refused.
  deadUrl = `http://127.0.0.1:${await freePort()}`;
}, 60_000);

afterAll(async () => {
  await primary?.close();
  await secondary?.close();
});

beforeEach(async () => {
  primary.clearFaults();
  secondary.clearFaults();
  primary.lag = undefined;
  await env.chain.setAutomine(true);
});

const count = (p: FaultProxy) => p.stats.requests;

function failover(urls: string[], now: { t: number }, timeoutMs = 250) {
  const logs = memoryLogger();
  const metrics = new Metrics();
  const config = parseConfig(
    {
      network: { rpcUrls: urls, chainId: 31337, requestTimeoutMs: timeoutMs, retryFailedAfterMs: 10_000 },
      lens: env.stack.lensAddress,
      tx: { maxFeePerGasGwei: "500" },
      planner: { minMove: "1", nativePriceInAsset: "1" },
      vaults: [{ address: env.stack.vaultAddress }],
    },
    {},
  );
  const provider = createProvider(config, { log: logs.log, metrics, now: () => now.t });
  return { provider, logs, metrics };
}

describe("failover provider", () => {
  it.each<[string, FaultKind | "dead"]>([
    ["connection refused", "dead"],
    ["dropped connections", "drop"],
    ["timeouts", "timeout"],
    ["HTTP 429", "rate-limit"],
    ["HTTP 5xx", "http-error"],
    ["JSON-RPC server errors", "rpc-error"],
  ])("%s on the first endpoint: answered by the second, which is used while the first rests", async (_, kind) => {
    const now = { t: 1_000 };
    if (kind !== "dead") primary.setFaults({ [kind]: 1 });
    const { provider, logs, metrics } = failover([kind === "dead" ? deadUrl : primary.url, secondary.url], now);
    const first = kind === "dead" ? "http://127.0.0.1" : primary.url;
    const p0 = count(primary);
    const s0 = count(secondary);
    const started = Date.now();
    expect(await provider.getBlockNumber(), "answered").toBe(await env.chain.provider.getBlockNumber());
    expect(Date.now() - started, "within one request timeout plus the second request").toBeLessThan(1_000);
    expect(count(secondary) - s0, "the second endpoint answered").toBe(1);
    if (kind !== "dead") expect(count(primary) - p0, "the first was tried once").toBe(1);
    expect(provider.activeEndpoint).toBe(secondary.url);
    expect(logs.lines.find((l) => l.msg === "RPC failed over to the next endpoint")).toMatchObject({
      to: secondary.url,
    });
    expect(logs.lines.find((l) => l.msg === "RPC endpoint failed")?.endpoint).toContain(first);
    expect(await metricValue(metrics, "agent_rpc_failovers_total", { to: secondary.url })).toBe(1);
    expect(await metricValue(metrics, "agent_rpc_active_endpoint", { endpoint: secondary.url })).toBe(1);

    // While the first rests, it is not asked again.
    for (let i = 0; i < 5; i++) await provider.getBlockNumber();
    if (kind !== "dead") expect(count(primary) - p0, "resting").toBe(1);
    expect(count(secondary) - s0).toBe(6);

    // After the rest, and healthy again, the first endpoint takes the requests back.
    primary.clearFaults();
    now.t += 10_001;
    if (kind !== "dead") {
      await provider.getBlockNumber();
      expect(provider.activeEndpoint).toBe(primary.url);
      expect(logs.messages()).toContain("RPC back on a preferred endpoint");
      expect(await metricValue(metrics, "agent_rpc_active_endpoint", { endpoint: primary.url })).toBe(1);
    }
    provider.destroy();
  });

  it("does not fail over a revert, nor a request the node refuses for what it is", async () => {
    const now = { t: 0 };
    const { provider } = failover([primary.url, secondary.url], now);
    const s0 = count(secondary);
    const data = rebalanceCalldata([{ strategy: AGENT, assets: 1n }], 1n, `0x${"00".repeat(32)}`);
    await expect(new ProviderSimulator(provider, AGENT).call(env.stack.vaultAddress, data)).rejects.toBeInstanceOf(
      RevertError,
    );
    // A transaction signed for another chain: refused by the node; another node would refuse it too.
    const raw = await new Wallet(AGENT_KEY).signTransaction({
      to: AGENT,
      nonce: 0,
      gasLimit: 21_000,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      chainId: 5,
      type: 2,
    });
    await expect(provider.send("eth_sendRawTransaction", [raw])).rejects.toThrow();
    expect(count(secondary) - s0, "the second endpoint was never asked").toBe(0);
    expect(provider.activeEndpoint).toBe(primary.url);
    provider.destroy();
  });

  it("when every endpoint fails, the request fails within one timeout per endpoint", async () => {
    primary.setFaults({ timeout: 1 });
    secondary.setFaults({ timeout: 1 });
    const { provider, metrics } = failover([primary.url, secondary.url], { t: 0 }, 200);
    const started = Date.now();
    await expect(new ProviderSimulator(provider, AGENT).call(env.stack.vaultAddress, "0x")).rejects.toBeInstanceOf(
      RpcError,
    );
    expect(Date.now() - started).toBeLessThan(800);
    expect(await metricValue(metrics, "agent_rpc_errors_total", { kind: "timeout" })).toBe(1);
    expect(
      (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === "agent_rpc_errors_total")?.values,
    ).toHaveLength(2);
    provider.destroy();
  });

  it("at start, every reachable endpoint must serve the configured chain; an unreachable one is only a warning", async () => {
    const other = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        const { id } = JSON.parse(body) as { id: number };
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x1" }));
      });
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const config = (urls: string[]) =>
        testConfig(env.chain, env.stack, tempDir(), {
          network: { rpcUrls: urls, chainId: 31337, requestTimeoutMs: 500 },
        });
      const wrong = config([primary.url, otherUrl]);
      const err = await assertChain(createProvider(wrong), wrong).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainMismatchError);
      expect(String((err as Error).message)).toBe(
        `invalid config: network.chainId: the RPC endpoint ${otherUrl} serves chain 1, the configuration expects 31337`,
      );

      const { log, lines } = memoryLogger();
      const halfDead = config([deadUrl, primary.url]);
      expect(await assertChain(createProvider(halfDead), halfDead, log)).toBe(31337n);
      expect(
        lines.find((l) => l.msg.startsWith(`RPC endpoint ${deadUrl} unreachable at start (connection: `))?.endpoint,
      ).toBe(deadUrl);

      const allDead = config([deadUrl]);
      const allDeadLogs = memoryLogger();
      await expect(assertChain(createProvider(allDead), allDead, allDeadLogs.log)).rejects.toThrow(
        `cannot reach the RPC endpoint: ${deadUrl} (connection:`,
      );
      expect(allDeadLogs.lines, "no line says it will be tried again: the start fails").toEqual([]);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it("logs and metrics name endpoints by scheme, host and port only (a key in the URL path stays out)", async () => {
    const keyed = `${secondary.url}/v3/secret-api-key-123`;
    const { provider, logs, metrics } = failover([deadUrl, keyed], { t: 0 });
    await provider.getBlockNumber();
    const text = logs.raw.join("") + (await metrics.registry.metrics());
    expect(text).toContain(secondary.url);
    expect(text).not.toContain("secret-api-key-123");
    provider.destroy();
  });
});

describe("daemon with two RPC endpoints", () => {
  const equalWeight = (urls: string[]) =>
    testConfig(env.chain, env.stack, tempDir(), {
      network: {
        rpcUrls: urls,
        chainId: 31337,
        confirmations: 1,
        pollIntervalMs: 100,
        requestTimeoutMs: 1_500,
        retryFailedAfterMs: 60_000,
      },
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
    });

  it.each<[string, FaultKind | "dead"]>([
    ["dead", "dead"],
    ["dropping connections", "drop"],
    ["timing out", "timeout"],
    ["rate-limiting", "rate-limit"],
    ["failing with HTTP 5xx", "http-error"],
    ["failing with JSON-RPC server errors", "rpc-error"],
  ])("first URL %s: the daemon ticks and rebalances through the second", async (_, kind) => {
    if (kind !== "dead") primary.setFaults({ [kind]: 1 });
    const first = kind === "dead" ? deadUrl : primary.url;
    const sentBefore = secondary.forwarded.size;
    const primarySent = primary.forwarded.size;
    const nonce0 = await env.chain.provider.getTransactionCount(AGENT, "latest");
    const d = await startDaemon(env.chain, equalWeight([first, secondary.url]), { viaConfig: true });
    const [tick] = await d.daemon.tick();
    expect(tick!.error, String(tick!.error)).toBeUndefined();
    expect(tick!.report!.result).toMatchObject({ kind: "sent", confirmed: true });
    expect(await rebalancedEvents(env.stack)).toHaveLength(1);
    expect(d.journal.entries()[0]!.outcome?.status).toBe("confirmed");
    expect(secondary.forwarded.size - sentBefore, "the transaction went through the second endpoint").toBe(1);
    expect(primary.forwarded.size - primarySent, "and never through the first").toBe(0);
    expect(await env.chain.provider.getTransactionCount(AGENT, "latest")).toBe(nonce0 + 1);
    expect(d.logs.messages()).toContain("RPC failed over to the next endpoint");
    expect(await metricValue(d.metrics, "agent_rpc_failovers_total", { to: secondary.url })).toBe(1);
    expect(d.daemon.health().healthy).toBe(true);
    d.provider.destroy();
  });

  it("a lagging node never makes the daemon repeat its own rebalance", async () => {
    const d = await startDaemon(env.chain, equalWeight([primary.url]), { viaConfig: true });
    const [sent] = await d.daemon.tick();
    expect(sent!.report!.result).toMatchObject({ kind: "sent", confirmed: true });
    const minedAt = d.journal.entries()[0]!.outcome!.blockNumber!;
    await env.chain.increaseTime(3_600); // past the session's minimum interval: only the stale view stops a repeat
    await fund(env.stack, env.stack.users[1]!, 1n * env.stack.unit);

    // The node now answers from before the rebalance: the vault looks unbalanced again.
    primary.lag = (await env.chain.provider.getBlockNumber()) - minedAt + 1;
    primary.setFaults({ stale: 1 });
    const [stale] = await d.daemon.tick();
    expect(stale!.report!.snapshot.blockNumber < BigInt(minedAt), "the snapshot predates our transaction").toBe(true);
    expect(stale!.report!.result.kind).toBe("stale");
    expect(d.logs.lines.some((l) => l.level === 40 && /older than block \d+ already seen/.test(l.msg))).toBe(true);
    primary.clearFaults();
    const [fresh] = await d.daemon.tick();
    expect(fresh!.report!.result.kind, "acts on current state again").toMatch(/^(hold|sent|wait)$/);
    expect(
      d.journal.entries().filter((e) => e.record.stateDigest === d.journal.entries()[0]!.record.stateDigest),
      "no decision taken twice",
    ).toHaveLength(1);
    expect(await rebalancedEvents(env.stack)).toHaveLength(d.journal.entries().length);
    d.provider.destroy();
  });

  it("a receipt found after the snapshot was read: the snapshot is read again before planning", async () => {
    const d = await startDaemon(env.chain, equalWeight([primary.url]), { viaConfig: true });
    await env.chain.setAutomine(false);
    const [sent] = await d.daemon.tick();
    expect(sent!.report!.result).toMatchObject({ kind: "sent", confirmed: false });
    await env.chain.mine();
    await env.chain.setAutomine(true);
    // Only state reads lag, by the one block our transaction is in (one backend behind a load balancer); receipts are
    // current. The snapshot is no older than the last one seen, so only the settled block shows it is stale.
    primary.lag = 1;
    primary.setFaults({ stale: 1 }, ["eth_call"]);
    const forwarded = primary.forwarded.size;
    const [tick] = await d.daemon.tick();
    expect(tick!.report!.settled.map((s) => s.state)).toEqual(["confirmed"]);
    expect(tick!.report!.result.kind, "both snapshots predate the confirmed rebalance").toBe("stale");
    expect(primary.forwarded.size, "nothing sent on stale state").toBe(forwarded);
    primary.clearFaults();
    await d.daemon.tick();
    expect(await rebalancedEvents(env.stack)).toHaveLength(
      d.journal.entries().filter((e) => e.outcome?.status === "confirmed").length,
    );
    expect(d.journal.inFlight()).toHaveLength(0);
    d.provider.destroy();
  });
});
