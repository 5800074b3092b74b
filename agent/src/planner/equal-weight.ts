/**
 * A second, simple planner proving the interface: spreads what is above the idle reserve equally over the strategies
 * it may raise, each within its cap (what a capped strategy cannot take goes to the others). Disabled strategies are
 * emptied. It holds when every strategy is within `minMove` of its share. For a reduce-only session every strategy it
 * may keep stays (within its cap): only disabled, quarantined and over-cap strategies are lowered.
 */
import { absDiff, minBig } from "../checks/math.js";
import { gasCostInAssets, nothingToReduce, planContext, sessionHold, strategyLabel } from "./context.js";
import { enforceMinMove, heldNode, idleNode, transfer, volumeOf, type Node } from "./engine.js";
import { withinSessionLoss } from "./session-loss.js";
import type { PlanDecision, Planner, PlannerInput } from "./types.js";
import { formatAmount } from "../util/format.js";

/** Equal split of `pool` over `capacities`, each within its own capacity (water-filling). Returns shares by index. */
export function equalSplit(pool: bigint, capacities: bigint[]): bigint[] {
  const out = capacities.map(() => 0n);
  const order = capacities.map((c, i) => ({ c, i })).sort((a, b) => (a.c < b.c ? -1 : a.c > b.c ? 1 : a.i - b.i));
  let left = pool;
  order.forEach(({ c, i }, k) => {
    const share = left / BigInt(order.length - k);
    out[i] = minBig(c, share);
    left -= out[i]!;
  });
  return out;
}

export class EqualWeightPlanner implements Planner {
  readonly name = "equal-weight";

  plan(input: PlannerInput): PlanDecision {
    return withinSessionLoss(input, this.propose(input));
  }

  private propose(input: PlannerInput): PlanDecision {
    const ctx = planContext(input);
    const reduceOnly = input.session.reduceOnly;
    const { params } = input;
    const amount = (v: bigint) => formatAmount(v, input.snapshot.assetDecimals);
    const receivers = ctx.strategies.filter((s) => s.canRaise);
    const unable = sessionHold(input, ctx);
    if (unable) return unable;
    // An illiquid strategy (kept, not raised) keeps its position out of the split.
    const held = (s: (typeof ctx.strategies)[number]) => s.canKeep && !s.canRaise;
    let pool = input.snapshot.idle - ctx.reserve;
    for (const s of ctx.strategies) if (s.inScope && !held(s)) pool += s.state.currentValue;
    if (pool < 0n) pool = 0n;
    const shares = equalSplit(
      pool,
      receivers.map((r) => r.capacity),
    );
    const desired = new Map(receivers.map((r, i) => [r.state.strategy, shares[i]!]));

    const nodes: Node[] = [idleNode(input.snapshot.idle, minBig(input.snapshot.idle, ctx.reserve))];
    for (const room of ctx.strategies) {
      const cur = room.state.currentValue;
      const want = !room.inScope
        ? cur
        : held(room)
          ? minBig(cur, room.capacity)
          : (desired.get(room.state.strategy) ?? 0n);
      const node = heldNode(room.state.strategy, cur, 0n);
      if (want > cur) {
        node.ceiling = want;
        node.score = 1n;
      } else if (want < cur) {
        node.floor = want > room.floor ? want : room.floor;
        node.score = -1n;
      }
      nodes.push(node);
    }
    const drift = nodes.reduce((m, n) => {
      if (n.isIdle) return m;
      const d = absDiff(n.ceiling > n.current ? n.ceiling : n.floor, n.current);
      return d > m ? d : m;
    }, 0n);
    if (drift < params.minMove) {
      if (reduceOnly) return nothingToReduce();
      return {
        kind: "hold",
        code: "balanced",
        reason: `every strategy is within ${amount(params.minMove)} of its equal share`,
      };
    }
    transfer(nodes, ctx.volumeBudget, 1n);
    enforceMinMove(nodes, params.minMove, ctx.reserve);
    const what = reduceOnly
      ? "reduce-only session: out of disabled, quarantined and over-cap strategies"
      : `equal weight within caps over ${receivers.length} strategies`;
    const split = splitDecision(input, nodes, what);
    if (split) return split;
    if (reduceOnly) return nothingToReduce();
    return {
      kind: "hold",
      code: "below-min-move",
      reason: `every move is below the minimum of ${amount(params.minMove)}`,
    };
  }
}

/**
 * The moves `nodes` planned as a rebalance that chases no yield (a split: no expected gain, not forced), its reason
 * `what` followed by each leg; undefined when nothing moved.
 */
export function splitDecision(input: PlannerInput, nodes: readonly Node[], what: string): PlanDecision | undefined {
  const amount = (v: bigint) => formatAmount(v, input.snapshot.assetDecimals);
  const legs = nodes
    .filter((n) => !n.isIdle && n.planned !== n.current)
    .map((n) => ({ strategy: n.key, from: n.current, to: n.planned }));
  if (legs.length === 0) return undefined;
  return {
    kind: "rebalance",
    targets: legs.map((l) => ({ strategy: l.strategy, assets: l.to })),
    legs,
    volume: volumeOf(nodes as Node[]),
    expectedGain: 0n,
    gasCost: gasCostInAssets(input.cost, legs.length),
    forced: false,
    reason: `${what}: ${legs.map((l) => `${strategyLabel(input, l.strategy)} ${amount(l.from)} → ${amount(l.to)}`).join("; ")}`,
  };
}
