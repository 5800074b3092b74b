/**
 * Whether the idle buffer or a session ceiling keeps the agent's best plan from earning more, with the evidence that a
 * change is safe or needed. Pure: no I/O (the evidence comes in, from drafts/evidence.ts).
 *
 * Buffer. With any positive yield every buffer binds, so binding is not enough: a lower buffer is drafted only when the
 * recorded flows show the idle held is more than the treasury needs: the largest net outflow over any
 * `outflowWindowSeconds` of a record at least `minHistorySeconds` long, plus the liquidity floor's share of total
 * assets, plus `marginBps` of them, is at least `minCutBps` below the buffer, and the yield the excess forgoes (the plan
 * under the lower buffer against the plan now, at the tick's estimates) clears `minGainBps` of it and
 * `minGainPerYear`. The buffer proposed is that need, rounded up to 10 bps: never below the floor nor the outflow, and
 * never a cut larger than one ramp period's exposure budget (MAX_EXPOSURE_RAISE_BPS), nor than the room the ramp has
 * left when it was read (beyond it the call reverts `ChangeTooLarge`).
 *
 * Ceilings. A plan is clipped when the planner, given a session without volume limits, would move more (by at least
 * the minimum move) and the gain clears the draft threshold. The session admin grants only within the vault's ceilings,
 * which bind the agent's active sessions summed; a session that could carry what the plan wanted, replacing the one in
 * use, either fits under the ceiling (the fix is a grant by the session admin: a hint, no proposal) or does not (a
 * proposal to raise that ceiling, drafted once the plan was clipped in `minTicks` ticks within `windowSeconds`).
 */
import type { SessionState } from "../chain/types.js";
import { BPS, maxBig, mulDivUp } from "../checks/math.js";
import { sessionVolumeBudget } from "../planner/context.js";
import type { PlanDecision, Planner, PlannerInput } from "../planner/types.js";
import { applyChanges, type BoundsChange } from "../whatif/changes.js";
import { allocationOf, type DraftThreshold, isMaterial, roundUpCoarse, yieldPerYear } from "./detect.js";
import {
  type ClipLimit,
  type ClipRecord,
  type ClipSummary,
  type FlowSample,
  largestOutflow,
  type OutflowEvidence,
  summarizeClips,
} from "./evidence.js";

/** ConstantsLib.MAX_EXPOSURE_RAISE_BPS: the most a buffer cut may spend of the exposure ramp in one period. */
export const MAX_EXPOSURE_RAISE_BPS = 5_000;
/** ConstantsLib.MAX_SESSION_DURATION (seconds): a duration ceiling is never drafted above it. */
export const MAX_SESSION_DURATION = 365n * 86_400n;
/** ConstantsLib.MIN_DURATION_CEILING_STEP (seconds): the most a duration ceiling rises from 0 in one ramp period. */
export const MIN_DURATION_CEILING_STEP = 7n * 86_400n;
/** A volume limit the planner may treat as none. */
const NO_LIMIT = 2n ** 200n;

export interface BufferDraftSettings extends DraftThreshold {
  enabled: boolean;
  /** The window the largest net outflow is measured over (seconds). */
  outflowWindowSeconds: bigint;
  /** Least length of the record of flows a cut rests on (seconds). */
  minHistorySeconds: bigint;
  /** Kept on top of the outflow and the floor, in bps of total assets. */
  marginBps: number;
  /** Least cut worth a proposal, in bps of total assets ("well below" the buffer). */
  minCutBps: number;
}

export const DEFAULT_BUFFER_SETTINGS: BufferDraftSettings = {
  enabled: true,
  outflowWindowSeconds: 86_400n,
  minHistorySeconds: 7n * 86_400n,
  marginBps: 100,
  minCutBps: 100,
  minGainBps: 50,
  minGainPerYear: 0n,
};

export interface CeilingDraftSettings {
  enabled: boolean;
  /** Clipped ticks within `windowSeconds` before a proposal is drafted. */
  minTicks: number;
  windowSeconds: bigint;
}

