/**
 * The default planner: moves capital toward the best risk-adjusted yield.
 *
 * Score of a strategy = estimated APR − its risk premium − volatility × weight; idle scores 0. In order:
 * 1. restore the idle buffer from the lowest-scored strategies (a step below `minMove` is left for a better pair);
 * 2. move out of disabled strategies and strategies above a (lowered) cap, into the best places with room, when at
 *    least `minMove` has to go (a strategy a hair over its cap after accrued yield is only never raised);
 * 3. move from the lowest to the highest score while the spread is at least `minSpreadWad`; a strategy moved out in
 *    step 2 may give more here, never take.
 * All within liquidity, caps, scope and the session's volume room; then legs below `minMove` are dropped, and a plan
 * that only chases yield must earn more than its gas over the horizon (anti-churn).
 */
import { BPS, maxBig } from "../checks/math.js";
import { formatAmount, formatDuration, formatWadPercent } from "../util/format.js";
import type { YieldEstimate } from "../yield/estimate.js";
import { gasCostInAssets, planContext, strategyLabel, type PlanContext } from "./context.js";
import { enforceMinMove, transfer, UNBOUNDED, volumeOf, type Node } from "./engine.js";
import type { PlanDecision, PlannedLeg, Planner, PlannerInput, PlannerParams } from "./types.js";

const WAD = 10n ** 18n;
const YEAR = 31_536_000n;
/** Scores used to force a move whatever the yields. */
const FORCE = 10n ** 30n;
/** Forced steps move only toward a strictly higher score: with no minimum spread, a strategy drained for the buffer
 *  could take back from an equally scored one, and the two would trade until the volume budget was spent. */
const STRICT = 1n;

/** Risk-adjusted yield of one strategy, WAD per year. */
export function scoreOf(estimate: YieldEstimate, params: PlannerParams, strategy: string): bigint {
  const premium = params.riskPremiumWad[strategy.toLowerCase()] ?? 0n;
  const volPenalty = (estimate.volatilityWad * BigInt(params.volatilityWeightBps)) / BPS;
  return estimate.aprWad - premium - volPenalty;
}

export class YieldPlanner implements Planner {
  readonly name = "yield";

