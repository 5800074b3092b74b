/**
 * A base fee above the fee ceiling, on the daemon wired as `run` wires it: the plan is simulated once, then the vault
 * waits (one line when the wait starts, one when it ends, `agent_fee_ceiling_wait`, and /ready's "waiting: base fee
 * above the ceiling") with one fee read a tick and no simulation, and sends once the fee falls. Replacements are
 * counted
 * under the vault's label, as every other metric.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../src/util/clock.js";
import { metricValue, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";

const env = useStack({ session: { perCall: 1_000_000n, perEpoch: 5_000_000n } });
const GWEI = 10n ** 9n;

afterEach(async () => {
  await env.chain.setAutomine(true);
});

/** The next block's base fee, then that block. */
async function baseFeeNext(wei: bigint): Promise<void> {
  const method = env.chain.node === "anvil" ? "anvil_setNextBlockBaseFeePerGas" : "hardhat_setNextBlockBaseFeePerGas";
  await env.chain.rpc(method, [`0x${wei.toString(16)}`]);
  await env.chain.mine();
}

describe("fee ceiling", () => {
  it("a base fee above the ceiling: simulated once, one line when the wait starts and one when it ends, a gauge, /ready says so", async () => {
    const { daemon, executor, logs, metrics } = await startDaemon(
      env.chain,
      testConfig(env.chain, env.stack, tempDir()),
    );
    const prepare = vi.spyOn(executor, "prepare");
    await baseFeeNext(600n * GWEI); // the ceiling is 500 gwei
    const results: string[] = [];
    for (let i = 0; i < 4; i++) results.push((await daemon.tick())[0]!.report!.result.kind);

    expect(results, "every tick waits").toEqual(["deferred", "deferred", "deferred", "deferred"]);
    expect(prepare, "simulated once, not every tick").toHaveBeenCalledTimes(1);
    const waiting =
      "waiting: base fee 600 gwei above the fee ceiling of 500 gwei (tx.maxFeePerGasGwei); nothing is signed or simulated again until it falls";
    expect(
      logs.messages().filter((m) => m === waiting),
      "one line when the wait starts",
    ).toHaveLength(1);
    expect(logs.messages(), "no 'sending' line for a plan that is not sent").not.toContain(
      "plan passes the checks and the simulation; sending",
    );
    expect(await metricValue(metrics, "agent_fee_ceiling_wait", { vault: "main" })).toBe(1);
    const ready = daemon.readiness();
    expect(ready.vaults.main).toEqual({ state: "waiting", result: "deferred", reason: waiting });

    await baseFeeNext(1n * GWEI);
    const [sent] = await daemon.tick();
    expect(sent!.report!.result.kind).toBe("sent");
    expect(
      logs
        .messages()
        .filter((m) => /^the base fee \(.* gwei\) is under the fee ceiling of 500 gwei again; sending$/.test(m)),
      "one line when it ends",
    ).toHaveLength(1);
    expect(await metricValue(metrics, "agent_fee_ceiling_wait", { vault: "main" })).toBe(0);
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it("a loss write-down in a fee spike is simulated once too, and waits without a line each tick", async () => {
    const { daemon, executor, logs } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
    expect((await daemon.tick())[0]!.report!.result.kind, "spread first").toBe("sent");
    const s = env.stack.strategies[1]!;
    await (await s.simulateLoss((await s.totalAssets()) / 100n)).wait(); // 1%: a loss, below the quarantine's jump
    const writeDown = vi.spyOn(executor, "realizeLoss");
    const quote = vi.spyOn(env.chain.provider, "send");
    await baseFeeNext(600n * GWEI);
    quote.mockClear();
    for (let i = 0; i < 4; i++)
      expect((await daemon.tick())[0]!.report!.writeDown).toMatchObject({ kind: "deferred", feeWait: true });
    expect(writeDown).toHaveBeenCalledTimes(4);
    expect(
      quote.mock.calls.filter(([method]) => method === "eth_estimateGas"),
      "simulated once",
    ).toHaveLength(1);
    expect(
      logs.messages().filter((m) => m.startsWith("waiting: base fee 600 gwei")),
      "one line",
    ).toHaveLength(1);

    await baseFeeNext(1n * GWEI);
    expect((await daemon.tick())[0]!.report!.writeDown).toMatchObject({ kind: "realize-loss", confirmed: true });
  });

  it("a vault's own fee ceiling (vaults[].tx.maxFeePerGasGwei) lets it send through a spike above the global one", async () => {
    const config = testConfig(env.chain, env.stack, tempDir(), {
      vaults: [{ address: env.stack.vaultAddress, label: "main", tx: { maxFeePerGasGwei: "2000" } }],
    });
    const { daemon } = await startDaemon(env.chain, config);
    await baseFeeNext(600n * GWEI);
    const [t] = await daemon.tick();
    expect(t!.report!.result.kind).toBe("sent");
  });

  it("replacements are counted under the vault's label, as every other metric", async () => {
    const clock = new ManualClock();
    const { daemon, metrics } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()), { clock });
    await env.chain.setAutomine(false);
    await daemon.tick();
    clock.advance(35_000); // the timeout is 30 s
    const [late] = await daemon.tick();
    expect(late!.report!.settled[0]).toMatchObject({ state: "pending", replaced: true });
    expect(await metricValue(metrics, "agent_tx_replacements_total", { vault: "main" })).toBe(1);
  });
});