export const DEFAULT_CEILING_SETTINGS: CeilingDraftSettings = { enabled: true, minTicks: 3, windowSeconds: 86_400n };

interface PlanComparison {
  yieldPerYear: { now: bigint; proposed: bigint };
  gainPerYear: bigint;
  proposedPlan: PlanDecision;
}

export interface BufferFinding extends PlanComparison {
  kind: "buffer";
  changes: BoundsChange[];
  idleBufferBps: { now: number; proposed: number };
  liquidityFloorBps: number;
  evidence: OutflowEvidence;
  /** Total assets less the block's deposits (what the buffer is measured on), the floor's share and the margin. */
  base: bigint;
  floorAmount: bigint;
  marginAmount: bigint;
  /** Idle the evidence supports: outflow + floor + margin. */
  needed: bigint;
  /** Money the lower buffer lets the plan place (idle it no longer holds). */
  extraPlaced: bigint;
}

export interface Ceilings {
  maxDuration: bigint;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
}

/** A tick's plan kept from moving what it wanted by the session's volume limits. */
export interface SessionClip extends PlanComparison {
  limit: ClipLimit;
  moved: bigint;
  wanted: bigint;
}

export interface CeilingsFinding extends PlanComparison {
  kind: "ceilings";
  changes: BoundsChange[];
  limit: ClipLimit;
  ceilings: { now: Ceilings; proposed: Ceilings };
  /** The session in use, and what the agent's other active sessions hold of the ceiling. */
  sessionId: bigint;
  others: bigint;
  /** Limit a session needs to carry what the plan wanted. */
  needed: bigint;
  summary: ClipSummary;
  /** What the plan moved this tick, and would have moved without the limit. */
  moved: bigint;
  wanted: bigint;
  /** Left unmoved this tick. */
  extraPlaced: bigint;
}

/** `plan` and the plan on `proposed`, compared at the tick's estimates. */
function compare(planner: Planner, input: PlannerInput, plan: PlanDecision, proposed: PlannerInput): PlanComparison {
  const now = yieldPerYear(allocationOf(input.snapshot, plan), input.yields);
  const proposedPlan = planner.plan(proposed);
  const after = yieldPerYear(allocationOf(input.snapshot, proposedPlan), input.yields);
  return { yieldPerYear: { now, proposed: after }, gainPerYear: after - now, proposedPlan };
}

const placed = (input: PlannerInput, plan: PlanDecision) =>
  [...allocationOf(input.snapshot, plan).values()].reduce((a, b) => a + b, 0n);

/** A lower idle buffer the recorded flows support, if the excess forgoes a material yield (see the file comment). */
export function findBufferCut(
  planner: Planner,
  input: PlannerInput,
  plan: PlanDecision,
  flows: readonly FlowSample[],
  settings: BufferDraftSettings = DEFAULT_BUFFER_SETTINGS,
  /** The exposure ramp's room now (`rampRoom().exposureBps`), when read: the cut stays within it. */
  rampRoomBps?: number,
): BufferFinding | undefined {
  if (!settings.enabled) return undefined;
  const { snapshot } = input;
  const now = snapshot.bounds.idleBufferBps;
  const base = maxBig(0n, snapshot.totalAssets - snapshot.inflowInBlock);
  if (now === 0 || base === 0n) return undefined;
  // No cut can clear the least one (the floor and the margin alone ask too much): the flows need not be read.
  if (snapshot.liquidityFloorBps + settings.marginBps > now - settings.minCutBps) return undefined;
  const evidence = largestOutflow(
    flows,
    snapshot.shareDecimals,
    settings.outflowWindowSeconds,
    settings.minHistorySeconds,
  );
  if (!evidence) return undefined;
  const floorAmount = mulDivUp(base, BigInt(snapshot.liquidityFloorBps), BPS);
  const marginAmount = mulDivUp(base, BigInt(settings.marginBps), BPS);
  const needed = evidence.largestOutflow + floorAmount + marginAmount;
  const neededBps = Number(mulDivUp(needed, BPS, base));
  let proposed = Math.min(10_000, Math.ceil(neededBps / 10) * 10);
  proposed = Math.max(
    proposed,
    snapshot.liquidityFloorBps,
    now - Math.min(MAX_EXPOSURE_RAISE_BPS, rampRoomBps ?? MAX_EXPOSURE_RAISE_BPS),
  );
  if (proposed > now - settings.minCutBps) return undefined;
  const changes: BoundsChange[] = [{ kind: "setIdleBuffer", idleBufferBps: proposed }];
  const cmp = compare(planner, input, plan, { ...input, snapshot: applyChanges(snapshot, changes) });
  const extraPlaced = placed(input, cmp.proposedPlan) - placed(input, plan);
  if (!isMaterial(cmp.gainPerYear, extraPlaced, settings)) return undefined;
  return {
    kind: "buffer",
    changes,
    idleBufferBps: { now, proposed },
    liquidityFloorBps: snapshot.liquidityFloorBps,
    evidence,
    base,
    floorAmount,
    marginAmount,
    needed,
    extraPlaced,
    ...cmp,
  };
}

