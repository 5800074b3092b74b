/**
 * A replayed decision in words: per strategy where it stood, where the plan put it and why (its yield and risk-adjusted
 * score, the cap it reached, the idle buffer, risk signs: quarantine, too little liquidity, loss events, a disabled or
 * out-of-scope strategy, the hold after a recent move). Pure.
 */
import { planContext } from "../planner/context.js";
import type { PlanDecision, PlannerInput } from "../planner/types.js";
import { formatAmount, formatBps, formatWadPercent } from "../util/format.js";

export interface StrategyWords {
  strategy: string;
  index: number;
  from: bigint;
  to: bigint;
  /** Why it moved (or stayed), in words. */
  why: string[];
}

export interface DecisionWords {
  /** The planner's own reason. */
  reason: string;
  idle: { from: bigint; to: bigint; why: string };
  strategies: StrategyWords[];
}

export function decisionInWords(input: PlannerInput, decision: PlanDecision): DecisionWords {
  const { snapshot } = input;
  const amount = (v: bigint) => formatAmount(v, snapshot.assetDecimals);
  const ctx = planContext(input);
  const targets = new Map(
    decision.kind === "rebalance" ? decision.targets.map((t) => [t.strategy.toLowerCase(), t.assets]) : [],
  );
  const legs = new Map(decision.kind === "rebalance" ? decision.legs.map((l) => [l.strategy.toLowerCase(), l]) : []);
  const strategies = ctx.strategies.map((room): StrategyWords => {
    const s = room.state;
    const key = s.strategy.toLowerCase();
    const from = s.currentValue;
    const to = targets.get(key) ?? from;
    const why: string[] = [];
    const estimate = input.yields.get(s.strategy);
    if (estimate) {
      const premium = input.params.riskPremiumWad[key];
      why.push(
        `yield ${formatWadPercent(estimate.aprWad)} a year (volatility ${formatWadPercent(estimate.volatilityWad)}, ${estimate.samples} samples${premium ? `, risk premium ${formatWadPercent(premium)}` : ""})`,
      );
      if (estimate.losses)
        why.push(`${estimate.losses.count} loss event(s) in the window (${formatWadPercent(estimate.losses.lostWad)})`);
    } else why.push("no yield estimate yet");
    const leg = legs.get(key);
    if (leg?.scoreWad !== undefined) why.push(`risk-adjusted score ${formatWadPercent(leg.scoreWad)}`);
    if (!room.inScope) why.push("outside the session's scope: left in place");
    else if (!s.enabled) why.push("disabled by governance: moved out");
    if (room.quarantined)
      why.push(
        input.quarantined?.get(key) ? "quarantined: moved out as liquidity allows" : "quarantined: left in place",
      );
    if (room.illiquid) why.push(`too little can be withdrawn now (${amount(s.withdrawable)}): no new money`);
    if (to > from && to >= room.capacity) why.push(`raised to its cap (room ${amount(room.capacity)})`);
    if (to < from && from > room.capacity && room.canKeep) why.push(`above its cap of ${amount(room.capacity)}`);
    if (to > from && !room.canRaise) why.push("raised although it may not be: check the plan");
    const recent = (input.recentMoves ?? []).filter((m) => m.strategy.toLowerCase() === key);
    if (recent.length > 0 && to === from)
      why.push(`moved ${recent.at(-1)!.raised ? "up" : "down"} recently: held (minimum hold)`);
    if (to === from) why.push("stays");
    else why.push(`${to > from ? "raised" : "lowered"} by ${amount(to > from ? to - from : from - to)}`);
    return { strategy: s.strategy, index: s.index, from, to, why };
  });
  const moved = strategies.reduce((sum, s) => sum + s.from - s.to, 0n);
  const idleTo = snapshot.idle + moved;
  return {
    reason: decision.reason,
    idle: {
      from: snapshot.idle,
      to: idleTo,
      why: `keeps at least ${amount(ctx.reserve)} (buffer ${formatBps(snapshot.bounds.idleBufferBps)} of total assets plus the margin of ${formatBps(input.params.safetyMarginBps)})`,
    },
    strategies,
  };
}
