/**
 * The lending world's allocation bench: `bash scripts/bench.sh --lending [--seeds 1,2,3] [--days 30] [--planner yield]`
 * (= node --import tsx bench/lending.ts …; not part of CI). For each seed, on an embedded chain:
 *
 *  1. the demo's deployment step (scripts/demo/story/deploy.ts: LocalStack by Ignition, and the lending world's three
 *     curated vaults, scripts/demo/lending.ts); the treasury lists the vaults by a governance proposal, with the
 *     demo's caps (40%, 40%, 30%) and 12% idle buffer; a DAO member deposits 1,000,000;
 *  2. the real daemon, started by the demo's daemon step (scripts/demo/story/daemon.ts: `createAgent`, as
 *     `treasury-agent run` creates it), ticks every 2 hours of chain time for `days` days while seeded borrowers move
 *     every market's utilization (100% at times) and one borrower defaults with bad debt on one seeded day. A session
 *     lasts at most 7 days (the duration ceiling a first proposal may set), so the session admin grants the next one as
 *     each ends, as an operator would;
 *  3. every tick records each strategy's share price, the agent's position, what it could put in and take out, the
 *     daemon's trailing APR and the market-rate model's APR (the agent's src/markets/lending-rate.ts).
 *
 * Reported per seed: the agent's annualized yield; the best FIXED allocation in hindsight (lending-fixed.ts) and the
 * equal split, both bought at the first tick's share prices and valued at the last tick's; reversals; days with the
 * agent's money stuck; ticks with no strategy manageable; healthy strategies quarantined.
 *
 * The agent's flows and the price paths: the borrowers hold each market at a seeded target utilization (they borrow
 * or repay to it every step, seconds after the agent's move), and a market's rate is a function of its utilization
 * alone, so a share's interest does not depend on what the agent supplies (a bad debt is shared per share too). A
 * fixed allocation is therefore valued on the recorded share-price paths as they are. What does depend on the agent
 * is the mix of a vault over several markets (High Yield fills market 2 up to its 700,000 cap, then market 3); with
 * 200,000 outside and at most 300,000 from the treasury it never spills over, so nothing is corrected (the spread
 * between its two markets' rates is reported, for a world where it would).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BPS,
  countReversals,
  LensReader,
  type DaemonTick,
  type ReversalMove,
  type VaultSnapshot,
} from "@agent-treasury/agent";
import { startEmbeddedChain } from "@agent-treasury/agent/devnet";
import { JsonRpcProvider } from "ethers";
import { grantSession } from "../scripts/actions/grant-session.js";
import { runBoundsProposal } from "../scripts/actions/run-bounds-proposal.js";
import { STEP_SECONDS, STEPS_PER_DAY } from "../scripts/demo/market.js";
import { startDaemon, type DemoDaemon } from "../scripts/demo/story/daemon.js";
import { deploy } from "../scripts/demo/story/deploy.js";
import { ACCOUNT } from "../scripts/demo/story/stage.js";
import { REPO_ROOT } from "../scripts/lib/addresses.js";
import { parseCommandLine, wholeNumber } from "../scripts/lib/args.js";
import { runIfMain } from "../scripts/lib/entry.js";
import { MarketRateModel } from "./agent/agent-internals.js";
import { bestFixedAllocation, fixedValue, type FixedChoice } from "./lending-fixed.js";

const YEAR = 31_536_000;
const DAY = 86_400;
const WAD = 10n ** 18n;
/** Shares whose price is recorded: 1e12 whole shares of 18 decimals, so a 6-decimal asset's price has 18 digits. */
const PRICE_SHARES = 10n ** 30n;
const SESSION_DAYS = 7;
const IDLE_BUFFER_BPS = 1_200;
/** A position is stuck when less than this share of it can be withdrawn (the planners' `minWithdrawableBps`). */
const STUCK_BPS = 500n;
export const PLANNERS = ["yield", "equal-weight"] as const;
/** The config's default `planner.marketHalfLifeHours`. */
const DEFAULT_MARKET_HALF_LIFE_HOURS = 168;
/** The config's default `planner.marketWarmupHours`. */
const DEFAULT_MARKET_WARMUP_HOURS = 24;
export type PlannerName = (typeof PLANNERS)[number];

export interface LendingBenchOptions {
  seed: number;
  days: number;
  planner?: PlannerName;
  /** The daemon's yield model (default `market`: the smoothed market rate of lending strategies). */
  yieldModel?: "trailing" | "market";
  marketHalfLifeHours?: number;
  marketImpact?: boolean;
  marketWarmupHours?: number;
  /** Whether the market model's warm-up gives the realized rate (default: the config's, no). */
  marketWarmupRealized?: boolean;
  out?: (line: string) => void;
}

