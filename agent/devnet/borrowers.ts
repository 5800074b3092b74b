/**
 * The lending world's borrowers, seeded: each tick they borrow and repay against collateral so that every market's
 * utilization wanders (a random walk inside a band), at times take every unit of a market's liquidity (100%
 * utilization: its suppliers cannot withdraw until borrowers repay), and, when asked, default: a borrower just under
 * LLTV, a collateral crash, a liquidation that leaves bad debt for the market's suppliers. The same seed gives the same
 * moves. Each market move is one transaction from the world's deployer.
 */
import { Interface, type ContractTransactionReceipt } from "ethers";
import { BPS } from "../src/index.js";
import type { LendingWorld } from "./lending.js";
import { SAFE_LTV } from "./lending.js";
import { Random } from "./random.js";

const WAD = 10n ** 18n;

/** Morpho's events. Morpho.sol (solc 0.8.19) emits them from its EventsLib, so its ABI does not list them. */
const MORPHO_EVENTS = new Interface([
  "event Borrow(bytes32 indexed id, address caller, address indexed onBehalf, address indexed receiver, uint256 assets, uint256 shares)",
  "event Repay(bytes32 indexed id, address indexed caller, address indexed onBehalf, uint256 assets, uint256 shares)",
  "event Liquidate(bytes32 indexed id, address indexed caller, address indexed borrower, uint256 repaidAssets, uint256 repaidShares, uint256 seizedAssets, uint256 badDebtAssets, uint256 badDebtShares)",
]);

export interface BorrowerOptions {
  seed: number;
  /** Band the utilization wanders in, in bps (default 4,000 to 9,500). */
  minUtilizationBps?: number;
  maxUtilizationBps?: number;
  /** Largest change of a market's utilization target in one tick, in bps (default 1,500). */
  maxStepBps?: number;
  /** Chance, per market and tick, that borrowers take all of its liquidity (default 0.04); a market at 100% stays
   *  there for the next tick with even odds. */
  fullChance?: number;
  /** Defaults: chance per tick that a borrower in one market defaults, with debt of `sizeBps` of that market's supply
   *  (about 44% of it becomes bad debt). Off by default. */
  badDebt?: { chance: number; sizeBps: number } | false;
}

export type MarketMove =
  | { market: number; kind: "borrow" | "repay" | "full"; assets: bigint; utilizationBps: number }
  | { market: number; kind: "bad-debt"; debt: bigint; badDebt: bigint; utilizationBps: number };

export class BorrowerDriver {
  private readonly random: Random;
  private readonly o: Required<Omit<BorrowerOptions, "seed" | "badDebt">> & { badDebt: BorrowerOptions["badDebt"] };
  private targets: number[] | undefined;

  constructor(
    private readonly world: LendingWorld,
    options: BorrowerOptions,
  ) {
    this.random = new Random(options.seed);
    this.o = {
      minUtilizationBps: options.minUtilizationBps ?? 4_000,
      maxUtilizationBps: options.maxUtilizationBps ?? 9_500,
      maxStepBps: options.maxStepBps ?? 1_500,
      fullChance: options.fullChance ?? 0.04,
      badDebt: options.badDebt ?? false,
    };
    if (
      !(
        this.o.minUtilizationBps >= 0 &&
        this.o.minUtilizationBps <= this.o.maxUtilizationBps &&
        this.o.maxUtilizationBps <= 10_000
      )
    ) {
      throw new RangeError(
        `utilization band must satisfy 0 <= min <= max <= 10000 bps, got ${this.o.minUtilizationBps} to ${this.o.maxUtilizationBps}`,
      );
    }
  }

