/**
 * The default planner: moves capital toward the best risk-adjusted yield.
 *
 * Score of a strategy = estimated rate − its risk premium − volatility × weight; idle scores 0. The rate is the yield
 * model's (a moving average of the share price's growth, one-off losses apart: yield/estimate.ts). In order:
 * 1. restore the idle buffer from the lowest-scored strategies (a step below `minMove` is left for a better pair);
 * 2. move out of disabled strategies and strategies above a (lowered) cap, into the best places with room, when at
 *    least `minMove` has to go (a strategy a hair over its cap after accrued yield is only never raised);
 * 3. with no yield estimate for any strategy yet (a first tick), put idle above the buffer into an equal split within
 *    caps, as a fixed split would: money kept idle for want of a signal earns nothing for certain;
 * 4. otherwise move from the lowest to the highest score while the spread is at least `minSpreadWad`; a strategy
 *    moved out in step 2 may give more here, never take. Three rules shape this step:
 *    - marginal rates: when the model tells the rate after the agent's own move (`PlannerInput.rateAfter`), the score
 *      of each chunk is the yield it adds (the whole position earns the rate after the move), so money goes in chunks
 *      where the next one earns most; with rates that do not depend on the move nothing changes;
 *    - diversification: above its equal share (the fixed split within caps) a strategy's score is lower by its
 *      plausible loss × year / horizon: the agent concentrates only when the extra yield over the horizon beats a
 *      plausible one-off loss on the extra amount. The plausible loss is `plausibleLossWad`, or what the strategy
 *      itself lost in loss events within the lookback when that is more. Where a loss is as likely in any strategy,
 *      concentration does not change the expected loss, only how much one loss can cost; the rule buys that risk only
 *      at a yield that pays for it;
 *    - no reversals: a strategy the agent raised within `minHoldSeconds` is not lowered, and one it lowered is not
 *      raised, unless a risk sign calls for it (a loss event since the move, or a rate below zero by at least the
 *      minimum spread). Forced moves (steps 1 and 2) are never held back.
 *    A strategy with a loss event within the lookback gets no new money; the loss is not in its rate (a one-off), so
 *    its money is not moved to idle for it either.
 * All within liquidity, caps, scope and the session's volume room; then legs below `minMove` are dropped, and a plan
 * that only chases yield must earn more than its gas over the horizon (anti-churn). A reduce-only session raises
 * nothing: only steps 1 and 2 run, and with nothing to move it holds. A plan that would lose more than the session's
 * own loss allowance has left is not made (a hold).
 */
import { BPS, maxBig, minBig } from "../checks/math.js";
import { formatAmount, formatDuration, formatWadPercent } from "../util/format.js";
import type { YieldEstimate } from "../yield/estimate.js";
import {
  gasCostInAssets,
  nothingToReduce,
  planContext,
  sessionHold,
  strategyLabel,
  type PlanContext,
  type StrategyRoom,
} from "./context.js";
import { enforceMinMove, heldNode, idleNode, transfer, UNBOUNDED, volumeOf, type Node } from "./engine.js";
import { equalSplit, splitDecision } from "./equal-weight.js";
import { withinSessionLoss } from "./session-loss.js";
import type { PlanDecision, PlannedLeg, Planner, PlannerInput, PlannerParams, RecentMove } from "./types.js";

const WAD = 10n ** 18n;
const YEAR = 31_536_000n;
/** Scores used to force a move whatever the yields. */
const FORCE = 10n ** 30n;
/** Forced steps move only toward a strictly higher score: with no minimum spread, a strategy drained for the buffer
 *  could take back from an equally scored one, and the two would trade until the volume budget was spent. */
const STRICT = 1n;
/** Chunks of a move on a market whose rate depends on it: at most this many per total assets. */
const CHUNKS = 64n;

/** Risk-adjusted yield of one strategy, WAD per year. */
export function scoreOf(estimate: YieldEstimate, params: PlannerParams, strategy: string): bigint {
  const premium = params.riskPremiumWad[strategy.toLowerCase()] ?? 0n;
  const volPenalty = (estimate.volatilityWad * BigInt(params.volatilityWeightBps)) / BPS;
  return estimate.aprWad - premium - volPenalty;
}

