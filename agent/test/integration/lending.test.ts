/**
 * The daemon against curated lending vaults over Morpho Blue markets (the devnet's lending world: caps, utilization,
 * interest every block, fee shares, seeded borrowers), as the strategies a treasury lists in production are.
 */
import { describe, expect, it } from "vitest";
import { BorrowerDriver } from "../../devnet/borrowers.js";
import type { TickResult } from "../../src/daemon/vault-runner.js";
import { LensReader } from "../../src/chain/reader.js";
import { MarketRateModel } from "../../src/markets/lending-rate.js";
import { SmoothedMarketModel } from "../../src/markets/smoothed-rate.js";
import { TrailingRateModel } from "../../src/yield/model.js";
import { AGENT, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";

const env = useStack({
  lending: true,
  session: { perCall: 1_000_000n, perEpoch: 10_000_000n, minInterval: 0, maxCallsPerEpoch: 100 },
});
const u = () => env.stack.unit;
const equalWeight = { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" };
const TWO_HOURS = 7_200;

describe("the daemon over curated lending vaults", () => {
  it("reads them through the lens (every view answers, the figures add up) and deploys into them", async () => {
    const vaults = env.stack.lending!.vaults;
    const snapshot = await new LensReader(env.chain.provider, env.stack.lensAddress).snapshot(
      env.stack.vaultAddress,
      AGENT,
    );
    expect(snapshot.strategies.map((s) => s.strategy)).toEqual(env.stack.strategyAddresses);
    for (const [i, s] of snapshot.strategies.entries()) {
      expect(s.viewsOk, `views of ${await vaults[i]!.name()}`).toBe(true);
      expect(s.strategyTotalAssets, "the vault's assets, interest accrued").toBe(await vaults[i]!.totalAssets());
    }
    const d = await startDaemon(
      env.chain,
      testConfig(env.chain, env.stack, tempDir("agent-lending-"), { planner: equalWeight }),
    );
    const result = (await d.daemon.tick())[0]!.report!.result;
    expect(
      result,
      JSON.stringify(result, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
    ).toMatchObject({ kind: "sent", confirmed: true });
    for (const address of env.stack.strategyAddresses) {
      expect(await env.stack.vault.allocation(address), "money in every curated vault").toBeGreaterThan(100_000n * u());
    }
  });

  it("over three days of borrowers moving utilization (100% at times), quarantines no healthy vault and every rebalance it sends lands", async () => {
    const world = env.stack.lending!;
    const driver = new BorrowerDriver(world, { seed: 2, fullChance: 0.1 });
    const d = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir("agent-lending-")));
    const results: TickResult[] = [];
    let full = 0;
    for (let t = 0; t < 36; t++) {
      const [tick] = await d.daemon.tick();
      expect(tick!.error, `tick ${t}`).toBeUndefined();
      results.push(tick!.report!.result);
      full += (await driver.tick()).filter((m) => m.kind === "full").length;
      await env.chain.increaseTime(TWO_HOURS);
    }
    expect(full, "the borrowers took a market's whole liquidity at least once").toBeGreaterThan(0);
    expect(results.filter((r) => r.kind === "sent").length, "the daemon acted").toBeGreaterThan(0);
    expect(d.runner.quarantine.entries(), "no vault is broken: none is quarantined").toEqual([]);
    const failed = d.journal.entries().filter((e) => e.outcome && e.outcome.status !== "confirmed");
    expect(
      failed.map((e) => e.outcome!.error),
      "every rebalance sent was confirmed",
    ).toEqual([]);
    expect(
      results.filter((r) => r.kind === "rejected" || r.kind === "breaker-open"),
      "nothing rejected, no breaker",
    ).toEqual([]);
  });

  it("with planner.yieldModel market, rates each curated vault by its markets' averaged rate, read at each tick's block", async () => {
    const world = env.stack.lending!;
    const driver = new BorrowerDriver(world, { seed: 3, fullChance: 0.2 });
    const planner = {
      strategy: "yield",
      minMove: "1000",
      minSpreadBps: 25,
      minSamples: 2,
      minWindowMinutes: 30,
      sampleIntervalSeconds: 0,
      nativePriceInAsset: "3000",
      yieldModel: "market",
      marketHalfLifeHours: 24,
      marketWarmupHours: 4,
    };
    const d = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir("agent-lending-"), { planner }));
    // The same model, fed the same reads apart from the daemon: its figures must be the daemon's, unit for unit.
    const mirror = new SmoothedMarketModel(
      new MarketRateModel(env.chain.provider),
      new TrailingRateModel({
        lookbackSeconds: 168n * 3_600n,
        minSamples: 2,
        minWindowSeconds: 1_800n,
      }),
      { halfLifeSeconds: 24n * 3_600n, warmupSeconds: 4n * 3_600n, impact: false },
    );
    const addresses = env.stack.strategyAddresses;
    let compared = 0;
    let swings = 0;
    for (let t = 0; t < 18; t++) {
      const [tick] = await d.daemon.tick();
      expect(tick!.error, `tick ${t}`).toBeUndefined();
      const report = tick!.report!;
      await mirror.refresh(addresses, report.snapshot.blockNumber, report.snapshot.timestamp);
      for (const s of addresses) {
        const averaged = mirror.smoothedOf(s);
        expect(averaged, "every curated vault answers the market-rate views").toBeDefined();
        const e = report.yields.get(s);
        if (averaged!.span < 4n * 3_600n) {
          expect(e, `tick ${t}: no estimate during the warm-up`).toBeUndefined();
          continue;
        }
        if (!e) continue;
        expect(e.aprWad, `tick ${t}: the daemon's rate of ${s} is the averaged market rate`).toBe(
          averaged!.rateWad * 31_536_000n,
        );
        compared++;
      }
      swings += (await driver.tick()).filter((m) => m.kind === "full").length;
      await env.chain.increaseTime(TWO_HOURS);
    }
    expect(compared, "estimates compared").toBeGreaterThan(30);
    expect(swings, "the borrowers took a market's whole liquidity at least once").toBeGreaterThan(0);
    const records = d.journal.entries().filter((e) => e.record.settings);
    expect(records.length, "the daemon acted").toBeGreaterThan(0);
    for (const r of records)
      expect(r.record.settings!.yieldModel).toBe("market-smoothed(half-life 86400s, warm-up 14400s)+trailing");
    expect(d.runner.quarantine.entries()).toEqual([]);
  });
});
