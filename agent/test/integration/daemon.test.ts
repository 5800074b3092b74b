/**
 * The daemon against the real contracts on the embedded chain: a yield change leads to a rebalance; a plan outside
 * the bounds is never sent; a permanent revert opens the breaker instead of a retry loop; expiry, revoke and the
 * agent pause make it stand down.
 */
import { describe, expect, it } from "vitest";
import { fund, grantSession } from "../../devnet/stack.js";
import { intentHash } from "../../src/executor/intent.js";
import type { Planner } from "../../src/planner/types.js";
import {
  AGENT,
  metricValue,
  rebalancedEvents,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";

const env = useStack();

const u = () => env.stack.unit;
const nonce = () => env.chain.provider.getTransactionCount(AGENT, "latest");
const grant = (over: Partial<Parameters<typeof grantSession>[1]> = {}) =>
  grantSession(env.stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 600_000n * u(),
    maxVolumePerEpoch: 3_000_000n * u(),
    ...over,
  });

describe("daemon on the embedded chain", () => {
  it("rebalances toward a strategy whose yield rose, journaling the intent it puts on chain", async () => {
    await grant();
    const { daemon, journal, logs, metrics } = await startDaemon(
      env.chain,
      testConfig(env.chain, env.stack, tempDir()),
    );

    // No yield history yet: idle above the buffer goes out as a fixed equal split would place it.
    const first = await daemon.tick();
    // anvil mines just after answering eth_sendRawTransaction: the split is confirmed at the next tick there.
    expect(first[0]!.report!.result, "no yield history yet").toMatchObject({
      kind: "sent",
      ...(env.chain.node === "anvil" ? {} : { confirmed: true }),
    });
    expect(first[0]!.report!.plan?.reason).toMatch(
      /^no yield estimate yet: idle above the buffer into an equal split within caps/,
    );
    const split = await Promise.all(env.stack.strategyAddresses.map((s) => env.stack.vault.allocation(s)));
    const [low, high] = [split.reduce((a, b) => (b < a ? b : a)), split.reduce((a, b) => (b > a ? b : a))];
    expect(high - low, "the same to each strategy, to rounding").toBeLessThanOrEqual(2n);
    expect(low, "each strategy's share").toBeGreaterThan(0n);

    await env.chain.increaseTime(3_600);
    await (await env.stack.strategies[1]!.simulateGain(2n * u())).wait(); // 2 per 100,000 in an hour: about 17.5% a year
    const second = await daemon.tick();
    const result = second[0]!.report!.result;
    expect(result.kind, JSON.stringify(result)).toBe("sent");
    if (env.chain.node === "anvil") {
      // anvil answers eth_sendRawTransaction before it mines the block: the receipt is there by the next tick.
      if (!(result.kind === "sent" && result.confirmed)) {
        const next = (await daemon.tick())[0]!.report!;
        expect(
          next.settled.map((r) => r.state),
          "settled at the next tick",
        ).toEqual(["confirmed"]);
        expect(["hold", "wait"], `nothing more sent: ${JSON.stringify(next.result)}`).toContain(next.result.kind);
      }
    } else {
      expect(result.kind === "sent" && result.confirmed, "confirmed in the same tick (automine)").toBe(true);
    }

    const events = await rebalancedEvents(env.stack);
    expect(events.length, "the split, then the move toward yield, on chain").toBe(2);
    const entry = journal.entries()[1];
    expect(events[1]!.args.intentHash, "the on-chain intent hash is the journal's").toBe(entry!.intentHash);
    expect(intentHash(entry!.record), "the intent hash is the hash of the journaled record").toBe(entry!.intentHash);
    expect(entry!.outcome?.status).toBe("confirmed");
    const raised = entry!.record.targets.filter(
      (t) => t.assets > split[env.stack.strategyAddresses.indexOf(t.strategy)]!,
    );
    expect(
      raised.map((t) => t.strategy),
      "money went to the strategy that earns, and only there",
    ).toEqual([env.stack.strategyAddresses[1]]);
    const alloc = await env.stack.vault.allocation(env.stack.strategyAddresses[1]!);
    // 50% relative cap minus the 5 bps safety margin, on about 1,000,000 of total assets.
    expect(alloc, "filled up to the cap, minus the margin").toBeGreaterThan(499_000n * u());
    expect(alloc, "never above the 50% cap").toBeLessThanOrEqual(500_000n * u());
    expect(await metricValue(metrics, "agent_rebalance_outcomes_total", { status: "confirmed" })).toBe(2);
    expect(logs.messages()).toContain("rebalance confirmed");
    // Amounts in the logs are in token units (6 decimals here), with base units beside them for machines.
    const sending = logs.lines.filter((l) => l.msg === "plan passes the checks and the simulation; sending").at(-1)!;
    expect(sending.volume, "token units").toBe(String(Number(entry!.record.volume) / 1e6));
    expect(sending.volumeBaseUnits).toBe(entry!.record.volume.toString());
    expect(sending.targets).toEqual(entry!.record.targets.map((t) => `${t.strategy}=${Number(t.assets) / 1e6}`));
    expect(sending.targetsBaseUnits).toEqual(entry!.record.targets.map((t) => `${t.strategy}=${t.assets}`));
    expect(String(sending.expectedGain)).toMatch(/^\d+(\.\d{1,6})?$/);
    expect(
      logs.lines.find((l) => l.msg === "journaled; broadcasting rebalance"),
      "fees in gwei",
    ).toMatchObject({ maxFeeGwei: expect.stringMatching(/^\d+(\.\d+)?$/) });

    // A better yield appears elsewhere: the next rebalance moves toward it, and not out of the strategy raised an hour
    // ago (no reversal within a day: the runner hands the planner the moves it sent).
    await env.chain.increaseTime(3_600);
    await (await env.stack.strategies[2]!.simulateGain(20n * u())).wait();
    const third = await daemon.tick();
    expect(third[0]!.report!.result.kind).toBe("sent");
    expect(third[0]!.report!.plan?.reason).toContain(
      `#1 ${env.stack.strategyAddresses[1]!.slice(0, 8)} raised 1h 0m ago is not lowered within 1d 0h`,
    );
    expect(await env.stack.vault.allocation(env.stack.strategyAddresses[1]!), "strategy 1 kept").toBe(alloc);
    expect(
      await env.stack.vault.allocation(env.stack.strategyAddresses[2]!),
      "the new best strategy now holds money",
    ).toBeGreaterThan(300_000n * u());
    expect((await rebalancedEvents(env.stack)).length).toBe(3);

    // Then nothing: allocations follow the yields, and another tick sends nothing.
    const before = await nonce();
    await env.chain.increaseTime(120);
    const fourth = await daemon.tick();
    expect(fourth[0]!.report!.result.kind, JSON.stringify(fourth[0]!.report!.result)).toBe("hold");
    expect(await nonce(), "no transaction when there is nothing worth doing").toBe(before);
  });

  it.skipIf(process.env.AGENT_TEST_NODE === "anvil")(
    "a strategy trimmed back under its cap is not raised again within the hold (no reversal of a forced move)",
    async () => {
      await grant();
      const { daemon } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
      const s1 = env.stack.strategyAddresses[1]!;
      await daemon.tick(); // the first tick's equal split
      await env.chain.increaseTime(3_600);
      await (await env.stack.strategies[1]!.simulateGain(2n * u())).wait();
      expect((await daemon.tick())[0]!.report!.result.kind, "strategy 1 filled up to its cap").toBe("sent");
      // A gain pushes strategy 1 past its 50% cap: the planner trims it back (a forced move).
      await env.chain.increaseTime(3_600);
      await (await env.stack.strategies[1]!.simulateGain(9_000n * u())).wait();
      const trim = (await daemon.tick())[0]!.report!;
      expect(trim.result.kind, JSON.stringify(trim.result)).toBe("sent");
      expect(trim.plan?.kind === "rebalance" && trim.plan.forced, "the trim is forced").toBe(true);
      const trimmed = await env.stack.vault.allocation(s1);
      // New money widens the cap again; strategy 1 still earns most, but it was lowered an hour ago.
      await fund(env.stack, env.stack.users[1]!, 200_000n * u());
      await env.chain.increaseTime(3_600);
      const next = (await daemon.tick())[0]!.report!;
      expect(next.plan?.reason, JSON.stringify(next.result)).toContain(
        `#1 ${s1.slice(0, 8)} lowered 1h 0m ago is not raised within 1d 0h`,
      );
      expect(await env.stack.vault.allocation(s1), "not raised back").toBeLessThanOrEqual(trimmed);
    },
  );

  // Counts the transactions of each tick, which on anvil settle a tick later (see agent/README.md, "Two node
  // implementations"): run on Hardhat's chain only.
  it.skipIf(process.env.AGENT_TEST_NODE === "anvil")(
    "moves nothing to idle for a one-off loss: the write-down goes out, the money stays",
    async () => {
      await grant();
      const { daemon } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
      expect((await daemon.tick())[0]!.report!.result.kind, "the first tick's equal split").toBe("sent");
      /** An hour at about 8.8% a year in every strategy. */
      const hour = async () => {
        await env.chain.increaseTime(3_600);
        for (const s of env.stack.strategies) await (await s.simulateGain((await s.totalAssets()) / 100_000n)).wait();
      };
      await hour();
      expect(
        (await daemon.tick())[0]!.report!.result.kind,
        "the rest of idle above the buffer, beyond the first call's volume",
      ).toBe("sent");
      for (let i = 0; i < 2; i++) {
        await hour();
        expect((await daemon.tick())[0]!.report!.result, "equal rates: nothing to do").toMatchObject({ kind: "hold" });
      }
      // Strategy 0 writes off 0.15% of its assets at once.
      const s0 = env.stack.strategies[0]!;
      await (await s0.simulateLoss(((await s0.totalAssets()) * 15n) / 10_000n)).wait();
      await hour();
      expect((await daemon.tick())[0]!.report!.result, "the loss is written down first").toMatchObject({
        kind: "realize-loss",
        confirmed: true,
      });
      const idle = (await env.stack.lens.snapshot(env.stack.vaultAddress, AGENT)).idle;
      const events = (await rebalancedEvents(env.stack)).length;
      for (let i = 0; i < 2; i++) {
        await hour();
        const [tick] = await daemon.tick();
        expect(tick!.report!.result, JSON.stringify(tick!.report!.result)).toMatchObject({ kind: "hold" });
        expect(tick!.report!.result.kind === "hold" && tick!.report!.result.reason).toContain("took a loss of 0.15%");
        expect(tick!.report!.result.kind === "hold" && tick!.report!.result.reason).toContain(
          "one-off, not counted in its rate",
        );
        const estimate = tick!.report!.yields.get(env.stack.strategyAddresses[0]!)!;
        expect(Number(estimate.aprWad) / 1e16, "the rate around the loss").toBeGreaterThan(5);
      }
      expect((await rebalancedEvents(env.stack)).length, "no rebalance since").toBe(events);
      expect((await env.stack.lens.snapshot(env.stack.vaultAddress, AGENT)).idle, "nothing moved to idle").toBe(idle);
    },
  );

  it("never sends a plan outside the bounds, and opens the breaker on a permanent revert", async () => {
    await grant();
    // A planner with a bug: puts 550,000 in one strategy whose relative cap is 50% (within the session's volume).
    const rogue: Planner = {
      name: "rogue",
      plan: (input) => ({
        kind: "rebalance",
        targets: [{ strategy: input.snapshot.strategies[0]!.strategy, assets: 550_000n * u() }],
        legs: [],
        volume: 550_000n * u(),
        expectedGain: 0n,
        gasCost: 0n,
        forced: false,
        reason: "bug",
      }),
    };
    const before = await nonce();
    const a = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()), {
      overrides: { planner: rogue },
    });
    const [tick] = await a.daemon.tick();
    expect(tick!.report!.result).toMatchObject({ kind: "rejected", stage: "mirror" });
    expect(String((tick!.report!.result as { error: string }).error)).toMatch(
      /^RelativeCapExceeded\(strategy=0x[0-9a-fA-F]{40}, allocation=550000000000, cap=500000000000\)$/,
    );
    expect(a.journal.entries(), "nothing journaled").toHaveLength(0);
    expect(await metricValue(a.metrics, "agent_plans_rejected_total", { stage: "mirror" })).toBe(1);
    expect(a.logs.messages()).toContain("plan outside bounds; not sent");

    // If the mirror were wrong, the simulation still catches it, and the breaker stops any retry loop.
    let simulated = 0;
    const b = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()), {
      overrides: {
        planner: rogue,
        check: (input) => {
          simulated++;
          return {
            ok: true,
            error: undefined,
            volume: 0n,
            predictedLoss: 0n,
            lossHeadroom: 0n,
            callVolumeHeadroom: 0n,
            epochVolumeHeadroom: 0n,
            capHeadroom: [],
            idleAfter: 0n,
            totalAssetsAfter: 0n,
            ...{ _: input },
          } as never;
        },
      },
    });
    const [sim] = await b.daemon.tick();
    expect(sim!.report!.result).toMatchObject({ kind: "rejected", stage: "simulation", class: "permanent" });
    expect(String((sim!.report!.result as { error: string }).error)).toMatch(
      /^RelativeCapExceeded\(strategy=0x[0-9a-fA-F]{40}, allocation=550000000000, cap=500000000000\)$/,
    );
    expect(b.runner.breaker.open, "breaker open").toBe(true);
    const [again] = await b.daemon.tick();
    expect(again!.report!.result.kind, "no retry while the breaker is open").toBe("breaker-open");
    expect(simulated, "the plan was not even checked again").toBe(1);
    expect(b.daemon.health().healthy, "health reports the open breaker").toBe(false);
    expect(await nonce(), "nothing was ever sent").toBe(before);
    expect(await rebalancedEvents(env.stack)).toHaveLength(0);
  });

  it("stands down when the session expires, is revoked or agents are paused, and warns ahead of expiry", async () => {
    const config = testConfig(env.chain, env.stack, tempDir(), {
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
    });
    await grant({ durationSeconds: 2 * 3_600 });
    const { daemon, logs } = await startDaemon(env.chain, config);
    const [acted] = await daemon.tick();
    expect(acted!.report!.result.kind, "acts while the session is valid").toBe("sent");
    expect(
      logs.lines.some((l) => l.level === 40 && /expires in/.test(l.msg)),
      "warned: less than an hour of a 2 h session is not yet left",
    ).toBe(false);

    // More money arrives, so there is work to do; the session nears its end.
    await fund(env.stack, env.stack.users[1]!, 200_000n * u());
    await env.chain.increaseTime(3_600 + 600);
    const [warned] = await daemon.tick();
    expect(warned!.report!.result.kind).toBe("sent");
    const expiry = logs.lines.find((l) => l.level === 40 && /session #1 expires in/.test(l.msg));
    expect(expiry?.msg, "warned ahead of expiry, the time left in words and the end in chain time").toMatch(
      /^session #1 expires in \d+m \d+s \(at chain time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\); ask the session admin for a new one$/,
    );
    expect(Number(expiry!.secondsLeft), "seconds for machines").toBeLessThan(3_600);

    await fund(env.stack, env.stack.users[1]!, 200_000n * u());
    await env.chain.increaseTime(3_600);
    const before = await nonce();
    const [expired] = await daemon.tick();
    expect(expired!.report!.result).toMatchObject({ kind: "stand-down" });
    expect((expired!.report!.result as { reason: string }).reason).toMatch(/session #1 expired/);
    expect(logs.lines.some((l) => l.level === 40 && /^standing down: session #1 expired/.test(l.msg))).toBe(true);
    expect(await nonce(), "nothing sent after expiry").toBe(before);

    // A new session: acts again; revoked by the guardian: stands down.
    const second = await grant();
    const [resumed] = await daemon.tick();
    expect(resumed!.report!.result.kind).toBe("sent");
    await fund(env.stack, env.stack.users[1]!, 200_000n * u());
    await (await env.stack.sessions.connect(env.stack.guardian).revoke(second)).wait();
    await env.chain.increaseTime(120);
    const afterRevoke = await nonce();
    const [revoked] = await daemon.tick();
    expect(revoked!.report!.result).toMatchObject({ kind: "stand-down" });
    expect((revoked!.report!.result as { reason: string }).reason).toContain(`session #${second} revoked`);

    // Another session, but the guardian pauses every agent.
    await grant();
    await (await env.stack.sessions.connect(env.stack.guardian).pauseAgents()).wait();
    const [paused] = await daemon.tick();
    expect(paused!.report!.result).toMatchObject({ kind: "stand-down" });
    expect((paused!.report!.result as { reason: string }).reason).toMatch(/paused/);
    expect(await nonce(), "nothing sent while revoked or paused").toBe(afterRevoke);
  });

  it("waits while the session's epoch budget is spent, and resumes in the next epoch", async () => {
    const config = testConfig(env.chain, env.stack, tempDir(), {
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
    });
    await grant({ maxCallsPerEpoch: 1, epochLength: 3_600 });
    const { daemon } = await startDaemon(env.chain, config);
    expect((await daemon.tick())[0]!.report!.result.kind).toBe("sent");
    await fund(env.stack, env.stack.users[1]!, 300_000n * u());
    await env.chain.increaseTime(120);
    const [waiting] = await daemon.tick();
    expect(waiting!.report!.result).toMatchObject({ kind: "wait" });
    expect((waiting!.report!.result as { reason: string }).reason).toMatch(/out-of-budget/);
    await env.chain.increaseTime(3_600);
    expect((await daemon.tick())[0]!.report!.result.kind, "next epoch").toBe("sent");
    expect(await rebalancedEvents(env.stack)).toHaveLength(2);
  });
});
