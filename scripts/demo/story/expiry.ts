/**
 * 8. The session expires: the daemon has stood down, and the key still signs, but the contract still refuses a last
 * rebalance from the rogue client.
 */
import type { TickResult } from "@agent-treasury/agent";
import { STEPS_PER_DAY } from "../market.js";
import { dayClock, type DemoSummary } from "../summary.js";
import type { RogueClient } from "./rogue-client.js";
import type { Stage } from "./stage.js";

/** Returns the daemon's last result, for the summary. */
export async function afterExpiry(
  stage: Stage,
  rogue: RogueClient,
  last: TickResult | undefined,
): Promise<DemoSummary["final"]> {
  if (last?.kind !== "stand-down")
    throw new Error(`the daemon did not stand down at the end of its session (last: ${last?.kind})`);
  const snap = await rogue.snapshot();
  const s = snap.strategies[0]!;
  const width = String(stage.days * STEPS_PER_DAY).length;
  stage.out(
    `${dayClock(Number(await stage.chain.now()), Number(stage.start)).padStart(width * 2 + 12)}  rogue: a client with the agent's key tries one more rebalance after the expiry`,
  );
  await rogue.attempt("a rebalance after the session expired", [
    { strategy: s.strategy, assets: s.currentValue + 1_000n * stage.unit },
  ]);
  return { result: last.kind, reason: last.reason };
}
