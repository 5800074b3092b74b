/**
 * Whether a bound clipped the agent's best plan, and by how much: the planner is run again on the snapshot with the
 * binding caps raised (`applyChanges`, as the what-if does) and the two allocations' expected yield a year are compared
 * at the tick's yield estimates. Only what the snapshot expresses is tried: a strategy's caps (absolute and relative).
 * A gain is material when it is at least `minGainBps` of the extra money the raised caps let the plan place (0.1% APR
 * by default) and at least `minGainPerYear` in assets. Pure: no I/O.
 */
import type { Target, VaultSnapshot } from "../chain/types.js";
import { BPS, maxBig, minBig, mulDivDown, mulDivUp } from "../checks/math.js";
import { positionValue } from "../checks/valuation.js";
import type { PlanDecision, Planner, PlannerInput } from "../planner/types.js";
import { applyChanges, type BoundsChange } from "../whatif/changes.js";

const WAD = 10n ** 18n;
/** A cap the planner may treat as none. */
const NO_CAP = 2n ** 200n;
/** ConstantsLib.MAX_EXPOSURE_RAISE_BPS: the most relative caps (with buffer cuts) may loosen in one ramp period. */
const MAX_EXPOSURE_RAISE_BPS = 5_000;

export interface DraftThreshold {
  /** Least gain a year, in bps of the extra money placed (10: 0.1% APR). */
  minGainBps: number;
  /** Least gain a year, in assets (base units). */
  minGainPerYear: bigint;
}

export const DEFAULT_DRAFT_THRESHOLD: DraftThreshold = { minGainBps: 10, minGainPerYear: 0n };

/** One strategy's caps as they are and as proposed, with what the relaxed plan puts there. */
export interface CapChange {
  strategy: string;
  absoluteCap: { now: bigint; proposed: bigint };
  relativeCapBps: { now: number; proposed: number };
  /** The strategy's value under the current bound's plan and under the proposed one. */
  allocation: { now: bigint; proposed: bigint };
}

export interface BoundFinding {
  changes: BoundsChange[];
  caps: CapChange[];
  /** Expected yield a year of the plan under the current bounds and under the proposed ones, in assets. */
  yieldPerYear: { now: bigint; proposed: bigint };
  gainPerYear: bigint;
  /** Money the proposed bounds let the plan place where it earns more, in assets. */
  extraPlaced: bigint;
  /** The proposed plan (what the agent would do once the change executes). */
  proposedPlan: PlanDecision;
}

/** Whether `gainPerYear` on `extraPlaced` clears the threshold. */
export function isMaterial(gainPerYear: bigint, extraPlaced: bigint, threshold: DraftThreshold): boolean {
  if (gainPerYear <= 0n || extraPlaced <= 0n) return false;
  if (gainPerYear < threshold.minGainPerYear) return false;
  return gainPerYear * BPS >= extraPlaced * BigInt(threshold.minGainBps);
}

/** Value per strategy (lower case) once `plan` executes on `snapshot`. */
export function allocationOf(snapshot: VaultSnapshot, plan: PlanDecision): Map<string, bigint> {
  const out = new Map(snapshot.strategies.map((s) => [s.strategy.toLowerCase(), positionValue(s)]));
  const targets: Target[] = plan.kind === "rebalance" ? plan.targets : [];
  for (const t of targets) out.set(t.strategy.toLowerCase(), t.assets);
  return out;
}

/** Expected yield a year of `allocation` at the estimates (a strategy without one earns nothing). */
export function yieldPerYear(allocation: Map<string, bigint>, yields: PlannerInput["yields"]): bigint {
  let sum = 0n;
  for (const [strategy, estimate] of yields)
    sum += ((allocation.get(strategy.toLowerCase()) ?? 0n) * estimate.aprWad) / WAD;
  return sum;
}