export interface SeedResult {
  seed: number;
  days: number;
  planner: PlannerName;
  /** The daemon's yield model, as the table's note names it. */
  yieldModel: string;
  deposits: string;
  /** Annualized (simple) yields, as fractions: 0.05 = 5%/year. */
  agentApy: number;
  bestFixedApy: number;
  bestFixedSplitBps: number[];
  equalSplitApy: number;
  /** agentApy / bestFixedApy. */
  agentVsBestFixed: number;
  rebalances: number;
  reversals: number;
  selfInflictedReversals: number;
  stuckDays: number;
  stuckTicks: number;
  unmanageableTicks: number;
  quarantinedHealthy: number;
  quarantines: { strategy: number; code: string; reason: string }[];
  tickErrors: number;
  ticks: number;
  defaultDay: number | undefined;
  /** Range of the daemon's trailing APR estimates and of the market-rate model's APRs over the run, per strategy. */
  trailingAprRange: [number, number][];
  marketAprRange: [number, number][];
  /** Mean over the ticks of the gap between the rates of the High Yield vault's two markets (APR): what a unit of its
   *  money placed in one market rather than the other changes, the bound on the mix effect. */
  mixSpreadApr: number;
  wallSeconds: number;
}

interface TickRecord {
  at: number;
  prices: bigint[];
  positions: bigint[];
  withdrawable: bigint[];
  depositable: bigint[];
}

