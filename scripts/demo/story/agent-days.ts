/**
 * The agent's days: the daemon ticks every 2 hours of chain time while the market moves in between, for the whole
 * session. Each line shows what changed; the guardian's pause and the rogue client's first try come in their turn.
 */
import { formatWadPercent, type DaemonTick, type TickResult, type VaultSnapshot } from "@agent-treasury/agent";
import { STEP_SECONDS, STEPS_PER_DAY } from "../market.js";
import { dayClock, type DemoSummary, type StandDown } from "../summary.js";
import type { DemoDaemon } from "./daemon.js";
import { afterThePause, guardianPauses } from "./pause.js";
import { pushPastCap, type RogueClient } from "./rogue-client.js";
import { HOUR, type Governance, type Stage } from "./stage.js";

export interface AgentDays {
  /** The vault as the lens showed it at the first tick. */
  first: VaultSnapshot;
  /** The snapshot each rebalance was planned from, by intent hash. */
  planned: Map<string, VaultSnapshot>;
  standDowns: StandDown[];
  ticks: DemoSummary["ticks"];
  /** The daemon's last result (undefined when every tick failed). */
  last: TickResult | undefined;
}

export async function runAgentDays(
  stage: Stage,
  daemon: DemoDaemon,
  rogue: RogueClient,
  sessionId: bigint,
  governance: Governance,
  paceMs: number | undefined,
): Promise<AgentDays> {
  const { chain, market, out, start } = stage;
  const { assembled, clock } = daemon;
  const lendingReport = stage.lendingWorld?.report;
  const standDowns: StandDown[] = [];
  const planned = new Map<string, VaultSnapshot>();
  const byResult: Record<string, number> = {};
  let ticks = 0;
  let last: TickResult | undefined;
  let warned = false;

  const totalSteps = stage.days * STEPS_PER_DAY;
  const quarantines = assembled.runners[0]!.quarantine;
  const quarantinesSeen = new Set<string>();
  let rogueDone = false;
  let first: VaultSnapshot | undefined;
  let lastShown = "";
  const width = String(totalSteps).length;
  const pad = " ".repeat(width * 2 + 12);
  out(
    `[agent]      the daemon ticks every ${STEP_SECONDS / HOUR} h of chain time; the market moves in between (lines show what changed)`,
  );

  for (let k = 0; k <= totalSteps; k++) {
    const at = start + BigInt(k) * STEP_SECONDS;
    const label = `[${String(k).padStart(width)}/${totalSteps}] ${dayClock(Number(at), Number(start))}`;
    if (k < totalSteps && k % STEPS_PER_DAY === 0) {
      for (const line of await market.dayOpens(k / STEPS_PER_DAY)) out(`${label}  ${line}`);
    }
    // The market over the step that just ended.
    if (k > 0) for (const line of await market.step(k)) out(`${label}  ${line}`);

    if (k === market.pauseStep) await guardianPauses(stage, label);

    await chain.mineAt(at);
    clock.set(at);
    if (k === 0) first = await rogue.snapshot();
    const [tick] = (await assembled.daemon.tick()) as [DaemonTick];
    ticks++;
    if (tick.error || !tick.report) {
      const error = tick.error?.message ?? "the tick gave no report";
      // The lending world runs to its end whatever the daemon makes of it: a failed tick is reported, not fatal.
      if (!lendingReport) throw new Error(`the daemon's tick failed: ${error}`, { cause: tick.error });
      byResult.error = (byResult.error ?? 0) + 1;
      lendingReport.tickErrors.push({ at: Number(at), error });
      out(`${label}  daemon: the tick failed: ${error}`);
    } else {
      const report = tick.report;
      last = report.result;
      byResult[last.kind] = (byResult[last.kind] ?? 0) + 1;
      const shown =
        last.kind === "hold" ? `hold:${last.code}` : last.kind === "sent" ? `sent:${k}` : describeResult(last);
      if (shown !== lastShown || k === totalSteps) {
        lastShown = shown;
        const apr = report.snapshot.strategies
          .map((s) => {
            const e = report.yields.get(s.strategy);
            return e ? formatWadPercent(e.aprWad) : "n/a";
          })
          .join(" ");
        out(`${label}  daemon: ${describeResult(last)}  (estimated APRs ${apr})`);
        if (last.kind === "sent" && report.plan?.kind === "rebalance") out(`${pad}  reason: ${report.plan.reason}`);
      }
      if (report.writeDown && report.writeDown !== last) out(`${label}  daemon: ${describeResult(report.writeDown)}`);
      if (last.kind === "sent") planned.set(last.intentHash, report.snapshot);
      if (last.kind === "stand-down") standDowns.push({ at: Number(at), reason: last.reason });
      if (!warned && report.assessment?.expiringSoon.length) {
        warned = true;
        out(
          `${label}  daemon: warns the operator that session #${sessionId} ends in ${report.assessment.expiringSoon[0]!.timeLeft / HOUR} h`,
        );
      }
    }
    if (lendingReport) {
      for (const q of quarantines.entries()) {
        const key = `${q.strategy.toLowerCase()}:${q.exit}`;
        if (quarantinesSeen.has(key)) continue;
        quarantinesSeen.add(key);
        const index = market.strategies.findIndex((x) => x.address.toLowerCase() === q.strategy.toLowerCase());
        lendingReport.quarantines.push({
          at: Number(at),
          strategy: index,
          code: q.code,
          reason: q.reason,
          exit: q.exit,
        });
        out(
          `${label}  daemon: quarantines strategy ${index} (${lendingReport.vaults[index]?.name ?? q.strategy}): ${q.reason}`,
        );
      }
    }

    if (k === market.pauseStep) governance.push(await afterThePause(stage, rogue, k, label));

    if (!rogueDone && last?.kind === "sent" && k < totalSteps) {
      // An hour later, between two ticks: a client holding the agent's key pushes money past a cap.
      rogueDone = true;
      await pushPastCap(stage, rogue, at, label.length);
    }
    if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
  }
  return { first: first!, planned, standDowns, ticks: { total: ticks, byResult }, last };
}

export function describeResult(r: TickResult): string {
  switch (r.kind) {
    case "sent":
      return `rebalance ${r.hash.slice(0, 12)}… ${r.confirmed ? "confirmed" : "sent"} (intent ${r.intentHash.slice(0, 12)}…)`;
    case "realize-loss":
      return `loss written down ${r.hash.slice(0, 12)}… ${r.confirmed ? "confirmed" : "sent"}: ${r.reason}`;
    case "hold":
      return `hold: ${r.reason}`;
    case "wait":
    case "stand-down":
    case "deferred":
    case "stale":
    case "breaker-open":
      return `${r.kind}: ${r.reason}`;
    case "rejected":
      return `rejected by the ${r.stage}: ${r.error}`;
    case "in-flight":
      return `in flight: ${r.intentHash} ${r.state}`;
    case "dry-run":
      return `dry run: ${r.simulation}`;
  }
}
