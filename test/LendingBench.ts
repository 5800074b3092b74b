/**
 * The lending world's allocation bench (bench/lending.ts): the best fixed allocation on small synthetic paths with a
 * known optimum, the command line's bad input, and a two-day smoke run of the real daemon (the reversal count is the
 * agent's, tested in agent/test/unit/reversals.test.ts).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { runLendingSeed, type SeedResult } from "../bench/lending.js";
import { bestFixedAllocation, fixedValue } from "../bench/lending-fixed.js";
import { REPO_ROOT } from "../scripts/lib/addresses.js";

const run = promisify(execFile);
const P = 10n ** 18n;

describe("Lending bench: the best fixed allocation in hindsight", () => {
  it("puts the invested money in the best-growing strategies up to their caps, none in a losing one", () => {
    const total = 1_000_000n;
    const choices = [
      { startPrice: P, endPrice: (P * 105n) / 100n, maxAssets: 400_000n },
      { startPrice: P, endPrice: (P * 110n) / 100n, maxAssets: 400_000n },
      { startPrice: P, endPrice: (P * 98n) / 100n, maxAssets: 300_000n },
    ];
    const best = bestFixedAllocation(total, 880_000n, choices);
    expect(best.assets, "40% in each growing strategy, nothing in the losing one").to.deep.equal([
      400_000n,
      400_000n,
      0n,
    ]);
    expect(best.endValue, "1,000,000 + 5% of 400,000 + 10% of 400,000").to.equal(1_060_000n);
    expect(fixedValue(total, choices, [293_333n, 293_333n, 293_333n]), "an equal split earns less").to.be.lessThan(
      best.endValue,
    );
  });

  it("fills a cap that is off the grid exactly and gives the rest of the invested money to the next best", () => {
    const choices = [
      { startPrice: 2n * P, endPrice: 2n * P + P / 10n, maxAssets: 1_000_000n }, // +5%
      { startPrice: P, endPrice: (P * 108n) / 100n, maxAssets: 333_333n }, // +8%, cap off the 1% grid
      { startPrice: P, endPrice: (P * 106n) / 100n, maxAssets: 250_000n }, // +6%
    ];
    const best = bestFixedAllocation(1_000_000n, 880_000n, choices);
    expect(best.assets, "best first: 333,333 at +8%, 250,000 at +6%, the rest of 880,000 at +5%").to.deep.equal([
      296_667n,
      333_333n,
      250_000n,
    ]);
    expect(best.endValue).to.equal(
      1_000_000n + (296_667n * 5n) / 100n + (333_333n * 8n) / 100n + (250_000n * 6n) / 100n,
    );
  });

  it("keeps everything idle when every strategy lost", () => {
    const best = bestFixedAllocation(1_000n, 880n, [{ startPrice: P, endPrice: P - 1n, maxAssets: 1_000n }]);
    expect(best.assets).to.deep.equal([0n]);
    expect(best.endValue).to.equal(1_000n);
  });
});

describe("Lending bench: the command line", function () {
  this.timeout(60_000);
  it("refuses bad options with a message naming the option and the value (exit 2)", async () => {
    for (const [args, message] of [
      [["--planner", "moon"], "error: --planner must be one of yield, equal-weight, got moon"],
      [["--seeds", "1,x"], "error: --seeds must be comma-separated whole numbers from 0 to 4294967295, got 1,x"],
      [["--days", "0"], "error: --days must be a whole number from 1 to 365, got 0"],
    ] as const) {
      const err = await run(
        process.execPath,
        ["--import", "tsx", path.join(REPO_ROOT, "bench", "lending.ts"), ...args],
        { cwd: REPO_ROOT },
      ).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code, args.join(" ")).to.equal(2);
      expect(err!.stderr.split("\n")[0]).to.equal(message);
    }
  });
});

describe("Lending bench: smoke, two days of the real daemon", function () {
  this.timeout(60_000);
  let r: SeedResult;
  before(async () => {
    r = await runLendingSeed({ seed: 1, days: 2 });
  });

  it("runs every tick, rebalances, quarantines no healthy vault, and stages the default on day 2", () => {
    expect(r.ticks, "2 days of 2-hour ticks, both ends").to.equal(25);
    expect(r.tickErrors, "no failed tick").to.equal(0);
    expect(r.rebalances, "the daemon acted").to.be.greaterThan(0);
    expect(r.quarantinedHealthy, JSON.stringify(r.quarantines)).to.equal(0);
    expect(r.defaultDay, "the default falls on the only day it can").to.equal(2);
    expect(r.selfInflictedReversals).to.be.at.most(r.reversals);
    expect(r.yieldModel, "the curated vaults rated by the smoothed market model").to.equal(
      "market, half-life 168 h, warm-up 24 h",
    );
  });

  it("reports yields that hang together: the best fixed split beats the equal split and respects the caps and buffer", () => {
    for (const v of [r.agentApy, r.bestFixedApy, r.equalSplitApy])
      expect(Number.isFinite(v) && v > 0 && v < 1, String(v)).to.equal(true);
    expect(r.bestFixedApy, "the equal split is one of the fixed splits").to.be.at.least(r.equalSplitApy);
    expect(Math.abs(r.agentVsBestFixed - r.agentApy / r.bestFixedApy), "agent / best fixed").to.be.lessThan(1e-12);
    expect(
      r.bestFixedSplitBps.reduce((s, b) => s + b, 0),
      "at most 88% invested",
    ).to.be.at.most(8_800);
    expect(
      r.bestFixedSplitBps.map((b, i) => b <= [4_000, 4_000, 3_000][i]!),
      "within the relative caps",
    ).to.deep.equal([true, true, true]);
    expect(
      r.marketAprRange.every(([lo, hi]) => lo > 0 && hi >= lo),
      "the market-rate model answered for every vault",
    ).to.equal(true);
  });
});

describe("Lending bench: the market model's realized rate during the warm-up", function () {
  this.timeout(120_000);

  it("places the money by each vault's realized rate from the second tick instead of holding the equal split for a day", async () => {
    // Seed 1's first day: Core pays about 21% a year, Prime and High Yield about 3%; the 24-hour warm-up covers it.
    const held = await runLendingSeed({ seed: 1, days: 1 });
    const placed = await runLendingSeed({ seed: 1, days: 1, marketWarmupRealized: true });
    expect(placed.yieldModel).to.equal("market, half-life 168 h, warm-up 24 h on the realized rate");
    expect(held.yieldModel).to.equal("market, half-life 168 h, warm-up 24 h");
    expect(
      Math.abs(held.agentApy - held.equalSplitApy) < 0.005,
      `held in the equal split all day: ${held.agentApy} against ${held.equalSplitApy}`,
    ).to.equal(true);
    expect(
      placed.agentApy - held.agentApy > 0.015,
      `Core raised to its cap on the second tick: ${placed.agentApy} against ${held.agentApy}`,
    ).to.equal(true);
    expect(placed.selfInflictedReversals).to.equal(0);
    expect(placed.quarantinedHealthy).to.equal(0);
  });
});