/** One seed: the world, the treasury and the daemon on a fresh embedded chain; the figures. */
export async function runLendingSeed(o: LendingBenchOptions): Promise<SeedResult> {
  const started = performance.now();
  const out = o.out ?? (() => {});
  const planner = o.planner ?? "yield";
  const { seed, days } = o;
  if (!Number.isInteger(days) || days < 1 || days > 365)
    throw new RangeError(`days must be a whole number from 1 to 365, got ${days}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new RangeError(`seed must be a whole number from 0 to 4294967295, got ${seed}`);
  if (!PLANNERS.includes(planner))
    throw new RangeError(`planner must be one of ${PLANNERS.join(", ")}, got ${String(planner)}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "treasury-bench-lending-"));
  const chain = await startEmbeddedChain({ pinBlockTimes: true });
  let rpc: JsonRpcProvider | undefined;
  let daemon: DemoDaemon | undefined;
  try {
    // The demo's deployment step, its progress lines unsaid: the stack, and the lending world's curated vaults.
    const stage = await deploy(chain, { seed, days, world: "lending" }, [], () => {});
    const { ctx, addresses: a, unit, agentAddress } = stage;
    const market = stage.lendingWorld!;
    await runBoundsProposal(ctx, {
      title: "List the curated vaults and set the bounds",
      changes: [
        ...market.strategies.map((s) => ({
          kind: "addStrategy" as const,
          strategy: s.address,
          absoluteCap: s.absoluteCap,
          relativeCapBps: s.relativeCapBps,
        })),
        { kind: "setIdleBuffer", idleBufferBps: IDLE_BUFFER_BPS },
        { kind: "setLossLimits", maxLossPerCallBps: 25, epochLossBudgetBps: 100 },
        {
          kind: "setCeilings",
          maxDuration: SESSION_DAYS * DAY,
          maxVolumePerCall: 500_000n * unit,
          maxVolumePerEpoch: 2_000_000n * unit,
        },
      ],
      fastForward: true,
    });
    const member = stage.signers[ACCOUNT.member]!;
    const asset = await ctx.ethers.getContractAt("MockERC20", a.asset);
    await market.fund();
    const deposits = 1_000_000n * unit;
    await (await asset.mint(member.address, deposits)).wait();
    await (await asset.connect(member).approve(a.vault, deposits)).wait();
    await (await ctx.vault.connect(member).deposit(deposits, member.address)).wait();

    const start = ((await chain.now()) / 3_600n + 1n) * 3_600n;
    stage.start = start;
    await chain.mineAt(start);
    const admin = await stage.as("sessionAdmin");
    const grant = () =>
      grantSession(admin, {
        agent: agentAddress,
        strategies: "all",
        duration: SESSION_DAYS * DAY,
        maxVolumePerCall: 500_000n * unit,
        maxVolumePerEpoch: 1_500_000n * unit,
        epochLength: DAY,
        minInterval: 3_600,
        maxCallsPerEpoch: 6,
      });
    await grant();
    let sessionEnds = start + BigInt(SESSION_DAYS * DAY);

    // The demo's daemon step: the daemon as `treasury-agent run` creates it, on chain time, its log in the run's
    // folder.
    daemon = await startDaemon(stage, {
      dataDir,
      port: 0,
      planner,
      logLevel: "warn",
      yieldModel: o.yieldModel ?? "market",
      ...(o.marketHalfLifeHours ? { marketHalfLifeHours: o.marketHalfLifeHours } : {}),
      ...(o.marketImpact ? { marketImpact: true } : {}),
      ...(o.marketWarmupHours !== undefined ? { marketWarmupHours: o.marketWarmupHours } : {}),
      ...(o.marketWarmupRealized !== undefined ? { marketWarmupRealized: o.marketWarmupRealized } : {}),
    });
    const { assembled, clock } = daemon;
    rpc = new JsonRpcProvider(chain.url, 31337, {
      staticNetwork: true,
      batchMaxCount: 16,
      batchStallTime: 0,
      cacheTimeout: -1,
    });
    const reader = new LensReader(rpc, a.lens);
    const model = new MarketRateModel(rpc);
    const vaults = market.world.vaults.map((v) => v.connect(rpc!));
    const addresses = market.strategies.map((s) => s.address);
    const n = addresses.length;

    const records: TickRecord[] = [];
    const snapshotsByIntent = new Map<string, VaultSnapshot>();
    const trailing: [number, number][] = addresses.map(() => [Infinity, -Infinity]);
    const modelled: [number, number][] = addresses.map(() => [Infinity, -Infinity]);
    let mixSpreadSum = 0;
    let mixSpreadTicks = 0;
    let tickErrors = 0;
    let firstSnapshot: VaultSnapshot | undefined;
    const totalSteps = days * STEPS_PER_DAY;
    const widen = (range: [number, number], v: number) => {
      range[0] = Math.min(range[0], v);
      range[1] = Math.max(range[1], v);
    };

    let lastYields: ReadonlyMap<string, { aprWad: bigint }> = new Map();
    const daemonApr = (x: string) => lastYields.get(x)?.aprWad ?? 0n;
    for (let k = 0; k <= totalSteps; k++) {
      const at = start + BigInt(k) * STEP_SECONDS;
      if (k > 0)
        for (const line of await market.step(k))
          out(`  seed ${seed} day ${Math.floor(k / STEPS_PER_DAY) + 1}: ${line}`);
      await chain.mineAt(at);
      if (at >= sessionEnds) {
        await grant();
        sessionEnds = BigInt(await chain.now()) + BigInt(SESSION_DAYS * DAY);
      }
      clock.set(at);
      if (k === 0) firstSnapshot = await reader.snapshot(a.vault, agentAddress);
      const [tick] = (await assembled.daemon.tick()) as [DaemonTick];
      if (tick.error || !tick.report) {
        tickErrors++;
        out(`  seed ${seed} tick ${k}: the daemon's tick failed: ${tick.error?.message ?? "no report"}`);
      } else {
        const report = tick.report;
        lastYields = report.yields;
        if (report.result.kind === "sent") snapshotsByIntent.set(report.result.intentHash, report.snapshot);
        for (const [i, s] of addresses.entries()) {
          const e = report.yields.get(s);
          if (e) widen(trailing[i]!, Number(e.aprWad) / 1e18);
        }
      }
      const block = await rpc.getBlockNumber();
      const [snap, prices] = await Promise.all([
        reader.snapshot(a.vault, agentAddress),
        Promise.all(vaults.map((v) => v.convertToAssets(PRICE_SHARES, { blockTag: block }))),
        model.refresh(addresses, block),
      ]);
      for (const [i, s] of addresses.entries()) {
        const e = model.estimate(s);
        if (e) widen(modelled[i]!, Number(e.aprWad) / 1e18);
        const state = model.stateOf(s);
        if (state && state.markets.length > 1) {
          const rates = state.markets.map((m) => Number(supplyApr(m)) / 1e18);
          mixSpreadSum += Math.max(...rates) - Math.min(...rates);
          mixSpreadTicks++;
        }
      }
      const byAddress = (x: string) => snap.strategies.find((s) => s.strategy.toLowerCase() === x.toLowerCase())!;
      records.push({
        at: Number(at),
        prices,
        positions: addresses.map((x) => byAddress(x).currentValue),
        withdrawable: addresses.map((x) => byAddress(x).withdrawable),
        depositable: addresses.map((x) => byAddress(x).depositable),
      });
      if (process.env.LENDING_TRACE)
        out(
          `  trace ${seed} d${(k / STEPS_PER_DAY).toFixed(2)} pos ${records
            .at(-1)!
            .positions.map((p) => (Number(p) / 1e10).toFixed(1))
            .join(
              " ",
            )} apr ${addresses.map((x) => (Number(daemonApr(x)) / 1e16).toFixed(1)).join(" ")} price ${prices.map((p) => String(p)).join(" ")}`,
        );
      if (k % STEPS_PER_DAY === 0 && k > 0)
        out(
          `  seed ${seed}: day ${k / STEPS_PER_DAY} of ${days} done (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
    }

    // The agent's outcome.
    const end = await reader.snapshot(a.vault, agentAddress);
    const agentValue = end.idle + end.strategies.reduce((s, x) => s + x.currentValue, 0n);
    const period = days * DAY;
    const apy = (value: bigint) => (Number(value - deposits) / Number(deposits)) * (YEAR / period);

    // Fixed allocations, bought at the first tick's prices and valued at the last tick's.
    const first = records[0]!;
    const last = records[records.length - 1]!;
    const buffer = (deposits * BigInt(IDLE_BUFFER_BPS) + BPS - 1n) / BPS;
    const invested = deposits - buffer;
    const choices: FixedChoice[] = addresses.map((x, i) => {
      const listed = market.strategies[i]!;
      const relative = (deposits * BigInt(listed.relativeCapBps)) / BPS;
      const accepted = firstSnapshot!.strategies.find((s) => s.strategy.toLowerCase() === x.toLowerCase())!.depositable;
      return {
        startPrice: first.prices[i]!,
        endPrice: last.prices[i]!,
        maxAssets: min(listed.absoluteCap, relative, accepted),
      };
    });
    const best = bestFixedAllocation(deposits, invested, choices);
    const each = invested / BigInt(n);
    const equal = fixedValue(
      deposits,
      choices,
      choices.map((c) => min(each, c.maxAssets)),
    );

    // Legs of every confirmed rebalance, per strategy: time and direction.
    const legs: ReversalMove[] = [];
    const confirmed = assembled.journal
      .entries()
      .filter((e) => e.outcome?.status === "confirmed" && e.record.action === undefined);
    for (const e of confirmed) {
      const before = snapshotsByIntent.get(e.intentHash);
      const when = Math.floor(Date.parse(e.record.createdAt) / 1000);
      for (const t of e.record.targets) {
        const i = addresses.findIndex((x) => x.toLowerCase() === t.strategy.toLowerCase());
        const from = before?.strategies.find(
          (s) => s.strategy.toLowerCase() === t.strategy.toLowerCase(),
        )?.currentValue;
        if (i < 0 || from === undefined || t.assets === from) continue;
        legs.push({ at: when, strategy: i, raised: t.assets > from });
      }
    }
    // Self-inflicted unless, between the two legs (from the tick before the first), the strategy's share price fell
    // or the agent's money in it was stuck (its market at 100% utilization): either forces a move.
    const reversal = countReversals(legs, {
      observations: records,
      lookbackSeconds: Number(STEP_SECONDS),
      stuckBps: STUCK_BPS,
    });

    // Stuck money and unmanageable ticks.
    const stuck = records.map((r) => r.positions.some((p, i) => p > 0n && r.withdrawable[i]! * BPS < p * STUCK_BPS));
    const stuckDays = new Set(records.flatMap((r, k) => (stuck[k] ? [Math.floor((r.at - Number(start)) / DAY)] : [])))
      .size;
    const unmanageable = records.filter(
      (r) => r.depositable.every((d) => d === 0n) && r.withdrawable.every((w) => w === 0n),
    ).length;
    const quarantines = assembled.runners[0]!.quarantine.entries().map((q) => ({
      strategy: addresses.findIndex((x) => x.toLowerCase() === q.strategy.toLowerCase()),
      code: q.code,
      reason: q.reason,
    }));
    const defaultEvent = market.report.events.find((e) => e.text.includes("defaults"));

    const finite = (r: [number, number]): [number, number] => (Number.isFinite(r[0]) ? r : [Number.NaN, Number.NaN]);
    return {
      seed,
      days,
      planner,
      yieldModel:
        (o.yieldModel ?? "market") === "trailing"
          ? "trailing"
          : `market, half-life ${o.marketHalfLifeHours ?? DEFAULT_MARKET_HALF_LIFE_HOURS} h, warm-up ${o.marketWarmupHours ?? DEFAULT_MARKET_WARMUP_HOURS} h${o.marketWarmupRealized ? " on the realized rate" : ""}${o.marketImpact ? ", own impact" : ""}`,
      deposits: deposits.toString(),
      agentApy: apy(agentValue),
      bestFixedApy: apy(best.endValue),
      bestFixedSplitBps: best.assets.map((x) => Number((x * BPS) / deposits)),
      equalSplitApy: apy(equal),
      agentVsBestFixed: apy(best.endValue) > 0 ? apy(agentValue) / apy(best.endValue) : Number.NaN,
      rebalances: confirmed.length,
      reversals: reversal.all,
      selfInflictedReversals: reversal.selfInflicted,
      stuckDays,
      stuckTicks: stuck.filter(Boolean).length,
      unmanageableTicks: unmanageable,
      // Every vault of this world is healthy: a default's bad debt is a market loss, not a broken vault.
      quarantinedHealthy: quarantines.length,
      quarantines,
      tickErrors,
      ticks: records.length,
      defaultDay: defaultEvent ? Math.floor((defaultEvent.at - Number(start)) / DAY) + 1 : undefined,
      trailingAprRange: trailing.map(finite),
      marketAprRange: modelled.map(finite),
      mixSpreadApr: mixSpreadTicks > 0 ? mixSpreadSum / mixSpreadTicks : 0,
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await daemon?.assembled.close();
    rpc?.destroy();
    await chain.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function supplyApr(m: {
  totalSupplyAssets: bigint;
  totalBorrowAssets: bigint;
  marketFee: bigint;
  curve: { baseRate: bigint; slope1: bigint; slope2: bigint; kink: bigint };
}): bigint {
  const u = m.totalSupplyAssets === 0n ? 0n : min((m.totalBorrowAssets * WAD) / m.totalSupplyAssets, WAD);
  const c = m.curve;
  const rate =
    u <= c.kink
      ? c.baseRate + (c.slope1 * u) / WAD
      : c.baseRate + (c.slope1 * c.kink) / WAD + (c.slope2 * (u - c.kink)) / WAD;
  return ((((rate * u) / WAD) * (WAD - m.marketFee)) / WAD) * BigInt(YEAR);
}

function min(...xs: bigint[]): bigint {
  return xs.reduce((m, x) => (x < m ? x : m));
}

// ---------------------------------------------------------------- report

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : "n/a");

export function renderTable(results: readonly SeedResult[]): string {
  const head = [
    "seed",
    "agent (planner `yield`)",
    "best fixed in hindsight (split S0/S1/S2)",
    "agent / best fixed (target >= 90%)",
    "equal split",
    "rebalances",
    "reversals (self-inflicted; target 0)",
    "days stuck at 100%",
    "ticks nothing manageable",
    "healthy quarantined (target 0)",
    "tick errors",
    "default on day",
  ];
  const rows = results.map((r) => [
    String(r.seed),
    pct(r.agentApy),
    `${pct(r.bestFixedApy)} (${r.bestFixedSplitBps.map((b) => `${b / 100}%`).join("/")})`,
    `${pct(r.agentVsBestFixed)} ${r.agentVsBestFixed >= 0.9 ? "met" : "NOT met"}`,
    pct(r.equalSplitApy),
    String(r.rebalances),
    `${r.reversals} (${r.selfInflictedReversals}) ${r.selfInflictedReversals === 0 ? "met" : "NOT met"}`,
    String(r.stuckDays),
    String(r.unmanageableTicks),
    `${r.quarantinedHealthy} ${r.quarantinedHealthy === 0 ? "met" : "NOT met"}`,
    String(r.tickErrors),
    r.defaultDay === undefined ? "none" : String(r.defaultDay),
  ]);
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function renderRanges(results: readonly SeedResult[]): string {
  const range = (r: [number, number]) => `${pct(r[0])} to ${pct(r[1])}`;
  return results
    .map(
      (r) =>
        `- seed ${r.seed}: the agent's APR estimates ${r.trailingAprRange.map(range).join("; ")}; market-rate model ${r.marketAprRange.map(range).join("; ")}; mean spread between High Yield's two markets ${pct(r.mixSpreadApr)}; ${r.wallSeconds.toFixed(0)} s`,
    )
    .join("\n");
}

const START = "<!-- lending-bench:start -->";
const END = "<!-- lending-bench:end -->";

function machine(): string {
  const cpu = os.cpus();
  return `${cpu.length} x ${cpu[0]?.model.trim() ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function renderSection(results: readonly SeedResult[], date: string): string {
  const days = results[0]?.days ?? 0;
  const yieldModelLabel = results[0]?.yieldModel ?? "trailing";
  return [
    START,
    "## Lending world: allocation",
    "",
    `Written by \`bash scripts/bench.sh --lending\` (bench/lending.ts; not run by CI). ${days} simulated days per seed, a daemon tick`,
    "every 2 hours of chain time, seeded borrowers moving every market's utilization (100% at times) and one default with",
    "bad debt on a seeded day; the treasury lists the three curated vaults with caps of 40%, 40% and 30% and a 12% idle",
    "buffer; 1,000,000 deposited. The agent is the real daemon as `treasury-agent run` assembles it, with the planner",
    "`yield` (`--planner equal-weight` for the other one).",
    "",
    `The agent here rates the curated vaults with the yield model \`${yieldModelLabel}\``,
    "(`planner.yieldModel`, src/markets/smoothed-rate.ts): each vault's markets read once per tick through the",
    "market-rate views and their net supply rate averaged over time (a plain time-weighted mean until the half-life's",
    "time constant has been read, an exponential average after; no estimate during the warm-up unless",
    "`marketWarmupRealized`), so the planner sees what",
    "a position earns over the borrowers' swings between target utilization and 100%, not the swing of the hour. The same",
    "planner on each vault's trailing share-price rate (model `trailing`, half-life 3 h; this bench on 2026-12-06, same",
    "seeds): 14.19% / 15.50% /",
    "12.30% (95.83% / 101.34% / 96.75% of the best fixed allocation), 31 / 33 / 29 rebalances, no reversal. The planner",
    "before its rewrite (trailing APR over the whole window, no hold against reversals, no concentration rule; commit",
    "510290f): 14.72% / 15.55% / 12.40% (98.81% / 100.99% / 96.61%), 33 / 39 / 34 rebalances, 24 / 33 / 25 reversals of",
    "which 8 / 18 / 14 self-inflicted. The market model's spot rate fed to the planner as it is churned: 123 / 143 / 134",
    "rebalances and 9.25% / 8.88% / 9.33%, since borrowers here swing a market between its target utilization and 100%",
    "within hours. Settings tried on the same seeds (`--half-life`, `--warmup`): without a warm-up, half-life 48 h",
    "14.28% / 15.97% / 12.63% (one self-inflicted reversal), 96 h 14.27% / 16.01% / 12.99%, 168 h 14.44% / 16.08% /",
    "12.99%, 336 h 14.45% / 16.08% / 12.99% (a first day read at the target utilization rated High Yield at 3% and",
    "emptied it); half-life 168 h with a warm-up of 48 h 14.64% / 16.07% / 12.77%, of 72 h 14.68% / 16.15% / 12.70%.",
    "",
    "Seed 1 against the planner before its rewrite (14.64% against 14.72%; 2026-12-07, from `LENDING_TRACE=1`): the",
    "agent trails the best fixed 18%/40%/30% by 0.17 points (about 140 units) and holds less in Core twice. (a) The",
    "warm-up: for its first 26 hours it holds the equal split, Core at 29.3%, while Core pays 21% a year that day and",
    "Prime 2.6% (about 58 units); the old planner placed by its trailing rate from the second tick. (b) Days 3.3 to 8.2",
    "(about 69 units): Core's and",
    "Prime's averages stay within 1.5 points of each other (8% to 11%) and cross the concentration rule's boundary",
    "(1.22 points above an equal share, plus the 0.25-point minimum spread) four times, so Core goes 40% -> 29% -> 18%",
    "-> 29% -> 40% while it earns 4.6 points a year more than Prime over those days. The cause of (a) is the model's, so the",
    "fix tried is the model's: `planner.marketWarmupRealized` (`--warmup-realized`) gives each vault, during the",
    "warm-up, its realized rate over the warm-up window (the share price's mean growth, loss events apart: every hour",
    "at 100% is in it, which a first day's spot reads miss). It places Core at 40% from the second tick, and seeds 2",
    "and 3 gain (16.08%, 12.99%), but seed 1 falls to 14.44%: Prime, lowered a day sooner, is free to be raised again",
    "when the handover to the market average rates it 6.6% against High Yield's 3.1% (what High Yield did pay on day",
    "1), so High Yield is emptied on day 1.3 and bought back on day 2.3, when it pays 21%. The same with a 12-hour or a",
    "48-hour warm-up. Not made the default: it does not hold on all three seeds. Simulated on the recorded paths, a",
    "wider band at the concentration boundary (no penalty on a concentration already held, or half of it; a 0.5- or",
    "1-point minimum spread; a 48-hour hold) moves seed 1 by -0.05 to -0.01 points (dropping the rule, +0.02): (b) is the world's noise as much",
    "as the rule's. The model's own impact (`--impact`): 14.03% / 15.20% / 12.22%, 28 / 42 / 17 rebalances (with",
    "`--warmup-realized` 13.94% on seed 1, the same on 2 and 3). Hysteresis at the concentration boundary, measured",
    "(2026-12-07; a strategy held above its equal share keeps it until its spread falls a margin below the threshold, one",
    "at its share goes above only at the threshold plus the margin): seed 1 14.66% / 14.67% / 14.66% / 14.66% with a",
    "margin of 0.5 / 1 / 1.5 / 2 points, 14.62% with 1 or 1.22 points on the way out only. Core still leaves 40% on day",
    "4.4, when its average falls below Prime's (9.3% against 9.4%), and is raised back on day 7.6: a band on the rule",
    "cannot hold what the estimates themselves rank lower. With a 72-hour warm-up and a 1- or 2-point margin: 14.72% /",
    "16.12% / 12.70% (a tie with the planner before its rewrite on seed 1 to the hundredth; seed 3 below the equal",
    "split); with a 48- or 96-hour warm-up 14.67% / 14.65% on seed 1, with `--warmup-realized` 14.47%. In the demo world",
    "every margin tried loses on seed 4 (4.12% / 4.07% / 4.05% at 0.25 / 0.5 / 1 point, against 4.13%); 1 point on the",
    "way out only gains seed 4 (4.16%) and loses seed 7 (4.29% against 4.35%). Not built. No setting tried beats 14.72%",
    "on seed 1 while keeping seeds 2 and 3; the bench's own table further below is the default's, unchanged.",
    "",
    "| seed | planner before its rewrite | agent, default (this table) | `--warmup-realized` | `--impact` |",
    "|---:|---:|---:|---:|---:|",
    "| 1 | 14.72% | 14.64% | 14.44% | 14.03% |",
    "| 2 | 15.55% | 16.07% | 16.08% | 15.20% |",
    "| 3 | 12.40% | 12.89% | 12.99% | 12.22% |",
    "",
    `- date: ${date}`,
    `- machine: ${machine()}`,
    "",
    renderTable(results),
    "",
    "APR ranges over the run (strategies 0, 1, 2: Prime, Core, High Yield):",
    "",
    renderRanges(results),
    "",
    "How the figures are made:",
    "",
    "- **Yields** are simple annualized returns over the run: (end value / 1,000,000 - 1) x 365 / days.",
    "- **Best fixed allocation in hindsight**: the best split of the deposits over the three vaults within each vault's",
    "  listing caps (absolute and relative), what it accepted at the first tick, and the 12% idle buffer, bought at the",
    "  first tick's share prices and valued at the last tick's (bench/lending-fixed.ts: the value is linear in the split,",
    "  so the exact best is the greedy fill, best growth first up to each cap; the whole simplex is also walked on a 1%",
    "  grid and the better kept). **Equal split**: the invested 88% in three equal parts, valued the same way.",
    "- **The agent's flows and the paths**: the borrowers hold each market at a seeded target utilization (they borrow or",
    "  repay to it every step, seconds after the agent moves), and a market's rate depends on its utilization alone, so",
    "  a share earns the same whatever the agent supplies, and a bad debt is shared per share: the recorded share-price",
    "  paths are used as they are for any fixed split. What the agent's money does change is how High Yield spreads over",
    "  its two markets (market 2 up to its 700,000 cap, then market 3). It holds 200,000 from outside depositors and at",
    "  most 300,000 (its 30% cap) from the treasury, so all of it stays in market 2 under any split and the mix does not",
    "  change either: nothing is corrected. Were it to spill over, a unit in market 3 rather than 2 would earn the mean",
    "  spread between the two markets' rates listed above.",
    "- **Reversals**: a leg into a vault and a leg out of it (or out then in) within 24 hours. Self-inflicted unless the",
    "  vault's share price fell, or the agent's money in it was stuck, between the two.",
    "- **Days stuck**: days with a tick where less than 5% of the agent's money in some vault could be withdrawn (its",
    "  market at 100% utilization). **Ticks nothing manageable**: ticks where no vault accepted a deposit and none let",
    "  anything out.",
    "- **Healthy quarantined**: strategies the daemon quarantined; every vault of this world is healthy.",
    "- **Sessions**: a session lasts at most 7 days (the duration ceiling a first proposal may set); the session admin",
    "  grants the next as each ends, 500,000 a call, 1,500,000 and 6 calls a day, 1 hour apart.",
    END,
  ].join("\n");
}

/** BENCHMARKS.md with this section in place of the previous one, or appended. */
export function withSection(md: string, section: string): string {
  const i = md.indexOf(START);
  const j = md.indexOf(END);
  if (i >= 0 && j > i) return md.slice(0, i) + section + md.slice(j + END.length);
  return `${md.trimEnd()}\n\n${section}\n`;
}

const USAGE = `Usage: bash scripts/bench.sh --lending [options]

Runs the agent daemon over the lending world on several seeds and reports its yield against the best fixed allocation
in hindsight and the equal split, its reversals, stuck days and quarantines. Writes a section of BENCHMARKS.md and the
\`lending\` key of bench/results.json.

Options:
  --seeds <list>   comma-separated seeds (default 1,2,3)
  --days <n>       simulated days per seed, 1 to 365 (default 30)
  --planner <p>    the daemon's planner: ${PLANNERS.join(" or ")} (default yield)
  --yield-model <m> trailing or market (default market: the lending vaults' smoothed market rate)
  --half-life <h>  half-life of the market model's averages, hours (default: the config's)
  --warmup <h>     the market model's warm-up, hours (default: the config's)
  --impact         the market model tells the planner the rate after its own move
  --warmup-realized the market model gives each vault's realized rate (its share price's mean growth over the
                   warm-up window) during its warm-up instead of no estimate
  --no-write       print the table only
  -h, --help       this help

LENDING_TRACE=1 in the environment prints each tick's positions (in 10,000s of the asset), the agent's APRs (%) and the
share prices.`;

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      seeds: { type: "string", default: "1,2,3" },
      days: { type: "string", default: "30" },
      planner: { type: "string", default: "yield" },
      "yield-model": { type: "string", default: "market" },
      "half-life": { type: "string" },
      warmup: { type: "string" },
      impact: { type: "boolean", default: false },
      "warmup-realized": { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
    USAGE,
    out,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const seedText = String(values.seeds);
  const seeds = seedText.split(",").map((s) => s.trim());
  const days = wholeNumber(values.days);
  const planner = String(values.planner) as PlannerName;
  const bad =
    seeds.some((s) => !/^\d+$/.test(s) || Number(s) > 0xffffffff) || seeds.length === 0
      ? `--seeds must be comma-separated whole numbers from 0 to 4294967295, got ${seedText}`
      : !(days >= 1 && days <= 365)
        ? `--days must be a whole number from 1 to 365, got ${String(values.days)}`
        : !PLANNERS.includes(planner)
          ? `--planner must be one of ${PLANNERS.join(", ")}, got ${planner}`
          : undefined;
  if (bad) {
    console.error(`error: ${bad}`);
    return 2;
  }
  const results: SeedResult[] = [];
  for (const seed of seeds.map(Number)) {
    out(`[bench] lending world, seed ${seed}, ${days} days, planner ${planner}`);
    results.push(
      await runLendingSeed({
        seed,
        days,
        planner,
        out,
        yieldModel: String(values["yield-model"]) === "trailing" ? "trailing" : "market",
        ...(values["half-life"] ? { marketHalfLifeHours: Number(values["half-life"]) } : {}),
        ...(values.warmup !== undefined ? { marketWarmupHours: Number(values.warmup) } : {}),
        marketImpact: Boolean(values.impact),
        ...(values["warmup-realized"] ? { marketWarmupRealized: true } : {}),
      }),
    );
  }
  out("");
  out(renderTable(results));
  out("");
  out(renderRanges(results));
  if (!values["no-write"]) {
    const date = new Date().toISOString().slice(0, 10);
    const mdPath = path.join(REPO_ROOT, "BENCHMARKS.md");
    fs.writeFileSync(
      mdPath,
      withSection(
        fs.existsSync(mdPath) ? fs.readFileSync(mdPath, "utf8") : "# Benchmarks\n",
        renderSection(results, date),
      ),
    );
    const jsonPath = path.join(REPO_ROOT, "bench", "results.json");
    const json = fs.existsSync(jsonPath)
      ? (JSON.parse(fs.readFileSync(jsonPath, "utf8")) as Record<string, unknown>)
      : {};
    json.lending = { date, machine: machine(), days, stepHours: 2, planner, seeds: results };
    fs.writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    out("\nwrote the lending section of BENCHMARKS.md and the `lending` key of bench/results.json");
  }
  return 0;
}

await runIfMain(import.meta.url, main);
