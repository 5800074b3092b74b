/**
 * The allocation engine both planners share: moves assets from the lowest-scored place to the highest-scored one,
 * within each place's floor and ceiling and a volume budget, then drops legs below the minimum move while keeping
 * the idle reserve. A place's score may depend on how much it holds (`Node.scoreAt`): money then moves in steps, each
 * between the places where the next step scores best. Pure and deterministic (ties go to the earlier node).
 */
import { absDiff, minBig } from "../checks/math.js";

export interface Node {
  /** Strategy address, or "idle". */
  key: string;
  isIdle: boolean;
  /** Allocation before the plan. */
  current: bigint;
  /** Allocation as planned so far. */
  planned: bigint;
  floor: bigint;
  ceiling: bigint;
  score: bigint;
  /**
   * Score of the money that moves the node from `planned` by `delta` (positive: in; negative: out), when it depends on
   * the amount: a market whose rate moves with the agent's own deposit, or a concentration penalty above a share. A
   * step never crosses one of `breaks`, and moves at most `chunk` into or out of the node (when its score varies
   * between breaks). Without it, `score` throughout.
   */
  scoreAt?: (planned: bigint, delta: bigint) => bigint;
  breaks?: readonly bigint[];
  chunk?: bigint;
}

/** Larger than any real amount: the idle node's ceiling. */
export const UNBOUNDED = 2n ** 255n;

/** The idle node: holds `current`, may fall to `floor`, has no ceiling, scores 0. */
export function idleNode(current: bigint, floor: bigint): Node {
  return { key: "idle", isIdle: true, current, planned: current, floor, ceiling: UNBOUNDED, score: 0n };
}

/** A strategy's node held where it is (floor and ceiling at `current`) until the planner opens its range. */
export function heldNode(strategy: string, current: bigint, score: bigint): Node {
  return { key: strategy, isIdle: false, current, planned: current, floor: current, ceiling: current, score };
}

/**
 * Moves from the worst source to the best destination while their scores differ by at least `minSpread` and budget
 * is left. A deposit or withdrawal leg costs its amount of volume; idle costs none. A step smaller than `minLeg` is
 * skipped for the next best pair (a strategy-to-strategy step the budget cuts below it can often go to or from idle
 * whole). Returns the budget left, and whether a step was skipped for being below `minLeg`.
 */
export function transfer(
  nodes: Node[],
  budget: bigint,
  minSpread: bigint,
  minLeg = 1n,
): { left: bigint; skipped: boolean } {
  if (nodes.some((n) => n.scoreAt)) return transferStepwise(nodes, budget, minSpread, minLeg);
  const byScore = (a: Node, b: Node) => (a.score < b.score ? -1 : a.score > b.score ? 1 : 0);
  return applySteps(budget, nodes.length * nodes.length + 4, (left, skip) => {
    // Best destination first, then worst source; ties go to the earlier node (the sort is stable).
    const dests = nodes.filter((n) => n.planned < n.ceiling).sort((a, b) => byScore(b, a));
    const srcs = nodes.filter((n) => n.planned > n.floor).sort(byScore);
    for (const dest of dests) {
      for (const src of srcs) {
        if (src === dest) continue;
        if (dest.score - src.score < minSpread) break;
        const legs = legsOf(dest, src);
        let amount = minBig(dest.ceiling - dest.planned, src.planned - src.floor);
        if (legs > 0n) amount = minBig(amount, left / legs);
        if (amount === 0n) continue;
        if (amount < minLeg) {
          skip();
          continue;
        }
        return { dest, src, amount, legs };
      }
    }
    return undefined;
  });
}

/** One move of `amount` from `src` to `dest`, costing `amount × legs` of the volume budget. */
interface Step {
  dest: Node;
  src: Node;
  amount: bigint;
  legs: bigint;
}

/** Strategy legs of a step between two nodes: a deposit or withdrawal leg costs its amount of volume, idle none. */
function legsOf(dest: Node, src: Node): bigint {
  return (dest.isIdle ? 0n : 1n) + (src.isIdle ? 0n : 1n);
}

/**
 * Applies the steps `next` picks (given the budget left; `skip` notes a step left out for being below the minimum leg)
 * until it picks none, the budget is spent, or `maxSteps` have been made. Returns the budget left, and whether a step
 * was skipped.
 */
function applySteps(
  budget: bigint,
  maxSteps: number,
  next: (left: bigint, skip: () => void) => Step | undefined,
): { left: bigint; skipped: boolean } {
  let left = budget;
  let skipped = false;
  const skip = () => {
    skipped = true;
  };
  for (let guard = 0; guard < maxSteps && left > 0n; guard++) {
    const step = next(left, skip);
    if (!step) break;
    step.dest.planned += step.amount;
    step.src.planned -= step.amount;
    left -= step.amount * step.legs;
  }
  return { left, skipped };
}

/** How far a node can move up (or down) in one step: to its ceiling (floor), the next break, and its chunk. */
function reach(n: Node, up: boolean): bigint {
  let room = up ? n.ceiling - n.planned : n.planned - n.floor;
  for (const b of n.breaks ?? []) {
    if (up && b > n.planned && b - n.planned < room) room = b - n.planned;
    if (!up && b < n.planned && n.planned - b < room) room = n.planned - b;
  }
  return n.chunk !== undefined && n.chunk > 0n && n.chunk < room ? n.chunk : room;
}

/**
 * `transfer` for places whose score depends on the amount: each step goes from the place whose next step out scores
 * lowest to the one whose next step in scores highest, as far as both reach (see `reach`) and the budget allow. A
 * step's score is that of its whole reach; a shorter step scores at least as well on a market whose rate falls as it
 * takes more.
 */
