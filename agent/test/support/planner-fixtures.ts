/**
 * Literal planner inputs. Default: 1,000,000 idle, strategies A, B, C empty, caps 10^12 absolute and 50% relative,
 * 10% idle buffer; the session covers all three with 600,000 per call and 2,000,000 per epoch. Gas of one leg costs
 * 600 asset units (200,000 gas at 1 gwei, 3,000,000 asset units per native coin).
 */
import type { SessionRecord, StrategyState, VaultSnapshot } from "../../src/chain/types.js";
import { sessionRemaining } from "../../src/checks/session-check.js";
import type { CostModel, PlannerInput, PlannerParams, RecentMove } from "../../src/planner/types.js";
import type { YieldEstimate } from "../../src/yield/estimate.js";
import { A, AGENT, B, C, NOW, strategy, VAULT, vaultSnapshot } from "./fixtures.js";
import type { Random } from "./random.js";

export const YEAR = 31_536_000n;

export const PLANNER_SESSION: SessionRecord = {
  agent: AGENT,
  vault: VAULT,
  validAfter: 1_000n,
  validUntil: 1_000n + 30n * 86_400n,
  revoked: false,
  epochLength: 86_400n,
  minInterval: 60n,
  maxCallsPerEpoch: 10n,
  maxVolumePerCall: 600_000n,
  maxVolumePerEpoch: 2_000_000n,
  volumeInEpoch: 0n,
  epoch: 0n,
  callsInEpoch: 0n,
  lastCallAt: 0n,
  scope: 0b111n,
  reduceOnly: false,
  maxLoss: 0n,
  lossUsed: 0n,
};

export const PARAMS: PlannerParams = {
  minMove: 1_000n,
  safetyMarginBps: 0,
  horizonSeconds: YEAR,
  minSpreadWad: 25n * 10n ** 14n, // 0.25% a year
  riskPremiumWad: {},
  volatilityWeightBps: 0,
  plausibleLossWad: 0n,
  minHoldSeconds: 0n,
};

export const COST: CostModel = {
  gasPriceWei: 10n ** 9n,
  baseGas: 100_000n,
  gasPerLeg: 100_000n,
  assetPerNative: 3_000_000n,
};

/** An estimate of `percent` APR (may be fractional), optionally with volatility in percent. */
export function apr(percent: number, volatilityPercent = 0): YieldEstimate {
  return {
    aprWad: BigInt(Math.round(percent * 1e4)) * 10n ** 12n,
    volatilityWad: BigInt(Math.round(volatilityPercent * 1e4)) * 10n ** 12n,
    samples: 5,
    windowSeconds: 3_600n,
  };
}

export const big = { absoluteCap: 10n ** 12n, relativeCapBps: 5_000 };

export function empty(address: string, index: number, over: Partial<StrategyState> = {}): StrategyState {
  return strategy(address, index, 0n, { ...big, ...over });
}

export function plannerInput(
  o: {
    idle?: bigint;
    strategies?: StrategyState[];
    yields?: Record<string, YieldEstimate>;
    session?: Partial<SessionRecord>;
    params?: Partial<PlannerParams>;
    snapshot?: Partial<VaultSnapshot>;
  } = {},
): PlannerInput {
  const session = { ...PLANNER_SESSION, ...(o.session ?? {}) };
  const snapshot = vaultSnapshot({
    idle: o.idle ?? 1_000_000n,
    strategies: o.strategies ?? [empty(A, 0), empty(B, 1), empty(C, 2)],
    ...(o.snapshot ?? {}),
  });
  return {
    snapshot,
    sessionId: 7n,
    session,
    remaining: sessionRemaining(session, false, NOW),
    yields: new Map(Object.entries(o.yields ?? {})),
    params: { ...PARAMS, ...(o.params ?? {}) },
    cost: COST,
    now: NOW,
  };
}

/** A fourth strategy for generated states. */
const D = "0x4A4A4A4A4A4a4a4a4A4a4a4A4A4a4a4A4A4a4A4a";

