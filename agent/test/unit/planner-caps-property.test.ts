/**
 * Generated states at, just above and just below every bound the planners plan against: each strategy's absolute and
 * relative cap (measured, as the vault does, on total assets less the block's deposits, less the safety margin), and
 * the idle buffer. Live values run ahead of the vault's marks (accrued yield) and the recorded total may lag them (the
 * gain rate). Properties: every plan passes the check mirror, and the yield planner never holds while a move of at
 * least the minimum exists that improves the allocation (issue 13: it froze a few units over two caps).
 */
import { describe, expect, it } from "vitest";
import type { StrategyState } from "../../src/chain/types.js";
import { checkRebalance } from "../../src/checks/rebalance-check.js";
import { BPS, maxBig, minBig, mulDivDown, mulDivUp } from "../../src/checks/math.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import type { PlanDecision, PlannerInput } from "../../src/planner/types.js";
import { scoreOf, YieldPlanner } from "../../src/planner/yield-planner.js";
import { erc4626Valuation } from "../../src/checks/valuation.js";
import { A, AGENT, B, C, strategy } from "../support/fixtures.js";
import { apr, plannerInput } from "../support/planner-fixtures.js";
import { Random } from "../support/random.js";

const D = "0x4A4A4A4A4A4a4a4a4A4a4a4A4A4a4a4A4A4a4A4a";
const TOKEN = 10n ** 6n;
const STATES = 6_000;

/**
 * Where a generated amount sits against its bound: at it, a unit or a few away, around the margin or the minimum move.
 */
function offset(rng: Random, minMove: bigint, margin: bigint): bigint {
  const near = [
    0n,
    1n,
    2n,
    3n,
    20n,
    TOKEN,
    3n * TOKEN,
    20n * TOKEN,
    margin,
    margin + 1n,
    minMove - 1n,
    minMove,
    minMove + 1n,
    margin + minMove,
  ];
  const d = rng.chance(0.15) ? rng.big(3n * minMove) : rng.pick(near);
  return rng.chance(0.5) ? d : -d;
}

/** One generated state; undefined when the amounts picked do not add up to a vault (a negative remainder). */
function generate(rng: Random): PlannerInput | undefined {
  const minMove = rng.pick([1_000n * TOKEN, 1_000n * TOKEN, TOKEN]);
  const safetyMarginBps = rng.pick([0, 0, 5, 50]);
  const idleBufferBps = rng.pick([0, 500, 1_000, 3_000]);
  const total = 200_000n * TOKEN + rng.big(1_800_000n * TOKEN);
  const inflow = rng.chance(0.7) ? 0n : rng.big(total / 20n);
  const base = total - inflow;
  const margin = mulDivDown(base, BigInt(safetyMarginBps), BPS);
  const reserve = inflow + mulDivUp(base, BigInt(idleBufferBps), BPS) + margin;
  // Live value above the recorded total: yield accrued faster than the gain rate lets the vault book it.
  const gap = rng.chance(0.6) ? 0n : rng.big(total / 1_000n);

  const n = rng.int(1, 4);
  const free = rng.chance(0.6) ? rng.int(0, n - 1) : -1;
  const idleAtEdge = free >= 0 && rng.chance(0.7);
  const idle = idleAtEdge ? maxBig(0n, reserve + offset(rng, minMove, margin)) : 0n;
  const strategies: StrategyState[] = [];
  let placed = idleAtEdge ? idle : 0n;
  for (const [index, address] of [A, B, C, D].slice(0, n).entries()) {
    const edge = index === free ? "free" : rng.pick(["absolute", "relative"] as const);
    let absoluteCap: bigint;
    let relativeCapBps: number;
    if (edge === "absolute") {
      absoluteCap = rng.big(total / 2n);
      relativeCapBps = rng.pick([10_000, 6_000, rng.int(1, 10_000)]);
    } else if (edge === "relative") {
      relativeCapBps = rng.int(1, 5_000);
      absoluteCap = rng.pick([10n ** 18n, total]);
    } else {
      absoluteCap = rng.pick([10n ** 18n, total / 2n + rng.big(total)]);
      relativeCapBps = rng.int(5_000, 10_000);
    }
    const cap = minBig(absoluteCap, mulDivDown(base, BigInt(relativeCapBps), BPS));
    // At the cap itself or at the cap the planner plans with (the cap less the margin), and around either.
    const mark = rng.chance(0.5) ? cap : cap - margin;
    const value = edge === "free" ? 0n : maxBig(0n, mark + offset(rng, minMove, margin));
    placed += value;
    strategies.push(strategy(address, index, value, { absoluteCap, relativeCapBps }));
  }
  // The remainder goes to the free strategy (some of it to idle when idle is not at its edge), or to idle.
  let rest = total + gap - placed;
  if (rest < 0n) return undefined;
  let idleAmount = idle;
  if (!idleAtEdge) {
    idleAmount = free >= 0 ? rng.big(rest) : rest;
    rest -= idleAmount;
  }
  const liquid = (s: StrategyState, value: bigint): StrategyState => {
    const withdrawable = rng.chance(0.8) ? value : rng.big(value);
    const accrued = rng.chance(0.5) ? 0n : minBig(value, rng.big(20n * TOKEN));
    return {
      ...s,
      currentValue: value,
      convertedValue: value,
      shares: value,
      allocation: value - accrued,
      withdrawable,
      redeemableShares: rng.chance(0.3) && withdrawable === value && value > 0n ? value - 1n : withdrawable,
      depositable: rng.chance(0.7) ? 2n ** 256n - 1n : rng.big(100n * TOKEN),
      enabled: rng.chance(0.92),
    };
  };
  const listed = strategies.map((s, i) => liquid(s, i === free ? rest : s.currentValue));
  const yields = Object.fromEntries(
    listed.filter(() => rng.chance(0.9)).map((s) => [s.strategy, apr(rng.int(-5, 25) + rng.next())]),
  );
  const budget = rng.pick([
    2n * minMove,
    2n * minMove + rng.big(10n * minMove),
    rng.big(total / 5n) + minMove,
    10n ** 18n,
  ]);
  return plannerInput({
    idle: idleAmount,
    strategies: listed,
    yields,
    snapshot: {
      totalAssets: total,
      totalAllocated: listed.reduce((sum, s) => sum + s.allocation, 0n),
      inflowInBlock: inflow,
      bounds: { idleBufferBps, maxLossPerCallBps: 50, epochLossBudgetBps: 100, lossEpochLength: 86_400n },
    },
    session: {
      scope: rng.chance(0.8) ? 0b1111n : BigInt(rng.int(1, 15)),
      maxVolumePerCall: budget,
      maxVolumePerEpoch: 10n ** 19n,
    },
    params: { minMove, safetyMarginBps },
  });
}