/** The volume a plan moves (0 for a hold). */
const volumeOf = (plan: PlanDecision) => (plan.kind === "rebalance" ? plan.volume : 0n);

/**
 * The most volume any plan of `input` can move: each leg moves money between the planner's places (idle and the listed
 * strategies), so the legs' amounts summed, |target - current| over every place, are twice what leaves the places that
 * lose money, at most twice what they all hold now (idle plus each strategy's current value).
 */
export function maxPlanVolume(input: PlannerInput): bigint {
  const { snapshot } = input;
  return 2n * snapshot.strategies.reduce((sum, s) => sum + s.currentValue, snapshot.idle);
}

/**
 * Whether the session's volume limits kept `plan` from moving what it wanted, at a material gain: which limit (the one
 * with less left), what it moved and would have moved. When the volume the session leaves the planner covers the most
 * any plan can move (`maxPlanVolume`), the limits cut no step of the plan: it is the plan without them, and the second
 * planner pass is skipped (the daemon asks this every tick).
 */
export function findSessionClip(
  planner: Planner,
  input: PlannerInput,
  plan: PlanDecision,
  threshold: DraftThreshold,
): SessionClip | undefined {
  if (sessionVolumeBudget(input) >= maxPlanVolume(input)) return undefined;
  const unlimited: PlannerInput = {
    ...input,
    session: { ...input.session, maxVolumePerCall: NO_LIMIT, maxVolumePerEpoch: NO_LIMIT },
    remaining: { ...input.remaining, volumePerCall: NO_LIMIT, volumeInEpoch: NO_LIMIT },
  };
  const cmp = compare(planner, input, plan, unlimited);
  const moved = volumeOf(plan);
  const wanted = volumeOf(cmp.proposedPlan);
  if (wanted < moved + input.params.minMove) return undefined;
  if (!isMaterial(cmp.gainPerYear, wanted - moved, threshold)) return undefined;
  const limit: ClipLimit = input.remaining.volumePerCall <= input.remaining.volumeInEpoch ? "per-call" : "per-epoch";
  return { limit, moved, wanted, ...cmp };
}

/** The clip as a record of the evidence file. */
export const clipRecord = (clip: SessionClip, t: bigint): ClipRecord => ({
  t,
  limit: clip.limit,
  moved: clip.moved,
  wanted: clip.wanted,
});

/** Sum of one volume limit over the agent's active sessions other than `sessionId`. */
function othersHold(sessions: readonly SessionState[], sessionId: bigint, limit: ClipLimit): bigint {
  return sessions
    .filter((s) => s.id !== sessionId)
    .reduce((sum, s) => sum + (limit === "per-call" ? s.session.maxVolumePerCall : s.session.maxVolumePerEpoch), 0n);
}

