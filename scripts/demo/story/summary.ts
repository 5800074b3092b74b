/**
 * 9. The summary: allocations before and after, yield against leaving everything idle and a fixed equal split on the
 * same yield path, every rebalance with its gas and reason, every rejection with its reason.
 */
import { BPS, passiveOutcomes, type VaultSnapshot } from "@agent-treasury/agent";
import { STEP_SECONDS, STEPS_PER_DAY } from "../market.js";
import type { AllocationRow, DemoSummary, RebalanceRow } from "../summary.js";
import type { AgentDays } from "./agent-days.js";
import type { DemoDaemon } from "./daemon.js";
import type { Funding } from "./deposit-session.js";
import type { RogueClient } from "./rogue-client.js";
import type { Governance, Stage } from "./stage.js";

export async function summarize(
  stage: Stage,
  story: {
    governance: Governance;
    funding: Funding;
    daemon: DemoDaemon;
    rogue: RogueClient;
    days: AgentDays;
    final: DemoSummary["final"];
  },
): Promise<DemoSummary> {
  const { market, addresses: a, fmt } = stage;
  const { funding, rogue, days } = story;
  const end = await rogue.snapshot();
  const journal = story.daemon.assembled.journal.entries();
  const rebalances: RebalanceRow[] = journal
    .filter((e) => e.outcome?.status === "confirmed" && e.record.action === undefined)
    .map((e) => {
      const before = days.planned.get(e.intentHash);
      return {
        at: Math.floor(Date.parse(e.record.createdAt) / 1000),
        txHash: e.outcome!.hash!,
        intentHash: e.intentHash,
        gasUsed: e.outcome!.gasUsed!,
        reason: e.record.reason,
        volume: e.record.volume,
        legs: e.record.targets.map((t) => {
          const s = before?.strategies.find((x) => x.strategy === t.strategy);
          return {
            strategy: s?.index ?? market.strategies.findIndex((x) => x.address === t.strategy),
            from: s?.currentValue ?? 0n,
            to: t.assets,
          };
        }),
      };
    });
  const rejections = [...rogue.rejections];
  for (const e of journal.filter((x) => x.outcome && x.outcome.status !== "confirmed")) {
    rejections.push({
      at: Math.floor(Date.parse(e.record.createdAt) / 1000),
      who: "the daemon",
      attempt: e.record.reason,
      stage: "chain",
      error: e.outcome!.error?.split("(")[0] ?? e.outcome!.status,
      detail: e.outcome!.error ?? e.outcome!.status,
      txHash: e.outcome!.hash,
      gasUsed: e.outcome!.gasUsed,
    });
  }
  let paidWei = 0n;
  for (const r of rebalances) {
    const receipt = await rogue.rpc.getTransactionReceipt(r.txHash);
    paidWei += receipt!.gasUsed * receipt!.gasPrice;
  }
  rejections.sort((x, y) => x.at - y.at);
  const lendingReport = stage.lendingWorld?.report;
  return {
    seed: stage.seed,
    days: stage.days,
    symbol: fmt.symbol,
    decimals: fmt.decimals,
    agent: stage.agentAddress,
    addresses: {
      vault: a.vault,
      sessionManager: a.sessionManager,
      lens: a.lens,
      governor: a.governor!,
      timelock: a.timelock!,
      asset: a.asset,
      strategies: market.strategies.map((x) => x.address),
    },
    start: Number(stage.start),
    end: Number(end.timestamp),
    governance: story.governance,
    session: funding.session,
    deposits: funding.deposits,
    allocations: { before: allocations(days.first), after: allocations(end) },
    outcome: outcomes(days.first, end, funding.deposits, stage.days * STEPS_PER_DAY),
    gas: { rebalances: rebalances.length, gasUsed: rebalances.reduce((s, r) => s + r.gasUsed, 0n), paidWei },
    rebalances,
    rejections,
    standDowns: days.standDowns,
    ticks: days.ticks,
    final: story.final,
    ...(lendingReport ? { world: "lending" as const, lending: lendingReport } : {}),
  };
}

function liveValue(s: VaultSnapshot): bigint {
  return s.idle + s.strategies.reduce((sum, x) => sum + x.currentValue, 0n);
}

function allocations(s: VaultSnapshot): AllocationRow[] {
  const total = liveValue(s);
  const share = (v: bigint) => (total === 0n ? 0 : Number((v * BPS) / total));
  return [
    ...s.strategies.map((x) => ({
      name: `Strategy ${x.index}`,
      address: x.strategy,
      assets: x.currentValue,
      shareBps: share(x.currentValue),
      capBps: x.relativeCapBps,
    })),
    { name: "Idle", assets: s.idle, shareBps: share(s.idle) },
  ];
}

/**
 * What the agent earned, against two passive choices on the same yield path, from the first tick to the end (the
 * agent's `passiveOutcomes`): everything left idle, and the deposits split equally across the strategies at the first
 * tick (keeping the idle buffer) and never touched.
 */
function outcomes(first: VaultSnapshot, end: VaultSnapshot, deposits: bigint, steps: number): DemoSummary["outcome"] {
  const agentValue = liveValue(end);
  const passive = passiveOutcomes(first, end, deposits);
  return {
    agent: { endValue: agentValue, earned: agentValue - deposits },
    idle: { endValue: passive.idle, earned: passive.idle - deposits },
    equalSplit: { endValue: passive.equalSplit, earned: passive.equalSplit - deposits },
    periodSeconds: steps * Number(STEP_SECONDS),
  };
}
