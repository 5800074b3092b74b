/**
 * A drafted buffer cut on the embedded chain: the vault keeps 10% idle while members took at most 20,000 out within
 * two hours of a record long enough (shortened here by the configuration), and the strategy that earns has room. The
 * daemon drafts `setIdleBuffer` to what the exits, the floor and the margin need (never below them), sends nothing for
 * it, and, executed by governance as drafted, the draft is superseded. With the default record length (7 days) the
 * same hours rest nothing on it: no buffer draft.
 */
import { describe, expect, it } from "vitest";
import { vaultInterface } from "../../src/abi/index.js";
import { dataPaths } from "../../src/daemon/build.js";
import { BoundEvidence } from "../../src/drafts/evidence.js";
import { DraftStore } from "../../src/drafts/store.js";
import {
  AGENT,
  assembleTestDaemon,
  rebalancedEvents,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";

const env = useStack({ session: { perCall: 2_000_000n, perEpoch: 20_000_000n, durationSeconds: 30 * 86_400 } });
const u = () => env.stack.unit;

/** Six hours: strategy 1 earns each hour, a member takes 20,000 out in the third. */
async function sixHours(config: ReturnType<typeof testConfig>, refill = true) {
  const { vault, governance, strategyAddresses, users } = env.stack;
  await (await vault.connect(governance).setCaps(strategyAddresses[1]!, 10_000_000n * u(), 10_000)).wait();
  // The raise spent the exposure ramp's budget; a week refills it (a cut beyond the room left would revert).
  if (refill) await env.chain.increaseTime(7 * 86_400);
  const d = await assembleTestDaemon(env.chain, config);
  await d.daemon.tick();
  for (let h = 0; h < 6; h++) {
    await env.chain.increaseTime(3_600);
    await (await env.stack.strategies[1]!.simulateGain(2_000n * u())).wait();
    if (h === 2) {
      const member = users[0]!;
      await (await vault.connect(member).withdraw(20_000n * u(), member.address, member.address)).wait();
    }
    await d.daemon.tick();
  }
  return { ...d, paths: dataPaths(config, AGENT) };
}

const bufferDrafts = (dir: string) => DraftStore.read(dir).filter((x) => x.kind === "buffer");

describe("drafted buffer cuts", () => {
  it("the record shows the buffer is more than the exits need: a cut to what they need, never sent; executed, superseded", async () => {
    const dir = tempDir("agent-drafts-buffer-");
    const base = testConfig(env.chain, env.stack, dir);
    // Hours, not days, of record; no minimum hold (the agent lowers strategy 1 to refill idle after the exit, and
    // would not raise it again within a day).
    const config = testConfig(env.chain, env.stack, dir, {
      drafts: { buffer: { minHistoryDays: 0.2, outflowWindowHours: 2 } },
      planner: { ...base.planner, minHoldHours: 0 },
    });
    const d = await sixHours(config);
    const drafts = bufferDrafts(d.paths.drafts);
    expect(drafts, "one draft however many ticks see it").toHaveLength(1);
    const draft = drafts[0]!;
    expect(draft.status).toBe("open");
    expect(draft.bound).toEqual([{ idleBufferBps: 1_000 }]);
    const proposed = draft.changes[0]!.idleBufferBps as number;
    expect(draft.changes[0]!.kind).toBe("setIdleBuffer");
    expect(draft.calls[0]!.data).toBe(vaultInterface.encodeFunctionData("setIdleBuffer", [proposed]));
    // What the exits need: the 20,000 out (at the share price, a little more), no floor, 1% of ~1,000,000: ~3.1%.
    const total = await env.stack.vault.totalAssets();
    expect(proposed, "a cut").toBeLessThan(1_000);
    expect(proposed % 10, "in steps of 10 bps").toBe(0);
    expect((BigInt(proposed) * total) / 10_000n, "at least the outflow and the margin").toBeGreaterThanOrEqual(
      20_000n * u() + total / 100n,
    );
    expect(proposed).toBeLessThanOrEqual(320);
    const flows = new BoundEvidence(d.paths.evidence(env.stack.vaultAddress)).flows;
    expect(flows.length, "a sample a tick (an hour apart)").toBe(7);
    // Drafted at the tick whose record first reached 0.2 days (six samples); the same draft after.
    expect(draft.evidence).toMatch(
      /^6 samples of the vault's share supply .* largest net outflow (19,99\d|20,00\d)\.\d+ within 2h 0m/,
    );
    expect(BigInt(draft.figures.gainPerYear)).toBeGreaterThan(0n);
    expect(draft.safeBatch.meta.description).toContain(`propose --idle-buffer ${proposed} --what-if`);

    // Nothing was sent for it: the buffer stands, every transaction of the agent key is a journaled rebalance.
    expect(Number((await env.stack.vault.bounds()).idleBufferBps)).toBe(1_000);
    const sent = await env.chain.provider.getTransactionCount(AGENT);
    expect(sent).toBe((await rebalancedEvents(env.stack)).length);

    // Governance executes it as drafted (a cut within the exposure ramp's room): superseded at the next tick.
    for (const c of draft.calls)
      await (await env.stack.governance.sendTransaction({ to: c.target, data: c.data })).wait();
    expect(Number((await env.stack.vault.bounds()).idleBufferBps)).toBe(proposed);
    await env.chain.increaseTime(3_600);
    await d.daemon.tick();
    const after = DraftStore.read(d.paths.drafts).find((x) => x.hash === draft.hash)!;
    expect(after.status).toBe("superseded");
    expect(after.superseded?.reason).toMatch(/changed on chain/);
  }, 180_000);

  it("the ramp's room spent by a cap raise: the cut drafted stays within what is left, so it executes", async () => {
    const dir = tempDir("agent-drafts-buffer-room-");
    const base = testConfig(env.chain, env.stack, dir);
    const config = testConfig(env.chain, env.stack, dir, {
      drafts: { buffer: { minHistoryDays: 0.2, outflowWindowHours: 2 } },
      planner: { ...base.planner, minHoldHours: 0 },
    });
    const d = await sixHours(config, false);
    const draft = bufferDrafts(d.paths.drafts)[0]!;
    expect(draft, "drafted within the room").toBeDefined();
    const proposed = draft.changes[0]!.idleBufferBps as number;
    // The evidence alone supports ~3.1%; the room left (well under 690 bps) keeps the buffer higher.
    expect(proposed).toBeGreaterThan(320);
    expect(proposed).toBeLessThanOrEqual(900);
    for (const c of draft.calls)
      await (await env.stack.governance.sendTransaction({ to: c.target, data: c.data })).wait();
    expect(Number((await env.stack.vault.bounds()).idleBufferBps)).toBe(proposed);
  }, 180_000);

  it("the same hours on the default record length (7 days): no evidence, no buffer draft", async () => {
    const dir = tempDir("agent-drafts-buffer-none-");
    const d = await sixHours(testConfig(env.chain, env.stack, dir));
    expect(new BoundEvidence(d.paths.evidence(env.stack.vaultAddress)).flows).toHaveLength(7);
    expect(bufferDrafts(d.paths.drafts)).toEqual([]);
  }, 180_000);
});