/**
 * A move of at least the minimum that improves the allocation, found without the planner: from a place that can
 * release `minMove` (idle above its reserve, or a strategy's liquidity) to a place with `minMove` of room under its
 * cap less the margin (idle, or a strategy the session may raise), scored better by at least the minimum spread, within
 * the session's volume and paying its gas. Only places with a yield estimate (or idle) count.
 */
function improvingMove(input: PlannerInput): string | undefined {
  const { snapshot, params, remaining } = input;
  if (remaining.callsInEpoch === 0n) return undefined;
  const inflow = snapshot.inflowInBlock;
  const base = maxBig(0n, snapshot.totalAssets - inflow);
  const margin = mulDivDown(base, BigInt(params.safetyMarginBps), BPS);
  const reserve = inflow + mulDivUp(base, BigInt(snapshot.bounds.idleBufferBps), BPS) + margin;
  const limit = minBig(remaining.volumePerCall, remaining.volumeInEpoch);
  const budget = limit - mulDivUp(limit, BigInt(params.safetyMarginBps), BPS);
  const spread = params.minSpreadWad > 0n ? params.minSpreadWad : 1n;
  type Place = { name: string; legs: bigint; score: bigint; release: bigint; room: bigint };
  const places: Place[] = [
    { name: "idle", legs: 0n, score: 0n, release: maxBig(0n, snapshot.idle - reserve), room: 10n ** 30n },
  ];
  for (const s of snapshot.strategies) {
    const estimate = input.yields.get(s.strategy);
    const inScope = ((input.session.scope >> BigInt(s.index)) & 1n) === 1n;
    if (!estimate || !inScope) continue;
    const cap = minBig(s.absoluteCap, mulDivDown(base, BigInt(s.relativeCapBps), BPS)) - margin;
    // Out fully when every share is redeemable (a disabled strategy also when what cannot be withdrawn is dust, 1 ppm
    // + 1); otherwise within liquidity less the margin and one unit; in at most up to `maxDeposit` less the margin.
    const exact = s.redeemableShares >= s.shares && s.withdrawable >= s.currentValue;
    const exitsFully = exact || (!s.enabled && s.currentValue <= s.withdrawable + s.currentValue / 1_000_000n + 1n);
    const withdrawable =
      s.withdrawable - mulDivUp(s.withdrawable, BigInt(params.safetyMarginBps), BPS) - minBig(s.withdrawable, 1n);
    const release = exitsFully ? s.currentValue : maxBig(0n, minBig(withdrawable, s.currentValue - 1n));
    const depositRoom = s.depositable - mulDivUp(s.depositable, BigInt(params.safetyMarginBps), BPS);
    const room = s.enabled ? maxBig(0n, minBig(cap - s.currentValue, depositRoom)) : 0n;
    places.push({ name: `#${s.index}`, legs: 1n, score: scoreOf(estimate, params, s.strategy), release, room });
  }
  const gasPerLeg = (input.cost.gasPerLeg * input.cost.gasPriceWei * input.cost.assetPerNative) / 10n ** 18n;
  const gasBase = (input.cost.baseGas * input.cost.gasPriceWei * input.cost.assetPerNative) / 10n ** 18n;
  for (const from of places) {
    for (const to of places) {
      if (from === to || from.release < params.minMove || to.room < params.minMove) continue;
      if (to.score - from.score < spread || budget < params.minMove * (from.legs + to.legs)) continue;
      const gain = (params.minMove * (to.score - from.score) * params.horizonSeconds) / (31_536_000n * 10n ** 18n);
      if (gain > gasBase + gasPerLeg * (from.legs + to.legs)) return `${from.name} → ${to.name}`;
    }
  }
  return undefined;
}

