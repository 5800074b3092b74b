/**
 * A bounds or roles change governance can propose (the operator CLI's `propose` and `safe-batch` encode them as
 * calls), and what it does to a vault snapshot: the what-if replays past decisions on the snapshots so changed. Pure.
 *
 * A change the snapshot cannot express (a strategy listed or delisted: no state, no yield estimate for it) is named
 * as not modeled; one that does not bear on the agent's rebalances (roles, the dead-man's switch, the withdraw queue,
 * the agent pause) as without bearing. Session ceilings bind grants, not rebalances: they are modeled as if the
 * session had been granted within them (a governance grant is not bound by them).
 */
import type { RiskGroupState, SessionState, StrategyState, VaultSnapshot } from "../chain/types.js";
import { positionValue } from "../checks/valuation.js";
import { minBig } from "../checks/math.js";

export type BoundsChange =
  | { kind: "addStrategy"; strategy: string; absoluteCap: bigint; relativeCapBps: number }
  | { kind: "removeStrategy"; strategy: string }
  | { kind: "setCaps"; strategy: string; absoluteCap: bigint; relativeCapBps: number }
  | { kind: "setStrategyEnabled"; strategy: string; enabled: boolean }
  | { kind: "setRiskGroupCap"; id: number; absoluteCap: bigint; relativeCapBps: number }
  | { kind: "setRiskGroups"; strategy: string; riskGroups: number }
  | { kind: "setIdleBuffer"; idleBufferBps: number }
  | { kind: "setLiquidityFloor"; liquidityFloorBps: number }
  /** threshold 0 turns the step-up off. */
  | { kind: "setStepUp"; threshold: bigint; policySigner: string }
  | { kind: "setLossLimits"; maxLossPerCallBps: number; epochLossBudgetBps: number; lossEpochLength?: number }
  | { kind: "setCeilings"; maxDuration: number; maxVolumePerCall: bigint; maxVolumePerEpoch: bigint }
  | { kind: "setMaxPriceRate"; maxPriceRateBps: number }
  | { kind: "clearFreeze"; strategy: string }
  | { kind: "setDeadManSwitch"; staleAfter: number; dropBps: number; maxExitBps: number }
  | { kind: "unpauseAgents" }
  /** Proposes the next governance (address(0) cancels a pending handover); it takes over by accepting. */
  | { kind: "setGovernance"; governance: string }
  /** The pending governance completes the handover. */
  | { kind: "acceptGovernance" }
  | { kind: "setGuardian"; guardian: string }
  /** address(0): no session admin (only governance grants). */
  | { kind: "setSessionAdmin"; sessionAdmin: string }
  | { kind: "setWithdrawQueue"; queue: string[] };

/** How a replay treats the changes: applied to each snapshot, or named and left out. */
export interface ChangeModel {
  /** Changes applied to every replayed snapshot. */
  applied: BoundsChange[];
  /** Changes the snapshot cannot express, with why. */
  notModeled: string[];
  /** Changes that do not bear on the agent's rebalances. */
  noBearing: string[];
  /** How an applied change is approximated. */
  assumptions: string[];
}

