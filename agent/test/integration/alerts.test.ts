/**
 * Webhook alerts from a daemon assembled as `run` assembles it, on the embedded chain with the real contracts, to a
 * receiver started by the test: the key without gas and funded again, a guardian pause and its end, a quarantined
 * strategy, a session about to expire, a transaction of the agent key the journal never made; each sent once, with its
 * recovery, and no body carrying a secret. Then a receiver that refuses connections, never answers, answers 500, and
 * comes up: the alert is retried and delivered once, and the ticks take no longer while it is down.
 */
import { parseEther, Wallet } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { grantSession } from "../../devnet/stack.js";
import type { AgentConfig } from "../../src/config/schema.js";
import { assembleDaemon } from "../../src/daemon/assemble.js";
import { Metrics } from "../../src/obs/metrics.js";
import { systemClock } from "../../src/util/clock.js";
import { AGENT, AGENT_KEY, metricValue, tempDir, testConfig, useStack } from "../support/daemon-harness.js";
import { memoryLogger } from "../support/logs.js";
import { startReceiver, until } from "../support/webhook-receiver.js";

const env = useStack();
const TOKEN = "Bearer alert-token-8f2c";
const RPC_PASSWORD = "rpc-pass-77d1";

/** The test's config with alerts to `url`, and an RPC URL with credentials that no alert may carry. */
function config(url: string, alerts: Record<string, unknown> = {}): AgentConfig {
  const { chain, stack } = env;
  return testConfig(chain, stack, tempDir("agent-alerts-"), {
    network: {
      rpcUrl: `http://operator:${RPC_PASSWORD}@127.0.0.1:${chain.port}/v3/${RPC_PASSWORD}`,
      chainId: chain.chainId,
      pollIntervalMs: 100,
    },
    planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
    alerts: {
      targets: [{ url, format: "json", headers: { Authorization: TOKEN } }],
      retry: { maxAttempts: 200, initialDelayMs: 25, maxDelayMs: 200 },
      ...alerts,
    },
  });
}

