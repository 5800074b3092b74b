/**
 * What a version 2 decision record carries beyond the plan (`DecisionProvenance`): the agent's version, the planner
 * settings resolved to on-chain units, and the planner's inputs beyond the chain snapshot, each yield estimate with the
 * digest of the price samples behind it (never the samples themselves). Pure.
 */
import type { SessionState } from "../chain/types.js";
import {
  type DecisionProvenance,
  type PlannerSettings,
  type RecordedYield,
  stateFieldDigests,
} from "../executor/intent.js";
import type { CostModel, Planner, PlannerInput, PlannerParams } from "../planner/types.js";
import { toCanonical } from "../util/json.js";
import { AGENT_VERSION } from "../version.js";
import type { PriceHistory } from "../yield/history.js";

/** The part of a runner's configuration that makes the planner settings. */
export interface SettingsSource {
  planner: Planner;
  plannerParams: PlannerParams;
  gas: Omit<CostModel, "gasPriceWei">;
  quarantine: { minWithdrawableBps?: number };
}

export function plannerSettings(config: SettingsSource, yieldModel: string): PlannerSettings {
  const { baseGas, gasPerLeg, assetPerNative } = config.gas;
  return {
    planner: config.planner.name,
    params: config.plannerParams,
    gas: { baseGas, gasPerLeg, assetPerNative },
    ...(config.quarantine.minWithdrawableBps === undefined
      ? {}
      : { minWithdrawableBps: config.quarantine.minWithdrawableBps }),
    yieldModel,
  };
}

/** The provenance of a plan made from `input` (the input of the priced plan that is sent). */
export function decisionProvenance(
  input: PlannerInput,
  config: SettingsSource,
  yieldModel: string,
  ended: readonly SessionState[],
  history: Pick<PriceHistory, "samplesDigest">,
): DecisionProvenance {
  const yields: RecordedYield[] = [...input.yields.entries()]
    .map(([strategy, e]) => ({
      strategy,
      aprWad: e.aprWad,
      volatilityWad: e.volatilityWad,
      samples: e.samples,
      windowSeconds: e.windowSeconds,
      ...(e.losses ? { losses: e.losses } : {}),
      samplesDigest: history.samplesDigest(strategy),
    }))
    .sort((a, b) => (a.strategy < b.strategy ? -1 : a.strategy > b.strategy ? 1 : 0));
  return {
    plannerVersion: AGENT_VERSION,
    settings: plannerSettings(config, yieldModel),
    inputs: {
      now: input.now,
      gasPriceWei: input.cost.gasPriceWei,
      yields,
      recentMoves: [...(input.recentMoves ?? [])],
      quarantined: [...(input.quarantined ?? new Map<string, boolean>()).entries()].map(([strategy, exit]) => ({
        strategy,
        exit,
      })),
      endedSessions: ended.map((s) => toCanonical(s)),
      stateFields: stateFieldDigests(toCanonical(input.snapshot)),
    },
  };
}
