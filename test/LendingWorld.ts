/**
 * The lending-market world (agent/devnet/lending.ts, borrowers.ts) on Hardhat's chain with Hardhat's signers: the
 * default world deploys as described, the seeded borrowers move utilization the same way for the same seed, take a
 * market to 100% utilization (its vault's suppliers cannot leave) and default with bad debt (its vault's holders lose).
 */
import {
  BorrowerDriver,
  DEFAULT_MARKETS,
  DEFAULT_VAULTS,
  deployLendingWorld,
  marketId,
  type LendingWorld,
} from "@agent-treasury/agent/devnet";
import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();

async function defaultWorld(): Promise<LendingWorld> {
  const [deployer] = await ethers.getSigners();
  return deployLendingWorld(deployer!);
}

describe("Lending world: Morpho Blue markets, curated vaults, seeded borrowers", () => {
  it("deploys the default world: markets at their utilization, vaults holding their deposits, no shared market", async () => {
    const world = await networkHelpers.loadFixture(defaultWorld);
    const unit = world.unit;
    expect(unit, "a 6-decimal asset").to.equal(10n ** 6n);
    expect(world.markets.length).to.equal(DEFAULT_MARKETS.length);
    expect(world.vaults.length).to.equal(DEFAULT_VAULTS.length);
    const driver = new BorrowerDriver(world, { seed: 1 });
    for (const [m, spec] of DEFAULT_MARKETS.entries()) {
      expect(await driver.utilizationBps(m), `market ${m} utilization`).to.be.closeTo(spec.utilizationBps!, 1);
      const market = await world.morpho.market(world.markets[m]!.id);
      expect(market.lastUpdate, `market ${m} created under the id computed off chain`).to.be.greaterThan(0n);
      expect(world.markets[m]!.id).to.equal(marketId(world.markets[m]!.params));
    }
    for (const [i, spec] of DEFAULT_VAULTS.entries()) {
      const vault = world.vaults[i]!;
      expect(await vault.name()).to.equal(spec.name);
      expect(await vault.decimals(), "18-decimal shares over the 6-decimal asset").to.equal(18n);
      const assets = await vault.totalAssets();
      expect(assets, `${spec.name} holds its deposits`).to.be.at.least(spec.deposits! * unit - 2n);
      expect(assets, "and the few seconds of interest since").to.be.closeTo(spec.deposits! * unit, unit);
      expect(await vault.marketCount()).to.equal(BigInt(spec.markets.length));
    }
    expect(world.vaultsOfMarket, "each market feeds one vault").to.deep.equal([[0], [1], [2], [2]]);
    const rates = await Promise.all(world.vaults.map((v) => v.rateAfter(0n)));
    expect(new Set(rates.map(String)).size, "the vaults pay different rates").to.equal(rates.length);
  });

  it("moves utilization the same way for the same seed, and another way for another seed", async () => {
    const world = await networkHelpers.loadFixture(defaultWorld);
    const run = async (seed: number) => {
      const snapshot = await networkHelpers.takeSnapshot();
      const driver = new BorrowerDriver(world, { seed });
      const path: number[] = [];
      for (let t = 0; t < 3; t++) {
        await networkHelpers.time.increase(3_600);
        for (const move of await driver.tick()) path.push(move.utilizationBps);
      }
      await snapshot.restore();
      return path;
    };
    const a = await run(7);
    expect(a.length, "a move per market and tick").to.equal(3 * DEFAULT_MARKETS.length);
    for (const u of a)
      expect(u, "inside the default band or full").to.satisfy(
        (x: number) => (x >= 3_990 && x <= 9_510) || x === 10_000,
      );
    expect(await run(7), "same seed, same path").to.deep.equal(a);
    expect(await run(8), "another seed, another path").to.not.deep.equal(a);
  });

  it("takes every unit of a market's liquidity: the vault over it lets nobody out until borrowers repay", async () => {
    const world = await networkHelpers.loadFixture(defaultWorld);
    const [deployer] = await ethers.getSigners();
    const driver = new BorrowerDriver(world, { seed: 1, fullChance: 1 });
    const moves = await driver.tick();
    expect(
      moves.map((m) => m.kind),
      "every market full",
    ).to.deep.equal(DEFAULT_MARKETS.map(() => "full"));
    expect(moves.map((m) => m.utilizationBps)).to.deep.equal(DEFAULT_MARKETS.map(() => 10_000));
    for (const move of moves)
      expect(move.kind === "full" && move.assets > 0n, `market ${move.market}: borrowed the rest`).to.equal(true);
    const prime = world.vaults[0]!;
    expect(await prime.balanceOf(deployer!.address), "the outside depositor holds shares").to.be.greaterThan(0n);
    expect(await prime.maxWithdraw(deployer!.address), "but can withdraw nothing").to.equal(0n);
    await expect(prime.withdraw(1n, deployer!.address, deployer!.address)).to.be.revertedWithCustomError(
      prime,
      "NotEnoughLiquidity",
    );

    const calm = new BorrowerDriver(world, {
      seed: 1,
      fullChance: 0,
      maxUtilizationBps: 5_000,
      maxStepBps: 0,
      minUtilizationBps: 5_000,
    });
    await calm.tick();
    expect(
      await prime.maxWithdraw(deployer!.address),
      "borrowers repaid: the depositor can leave again",
    ).to.be.greaterThan(0n);
  });

  it("stages a default: bad debt lowers the vault's total assets", async () => {
    const world = await networkHelpers.loadFixture(defaultWorld);
    const driver = new BorrowerDriver(world, { seed: 1 });
    const vault = world.vaults[0]!;
    const before = await vault.totalAssets();
    const move = await driver.stageDefault(0, 20_000n * world.unit);
    expect(move?.kind).to.equal("bad-debt");
    if (move?.kind !== "bad-debt") return;
    expect(move.debt).to.equal(20_000n * world.unit);
    expect(move.badDebt, "about 44% of the debt is not recovered").to.be.closeTo(
      (20_000n * world.unit * 44n) / 100n,
      1_000n * world.unit,
    );
    const loss = before - (await vault.totalAssets());
    // Prime USDC supplies 500k of market 0's 2.5M: a fifth of the bad debt (less a second of interest).
    expect(loss, "the vault's holders bear their share").to.be.closeTo(move.badDebt / 5n, 10n * world.unit);
    expect(await world.markets[0]!.oracle.price(), "the price recovered").to.equal(world.markets[0]!.price);
  });

  it("a driver with defaults on stages them from its seed", async () => {
    const world = await networkHelpers.loadFixture(defaultWorld);
    const driver = new BorrowerDriver(world, { seed: 3, badDebt: { chance: 1, sizeBps: 50 } });
    const moves = await driver.tick();
    const defaults = moves.filter((m) => m.kind === "bad-debt");
    expect(defaults.length, "one default per tick at chance 1").to.equal(1);
  });

  it("refuses a world or a band that cannot exist, naming the field", async () => {
    const [deployer] = await ethers.getSigners();
    let error: unknown;
    try {
      await deployLendingWorld(deployer!, {
        markets: [{}],
        vaults: [{ name: "Lost", markets: [{ market: 2, cap: 1n }] }],
      });
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.contain("vaults[0] (Lost) names market 2; there are 1 (0 to 0)");
    expect(
      () => new BorrowerDriver({} as LendingWorld, { seed: 1, minUtilizationBps: 9_000, maxUtilizationBps: 8_000 }),
    ).to.throw(/utilization band must satisfy 0 <= min <= max <= 10000 bps, got 9000 to 8000/);
  });
});
