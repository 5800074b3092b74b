/**
 * The best FIXED allocation in hindsight, pure: money split once at the start across the strategies (within the
 * treasury's caps, the idle buffer and what each strategy accepted then), never moved, valued on the recorded
 * share-price paths. The value is linear in the split and the constraints are a cap per strategy and one budget, so
 * the exact best is the greedy fill (best growth first, each up to its cap, only those that grew: a fractional
 * knapsack); the whole simplex is also walked on a grid, and the better of the two is kept, so a mistake in either
 * cannot make the best look worse than a split the grid holds.
 */

/** Per strategy: the price of a share at the start and at the end (any fixed scale, the same for both), and how much
 *  of `total` it may hold: the least of its absolute cap, its relative cap and what it accepted at the start. */
export interface FixedChoice {
  startPrice: bigint;
  endPrice: bigint;
  maxAssets: bigint;
}

export interface FixedAllocation {
  /** Assets put in each strategy at the start. */
  assets: bigint[];
  /** What the split is worth at the end: idle kept as it is, each strategy's shares at its end price. */
  endValue: bigint;
}

/** What `assets` put in each strategy at its start price are worth at the end price, with the rest of `total` idle. */
export function fixedValue(total: bigint, choices: readonly FixedChoice[], assets: readonly bigint[]): bigint {
  let value = total;
  for (const [i, c] of choices.entries()) value += (assets[i]! * c.endPrice) / c.startPrice - assets[i]!;
  return value;
}

/**
 * The best split of `total` with at most `invested` of it in the strategies (the rest is the idle buffer), on a grid
 * of `stepBps` of `total` per strategy (default 100 = 1%), each strategy also capped by its `maxAssets` (a cap that is
 * not on the grid is tried too). Ties go to the split found first.
 */
export function bestFixedAllocation(
  total: bigint,
  invested: bigint,
  choices: readonly FixedChoice[],
  stepBps = 100,
): FixedAllocation {
  if (choices.length === 0) return { assets: [], endValue: total };
  const step = (total * BigInt(stepBps)) / 10_000n;
  if (step <= 0n) throw new RangeError(`stepBps must give a positive step of ${total}, got ${stepBps}`);
  // Each strategy's candidate amounts: the grid up to its limit, and the limit itself.
  const levels = choices.map((c) => {
    const limit = c.maxAssets < invested ? c.maxAssets : invested;
    const out: bigint[] = [];
    for (let a = 0n; a < limit; a += step) out.push(a);
    out.push(limit > 0n ? limit : 0n);
    return out;
  });
  // Growth per unit, as a float for the walk; the winner is valued exactly.
  const growth = choices.map((c) => Number(c.endPrice) / Number(c.startPrice) - 1);
  let best: bigint[] = choices.map(() => 0n);
  let bestScore = 0;
  const current: bigint[] = choices.map(() => 0n);
  const walk = (i: number, left: bigint, score: number) => {
    if (i === choices.length) {
      if (score > bestScore) {
        bestScore = score;
        best = [...current];
      }
      return;
    }
    for (const a of levels[i]!) {
      const take = a < left ? a : left;
      current[i] = take;
      walk(i + 1, left - take, score + Number(take) * growth[i]!);
      if (a >= left) break;
    }
    current[i] = 0n;
  };
  walk(0, invested, 0);
  const greedy = greedyFill(invested, choices);
  const fromGrid = fixedValue(total, choices, best);
  const fromGreedy = fixedValue(total, choices, greedy);
  return fromGreedy >= fromGrid ? { assets: greedy, endValue: fromGreedy } : { assets: best, endValue: fromGrid };
}

/** Best growth first, each strategy up to its cap, until `invested` is spent; none in a strategy that did not grow. */
function greedyFill(invested: bigint, choices: readonly FixedChoice[]): bigint[] {
  const order = choices
    .map((c, i) => ({ i, c }))
    // Growth compared exactly: end_a / start_a > end_b / start_b.
    .sort((x, y) => {
      const l = x.c.endPrice * y.c.startPrice;
      const r = y.c.endPrice * x.c.startPrice;
      return l > r ? -1 : l < r ? 1 : x.i - y.i;
    });
  const assets = choices.map(() => 0n);
  let left = invested;
  for (const { i, c } of order) {
    if (c.endPrice <= c.startPrice || left === 0n) continue;
    const take = c.maxAssets < left ? c.maxAssets : left;
    assets[i] = take > 0n ? take : 0n;
    left -= assets[i]!;
  }
  return assets;
}