async function assemble(c: AgentConfig) {
  const logs = memoryLogger();
  const metrics = new Metrics();
  // The daemon reaches the chain through the test's provider: the credentialed URL above is only configured.
  const a = await assembleDaemon({
    config: c,
    provider: env.chain.provider,
    wallet: new Wallet(AGENT_KEY),
    chainId: BigInt(env.chain.chainId),
    clock: systemClock,
    log: logs.log,
    metrics,
  });
  return { ...a, logs, metrics };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe("webhook alerts from the daemon", () => {
  it("gas, stand-down, quarantine, expiry and an unrecorded transaction: each sent once, with its recovery, no secret in any body", async () => {
    const { chain, stack } = env;
    const receiver = await startReceiver();
    closers.push(receiver.close);
    await grantSession(stack, {
      agent: AGENT,
      durationSeconds: 2 * 3_600,
      maxVolumePerCall: 2_000_000n * stack.unit,
      maxVolumePerEpoch: 20_000_000n * stack.unit,
      minInterval: 0,
    });
    await chain.provider.send("hardhat_setBalance", [AGENT, "0x0"]);
    const d = await assemble(config(receiver.url()));
    closers.push(() => d.notifier!.close(100));
    const tick = async () => (await d.daemon.tick())[0]!.report!.result.kind;
    const events = () =>
      receiver.received.map((r) =>
        r.body.event === "recovery"
          ? `recovery:${(r.body.details as Record<string, string>).resolves}`
          : String(r.body.event),
      );

    expect(await tick(), "the key cannot pay").toBe("deferred");
    await chain.provider.send("hardhat_setBalance", [AGENT, `0x${parseEther("1").toString(16)}`]);
    expect(await tick(), "funded: it sends").toBe("sent");
    await d.notifier!.drain(5_000);
    expect(events()).toEqual(["gas-low", "recovery:gas-low"]);

    await (await stack.sessions.connect(stack.guardian).pauseAgents()).wait();
    expect(await tick()).toBe("stand-down");
    expect(await tick(), "still standing down: not sent again").toBe("stand-down");
    await (await stack.sessions.connect(stack.governance).unpauseAgents()).wait();
    expect(await tick()).not.toBe("stand-down");

    const assets = await stack.strategies[1]!.totalAssets();
    await (await stack.strategies[1]!.simulateLoss(assets / 5n)).wait();
    expect(await tick(), "written down, and quarantined").toBe("realize-loss");

    await chain.increaseTime(3_600 + 600);
    await tick();

    // Someone else uses the agent key: the journal has no record of that nonce.
    const rogue = new Wallet(AGENT_KEY, chain.provider);
    await (await rogue.sendTransaction({ to: rogue.address, value: 0n })).wait();
    await tick();
    await until(() => events().includes("unrecorded-action"), 10_000, "the unrecorded transaction");
    await d.notifier!.drain(5_000);

    expect(events(), "each once, in order").toEqual([
      "gas-low",
      "recovery:gas-low",
      "stand-down",
      "recovery:stand-down",
      "quarantine",
      "session-expiring",
      "unrecorded-action",
    ]);
    const byEvent = (e: string) => receiver.received.find((r) => r.body.event === e)!.body;
    expect(byEvent("stand-down")).toMatchObject({
      severity: "critical",
      label: "main",
      vault: stack.vaultAddress,
      chainId: String(chain.chainId),
    });
    expect(byEvent("stand-down").message).toMatch(/^main: standing down: .*paused/);
    expect(byEvent("quarantine").message).toMatch(
      new RegExp(`^main: strategy ${stack.strategyAddresses[1]} quarantined \\(price-crash\\)`),
    );
    expect(byEvent("session-expiring").message).toMatch(/^main: session #1 expires in \d+m/);
    expect(byEvent("unrecorded-action").message).toMatch(
      new RegExp(`the agent key ${AGENT} sent a transaction the journal holds no record of \\(nonce \\d+\\)`),
    );
    expect(
      receiver.received.every((r) => r.headers.authorization === TOKEN),
      "the header is sent",
    ).toBe(true);
    for (const r of receiver.received) {
      for (const secret of [TOKEN, RPC_PASSWORD, AGENT_KEY, AGENT_KEY.slice(2), "operator:"])
        expect(r.raw, `no ${secret.slice(0, 6)}… in a body`).not.toContain(secret);
    }
    expect(await metricValue(d.metrics, "agent_alerts_sent_total", { event: "recovery" })).toBe(2);
    expect(await metricValue(d.metrics, "agent_alerts_failed_total")).toBe(0);
    expect(d.logs.raw.join(""), "neither the header value nor the webhook path logged").not.toMatch(
      /alert-token|\/hook/,
    );
  }, 120_000);

  it("a receiver down (refused, silent, then 500s, then up): retried, delivered once, the ticks never slowed", async () => {
    const { chain, stack } = env;
    // A port the receiver listens on later: refused until then.
    const receiver = await startReceiver();
    closers.push(receiver.close);
    await receiver.down();
    const measure = async (d: Awaited<ReturnType<typeof assemble>>, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        expect((await d.daemon.tick())[0]!.report!.result.kind, "no session: stands down").toBe("stand-down");
        out.push(performance.now() - t);
      }
      return out.sort((a, b) => a - b)[Math.floor(n / 2)]!;
    };
    // The same daemon without alerts, as the measure to compare with.
    const plain = await assemble(testConfig(chain, stack, tempDir("agent-alerts-")));
    const baseline = await measure(plain, 8);

    const d = await assemble(config(receiver.url(), { requestTimeoutMs: 1_000 }));
    closers.push(() => d.notifier!.close(100));
    const refused = await measure(d, 8);
    expect(d.notifier!.pending, "waiting for the receiver").toBe(1);
    expect(
      d.logs.messages().filter((m) => /alert target .* failed \(ECONNREFUSED\); retrying with backoff/.test(m)),
      "refused, said once",
    ).toHaveLength(1);

    await receiver.restart();
    // Up, but it answers nothing: each request waits out requestTimeoutMs (1 s), the ticks none of it.
    receiver.answer(0);
    await until(() => receiver.arrived.length >= 1, 10_000, "a request to the silent receiver");
    const silent = await measure(d, 8);
    receiver.answer(500);
    const before = receiver.arrived.length;
    await until(() => receiver.arrived.length >= before + 2, 10_000, "retries answered 500");
    const failing = await measure(d, 8);
    expect(receiver.received, "nothing accepted while it answers 500").toHaveLength(0);

    receiver.answer(200);
    await d.notifier!.drain(10_000);
    await measure(d, 3);
    await d.notifier!.drain(5_000);
    expect(
      receiver.received.map((r) => r.body.event),
      "delivered once up, never twice",
    ).toEqual(["stand-down"]);
    expect(await metricValue(d.metrics, "agent_alerts_sent_total", { event: "stand-down" })).toBe(1);
    expect(await metricValue(d.metrics, "agent_alerts_failed_total")).toBe(0);
    // Requests go out on the notifier's own timer: a tick waits for none of them.
    for (const [what, median] of [
      ["refuses connections", refused],
      ["answers nothing", silent],
      ["answers 500", failing],
    ] as const) {
      expect(
        median,
        `median tick while the receiver ${what}: ${median.toFixed(1)} ms against ${baseline.toFixed(1)} ms`,
      ).toBeLessThan(baseline * 2 + 25);
    }
  }, 120_000);
});
