/**
 * The demo's market: the strategies the treasury lists and what moves them between the daemon's ticks. Two worlds:
 * - "mock" (the default): three MockStrategy vaults whose yields and one loss follow the seeded path of yields.ts;
 * - "lending": curated vaults over Morpho Blue markets whose seeded borrowers move utilization, and so the rates
 *   (lending.ts).
 */
import { formatBps } from "@agent-treasury/agent";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { TreasuryAddresses } from "../lib/addresses.js";
import type { TreasuryContext } from "../lib/context.js";
import { amount } from "./summary.js";
import { gainOver, lossOf, type DayYields } from "./yields.js";

export type DemoWorld = "mock" | "lending";
export const WORLDS: readonly DemoWorld[] = ["mock", "lending"];

/** A strategy the first proposal lists, with its caps. */
export interface ListedStrategy {
  address: string;
  absoluteCap: bigint;
  relativeCapBps: number;
}

export interface DemoMarket {
  strategies: ListedStrategy[];
  /** Puts outside money in the strategies (as other depositors have); returns how the progress line says it. */
  fund(): Promise<string>;
  /** What the progress shows at the start of day `day` (from 0), before its first tick. */
  dayOpens(day: number): Promise<string[]>;
  /** Moves the market over the 2-hour step that ends at tick `k` (k >= 1); returns what is worth a line. */
  step(k: number): Promise<string[]>;
  /** The tick at which the guardian pauses every agent (the day of the loss, when there is one). */
  pauseStep: number;
}

export const STEPS_PER_DAY = 12;
/** The mock strategies' relative caps (bps of the vault's value), as the bounds proposal lists them. */
export const MOCK_CAPS_BPS = [4_000, 4_000, 3_000] as const;
/** The treasury's idle buffer in the demo (bps of its value), as the bounds proposal sets it. */
export const DEMO_BUFFER_BPS = 1_200;
export const STEP_SECONDS = 2n * 3_600n;

/** The mock world: yields and one loss applied to the mock strategies in proportion to their assets. */
export async function mockMarket(
  ctx: TreasuryContext,
  a: TreasuryAddresses,
  path: DayYields[],
  outsider: HardhatEthersSigner,
): Promise<DemoMarket> {
  const unit = 10n ** BigInt(ctx.asset.decimals);
  const asset = await ctx.ethers.getContractAt("MockERC20", a.asset);
  const strategies = await Promise.all(a.strategies.map((s) => ctx.ethers.getContractAt("MockStrategy", s)));
  const [s0, s1, s2] = a.strategies as [string, string, string];
  const totalSteps = path.length * STEPS_PER_DAY;
  const lossDay = path.findIndex((d) => d.lossBps.some((b) => b > 0));
  return {
    strategies: [
      { address: s0, absoluteCap: 1_000_000n * unit, relativeCapBps: MOCK_CAPS_BPS[0] },
      { address: s1, absoluteCap: 1_000_000n * unit, relativeCapBps: MOCK_CAPS_BPS[1] },
      { address: s2, absoluteCap: 600_000n * unit, relativeCapBps: MOCK_CAPS_BPS[2] },
    ],
    fund: async () => {
      const seedAmount = 2_000_000n * unit;
      for (const s of strategies) {
        await (await asset.mint(outsider.address, seedAmount)).wait();
        await (await asset.connect(outsider).approve(await s.getAddress(), seedAmount)).wait();
        await (await s.connect(outsider).deposit(seedAmount, outsider.address)).wait();
      }
      return `outside depositors hold ${amount(seedAmount, ctx.asset)} in each strategy`;
    },
    dayOpens: async (d) => {
      const day = path[d]!;
      return [
        `market, day ${day.day + 1}: strategy APRs ${day.aprBps.map((b) => formatBps(b)).join(" ")}${day.events.map((e) => `; ${e}`).join("")}`,
      ];
    },
    step: async (k) => {
      // A loss at the start of a day, then each strategy's yield.
      const day = path[Math.floor((k - 1) / STEPS_PER_DAY)]!;
      if ((k - 1) % STEPS_PER_DAY === 0) {
        for (const [i, bps] of day.lossBps.entries()) {
          if (bps === 0) continue;
          const s = strategies[i]!;
          await (await s.simulateLoss(lossOf(await s.totalAssets(), bps))).wait();
        }
      }
      for (const [i, s] of strategies.entries()) {
        const gain = gainOver(await s.totalAssets(), day.aprBps[i]!, STEP_SECONDS);
        if (gain > 0n) await (await s.simulateGain(gain)).wait();
      }
      return [];
    },
    pauseStep:
      lossDay > 0 ? lossDay * STEPS_PER_DAY + 1 : Math.max(2, Math.min(totalSteps - 1, Math.floor(totalSteps / 2) + 1)),
  };
}
