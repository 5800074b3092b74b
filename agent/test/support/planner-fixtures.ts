/**
 * Literal planner inputs. Default: 1,000,000 idle, strategies A, B, C empty, caps 10^12 absolute and 50% relative,
 * 10% idle buffer; the session covers all three with 600,000 per call and 2,000,000 per epoch. Gas of one leg costs
 * 600 asset units (200,000 gas at 1 gwei, 3,000,000 asset units per native coin).
 */
import type { SessionRecord, StrategyState, VaultSnapshot } from "../../src/chain/types.js";
import { sessionRemaining } from "../../src/checks/session-check.js";
import type { CostModel, PlannerInput, PlannerParams } from "../../src/planner/types.js";
import type { YieldEstimate } from "../../src/yield/estimate.js";
import { A, AGENT, B, C, NOW, strategy, VAULT, vaultSnapshot } from "./fixtures.js";

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
