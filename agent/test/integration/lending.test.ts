/**
 * The daemon against curated lending vaults over Morpho Blue markets (the devnet's lending world: caps, utilization,
 * interest every block, fee shares, seeded borrowers), as the strategies a treasury lists in production are.
 */
import { describe, expect, it } from "vitest";
import { BorrowerDriver } from "../../devnet/borrowers.js";
import type { TickResult } from "../../src/daemon/vault-runner.js";
import { LensReader } from "../../src/chain/reader.js";
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
});