/**
 * A generated planner state for the property tests; `rules` adds what the yield planner's rules act on: loss events,
 * recent moves, a market model.
 */
export function generatedPlannerInput(rng: Random, rules: boolean): PlannerInput {
  const strategies: StrategyState[] = [A, B, C, D].slice(0, rng.int(1, 4)).map((address, index) => {
    const value = rng.chance(0.3) ? 0n : rng.big(800_000n);
    const withdrawable = rng.chance(0.7) ? value : rng.big(value);
    return strategy(address, index, value, {
      enabled: rng.chance(0.85),
      absoluteCap: rng.pick([10n ** 12n, rng.big(600_000n), value]),
      relativeCapBps: rng.int(0, 10_000),
      withdrawable,
      // A lending vault's maxRedeem rounds below the balance; some strategies are full or nearly so.
      redeemableShares: rng.chance(0.3) && withdrawable === value && value > 0n ? value - 1n : withdrawable,
      depositable: rng.chance(0.7) ? 2n ** 256n - 1n : rng.big(300_000n),
    });
  });
  const estimate = (): YieldEstimate => {
    const e = apr(rng.int(-30, 60) + rng.next(), rng.int(0, 20));
    if (rules && rng.chance(0.2))
      e.losses = {
        count: rng.int(1, 3),
        lostWad: rng.big(10n ** 16n),
        lastAt: NOW - rng.big(86_400n),
        inRate: rng.chance(0.5),
      };
    return e;
  };
  const yields = Object.fromEntries(strategies.filter(() => rng.chance(0.8)).map((s) => [s.strategy, estimate()]));
  const input = plannerInput({
    idle: rng.big(1_500_000n),
    strategies,
    yields,
    snapshot: {
      bounds: {
        idleBufferBps: rng.pick([0, 500, 1_000, 3_000]),
        maxLossPerCallBps: 50,
        epochLossBudgetBps: 100,
        lossEpochLength: 86_400n,
      },
    },
    session: {
      scope: BigInt(rng.int(1, 15)),
      maxVolumePerCall: rng.pick([1_000n, rng.big(900_000n) + 1n, 10n ** 12n]),
      maxVolumePerEpoch: 10n ** 13n,
      volumeInEpoch: rng.chance(0.3) ? rng.big(10n ** 13n) : 0n,
      lastCallAt: 1_500n,
      callsInEpoch: BigInt(rng.int(0, 9)),
    },
    params: {
      minMove: rng.pick([1n, 1_000n, 50_000n]),
      safetyMarginBps: rng.pick([0, 5, 50]),
      minSpreadWad: rng.pick([1n, 25n * 10n ** 14n]),
      ...(rules
        ? {
            plausibleLossWad: rng.pick([0n, 10n ** 15n, 10n ** 16n]),
            horizonSeconds: rng.pick([86_400n, 30n * 86_400n]),
            minHoldSeconds: rng.pick([0n, 86_400n]),
          }
        : {}),
    },
  });
  if (!rules) return input;
  // Recent moves of some strategies; a market whose rate falls as the agent supplies (for some strategies only).
  const recentMoves: RecentMove[] = strategies
    .filter(() => rng.chance(0.3))
    .map((s) => ({ strategy: s.strategy, raised: rng.chance(0.5), at: NOW - rng.big(2n * 86_400n) }));
  const slopes = new Map(strategies.filter(() => rng.chance(0.5)).map((s) => [s.strategy, rng.big(3n * 10n ** 17n)]));
  const rateAfter = (s: string, delta: bigint) => {
    const slope = slopes.get(s);
    const base = input.yields.get(s)?.aprWad;
    if (slope === undefined || base === undefined) return undefined;
    return base - (slope * delta) / 1_000_000n;
  };
  return { ...input, recentMoves, ...(rng.chance(0.7) ? { rateAfter } : {}) };
}
