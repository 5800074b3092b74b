/**
 * Reversals among the agent's moves, for reports on how it behaved (the demo's summary, the lending bench): a strategy
 * raised and then lowered, or lowered and then raised, within a window (a day by default), counted once per pair of
 * successive moves of that strategy. The same money went in and came out (or out and back) for nothing but gas.
 * Pure: no I/O, no clock.
 */
import { BPS } from "../checks/math.js";

/** One leg of a rebalance the agent made: when (chain time, seconds), the strategy's index, and which way. */
export interface ReversalMove {
  at: number;
  strategy: number;
  raised: boolean;
}

/** The strategies at one tick, by index: share price, the agent's position, and how much of it could be withdrawn. */
export interface TickObservation {
  at: number;
  prices: readonly bigint[];
  positions: readonly bigint[];
  withdrawable: readonly bigint[];
}

/**
 * What tells a forced reversal from a self-inflicted one: between the two moves (from `lookbackSeconds` before the
 * first), the strategy's share price fell (a loss) or less than `stuckBps` of the agent's position in it could be
 * withdrawn (its money stuck), either of which forces a move.
 */
export interface ReversalEvidence {
  observations: readonly TickObservation[];
  lookbackSeconds: number;
  stuckBps: bigint;
}

export const REVERSAL_WINDOW_SECONDS = 86_400;

/**
 * Counts the reversals among `moves` (in any order), and those of them self-inflicted: all of them, unless `evidence`
 * shows what forced one.
 */
export function countReversals(
  moves: readonly ReversalMove[],
  evidence?: ReversalEvidence,
  windowSeconds = REVERSAL_WINDOW_SECONDS,
): { all: number; selfInflicted: number } {
  let all = 0;
  let selfInflicted = 0;
  for (const s of new Set(moves.map((m) => m.strategy))) {
    const mine = moves.filter((m) => m.strategy === s).sort((x, y) => x.at - y.at);
    for (let j = 1; j < mine.length; j++) {
      const [p, q] = [mine[j - 1]!, mine[j]!];
      if (p.raised === q.raised || q.at - p.at >= windowSeconds) continue;
      all++;
      if (!evidence || !forced(evidence, s, p.at, q.at)) selfInflicted++;
    }
  }
  return { all, selfInflicted };
}

/** Whether the observations from `lookbackSeconds` before `from` to `to` show strategy `s` losing or stuck. */
function forced(evidence: ReversalEvidence, s: number, from: number, to: number): boolean {
  const between = evidence.observations.filter((r) => r.at >= from - evidence.lookbackSeconds && r.at <= to);
  return between.some((r, i) => {
    const position = r.positions[s]!;
    const stuck = position > 0n && r.withdrawable[s]! * BPS < position * evidence.stuckBps;
    const fell = i > 0 && r.prices[s]! < between[i - 1]!.prices[s]!;
    return stuck || fell;
  });
}
