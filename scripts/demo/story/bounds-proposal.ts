/**
 * 2. Governance sets the bounds: one proposal lists the strategies with their caps and sets the idle buffer, the loss
 * limits and the session admin's ceilings; propose, vote, wait for the vote to end, queue, wait out the Timelock,
 * execute.
 */
import { runBoundsProposal } from "../../actions/run-bounds-proposal.js";
import { DEMO_BUFFER_BPS } from "../market.js";
import { MAX_DAYS, shortId, type Governance, type Stage } from "./stage.js";

const TITLE = "List the strategies and set the first bounds";

export async function proposeBounds(stage: Stage): Promise<Governance[number]> {
  const { unit, out } = stage;
  const bounds = await runBoundsProposal(stage.ctx, {
    title: TITLE,
    changes: [
      ...stage.market.strategies.map((s) => ({
        kind: "addStrategy" as const,
        strategy: s.address,
        absoluteCap: s.absoluteCap,
        relativeCapBps: s.relativeCapBps,
      })),
      { kind: "setIdleBuffer", idleBufferBps: DEMO_BUFFER_BPS },
      { kind: "setLossLimits", maxLossPerCallBps: 25, epochLossBudgetBps: 100 },
      {
        kind: "setCeilings",
        maxDuration: MAX_DAYS * 86_400,
        maxVolumePerCall: 500_000n * unit,
        maxVolumePerEpoch: 2_000_000n * unit,
      },
    ],
    fastForward: true,
  });
  out(
    `[governance] proposal ${shortId(bounds.proposalId)}: propose, vote, wait for the vote to end, queue, wait out the Timelock, execute`,
  );
  for (const c of bounds.calls) out(`             ${c.summary}`);
  return { title: TITLE, proposalId: bounds.proposalId.toString(), calls: bounds.calls.length };
}