/** 1:1 share math on strategies far larger than any move. */
const oneToOne = (input: PlannerInput) =>
  erc4626Valuation(
    input.snapshot.strategies.map((s) => ({ strategy: s.strategy, totalAssets: 10n ** 18n, totalSupply: 10n ** 18n })),
  );

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

function passesMirror(input: PlannerInput, decision: PlanDecision, label: string): void {
  if (decision.kind !== "rebalance") return;
  const verdict = checkRebalance({
    snapshot: input.snapshot,
    targets: decision.targets,
    sessionId: 7n,
    session: input.session,
    agent: AGENT,
    valuation: oneToOne(input),
    now: input.now,
  });
  expect(verdict.error, `${label}: ${json(decision.targets)}`).toBeUndefined();
  for (const t of decision.targets) {
    const s = input.snapshot.strategies.find((x) => x.strategy === t.strategy)!;
    expect(t.assets === s.currentValue, `${label}: no empty leg`).toBe(false);
    expect(
      t.assets >= s.currentValue || s.currentValue - t.assets <= s.withdrawable,
      `${label}: within liquidity`,
    ).toBe(true);
  }
}

describe("planners at, just above and just below every cap and the idle buffer", () => {
  it(`yield: ${STATES.toLocaleString("en")} generated states, never holds while an improving move exists, every plan passes every check`, () => {
    const rng = new Random(13);
    const planner = new YieldPlanner();
    const figures = { states: 0, plans: 0, improvable: 0, holds: {} as Record<string, number> };
    for (let i = 0; figures.states < STATES; i++) {
      const input = generate(rng);
      if (!input) continue;
      figures.states++;
      const decision = planner.plan(input);
      passesMirror(input, decision, `state ${i}`);
      const move = improvingMove(input);
      if (move) figures.improvable++;
      if (decision.kind === "rebalance") {
        figures.plans++;
        continue;
      }
      figures.holds[decision.code] = (figures.holds[decision.code] ?? 0) + 1;
      expect(
        move,
        `state ${i}: holds (${decision.reason}) though ${move} improves the allocation; ${json(input.snapshot.strategies)} idle ${input.snapshot.idle}`,
      ).toBeUndefined();
    }
    console.log(`yield planner at the bounds: ${json(figures)}`);
    expect(figures.plans, "enough plans to mean something").toBeGreaterThan(STATES / 3);
    expect(figures.states - figures.plans, "enough holds to mean something").toBeGreaterThan(STATES / 20);
  });

  it(`equal-weight: ${STATES.toLocaleString("en")} generated states, every plan passes every check`, () => {
    const rng = new Random(13);
    const planner = new EqualWeightPlanner();
    let plans = 0;
    for (let i = 0, states = 0; states < STATES; i++) {
      const input = generate(rng);
      if (!input) continue;
      states++;
      const decision = planner.plan(input);
      passesMirror(input, decision, `state ${i}`);
      if (decision.kind === "rebalance") plans++;
    }
    expect(plans, "enough plans to mean something").toBeGreaterThan(STATES / 3);
  });
});