export type CeilingsOutcome =
  | { kind: "draft"; finding: CeilingsFinding }
  /** The session admin can grant what the plan needs within the ceiling: no proposal. */
  | { kind: "grant"; limit: ClipLimit; needed: bigint; room: bigint; ceiling: bigint; summary: ClipSummary }
  /** Clipped, but not yet often enough within the window for a proposal. */
  | { kind: "wait"; summary: ClipSummary };

/**
 * What to do about a clip (see the file comment): `clips` are the records so far (this tick's included), `ceilings`
 * the vault's now, `safetyMarginBps` the planner's margin inside a volume limit.
 */
export function ceilingsOutcome(
  input: PlannerInput,
  clip: SessionClip,
  ceilings: Ceilings,
  clips: readonly ClipRecord[],
  settings: CeilingDraftSettings = DEFAULT_CEILING_SETTINGS,
): CeilingsOutcome {
  const { snapshot, sessionId, remaining, session, params } = input;
  const summary = summarizeClips(clips, clip.limit, maxBig(0n, snapshot.timestamp - settings.windowSeconds));
  // The session's limit that would have carried the wanted volume, the planner's margin inside it included.
  const usedInEpoch = maxBig(0n, session.maxVolumePerEpoch - remaining.volumeInEpoch);
  const carry = clip.limit === "per-call" ? clip.wanted : usedInEpoch + clip.wanted;
  const needed = roundUpCoarse(mulDivUp(carry, BPS, BPS - BigInt(params.safetyMarginBps)));
  const others = othersHold(snapshot.sessions, sessionId, clip.limit);
  const ceiling = clip.limit === "per-call" ? ceilings.maxVolumePerCall : ceilings.maxVolumePerEpoch;
  const room = maxBig(0n, ceiling - others);
  if (room >= needed) return { kind: "grant", limit: clip.limit, needed, room, ceiling, summary };
  if (summary.ticks < settings.minTicks) return { kind: "wait", summary };
  const raised = roundUpCoarse(others + needed);
  const proposed: Ceilings = { ...ceilings };
  if (clip.limit === "per-call") {
    proposed.maxVolumePerCall = raised;
    // A session's per-call limit is at most its epoch limit: the epoch ceiling must hold the new session too.
    const epochOthers = othersHold(snapshot.sessions, sessionId, "per-epoch");
    if (ceilings.maxVolumePerEpoch < epochOthers + needed)
      proposed.maxVolumePerEpoch = roundUpCoarse(epochOthers + needed);
  } else proposed.maxVolumePerEpoch = raised;
  // A duration ceiling of 0 lets the session admin grant nothing: the session in use's length, within what one ramp
  // period allows from 0 (MIN_DURATION_CEILING_STEP) and the protocol's maximum (never more than they allow).
  if (proposed.maxDuration === 0n) {
    const length = session.validUntil - session.validAfter;
    proposed.maxDuration = [length, MIN_DURATION_CEILING_STEP, MAX_SESSION_DURATION].reduce((a, b) => (a < b ? a : b));
  }
  const changes: BoundsChange[] = [
    {
      kind: "setCeilings",
      maxDuration: Number(proposed.maxDuration),
      maxVolumePerCall: proposed.maxVolumePerCall,
      maxVolumePerEpoch: proposed.maxVolumePerEpoch,
    },
  ];
  return {
    kind: "draft",
    finding: {
      kind: "ceilings",
      changes,
      limit: clip.limit,
      ceilings: { now: ceilings, proposed },
      sessionId,
      others,
      needed,
      summary,
      moved: clip.moved,
      wanted: clip.wanted,
      extraPlaced: clip.wanted - clip.moved,
      yieldPerYear: clip.yieldPerYear,
      gainPerYear: clip.gainPerYear,
      proposedPlan: clip.proposedPlan,
    },
  };
}