  /** One tick: every market's borrowers move, then perhaps a default. Returns what happened, market by market. */
  async tick(): Promise<MarketMove[]> {
    this.targets ??= await Promise.all(this.world.markets.map((_, m) => this.utilizationBps(m)));
    const targets = this.targets;
    const moves: MarketMove[] = [];
    for (const [m, market] of this.world.markets.entries()) {
      const wasFull = targets[m]! >= 10_000;
      const full = wasFull ? this.random.chance(0.5) : this.random.chance(this.o.fullChance);
      const step = this.random.int(-this.o.maxStepBps, this.o.maxStepBps);
      const from = Math.min(targets[m]!, this.o.maxUtilizationBps);
      targets[m] = full ? 10_000 : Math.min(this.o.maxUtilizationBps, Math.max(this.o.minUtilizationBps, from + step));
      const receipt = await (
        await this.world.borrower.moveUtilization(market.params, (BigInt(targets[m]!) * WAD) / BPS, SAFE_LTV)
      ).wait();
      const { borrowed, repaid } = this.flows(receipt);
      const utilizationBps = await this.utilizationBps(m);
      if (full) moves.push({ market: m, kind: "full", assets: borrowed, utilizationBps });
      else
        moves.push({
          market: m,
          kind: borrowed >= repaid ? "borrow" : "repay",
          assets: borrowed >= repaid ? borrowed : repaid,
          utilizationBps,
        });
    }
    const bad = this.o.badDebt;
    if (bad && this.random.chance(bad.chance)) {
      const m = this.random.int(0, this.world.markets.length - 1);
      const { supply } = await this.totals(m);
      const move = await this.stageDefault(m, (supply * BigInt(bad.sizeBps)) / BPS);
      if (move) moves.push(move);
    }
    return moves;
  }

  /**
   * A borrower takes up to `debt` in market `m` just under its LLTV; the collateral's price halves; a liquidator seizes
   * all of it and Morpho books the rest of the debt as bad debt, lowering every supplier's assets; the price recovers.
   * Borrows at most the market's liquidity; nothing happens when it has none.
   */
  async stageDefault(m: number, debt: bigint): Promise<MarketMove | undefined> {
    const { params, oracle, price } = this.world.markets[m]!;
    const { supply, borrow } = await this.totals(m);
    const amount = debt < supply - borrow ? debt : supply - borrow;
    if (amount === 0n) return undefined;
    const w = this.world;
    await (await w.risky.borrow(params, amount, params.lltv - WAD / 100n)).wait();
    await (await oracle.setPrice(price / 2n)).wait();
    const receipt = await (await w.liquidator.liquidate(params, await w.risky.getAddress())).wait();
    await (await oracle.setPrice(price)).wait();
    let badDebt = 0n;
    for (const log of receipt!.logs) {
      const parsed = MORPHO_EVENTS.parseLog(log);
      if (parsed?.name === "Liquidate") badDebt = parsed.args.badDebtAssets as bigint;
    }
    return { market: m, kind: "bad-debt", debt: amount, badDebt, utilizationBps: await this.utilizationBps(m) };
  }

  /** Market `m`'s utilization now, in bps (interest accrued). */
  async utilizationBps(m: number): Promise<number> {
    const { supply, borrow } = await this.totals(m);
    return supply === 0n ? 0 : Number((borrow * BPS) / supply);
  }

  /** Market `m`'s supply and borrow now (interest accrued). */
  async totals(m: number): Promise<{ supply: bigint; borrow: bigint }> {
    const [supply, borrow] = await this.world.borrower.totalsOf(this.world.markets[m]!.params);
    return { supply, borrow };
  }

  /** What the utilization borrower borrowed and repaid in `receipt` (Morpho's Borrow and Repay events). */
  private flows(receipt: ContractTransactionReceipt | null): { borrowed: bigint; repaid: bigint } {
    let borrowed = 0n;
    let repaid = 0n;
    for (const log of receipt?.logs ?? []) {
      const parsed = MORPHO_EVENTS.parseLog(log);
      if (parsed?.name === "Borrow") borrowed += parsed.args.assets as bigint;
      if (parsed?.name === "Repay") repaid += parsed.args.assets as bigint;
    }
    return { borrowed, repaid };
  }
}