/**
 * A plausible one-off loss of a strategy: the configured one, or what it lost in loss events within the lookback when
 * that is more (a strategy that just lost that much can plausibly lose it again).
 */
export function plausibleLossOf(params: PlannerParams, estimate: YieldEstimate | undefined): bigint {
  const seen = estimate?.losses?.lostWad ?? 0n;
  return seen > params.plausibleLossWad ? seen : params.plausibleLossWad;
}

/** The yield a strategy's concentration must beat per year above its equal share: its plausible loss spread over the
 *  horizon (0: no such rule). */
export function concentrationPenaltyWad(params: PlannerParams, lossWad: bigint): bigint {
  if (lossWad <= 0n || params.horizonSeconds <= 0n) return 0n;
  return (lossWad * YEAR) / params.horizonSeconds;
}

/**
 * Each strategy's share of a fixed equal split within caps of what the plan may place (idle above the reserve and the
 * in-scope positions): the reference of the diversification rule and of the first tick's deployment. A strategy that
 * may not be raised now counts with at most what it holds; one that must be emptied, with nothing.
 */
export function equalShares(input: PlannerInput, ctx: PlanContext): Map<string, bigint> {
  const placed = ctx.strategies.filter((r) => r.inScope);
  let pool = input.snapshot.idle - ctx.reserve;
  for (const r of placed) pool += r.state.currentValue;
  const limits = placed.map((r) =>
    r.canRaise ? maxBig(0n, r.capacity) : r.canKeep ? minBig(r.state.currentValue, maxBig(0n, r.capacity)) : 0n,
  );
  const shares = equalSplit(maxBig(0n, pool), limits);
  return new Map(placed.map((r, i) => [r.state.strategy, shares[i]!]));
}

/** The newest of the agent's moves of `strategy` within the hold, if any. */
function heldMove(input: PlannerInput, strategy: string): RecentMove | undefined {
  const hold = input.params.minHoldSeconds;
  if (hold <= 0n || !input.recentMoves) return undefined;
  let found: RecentMove | undefined;
  for (const m of input.recentMoves) {
    if (m.strategy.toLowerCase() === strategy.toLowerCase() && input.now - m.at < hold && (!found || m.at >= found.at))
      found = m;
  }
  return found;
}

/**
 * A reason to leave a strategy raised within the hold: a loss event since the move, or a rate below zero by at least
 * the minimum spread (idle then beats it by as much as any move needs; a flat price read through rounding does not).
 */
function riskSign(estimate: YieldEstimate | undefined, since: bigint, params: PlannerParams): string | undefined {
  if (estimate?.losses && estimate.losses.lastAt > since) return "a loss since";
  if (estimate && estimate.aprWad <= -params.minSpreadWad) return "a rate below zero";
  return undefined;
}

export class YieldPlanner implements Planner {
  readonly name = "yield";

  plan(input: PlannerInput): PlanDecision {
    return withinSessionLoss(input, this.propose(input));
  }