function transferStepwise(
  nodes: Node[],
  budget: bigint,
  minSpread: bigint,
  minLeg: bigint,
): { left: bigint; skipped: boolean } {
  type Side = { n: Node; order: number; room: bigint; score: bigint };
  const order = new Map(nodes.map((n, i) => [n, i]));
  // A node's next step in and out, worked out again only when the node has moved.
  const sides = (n: Node) => {
    const c: { up?: Side; down?: Side } = {};
    const o = order.get(n)!;
    if (n.planned < n.ceiling) {
      const room = reach(n, true);
      c.up = { n, order: o, room, score: n.scoreAt ? n.scoreAt(n.planned, room) : n.score };
    }
    if (n.planned > n.floor) {
      const room = reach(n, false);
      c.down = { n, order: o, room, score: n.scoreAt ? n.scoreAt(n.planned, -room) : n.score };
    }
    return c;
  };
  // Best destination first, then worst source; ties go to the earlier node. Kept in order as nodes move: a step
  // changes two nodes, which leave their places and are put back where their new sides go.
  const bestIn = (a: Side, b: Side) => (a.score > b.score ? -1 : a.score < b.score ? 1 : a.order - b.order);
  const worstOut = (a: Side, b: Side) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.order - b.order);
  const dests: Side[] = [];
  const srcs: Side[] = [];
  for (const n of nodes) {
    const c = sides(n);
    if (c.up) dests.push(c.up);
    if (c.down) srcs.push(c.down);
  }
  dests.sort(bestIn);
  srcs.sort(worstOut);
  let moved: Node[] = [];
  const steps = nodes.reduce((sum, n) => sum + (n.breaks?.length ?? 0) + (n.chunk ? 64 : 0), 0);
  return applySteps(budget, 4 * nodes.length * nodes.length + 2 * steps + 8, (left, skip) => {
    for (const n of moved) {
      const c = sides(n);
      replace(dests, n, c.up, bestIn);
      replace(srcs, n, c.down, worstOut);
    }
    moved = [];
    for (const dest of dests) {
      for (const src of srcs) {
        if (src.n === dest.n) continue;
        if (dest.score - src.score < minSpread) break;
        const legs = legsOf(dest.n, src.n);
        let amount = minBig(dest.room, src.room);
        if (legs > 0n) amount = minBig(amount, left / legs);
        if (amount === 0n) continue;
        // Below the minimum leg because the destination, the source or the budget has no more room: skipped.
        const bound =
          amount === dest.n.ceiling - dest.n.planned ||
          amount === src.n.planned - src.n.floor ||
          (legs > 0n && amount === left / legs);
        if (amount < minLeg && bound) {
          skip();
          continue;
        }
        moved = [dest.n, src.n];
        return { dest: dest.n, src: src.n, amount, legs };
      }
    }
    return undefined;
  });
}

/** Takes `n`'s entry out of the ordered `list` and puts `side` (when there is one) where `compare` orders it. */
function replace<S extends { n: Node }>(
  list: S[],
  n: Node,
  side: S | undefined,
  compare: (a: S, b: S) => number,
): void {
  const at = list.findIndex((s) => s.n === n);
  if (at >= 0) list.splice(at, 1);
  if (!side) return;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(list[mid]!, side) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, side);
}

/** Volume of the strategy legs: the sum of absolute moves. */
export function volumeOf(nodes: Node[]): bigint {
  return nodes.filter((n) => !n.isIdle).reduce((sum, n) => sum + absDiff(n.planned, n.current), 0n);
}

/**
 * Drops strategy legs smaller than `minMove`. What a dropped deposit would have taken then stays with the withdrawals
 * that paid for it (highest score first, each kept at `minMove` or more) rather than sit in idle. Then, if idle would
 * fall below `reserve` (and below where it was), trims deposit legs, lowest score first, and drops any that fall below
 * `minMove`. Keeps the idle node in step.
 */
export function enforceMinMove(nodes: Node[], minMove: bigint, reserve: bigint): void {
  const idle = nodes.find((n) => n.isIdle)!;
  const strategies = nodes.filter((n) => !n.isIdle);
  const planned = idle.planned;
  for (const n of strategies)
    if (n.planned !== n.current && absDiff(n.planned, n.current) < minMove) n.planned = n.current;
  const settle = () => {
    idle.planned = idle.current + strategies.reduce((sum, n) => sum + n.current - n.planned, 0n);
  };
  settle();
  let surplus = idle.planned - planned;
  const withdrawals = strategies
    .filter((n) => n.current - n.planned > minMove)
    .sort((a, b) => (a.score > b.score ? -1 : a.score < b.score ? 1 : 0));
  for (const n of withdrawals) {
    if (surplus <= 0n) break;
    const cut = minBig(surplus, n.current - n.planned - minMove);
    n.planned += cut;
    surplus -= cut;
  }
  settle();
  if (idle.planned >= reserve || idle.planned >= idle.current) return;
  let shortfall = (reserve < idle.current ? reserve : idle.current) - idle.planned;
  const deposits = strategies
    .filter((n) => n.planned > n.current)
    .sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : 0));
  for (const n of deposits) {
    if (shortfall <= 0n) break;
    const cut = minBig(shortfall, n.planned - n.current);
    n.planned -= cut;
    shortfall -= cut;
    if (n.planned !== n.current && n.planned - n.current < minMove) n.planned = n.current;
  }
  settle();
}
