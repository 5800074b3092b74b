/**
 * The demo's lending world (`bash scripts/demo.sh --world lending`): the treasury lists three curated vaults over
 * Morpho Blue markets (agent/devnet/lending.ts) instead of mock strategies. Nothing sets their yields: seeded borrowers
 * (agent/devnet/borrowers.ts) move each market's utilization every 2 hours, interest accrues every block at the rate
 * its curve gives, a market sometimes goes to 100% utilization (its suppliers cannot leave until borrowers repay), and
 * on one seeded day a borrower defaults and leaves bad debt. Morpho Blue is a test dependency (BUSL-1.1): only the
 * demo, the devnet and the tests deploy it.
 */
import { BPS, formatBps } from "@agent-treasury/agent";
import type { Signer } from "ethers";
import {
  BorrowerDriver,
  DEFAULT_MARKETS,
  DEFAULT_VAULTS,
  deployLendingWorld,
  Random,
  type LendingWorld,
  type MarketMove,
} from "@agent-treasury/agent/devnet";
import type { TreasuryAddresses } from "../lib/addresses.js";
import type { TreasuryContext } from "../lib/context.js";
import { STEPS_PER_DAY, type DemoMarket } from "./market.js";
import { amount, type LendingReport } from "./summary.js";

const WAD = 10n ** 18n;
const YEAR = 31_536_000n;
/** The default debt of a borrower who defaults: 2% of its market's supply (about 0.9% of it becomes bad debt). */
const DEFAULT_DEBT_BPS = 200n;

export interface LendingMarket extends DemoMarket {
  world: LendingWorld;
  /** What the markets did, for the summary (the run adds the daemon's quarantines and failed ticks). */
  report: LendingReport;
}

export async function lendingMarket(
  ctx: TreasuryContext,
  a: TreasuryAddresses,
  o: { seed: number; days: number; start: () => bigint; deployer: Signer },
): Promise<LendingMarket> {
  const fmt = ctx.asset;
  const unit = 10n ** BigInt(fmt.decimals);
  // The vaults lend the stack's asset, and are named after it.
  const vaults = DEFAULT_VAULTS.map((v) => ({
    ...v,
    name: v.name.replace("USDC", fmt.symbol),
    symbol: v.symbol?.replace("USDC", fmt.symbol),
  }));
  const world = await deployLendingWorld(o.deployer, { asset: a.asset, markets: DEFAULT_MARKETS, vaults });
  const driver = new BorrowerDriver(world, { seed: o.seed });
  const random = new Random(o.seed ^ 0x5eed);
  const defaultDay = o.days >= 2 ? random.int(1, o.days - 1) : -1;
  const defaultMarket = random.int(0, world.markets.length - 1);
  const defaultStep = defaultDay > 0 ? defaultDay * STEPS_PER_DAY + 1 : -1;
  const totalSteps = o.days * STEPS_PER_DAY;
  const names = vaults.map((v) => v.name);
  const fedBy = (m: number) => world.vaultsOfMarket[m]!.map((i) => names[i]).join(", ") || "no vault";
  const report: LendingReport = {
    vaults: vaults.map((v, i) => ({
      strategy: i,
      name: v.name,
      address: world.vaultAddresses[i]!,
      markets: v.markets.map((m) => m.market),
    })),
    events: [],
    quarantines: [],
    tickErrors: [],
  };
  const full = new Set<number>();
  const at = (k: number) => Number(o.start()) + k * Number(2n * 3_600n);

  const utilizations = async () => Promise.all(world.markets.map((_, m) => driver.utilizationBps(m)));
  const describe = (move: MarketMove): string | undefined => {
    if (move.kind === "bad-debt") {
      return `a borrower in market ${move.market} (${fedBy(move.market)}) defaults on ${amount(move.debt, fmt)}: the collateral's price halves, a liquidator seizes it, ${amount(move.badDebt, fmt)} of bad debt is a loss for the market's suppliers`;
    }
    if (move.kind === "full" && !full.has(move.market)) {
      full.add(move.market);
      return `borrowers take all of market ${move.market}'s liquidity (100% utilization): ${fedBy(move.market)} cannot pay its suppliers out of it until they repay`;
    }
    if (move.kind !== "full" && full.delete(move.market)) {
      return `borrowers repay ${amount(move.assets, fmt)} in market ${move.market}: utilization ${formatBps(move.utilizationBps)}, liquidity back`;
    }
    return undefined;
  };

  return {
    world,
    report,
    strategies: [
      { address: world.vaultAddresses[0]!, absoluteCap: 1_000_000n * unit, relativeCapBps: 4_000 },
      { address: world.vaultAddresses[1]!, absoluteCap: 1_000_000n * unit, relativeCapBps: 4_000 },
      { address: world.vaultAddresses[2]!, absoluteCap: 600_000n * unit, relativeCapBps: 3_000 },
    ],
    fund: async () => {
      const supplied = DEFAULT_MARKETS.reduce((s, m) => s + (m.outsideSupply ?? 0n), 0n) * unit;
      const deposited = vaults.reduce((s, v) => s + (v.deposits ?? 0n), 0n) * unit;
      const u = await utilizations();
      return `outside lenders supply ${amount(supplied, fmt)} straight to ${world.markets.length} Morpho Blue markets and hold ${amount(deposited, fmt)} in the curated vaults (${names.join(", ")}); borrowers hold the markets at ${u.map(formatBps).join(" ")} utilization`;
    },
    dayOpens: async (day) => {
      const u = await utilizations();
      const rates = await Promise.all(world.vaults.map((v) => v.rateAfter(0n)));
      const apr = (perSecond: bigint) => formatBps((perSecond * YEAR * BPS) / WAD);
      const lines = [
        `market, day ${day + 1}: utilization ${u.map(formatBps).join(" ")}; vault APRs after fees ${rates.map(apr).join(" ")} (${names.join(", ")})`,
      ];
      if (day === defaultDay)
        lines.push(
          `a borrower in market ${defaultMarket} (${fedBy(defaultMarket)}) is close to its liquidation LTV today`,
        );
      return lines;
    },
    step: async (k) => {
      const moves = await driver.tick();
      if (k === defaultStep) {
        const { supply } = await driver.totals(defaultMarket);
        const move = await driver.stageDefault(defaultMarket, (supply * DEFAULT_DEBT_BPS) / BPS);
        if (move) moves.push(move);
      }
      const lines: string[] = [];
      for (const move of moves) {
        const text = describe(move);
        if (text === undefined) continue;
        lines.push(text);
        report.events.push({ at: at(k), text });
      }
      return lines;
    },
    pauseStep: defaultStep > 0 ? defaultStep : Math.max(2, Math.min(totalSteps - 1, Math.floor(totalSteps / 2) + 1)),
  };
}