  private propose(input: PlannerInput): PlanDecision {
    const ctx = planContext(input);
    const reduceOnly = input.session.reduceOnly;
    const { params } = input;
    const amount = (v: bigint) => formatAmount(v, input.snapshot.assetDecimals);
    const unable = sessionHold(input, ctx);
    if (unable) return unable;
    const scores = new Map<string, bigint>();
    for (const s of ctx.strategies) {
      const estimate = input.yields.get(s.state.strategy);
      if (estimate) scores.set(s.state.strategy, scoreOf(estimate, params, s.state.strategy));
    }
    // A loss event within the lookback, or a move out within the hold: no new money (forced moves included).
    const lossy = (key: string) => (input.yields.get(key)?.losses?.count ?? 0) > 0;
    const holds = new Map(ctx.strategies.map((r) => [r.state.strategy, heldMove(input, r.state.strategy)]));
    const noRaise = (key: string) => lossy(key) || holds.get(key)?.raised === false;

    const idle = idleNode(input.snapshot.idle, 0n);
    const nodes: Node[] = [idle];
    const byKey = new Map<string, { node: Node; room: StrategyRoom }>();
    for (const room of ctx.strategies) {
      const node = heldNode(room.state.strategy, room.state.currentValue, scores.get(room.state.strategy) ?? 0n);
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
      node.ceiling = room.canRaise && !noRaise(node.key) ? maxBig(room.capacity, node.planned) : node.planned;
    }
    if (forcedOut.length > 0) {
      budget = note(transfer(nodes, budget, STRICT, params.minMove));
    }
    // What each strategy gave in step 2: a plan is forced only by a forced leg of at least the minimum move.
    const forcedAmounts = new Map(
      forcedOut.map((key) => [key, byKey.get(key)!.node.current - byKey.get(key)!.node.planned]),
    );
    const forcedNodes = new Set(forcedOut.filter((key) => forcedAmounts.get(key)! >= params.minMove));
    const forcedVolume = volumeOf(nodes);
    const shares = equalShares(input, ctx);

    if (!reduceOnly && scores.size === 0 && forcedVolume === 0n) {
      // 3. No signal yet: idle above the buffer goes out as a fixed equal split would place it.
      return this.deployEqually(input, ctx, nodes, shares, budget, noRaise);
    }

    // 4. Chase yield: lowest score to highest, by at least the minimum spread.
    const notes: string[] = [];
    const penalties = new Map(
      ctx.strategies.map((r) => [
        r.state.strategy,
        concentrationPenaltyWad(params, plausibleLossOf(params, input.yields.get(r.state.strategy))),
      ]),
    );
    const chunk = maxBig(params.minMove, ctx.totalLive / CHUNKS);
    idle.floor = idle.planned < ctx.reserve ? idle.planned : ctx.reserve;
    for (const { node, room } of byKey.values()) {
      const key = node.key;
      const estimate = input.yields.get(key);
      node.score = scores.get(key) ?? 0n;
      node.floor = room.floor;
      node.ceiling =
        room.canRaise && !forcedAmounts.has(key) && !noRaise(key) ? maxBig(room.capacity, node.planned) : node.planned;
      const held = room.canKeep && !forcedAmounts.has(key) ? holds.get(key) : undefined;
      if (held) {
        const ago = formatDuration(input.now - held.at);
        const sign = held.raised ? riskSign(estimate, held.at, params) : undefined;
        if (held.raised && !sign) {
          node.floor = maxBig(node.floor, node.planned);
          notes.push(
            `${strategyLabel(input, key)} raised ${ago} ago is not lowered within ${formatDuration(params.minHoldSeconds)}`,
          );
        } else if (!held.raised) {
          notes.push(
            `${strategyLabel(input, key)} lowered ${ago} ago is not raised within ${formatDuration(params.minHoldSeconds)}`,
          );
        } else {
          notes.push(`${strategyLabel(input, key)} raised ${ago} ago may be lowered: ${sign}`);
        }
      }
      this.shapeScore(input, node, shares.get(key), penalties.get(key)!, chunk);
    }
    for (const [key, estimate] of input.yields) {
      const losses = estimate.losses;
      if (!losses || !byKey.has(key)) continue;
      const what = `${losses.count === 1 ? "a loss" : `${losses.count} losses`} of ${formatWadPercent(losses.lostWad)} ${formatDuration(input.now - losses.lastAt)} ago`;
      notes.push(
        losses.inRate
          ? `${strategyLabel(input, key)} took ${what}: repeated, counted in its rate; no new money`
          : `${strategyLabel(input, key)} took ${what}: one-off, not counted in its rate; no new money while within the lookback`,
      );
    }
    // A reduce-only session makes only the moves of steps 1 and 2: nothing is raised, so no yield is chased.
    if (!reduceOnly) note(transfer(nodes, budget, params.minSpreadWad > 0n ? params.minSpreadWad : 1n, params.minMove));

    const proposed = skipped || nodes.some((n) => !n.isIdle && n.planned !== n.current);
    enforceMinMove(nodes, params.minMove, ctx.reserve);
    const legs: PlannedLeg[] = nodes
      .filter((n) => !n.isIdle && n.planned !== n.current)
      .map((n) => ({ strategy: n.key, from: n.current, to: n.planned, scoreWad: scores.get(n.key) }));
    const penalty = concentrationPenaltyWad(params, params.plausibleLossWad);
    const concentrated = penalty > 0n && nodes.some((n) => !n.isIdle && n.planned > (shares.get(n.key) ?? UNBOUNDED));
    if (concentrated) {
      notes.push(
        `above an equal share a strategy must out-earn where the money comes from by ${formatWadPercent(penalty)} a year (a ${formatWadPercent(params.plausibleLossWad)} loss over ${formatDuration(params.horizonSeconds)}; more after a loss of its own)`,
      );
    }
    const withNotes = (text: string) => (notes.length > 0 ? `${text} (${notes.join("; ")})` : text);
    if (legs.length === 0) {
      if (reduceOnly) return nothingToReduce();
      return proposed
        ? {
            kind: "hold",
            code: "below-min-move",
            reason: withNotes(`every move is below the minimum of ${amount(params.minMove)}`),
          }
        : {
            kind: "hold",
            code: "balanced",
            reason: withNotes("allocations already follow the best risk-adjusted yields"),
          };
    }

    const volume = volumeOf(nodes);
    const gasCost = gasCostInAssets(input.cost, legs.length);
    let annualGain = 0n;
    for (const n of nodes) {
      if (n.isIdle || n.planned === n.current) continue;
      const share = shares.get(n.key);
      const p = penalties.get(n.key) ?? 0n;
      annualGain += this.annualYield(input, n, share, p, n.planned) - this.annualYield(input, n, share, p, n.current);
    }
    const expectedGain = (annualGain * params.horizonSeconds) / (YEAR * WAD);
    // Forced only if a forced move survived the minimum-move filter; otherwise the plan must pay its gas.
    const forced = legs.some((l) => forcedNodes.has(l.strategy)) || (restoredBuffer && idle.planned > idle.current);
    if (!forced && expectedGain <= gasCost) {
      return {
        kind: "hold",
        code: "gain-below-gas",
        reason: withNotes(
          `expected gain ${amount(expectedGain)} over ${formatDuration(params.horizonSeconds)} does not pay gas ${amount(gasCost)}`,
        ),
      };
    }
    // Named only when a forced move survived the minimum-move filter (a strategy a hair above its cap after yield is
    // not).
    const forcedLegs = legs.filter((l) => forcedNodes.has(l.strategy));
    const isQuarantined = (l: PlannedLeg) => byKey.get(l.strategy)!.room.quarantined;
    const labels = (list: PlannedLeg[]) => list.map((l) => strategyLabel(input, l.strategy)).join(", ");
    if (forcedLegs.some(isQuarantined))
      reasons.push(`leave quarantined strategies (${labels(forcedLegs.filter(isQuarantined))})`);
    const otherForced = forcedLegs.filter((l) => !isQuarantined(l));
    if (otherForced.length > 0) reasons.push(`leave disabled or over-cap strategies (${labels(otherForced)})`);
    const moves = legs
      .map((l) => {
        const score = l.scoreWad === undefined ? "no estimate" : formatWadPercent(l.scoreWad);
        return `${strategyLabel(input, l.strategy)} ${amount(l.from)} → ${amount(l.to)} (${score})`;
      })
      .join("; ");
    reasons.push(reduceOnly ? `reduce-only session: ${moves}` : `toward best risk-adjusted yield: ${moves}`);
    return {
      kind: "rebalance",
      targets: legs.map((l) => ({ strategy: l.strategy, assets: l.to })),
      legs,
      volume,
      expectedGain,
      gasCost,
      forced,
      reason: withNotes(reasons.join("; ")),
    };
  }