  plan(input: PlannerInput): PlanDecision {
    const ctx = planContext(input);
    const { params } = input;
    const amount = (v: bigint) => formatAmount(v, input.snapshot.assetDecimals);
    if (!ctx.strategies.some((s) => s.inScope)) {
      return { kind: "hold", code: "nothing-in-scope", reason: "the session's scope covers no listed strategy" };
    }
    if (ctx.volumeBudget < params.minMove || input.remaining.callsInEpoch === 0n) {
      return {
        kind: "hold",
        code: "no-session-budget",
        reason: `the session has ${amount(ctx.volumeBudget)} volume and ${input.remaining.callsInEpoch} calls left this epoch`,
      };
    }
    const scores = new Map<string, bigint>();
    for (const s of ctx.strategies) {
      const estimate = input.yields.get(s.state.strategy);
      if (estimate) scores.set(s.state.strategy, scoreOf(estimate, params, s.state.strategy));
    }

    const idle: Node = {
      key: "idle",
      isIdle: true,
      current: input.snapshot.idle,
      planned: input.snapshot.idle,
      floor: 0n,
      ceiling: UNBOUNDED,
      score: 0n,
    };
    const nodes: Node[] = [idle];
    const byKey = new Map<string, { node: Node; room: PlanContext["strategies"][number] }>();
    for (const room of ctx.strategies) {
      const cur = room.state.currentValue;
      const node: Node = {
        key: room.state.strategy,
        isIdle: false,
        current: cur,
        planned: cur,
        floor: cur,
        ceiling: cur,
        score: scores.get(room.state.strategy) ?? 0n,
      };
      nodes.push(node);
      byKey.set(node.key, { node, room });
    }
    let budget = ctx.volumeBudget;
    const reasons: string[] = [];
    let restoredBuffer = false;
    // Whether a move was left out for being below the minimum (the hold then says so).
    let skipped = false;
    const note = (step: { left: bigint; skipped: boolean }) => {
      skipped ||= step.skipped;
      return step.left;
    };

    // 1. Idle buffer: idle takes from the lowest-scored strategies up to the reserve.
    if (idle.planned < ctx.reserve) {
      for (const { node, room } of byKey.values()) {
        node.floor = room.floor;
        node.ceiling = node.planned;
      }
      idle.score = FORCE;
      idle.ceiling = ctx.reserve;
      const before = idle.planned;
      budget = note(transfer(nodes, budget, STRICT, params.minMove));
      if (idle.planned > before) {
        restoredBuffer = true;
        reasons.push(`restore the idle buffer (+${amount(idle.planned - before)})`);
      }
    }

    // 2. Disabled strategies and strategies above their cap: out, to the best places with room. Only an excess of at
    // least the minimum move is forced: a smaller forced leg would be dropped, and holding the strategy where it is
    // for it would block every yield move it could give to (the vault checks a cap only on a strategy the call raises).
    idle.score = 0n;
    idle.ceiling = UNBOUNDED;
    idle.floor = idle.planned;
    const forcedOut: string[] = [];
    for (const { node, room } of byKey.values()) {
      const limit = maxBig(room.floor, room.canKeep ? room.capacity : 0n);
      if (room.inScope && node.planned > limit && node.planned - limit >= params.minMove) {
        node.floor = limit;
        node.score = -FORCE;
        forcedOut.push(node.key);
      } else {
        node.floor = node.planned;
      }
      node.ceiling = room.canRaise ? maxBig(room.capacity, node.planned) : node.planned;
    }
    if (forcedOut.length > 0) {
      budget = note(transfer(nodes, budget, STRICT, params.minMove));
    }
    // What each strategy gave in step 2: a plan is forced only by a forced leg of at least the minimum move.
    const forcedAmounts = new Map(forcedOut.map((key) => [key, byKey.get(key)!.node.current - byKey.get(key)!.node.planned]));
    const forcedNodes = new Set(forcedOut.filter((key) => forcedAmounts.get(key)! >= params.minMove));
    const forcedVolume = volumeOf(nodes);

    // 3. Chase yield: lowest score to highest, by at least the minimum spread.
    if (scores.size === 0 && forcedVolume === 0n) {
      return { kind: "hold", code: "no-yield-signal", reason: "no strategy has a yield estimate yet" };
    }
    idle.floor = idle.planned < ctx.reserve ? idle.planned : ctx.reserve;
    for (const { node, room } of byKey.values()) {
      node.score = scores.get(node.key) ?? 0n;
      node.floor = room.floor;
      node.ceiling = room.canRaise && !forcedAmounts.has(node.key) ? maxBig(room.capacity, node.planned) : node.planned;
    }
    note(transfer(nodes, budget, params.minSpreadWad > 0n ? params.minSpreadWad : 1n, params.minMove));

    const proposed = skipped || nodes.some((n) => !n.isIdle && n.planned !== n.current);
    enforceMinMove(nodes, params.minMove, ctx.reserve);
    const legs: PlannedLeg[] = nodes
      .filter((n) => !n.isIdle && n.planned !== n.current)
      .map((n) => ({ strategy: n.key, from: n.current, to: n.planned, scoreWad: scores.get(n.key) }));
    if (legs.length === 0) {
      return proposed
        ? { kind: "hold", code: "below-min-move", reason: `every move is below the minimum of ${amount(params.minMove)}` }
        : { kind: "hold", code: "balanced", reason: "allocations already follow the best risk-adjusted yields" };
    }

    const volume = volumeOf(nodes);
    const gasCost = gasCostInAssets(input.cost, legs.length);
    let annualGain = 0n;
    for (const leg of legs) annualGain += (leg.to - leg.from) * (leg.scoreWad ?? 0n);
    const expectedGain = (annualGain * params.horizonSeconds) / (YEAR * WAD);
    // Forced only if a forced move survived the minimum-move filter; otherwise the plan must pay its gas.
    const forced =
      legs.some((l) => forcedNodes.has(l.strategy)) || (restoredBuffer && idle.planned > idle.current);
    if (!forced && expectedGain <= gasCost) {
      return {
        kind: "hold",
        code: "gain-below-gas",
        reason: `expected gain ${amount(expectedGain)} over ${formatDuration(params.horizonSeconds)} does not pay gas ${amount(gasCost)}`,
      };
    }
    // Named only when a forced move survived the minimum-move filter (a strategy a hair above its cap after yield is not).
    const forcedLegs = legs.filter((l) => forcedNodes.has(l.strategy));
    const isQuarantined = (l: PlannedLeg) => byKey.get(l.strategy)!.room.quarantined;
    const labels = (list: PlannedLeg[]) => list.map((l) => strategyLabel(input, l.strategy)).join(", ");
    if (forcedLegs.some(isQuarantined)) reasons.push(`leave quarantined strategies (${labels(forcedLegs.filter(isQuarantined))})`);
    const otherForced = forcedLegs.filter((l) => !isQuarantined(l));
    if (otherForced.length > 0) reasons.push(`leave disabled or over-cap strategies (${labels(otherForced)})`);
    const moves = legs
      .map((l) => {
        const score = l.scoreWad === undefined ? "no estimate" : formatWadPercent(l.scoreWad);
        return `${strategyLabel(input, l.strategy)} ${amount(l.from)} → ${amount(l.to)} (${score})`;
      })
      .join("; ");
    reasons.push(`toward best risk-adjusted yield: ${moves}`);
    return {
      kind: "rebalance",
      targets: legs.map((l) => ({ strategy: l.strategy, assets: l.to })),
      legs,
      volume,
      expectedGain,
      gasCost,
      forced,
      reason: reasons.join("; "),
    };
  }
}
