/**
 * Loss write-downs against the real contracts on the embedded chain: a strategy loses value, and the daemon's next tick
 * sends `vault.realizeLoss(strategy)` through the executor (journaled, nonce-managed), so the vault's mark drops to the
 * live value; once per mark, with no session needed, and not at all when turned off or within the tolerance.
 */
import { formatUnits } from "ethers";
import { describe, expect, it } from "vitest";
import { realizeLossCalldata } from "../../src/executor/executor.js";
import { AGENT, metricValue, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";

const env = useStack({ session: { perCall: 2_000_000n, perEpoch: 20_000_000n } });

const u = () => env.stack.unit;
const equalWeight = { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" };
const config = (over: Record<string, unknown> = {}) =>
  testConfig(env.chain, env.stack, tempDir("agent-losses-"), { planner: equalWeight, ...over });
const alloc = (i: number) => env.stack.vault.allocation(env.stack.strategyAddresses[i]!);
/** What the vault's shares of strategy `i` redeem for now. */
async function liveValue(i: number): Promise<bigint> {
  const s = env.stack.strategies[i]!;
  return await s.previewRedeem(await s.balanceOf(env.stack.vaultAddress));
}
/** Burns `bps` of strategy `i`'s assets: every holder's share price falls (below the quarantine's 5% jump). */
async function lose(i: number, bps: bigint): Promise<void> {
  const s = env.stack.strategies[i]!;
  await (await s.simulateLoss(((await s.totalAssets()) * bps) / 10_000n)).wait();
}
/** Transactions the agent sent to the vault calling realizeLoss, oldest first. */
async function realizeLossTxs(): Promise<string[]> {
  const head = await env.chain.provider.getBlockNumber();
  const out: string[] = [];
  for (let b = 0; b <= head; b++) {
    const block = await env.chain.provider.getBlock(b, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from === AGENT && tx.data.startsWith(realizeLossCalldata(env.stack.strategyAddresses[0]!).slice(0, 10)))
        out.push(tx.data);
    }
  }
  return out;
}

describe("the daemon writes losses down as soon as it sees one", () => {
  it("test_realizeLoss_strategyLosesValue: sends realizeLoss, the mark drops to the live value, once per mark", async () => {
    const d = await startDaemon(env.chain, config());
    expect((await d.daemon.tick())[0]!.report!.result.kind, "spread equally first").toBe("sent");
    const before = await alloc(1);
    expect(before).toBeGreaterThan(0n);

    await lose(1, 100n); // 1%
    const live = await liveValue(1);
    expect(before - live, "a real loss").toBeGreaterThan(1n);
    await env.chain.increaseTime(120);
    const [tick] = await d.daemon.tick();
    const result = tick!.report!.result;
    expect(result, JSON.stringify(result)).toMatchObject({
      kind: "realize-loss",
      strategy: env.stack.strategyAddresses[1],
      confirmed: true,
    });
    expect(await alloc(1), "the mark is the live value").toBe(live);
    expect(await env.stack.vault.totalAllocated(), "and so is the total").toBe(
      (await alloc(0)) + live + (await alloc(2)),
    );

    const lines = d.logs.lines.filter((l) => l.level === 40 && /writing it down/.test(l.msg));
    expect(lines).toHaveLength(1);
    // Token units (the mock asset has 6 decimals), and base units for machines.
    const units = (v: bigint) => formatUnits(v, 6).replace(/\.0$/, "");
    expect(lines[0]).toMatchObject({
      strategy: env.stack.strategyAddresses[1],
      allocation: units(before),
      value: units(live),
      loss: units(before - live),
    });
    expect(lines[0]).toMatchObject({
      allocationBaseUnits: before.toString(),
      valueBaseUnits: live.toString(),
      lossBaseUnits: (before - live).toString(),
    });
    expect(lines[0]!.msg).toMatch(
      new RegExp(
        `^strategy #1 ${env.stack.strategyAddresses[1]} is worth [\\d,.]+ against the vault's mark of [\\d,.]+: a loss of [\\d,.]+; writing it down \\(realizeLoss\\)$`,
      ),
    );
    const entries = d.journal.entries().filter((e) => e.record.action);
    expect(entries, "journaled like a rebalance").toHaveLength(1);
    expect(entries[0]!.record.action).toEqual({
      kind: "realize-loss",
      strategy: env.stack.strategyAddresses[1],
      allocation: before,
      value: live,
    });
    expect(entries[0]!.outcome?.status).toBe("confirmed");
    expect(
      await metricValue(d.metrics, "agent_losses_realized_total", { strategy: env.stack.strategyAddresses[1]! }),
    ).toBe(1);

    // The following ticks manage the vault again and never write the same mark down twice.
    for (let i = 0; i < 2; i++) {
      await env.chain.increaseTime(120);
      const [next] = await d.daemon.tick();
      expect(next!.report!.result.kind).not.toBe("realize-loss");
    }
    expect(await realizeLossTxs(), "one realizeLoss sent").toHaveLength(1);
  });

  it("test_realizeLoss_withoutSession: writes down while the agents are paused (it needs no session), still standing down", async () => {
    const d = await startDaemon(env.chain, config());
    await d.daemon.tick();
    await (await env.stack.sessions.connect(env.stack.guardian).pauseAgents()).wait();
    await lose(0, 200n);
    const [tick] = await d.daemon.tick();
    expect(tick!.report!.result.kind, "the tick still stands down").toBe("stand-down");
    expect(tick!.report!.writeDown, "and writes the loss down").toMatchObject({
      kind: "realize-loss",
      strategy: env.stack.strategyAddresses[0],
      confirmed: true,
    });
    expect(await alloc(0)).toBe(await liveValue(0));
    const [next] = await d.daemon.tick();
    expect(next!.report!.writeDown, "once").toBeUndefined();
  });

  it("test_realizeLoss_disabledOrWithinTolerance: nothing sent", async () => {
    const off = await startDaemon(env.chain, config({ losses: { realize: false } }));
    await off.daemon.tick();
    await lose(2, 100n);
    const marked = await alloc(2);
    await env.chain.increaseTime(120);
    expect((await off.daemon.tick())[0]!.report!.result.kind).not.toBe("realize-loss");
    expect((await alloc(2)) <= marked, "turned off: the mark is left to others").toBe(true);
    expect(await realizeLossTxs()).toEqual([]);

    // A loss of about 3,000 units: within a 5,000 tolerance, past a 1,000 one.
    const s2 = env.stack.strategies[2]!;
    const loss = (marked - (await liveValue(2))) / u();
    expect(loss > 1_000n && loss < 5_000n, `a loss of ${loss}`).toBe(true);
    const tolerant = await startDaemon(env.chain, config({ losses: { tolerance: "5000" } }));
    expect((await tolerant.daemon.tick())[0]!.report!.result.kind).not.toBe("realize-loss");
    const strict = await startDaemon(env.chain, config({ losses: { tolerance: "1000" } }));
    expect((await strict.daemon.tick())[0]!.report!.result.kind).toBe("realize-loss");
    expect(await alloc(2)).toBe(await s2.previewRedeem(await s2.balanceOf(env.stack.vaultAddress)));
  });
});