  /**
   * Makes a strategy's score depend on the amount where it does: the marginal rate of each chunk when the model tells
   * the rate after a move, and the concentration penalty above its equal share.
   */
  private shapeScore(input: PlannerInput, node: Node, share: bigint | undefined, penalty: bigint, chunk: bigint): void {
    const base = node.score;
    const rated = input.rateAfter?.(node.key, 0n) !== undefined;
    const penalized = penalty > 0n && share !== undefined;
    if (!rated && !penalized) return;
    if (penalized) node.breaks = [share];
    if (rated) node.chunk = chunk;
    node.scoreAt = (planned, delta) => {
      let score = base;
      if (rated && delta !== 0n) {
        const gain = this.rateYield(input, node, planned + delta) - this.rateYield(input, node, planned);
        score = gain / delta - this.adjustment(input, node.key);
      }
      if (penalized && (delta > 0n ? planned : planned + delta) >= share) score -= penalty;
      return score;
    };
  }

  /** Premium and volatility penalty: what the score takes off the rate. */
  private adjustment(input: PlannerInput, key: string): bigint {
    const estimate = input.yields.get(key);
    return estimate ? estimate.aprWad - scoreOf(estimate, input.params, key) : 0n;
  }

  /** Yield per year of holding `amount` (assets × WAD) at the rate the model gives after the move there. */
  private rateYield(input: PlannerInput, node: Node, amount: bigint): bigint {
    const rate = input.rateAfter?.(node.key, amount - node.current) ?? input.yields.get(node.key)?.aprWad ?? 0n;
    return amount * rate;
  }

