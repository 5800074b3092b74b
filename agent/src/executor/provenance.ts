/**
 * Reads back the provenance of a version 2 decision record (`IntentRecord.plannerVersion`, `settingsHash`, `settings`,
 * `inputs`) from its JSON form, bigints from their decimal strings. The record's hash is taken over what was read, so a
 * field this parser drops or changes would no longer match: it keeps every field as written.
 */
import type { Json } from "../util/json.js";
import type { DecisionInputs, IntentRecord, PlannerSettings, RecordedYield } from "./intent.js";

type Raw = Record<string, unknown>;
const big = (v: unknown) => BigInt(v as string);

export function parseProvenance(r: Raw): Pick<IntentRecord, "plannerVersion" | "settingsHash" | "settings" | "inputs"> {
  return {
    plannerVersion: r.plannerVersion as string,
    settingsHash: r.settingsHash as string,
    settings: parseSettings(r.settings as Raw),
    inputs: parseInputs(r.inputs as Raw),
  };
}

export function parseSettings(s: Raw): PlannerSettings {
  const p = s.params as Raw;
  const g = s.gas as Raw;
  const premium = (p.riskPremiumWad ?? {}) as Record<string, unknown>;
  return {
    planner: s.planner as string,
    params: {
      minMove: big(p.minMove),
      safetyMarginBps: p.safetyMarginBps as number,
      horizonSeconds: big(p.horizonSeconds),
      minSpreadWad: big(p.minSpreadWad),
      riskPremiumWad: Object.fromEntries(Object.entries(premium).map(([k, v]) => [k, big(v)])),
      volatilityWeightBps: p.volatilityWeightBps as number,
      plausibleLossWad: big(p.plausibleLossWad),
      minHoldSeconds: big(p.minHoldSeconds),
    },
    gas: { baseGas: big(g.baseGas), gasPerLeg: big(g.gasPerLeg), assetPerNative: big(g.assetPerNative) },
    ...(s.minWithdrawableBps === undefined ? {} : { minWithdrawableBps: s.minWithdrawableBps as number }),
    yieldModel: s.yieldModel as string,
  };
}

function parseYield(y: Raw): RecordedYield {
  const l = y.losses as Raw | undefined;
  return {
    strategy: y.strategy as string,
    aprWad: big(y.aprWad),
    volatilityWad: big(y.volatilityWad),
    samples: y.samples as number,
    windowSeconds: big(y.windowSeconds),
    ...(l
      ? {
          losses: {
            count: l.count as number,
            lostWad: big(l.lostWad),
            lastAt: big(l.lastAt),
            inRate: l.inRate as boolean,
          },
        }
      : {}),
    samplesDigest: y.samplesDigest as string,
  };
}

export function parseInputs(i: Raw): DecisionInputs {
  return {
    now: big(i.now),
    gasPriceWei: big(i.gasPriceWei),
    yields: (i.yields as Raw[]).map(parseYield),
    recentMoves: (i.recentMoves as Raw[]).map((m) => ({
      strategy: m.strategy as string,
      raised: m.raised as boolean,
      at: big(m.at),
    })),
    quarantined: (i.quarantined as Raw[]).map((q) => ({ strategy: q.strategy as string, exit: q.exit as boolean })),
    endedSessions: i.endedSessions as Json[],
    stateFields: i.stateFields as Record<string, string>,
  };
}