/** Rounds up to two significant digits (a stable figure across ticks: interest moves the exact one every block). */
export function roundUpCoarse(value: bigint): bigint {
  if (value <= 100n) return value;
  let unit = 1n;
  while (value / unit >= 100n) unit *= 10n;
  return ((value + unit - 1n) / unit) * unit;
}

/**
 * The caps that bind the plan and the change that lifts them, if the gain is material (see the file comment).
 * `plan` is the planner's decision on `input` (at no gas cost).
 */
export function findBindingBound(
  planner: Planner,
  input: PlannerInput,
  plan: PlanDecision,
  threshold: DraftThreshold = DEFAULT_DRAFT_THRESHOLD,
): BoundFinding | undefined {
  const { snapshot } = input;
  const base = allocationOf(snapshot, plan);
  const baseYield = yieldPerYear(base, input.yields);
  const totalLow = maxBig(0n, snapshot.totalAssets - snapshot.inflowInBlock);
  const margin = mulDivDown(totalLow, BigInt(input.params.safetyMarginBps), BPS);
  const planOn = (changes: BoundsChange[]) => planner.plan({ ...input, snapshot: applyChanges(snapshot, changes) });

  const caps: CapChange[] = [];
  for (const s of snapshot.strategies) {
    if (!s.enabled || s.frozen) continue;
    const key = s.strategy.toLowerCase();
    const cap = minBig(s.absoluteCap, mulDivDown(totalLow, BigInt(s.relativeCapBps), BPS));
    const now = base.get(key) ?? 0n;
    // Binding: the plan leaves it within the margin (and a unit of rounding) of its cap.
    if (now + 2n * margin + 2n < cap) continue;
    const relaxed = planOn([{ kind: "setCaps", strategy: s.strategy, absoluteCap: NO_CAP, relativeCapBps: 10_000 }]);
    const wanted = allocationOf(snapshot, relaxed).get(key) ?? 0n;
    if (wanted <= now) continue;
    const need = wanted + margin;
    const absoluteCap = s.absoluteCap >= need ? s.absoluteCap : roundUpCoarse(need);
    const relNeed = totalLow === 0n ? 10_000 : Number(mulDivUp(need, BPS, totalLow));
    // Never above the protocol's maximum (100%), nor a raise larger than one ramp period's exposure budget (a raise
    // beyond it reverts `ChangeTooLarge`).
    const relativeCapBps =
      mulDivDown(totalLow, BigInt(s.relativeCapBps), BPS) >= need
        ? s.relativeCapBps
        : Math.min(10_000, s.relativeCapBps + MAX_EXPOSURE_RAISE_BPS, Math.ceil(relNeed / 100) * 100);
    caps.push({
      strategy: s.strategy,
      absoluteCap: { now: s.absoluteCap, proposed: absoluteCap },
      relativeCapBps: { now: s.relativeCapBps, proposed: relativeCapBps },
      allocation: { now, proposed: 0n },
    });
  }
  if (caps.length === 0) return undefined;
  const changes: BoundsChange[] = caps.map((c) => ({
    kind: "setCaps",
    strategy: c.strategy,
    absoluteCap: c.absoluteCap.proposed,
    relativeCapBps: c.relativeCapBps.proposed,
  }));
  const proposedPlan = planOn(changes);
  const after = allocationOf(snapshot, proposedPlan);
  for (const c of caps) c.allocation.proposed = after.get(c.strategy.toLowerCase()) ?? 0n;
  const proposedYield = yieldPerYear(after, input.yields);
  const extraPlaced = caps.reduce((sum, c) => sum + maxBig(0n, c.allocation.proposed - c.allocation.now), 0n);
  const gainPerYear = proposedYield - baseYield;
  if (!isMaterial(gainPerYear, extraPlaced, threshold)) return undefined;
  return {
    changes,
    caps,
    yieldPerYear: { now: baseYield, proposed: proposedYield },
    gainPerYear,
    extraPlaced,
    proposedPlan,
  };
}