  /**
   * Risk-adjusted yield per year of holding `amount` in a strategy (assets × WAD), penalty above its share included.
   */
  private annualYield(
    input: PlannerInput,
    node: Node,
    share: bigint | undefined,
    penalty: bigint,
    amount: bigint,
  ): bigint {
    const rated = input.rateAfter?.(node.key, 0n) !== undefined;
    let y = rated
      ? this.rateYield(input, node, amount) - amount * this.adjustment(input, node.key)
      : amount * (input.yields.has(node.key) ? node.score : 0n);
    if (penalty > 0n && share !== undefined && amount > share) y -= (amount - share) * penalty;
    return y;
  }

  /** Step 3: idle above the reserve into the equal split within caps, in proportion when the budget is short. */
  private deployEqually(
    input: PlannerInput,
    ctx: PlanContext,
    nodes: Node[],
    shares: Map<string, bigint>,
    budget: bigint,
    noRaise: (key: string) => boolean,
  ): PlanDecision {
    const { params } = input;
    const amount = (v: bigint) => formatAmount(v, input.snapshot.assetDecimals);
    const idle = nodes[0]!;
    const wants = new Map<Node, bigint>();
    let total = 0n;
    for (const n of nodes) {
      const room = ctx.strategies.find((r) => r.state.strategy === n.key);
      if (n.isIdle || !room?.canRaise || noRaise(n.key)) continue;
      const want = minBig(maxBig(0n, (shares.get(n.key) ?? 0n) - n.planned), maxBig(0n, room.capacity - n.planned));
      if (want > 0n) {
        wants.set(n, want);
        total += want;
      }
    }
    const room = minBig(budget, maxBig(0n, idle.planned - ctx.reserve));
    if (total === 0n || room < params.minMove) {
      return {
        kind: "hold",
        code: "no-yield-signal",
        reason:
          "no strategy has a yield estimate yet, and there is nothing above the buffer to put out within caps" +
          (input.snapshot.inflowInBlock > 0n
            ? ` (${amount(input.snapshot.inflowInBlock)} deposited in this block counts toward caps and the buffer ` +
              "from the next block, as the vault measures them)"
            : ""),
      };
    }
    for (const [n, want] of wants) {
      const put = total > room ? (want * room) / total : want;
      n.planned += put;
      idle.planned -= put;
    }
    enforceMinMove(nodes, params.minMove, ctx.reserve);
    return (
      splitDecision(
        input,
        nodes,
        "no yield estimate yet: idle above the buffer into an equal split within caps, as a fixed split would hold it",
      ) ?? {
        kind: "hold",
        code: "no-yield-signal",
        reason: `no strategy has a yield estimate yet, and every share of idle is below the minimum of ${amount(params.minMove)}`,
      }
    );
  }
}
