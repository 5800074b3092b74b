/**
 * Hostile strategies against the real contracts on the embedded chain: one whose share price crashes, one whose views
 * revert, one whose previews lie, one that reenters the vault (and, as a contrast, strategies that cap or block
 * withdrawals, as lending vaults do, which are not quarantined). The daemon
 * quarantines each one and says so (an error-level log line naming the strategy and the sign, and a metric), never
 * deposits into it again, moves out of it as far as its liquidity allows or leaves it in place, and keeps running the
 * other strategies without opening its circuit breaker. Users keep withdrawing through all of it.
 */
import fs from "node:fs";
import { id, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { LyingStrategy__factory, ReentrantStrategy__factory } from "../../../types/ethers-contracts/index.js";
import { fund, grantSession } from "../../devnet/stack.js";
import { assembleDaemon } from "../../src/daemon/assemble.js";
import { dataPaths } from "../../src/daemon/build.js";
import { Metrics } from "../../src/obs/metrics.js";
import { systemClock } from "../../src/util/clock.js";
import {
  AGENT,
  AGENT_KEY,
  metricValue,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";
import { memoryLogger } from "../support/logs.js";

const env = useStack();

const u = () => env.stack.unit;
const equalWeight = { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" };
const config = (dir: string) => testConfig(env.chain, env.stack, dir, { planner: equalWeight });
const grant = (scope?: string[]) =>
  grantSession(env.stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 2_000_000n * u(),
    maxVolumePerEpoch: 20_000_000n * u(),
    scope,
  });
const alloc = (strategy: string) => env.stack.vault.allocation(strategy);
const shares = async (strategy: string) =>
  (await LyingStrategy__factory.connect(strategy, env.chain.provider).balanceOf(env.stack.vaultAddress)) as bigint;
const quarantineLines = (lines: { level: number; msg: string }[]) =>
  lines.filter((l) => l.level === 50 && /quarantin/.test(l.msg)).map((l) => l.msg);
/** Past the session's minimum interval between calls. */
const later = () => env.chain.increaseTime(120);

/** Lists a strategy with the vault's usual caps, seeded by an outside depositor as the others are. */
async function listStrategy(address: string): Promise<void> {
  await (await env.stack.vault.connect(env.stack.governance).addStrategy(address, 1_000_000_000n * u(), 5_000)).wait();
  const seeder = env.stack.users[env.stack.users.length - 1]!;
  await (await env.stack.asset.mint(seeder.address, 100_000n * u())).wait();
  await (await env.stack.asset.connect(seeder).approve(address, 100_000n * u())).wait();
  await (await LyingStrategy__factory.connect(address, seeder).deposit(100_000n * u(), seeder.address)).wait();
}

/**
 * A LyingStrategy listed fourth (honest until told otherwise), a daemon, and the vault's shares after its first tick.
 */
async function lyingStrategyHeld() {
  const lying = await (
    await new LyingStrategy__factory(env.stack.governance).deploy(await env.stack.asset.getAddress())
  ).waitForDeployment();
  const address = await lying.getAddress();
  await listStrategy(address);
  await grant([...env.stack.strategyAddresses, address]);
  const d = await startDaemon(env.chain, config(tempDir("agent-quarantine-")));
  await d.daemon.tick();
  const held = await shares(address);
  expect(held, "an honest strategy at first: it got its share").toBeGreaterThan(0n);
  return { lying, address, d, held };
}

/** A user takes a tenth of their position out; it must go through whatever the hostile strategy does. */
async function userWithdraws(): Promise<void> {
  const user = env.stack.users[0]!;
  const before = await env.stack.asset.balanceOf(user.address);
  const amount = (await env.stack.vault.maxWithdraw(user.address)) / 10n;
  expect(amount, "the user can withdraw").toBeGreaterThan(0n);
  await (await env.stack.vault.connect(user).withdraw(amount, user.address, user.address)).wait();
  expect(await env.stack.asset.balanceOf(user.address)).toBe(before + amount);
}

describe("the daemon quarantines hostile strategies", () => {
  it("a share price that crashes: moves out at once, never back in, across a restart, until the operator releases it", async () => {
    await grant();
    const dir = tempDir("agent-quarantine-");
    const [s0, s1, s2] = env.stack.strategyAddresses as [string, string, string];
    const a = await startDaemon(env.chain, config(dir));
    expect((await a.daemon.tick())[0]!.report!.result.kind).toBe("sent");
    expect(await alloc(s1), "spread equally at first").toBeGreaterThan(250_000n * u());

    // Strategy 1 loses a fifth of its assets: quarantined and its loss written down in the same tick, moved out of at
    // the next.
    const assets = await env.stack.strategies[1]!.totalAssets();
    await (await env.stack.strategies[1]!.simulateLoss(assets / 5n)).wait();
    await later();
    const [writeDown] = await a.daemon.tick();
    expect(writeDown!.report!.result, JSON.stringify(writeDown!.report!.result)).toMatchObject({
      kind: "realize-loss",
      strategy: s1,
    });
    const [tick] = await a.daemon.tick();
    expect(tick!.report!.result.kind, JSON.stringify(tick!.report!.result)).toBe("sent");
    expect(quarantineLines(a.logs.lines)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^quarantining strategy #1 ${s1}: share price fell -20\\.00% \\(\\d+ → \\d+\\) since block \\d+, past the 500 bps limit; no new deposits, moving out as far as its liquidity allows$`,
        ),
      ),
    ]);
    expect(await alloc(s1), "moved all the way out").toBe(0n);
    expect(await alloc(s0)).toBeGreaterThan(400_000n * u());
    expect(await alloc(s2)).toBeGreaterThan(400_000n * u());
    expect(await metricValue(a.metrics, "agent_strategy_quarantined", { strategy: s1 })).toBe(1);
    expect(await metricValue(a.metrics, "agent_strategy_quarantined", { strategy: s0 })).toBe(0);
    expect(a.runner.breaker.open, "the breaker stays closed: the vault carries on").toBe(false);
    expect(a.runner.quarantine.get(s1)).toMatchObject({ code: "price-crash", exit: true });
    await userWithdraws();

    // A restart reads the quarantine back: the emptied strategy is not refilled, though equal weight would want to.
    const file = dataPaths(config(dir), AGENT).quarantine(env.stack.vaultAddress);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).entries.map((e: { strategy: string }) => e.strategy)).toEqual([
      s1,
    ]);
    const b = await startDaemon(env.chain, config(dir));
    expect(b.runner.quarantine.get(s1)?.code).toBe("price-crash");
    for (let i = 0; i < 2; i++) {
      await later();
      await b.daemon.tick();
      expect(await alloc(s1), "never deposited into while quarantined").toBe(0n);
    }

    // The operator releases it (`run --release-quarantine <strategy>`): the next tick spreads into it again.
    const logs = memoryLogger();
    const assembled = await assembleDaemon({
      config: config(dir),
      provider: env.chain.provider,
      wallet: new Wallet(AGENT_KEY),
      chainId: 31337n,
      clock: systemClock,
      log: logs.log,
      metrics: new Metrics(),
      releaseQuarantine: s1,
    });
    expect(logs.lines.filter((l) => l.level === 40).map((l) => l.msg)).toContain(
      `strategy ${s1} released from quarantine by the operator`,
    );
    expect(JSON.parse(fs.readFileSync(file, "utf8")).entries).toEqual([]);
    await later();
    await assembled.daemon.tick();
    expect(await alloc(s1), "back in once released").toBeGreaterThan(200_000n * u());
  });

  it("limited and blocked withdrawals are not signs: nothing is quarantined; a blocked one gets no new money and stays", async () => {
    await grant();
    const [s0, s1, s2] = env.stack.strategyAddresses as [string, string, string];
    const d = await startDaemon(env.chain, config(tempDir("agent-quarantine-")));
    await d.daemon.tick();
    const start = await alloc(s0);
    const held2 = await alloc(s2);
    // s0 lets a sixth of its position go per call (a lending vault at normal utilization); s2 none (lent out).
    await (await env.stack.strategies[0]!.setWithdrawCap(start / 6n)).wait();
    await (await env.stack.strategies[2]!.setBlocked(true)).wait();
    // New money to spread: 300,000 more.
    await fund(env.stack, env.stack.users[1]!, 300_000n * u());

    await later();
    const [tick] = await d.daemon.tick();
    expect(tick!.report!.result.kind, JSON.stringify(tick!.report!.result)).toBe("sent");
    expect(quarantineLines(d.logs.lines), "liquidity quarantines nothing").toEqual([]);
    expect(d.runner.quarantine.entries()).toEqual([]);
    expect(await alloc(s0), "the limited strategy still gets its equal share").toBeGreaterThan(start);
    expect(await alloc(s1), "the healthy one too").toBeGreaterThan(start);
    expect(await alloc(s2), "the lent-out one gets nothing new and is not pulled from").toBe(held2);
    expect(d.runner.breaker.open).toBe(false);

    // Borrowers repay: liquidity is back, and it is managed like the others again.
    await (await env.stack.strategies[2]!.setBlocked(false)).wait();
    await later();
    await d.daemon.tick();
    const after = await Promise.all([s0, s1, s2].map(alloc));
    const spread = after.reduce((m, x) => (x > m ? x : m), 0n) - after.reduce((m, x) => (x < m ? x : m), after[0]!);
    expect(spread, `equal shares again: ${after.join(", ")}`).toBeLessThanOrEqual(2_000n * u());
    await userWithdraws();
  });

  it("views that revert: left in place for governance, and the others carry on", async () => {
    await grant();
    const s1 = env.stack.strategyAddresses[1]!;
    const d = await startDaemon(env.chain, config(tempDir("agent-quarantine-")));
    await d.daemon.tick();
    const held = await shares(s1);
    const sentBefore = d.journal.entries().length;
    await (await env.stack.strategies[1]!.setViewsBroken(true)).wait();
    await later();
    await d.daemon.tick();
    expect(quarantineLines(d.logs.lines)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^quarantining strategy #1 ${s1}: its views revert or value the vault's \\d+ shares at 0 .*; no new deposits, leaving its position in place for governance$`,
        ),
      ),
    ]);
    expect(d.runner.quarantine.get(s1)).toMatchObject({ code: "views-revert", exit: false });
    await later();
    await d.daemon.tick();
    for (const e of d.journal.entries().slice(sentBefore))
      expect(e.record.targets.map((t) => t.strategy)).not.toContain(s1);
    expect(await shares(s1), "its position is not touched").toBe(held);
    expect(d.runner.breaker.open).toBe(false);
    await userWithdraws();
  });

  it("previews that over-report: left in place, untouched", async () => {
    const { lying, address, d, held } = await lyingStrategyHeld();

    await (await lying.setPreviewBoostBps(1_000)).wait();
    await later();
    await d.daemon.tick();
    expect(quarantineLines(d.logs.lines)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^quarantining strategy #3 ${address}: previewRedeem values the position at \\d+ but convertToAssets at \\d+ \\(\\+10\\.00%\\): an exit would realize less than the mark; no new deposits, leaving its position in place for governance$`,
        ),
      ),
    ]);
    expect(await shares(address), "not touched").toBe(held);
    await userWithdraws();
  });

  it("a strategy that promises withdrawals it then refuses: quarantined to exit, the exit reverts in simulation, then left in place", async () => {
    const { lying, address, d, held } = await lyingStrategyHeld();

    await (await lying.setMaxWithdrawLie(10_000_000n * u())).wait();
    await (await lying.setWithdrawReverts(true)).wait();
    await later();
    const [tick] = await d.daemon.tick();
    expect(tick!.report!.result).toMatchObject({ kind: "rejected", stage: "simulation", class: "quarantine" });
    expect(quarantineLines(d.logs.lines)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^quarantining strategy #3 ${address}: maxWithdraw promises 10000000000000, more than the position's \\d+; no new deposits, moving out`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^quarantined strategy #3 ${address}: its call failed in a rebalance leg \\(simulation: StrategyCallFailed\\(strategy=${address}, reason=${id("WithdrawRefused()").slice(0, 10)}\\)\\); no longer moving out of it, its position is left for governance$`,
        ),
      ),
    ]);
    expect(d.runner.quarantine.get(address)).toMatchObject({ exit: false });
    expect(d.runner.breaker.open, "a strategy's fault is not the vault's: no breaker").toBe(false);
    await d.daemon.tick();
    expect(await shares(address), "left in place").toBe(held);
    expect(d.runner.breaker.open).toBe(false);
    await userWithdraws();
  });

  it("a strategy that reenters the vault on deposit: the simulation names it, it is quarantined, the rest is allocated without it", async () => {
    const hostile = await (
      await new ReentrantStrategy__factory(env.stack.governance).deploy(await env.stack.asset.getAddress())
    ).waitForDeployment();
    const address = await hostile.getAddress();
    await listStrategy(address);
    const sessionId = await grant([...env.stack.strategyAddresses, address]);
    // Reenters rebalance on deposit and bubbles the vault's answer up.
    await (await hostile.arm(env.stack.vaultAddress, 3, 0, true, sessionId)).wait();
    const d = await startDaemon(env.chain, config(tempDir("agent-quarantine-")));

    const [first] = await d.daemon.tick();
    expect(first!.report!.result).toMatchObject({ kind: "rejected", stage: "simulation", class: "quarantine" });
    expect(String((first!.report!.result as { error: string }).error)).toBe(
      `StrategyCallFailed(strategy=${address}, reason=ReentrancyGuardReentrantCall())`,
    );
    expect(quarantineLines(d.logs.lines)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^quarantining strategy #3 ${address}: its call failed in a rebalance leg \\(simulation: StrategyCallFailed.*\\); no new deposits, leaving its position in place for governance$`,
        ),
      ),
    ]);
    expect(d.journal.entries(), "nothing sent").toHaveLength(0);
    expect(d.runner.breaker.open).toBe(false);

    const [second] = await d.daemon.tick();
    expect(second!.report!.result.kind, JSON.stringify(second!.report!.result)).toBe("sent");
    expect(await alloc(address), "nothing went to the reentrant strategy").toBe(0n);
    for (const s of env.stack.strategyAddresses) expect(await alloc(s)).toBeGreaterThan(250_000n * u());
    expect(await hostile.reentrySucceeded(), "no reentry ever got through").toBe(false);
    await userWithdraws();
  });
});