/** Sorts the changes into those a replay applies and those it names. */
export function changeModel(changes: readonly BoundsChange[]): ChangeModel {
  const model: ChangeModel = { applied: [], notModeled: [], noBearing: [], assumptions: [] };
  for (const c of changes) {
    switch (c.kind) {
      case "addStrategy":
        model.notModeled.push(`listing ${c.strategy}: the recorded snapshots hold no state or yield estimate for it`);
        break;
      case "removeStrategy":
        model.notModeled.push(`delisting ${c.strategy}: the recorded plans and yield estimates include it`);
        break;
      case "setDeadManSwitch":
        model.noBearing.push("the dead-man's switch (it moves strategies without the agent)");
        break;
      case "setWithdrawQueue":
        model.noBearing.push("the withdraw queue (the order members' exits pull from)");
        break;
      case "unpauseAgents":
        model.noBearing.push("lifting the agent pause (the agent recorded no decision while paused)");
        break;
      case "setGovernance":
      case "acceptGovernance":
      case "setGuardian":
      case "setSessionAdmin":
        model.noBearing.push(`${c.kind} (a role, not a bound)`);
        break;
      case "setCeilings":
        model.applied.push(c);
        model.assumptions.push(
          "ceilings bind grants, not rebalances: each session is replayed as if granted within them",
        );
        break;
      case "setLiquidityFloor":
        model.applied.push(c);
        model.assumptions.push("the liquidity floor is replayed at its new value (on chain a cut is ramped)");
        break;
      default:
        model.applied.push(c);
    }
  }
  return model;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function withStrategy(
  strategies: StrategyState[],
  strategy: string,
  edit: (s: StrategyState) => StrategyState,
): StrategyState[] {
  return strategies.map((s) => (same(s.strategy, strategy) ? edit(s) : s));
}

/** A session as if granted within `ceilings`: its volumes and life cut to them, what it has left with them. */
function withinCeilings(
  state: SessionState,
  c: Extract<BoundsChange, { kind: "setCeilings" }>,
  now: bigint,
): SessionState {
  const session = {
    ...state.session,
    maxVolumePerCall: minBig(state.session.maxVolumePerCall, c.maxVolumePerCall),
    maxVolumePerEpoch: minBig(state.session.maxVolumePerEpoch, c.maxVolumePerEpoch),
    validUntil: minBig(state.session.validUntil, state.session.validAfter + BigInt(c.maxDuration)),
  };
  const epochLeft =
    session.maxVolumePerEpoch > session.volumeInEpoch ? session.maxVolumePerEpoch - session.volumeInEpoch : 0n;
  const remaining = {
    ...state.remaining,
    active: state.remaining.active && now < session.validUntil,
    timeLeft: session.validUntil > now ? session.validUntil - now : 0n,
    volumePerCall: minBig(state.remaining.volumePerCall, session.maxVolumePerCall),
    volumeInEpoch: minBig(state.remaining.volumeInEpoch, epochLeft),
  };
  return { ...state, session, remaining };
}

/** Every risk group a strategy carries, with its caps (given or stored; none: 0) and its members' value. */
function riskGroupsOf(strategies: StrategyState[], stored: RiskGroupState[], caps: Map<number, RiskGroupState>) {
  const ids = new Set<number>([...stored.map((g) => g.id), ...caps.keys()]);
  for (const s of strategies) for (let id = 0; id < 32; id++) if (((s.riskGroups ?? 0) >>> id) & 1) ids.add(id);
  const groups: RiskGroupState[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const cap = caps.get(id) ?? stored.find((g) => g.id === id) ?? { absoluteCap: 0n, relativeCapBps: 0 };
    const value = strategies
      .filter((s) => ((s.riskGroups ?? 0) >>> id) & 1)
      .reduce((sum, s) => sum + positionValue(s), 0n);
    groups.push({ id, absoluteCap: cap.absoluteCap, relativeCapBps: cap.relativeCapBps, value });
  }
  return groups;
}

/** `snapshot` with the modeled changes applied (see `changeModel`); the others leave it as it is. */
export function applyChanges(snapshot: VaultSnapshot, changes: readonly BoundsChange[]): VaultSnapshot {
  let out: VaultSnapshot = { ...snapshot, bounds: { ...snapshot.bounds } };
  const groupCaps = new Map<number, RiskGroupState>();
  let groupsChanged = false;
  for (const c of changeModel(changes).applied) {
    switch (c.kind) {
      case "setCaps":
        out.strategies = withStrategy(out.strategies, c.strategy, (s) => ({
          ...s,
          absoluteCap: c.absoluteCap,
          relativeCapBps: c.relativeCapBps,
        }));
        break;
      case "setStrategyEnabled":
        out.strategies = withStrategy(out.strategies, c.strategy, (s) => ({ ...s, enabled: c.enabled }));
        break;
      case "setRiskGroupCap":
        groupCaps.set(c.id, { id: c.id, absoluteCap: c.absoluteCap, relativeCapBps: c.relativeCapBps, value: 0n });
        groupsChanged = true;
        break;
      case "setRiskGroups":
        out.strategies = withStrategy(out.strategies, c.strategy, (s) => ({ ...s, riskGroups: c.riskGroups }));
        groupsChanged = true;
        break;
      case "setIdleBuffer":
        out.bounds.idleBufferBps = c.idleBufferBps;
        break;
      case "setLiquidityFloor":
        out.liquidityFloorBps = c.liquidityFloorBps;
        break;
      case "setStepUp":
        out = { ...out, stepUpThreshold: c.threshold, policySigner: c.policySigner };
        break;
      case "setLossLimits":
        out.bounds = {
          ...out.bounds,
          maxLossPerCallBps: c.maxLossPerCallBps,
          epochLossBudgetBps: c.epochLossBudgetBps,
          ...(c.lossEpochLength === undefined ? {} : { lossEpochLength: BigInt(c.lossEpochLength) }),
        };
        break;
      case "setCeilings":
        out.sessions = out.sessions.map((s) => withinCeilings(s, c, snapshot.timestamp));
        break;
      case "setMaxPriceRate":
        out.maxPriceRateBps = c.maxPriceRateBps;
        break;
      case "clearFreeze":
        out.strategies = withStrategy(out.strategies, c.strategy, (s) => ({
          ...s,
          frozen: false,
          markPrice: s.price,
          markedAt: snapshot.timestamp,
        }));
        break;
    }
  }
  if (groupsChanged) out.riskGroups = riskGroupsOf(out.strategies, snapshot.riskGroups ?? [], groupCaps);
  return out;
}
