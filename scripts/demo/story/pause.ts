/**
 * 7. The guardian pauses every agent at once, while the DAO looks at the market: the daemon stands down, a rogue try
 * anyway is rejected, and a governance proposal lifts the pause.
 */
import { pauseAgents } from "../../actions/pause-agents.js";
import { unpauseAgents } from "../../actions/unpause-agents.js";
import { STEPS_PER_DAY } from "../market.js";
import { dayClock } from "../summary.js";
import type { RogueClient } from "./rogue-client.js";
import { shortId, type Governance, type Stage } from "./stage.js";

/** Before the pause step's tick. */
export async function guardianPauses(stage: Stage, label: string): Promise<void> {
  await pauseAgents(await stage.as("guardian"));
  stage.out(`${label}  guardian: pauses every agent at once, while the DAO looks at the market`);
}

/** After the pause step's tick (tick `k`): the rogue client tries anyway, then governance lifts the pause. */
export async function afterThePause(
  stage: Stage,
  rogue: RogueClient,
  k: number,
  label: string,
): Promise<Governance[number]> {
  const { chain, out } = stage;
  const snap = await rogue.snapshot();
  const smallest = [...snap.strategies].sort((x, y) => (x.currentValue < y.currentValue ? -1 : 1))[0]!;
  out(`${label}  rogue: a client with the agent's key tries a rebalance anyway`);
  await rogue.attempt("a rebalance while agents are paused", [
    { strategy: smallest.strategy, assets: smallest.currentValue + 1_000n * stage.unit },
  ]);
  const unpause = await unpauseAgents(stage.ctx, {
    fastForward: true,
    title: `Lift the agent pause (day ${Math.floor(k / STEPS_PER_DAY) + 1})`,
  });
  out(
    `${dayClock(Number(await chain.now()), Number(stage.start)).padStart(label.length)}  governance: proposal ${shortId(unpause.proposalId)} lifts the pause (propose, vote, queue, Timelock delay, execute)`,
  );
  return { title: "Lift the agent pause", proposalId: unpause.proposalId.toString(), calls: unpause.calls.length };
}
