/**
 * Alerts from what the daemon already reports, pure: each tick's reports (`obs/tick-report.ts`) and the agent key's
 * balance in, the conditions that hold now and the things that happened this tick out. A vault whose tick failed keeps
 * the conditions of its last report (nothing is known to have ended) and adds `tick-failing`.
 */
import { formatEther } from "ethers";
import type { DaemonTick, TickReport } from "../obs/tick-report.js";
import { describeLossAllowanceLow } from "../session/assess.js";
import { formatDuration } from "../util/format.js";
import type { Alert } from "./alert.js";

/** The agent key's balance as `KeyFunds` keeps it. */
export interface FundsView {
  readonly address: string;
  readonly balance: bigint | undefined;
  readonly lowBalance: bigint;
  readonly low: boolean;
  readonly cannotPay: boolean;
}

export interface Derived {
  /** Conditions that hold after this tick, by key. */
  active: Map<string, Alert>;
  /** Things that happened in this tick (a rejected plan, a reverted transaction). */
  happened: Alert[];
}

export class AlertRules {
  /**
   * Each vault's conditions from its last report, by label: session ones apart, kept when a tick did not judge
   * sessions.
   */
  private readonly held = new Map<string, { state: Alert[]; sessions: Alert[]; vault: string }>();
  /** Vaults whose last tick failed, by label. */
  private readonly failing = new Map<string, Alert>();

  derive(ticks: DaemonTick[], funds?: FundsView): Derived {
    const happened: Alert[] = [];
    for (const tick of ticks) {
      if (tick.report) {
        this.failing.delete(tick.vault);
        const previous = this.held.get(tick.vault);
        // A tick that ended before the sessions were judged (breaker open, in flight, stale) says nothing about them.
        const sessions =
          tick.report.assessment || tick.report.result.kind === "stand-down"
            ? sessionConditions(tick.report)
            : (previous?.sessions ?? []);
        this.held.set(tick.vault, { state: stateConditions(tick.report), sessions, vault: tick.report.vault });
        happened.push(...events(tick.report));
      } else if (tick.error) {
        const vault = this.held.get(tick.vault)?.vault;
        this.failing.set(tick.vault, {
          key: `${tick.vault}:tick-failing`,
          event: "tick-failing",
          severity: "critical",
          vault,
          label: tick.vault,
          message: `${tick.vault}: the tick fails (${tick.error.message}); nothing is planned or sent for this vault until it ticks again`,
          details: { error: tick.error.name },
          ended: `${tick.vault}: ticks again`,
        });
      }
    }
    const active = new Map<string, Alert>();
    const add = (a: Alert) => active.set(a.key, a);
    for (const h of this.held.values()) [...h.state, ...h.sessions].forEach(add);
    this.failing.forEach(add);
    const gas = funds && gasCondition(funds);
    if (gas) add(gas);
    return { active, happened };
  }
}

function who(r: TickReport): Pick<Alert, "vault" | "label"> {
  return { vault: r.vault, label: r.label };
}

/** The breaker and the quarantine, as the tick left them. */
function stateConditions(r: TickReport): Alert[] {
  const out: Alert[] = [];
  if (r.breaker.open) {
    out.push({
      key: `${r.label}:breaker-open`,
      event: "breaker-open",
      severity: "critical",
      ...who(r),
      message: `${r.label}: circuit breaker open (${r.breaker.reason ?? "open"}); nothing is sent until an operator resets it (run --reset-breakers)`,
      details: { reason: r.breaker.reason ?? "open" },
      ended: `${r.label}: circuit breaker closed`,
    });
  }
  for (const q of r.quarantine) {
    out.push({
      key: `${r.label}:quarantine:${q.strategy.toLowerCase()}`,
      event: "quarantine",
      severity: "warning",
      ...who(r),
      message: `${r.label}: strategy ${q.strategy} quarantined (${q.code}): ${q.reason}; no new deposits, ${q.exit ? "moving out" : "its position left for governance"}`,
      details: { strategy: q.strategy, code: q.code, exit: String(q.exit), block: q.block },
      ended: `${r.label}: strategy ${q.strategy} released from quarantine`,
    });
  }
  return out;
}

/**
 * Standing down, sessions about to expire and sessions with their own loss allowance nearly spent, from the tick's
 * session judgement.
 */
function sessionConditions(r: TickReport): Alert[] {
  const out: Alert[] = [];
  const reason =
    r.result.kind === "stand-down"
      ? r.result.reason
      : r.assessment?.mode === "stand-down"
        ? r.assessment.reason
        : undefined;
  if (reason !== undefined) {
    out.push({
      key: `${r.label}:stand-down`,
      event: "stand-down",
      severity: "critical",
      ...who(r),
      message: `${r.label}: standing down: ${reason}`,
      details: { reason, block: r.snapshot.blockNumber.toString() },
      ended: `${r.label}: acts again (no longer standing down)`,
    });
  }
  for (const s of r.assessment?.expiringSoon ?? []) {
    const id = s.id.toString();
    out.push({
      key: `${r.label}:session-expiring:${id}`,
      event: "session-expiring",
      severity: "warning",
      ...who(r),
      message: `${r.label}: session #${id} expires in ${formatDuration(s.timeLeft)}; ask the session admin for a new one`,
      details: {
        sessionId: id,
        secondsLeft: s.timeLeft.toString(),
        endsAt: (r.snapshot.timestamp + s.timeLeft).toString(),
      },
      ended: `${r.label}: session #${id} no longer expiring soon`,
    });
  }
  for (const s of r.assessment?.lossAllowanceLow ?? []) {
    const id = s.id.toString();
    out.push({
      key: `${r.label}:session-loss-allowance-low:${id}`,
      event: "session-loss-allowance-low",
      severity: "warning",
      ...who(r),
      message: `${r.label}: ${describeLossAllowanceLow(s, r.snapshot.assetDecimals)}`,
      details: {
        sessionId: id,
        lossUsed: s.lossUsed.toString(),
        maxLoss: s.maxLoss.toString(),
        lossLeft: s.lossLeft.toString(),
      },
      ended: `${r.label}: session #${id} no longer has its loss allowance nearly spent`,
    });
  }
  return out;
}

/** A plan the mirror or the simulation rejected, and each transaction that reverted on chain. */
function events(r: TickReport): Alert[] {
  const out: Alert[] = [];
  if (r.result.kind === "rejected") {
    const { stage, error } = r.result;
    out.push({
      // By the error's name: its arguments (amounts, times) change from tick to tick.
      key: `${r.label}:submission-rejected:${stage}:${error.split("(")[0]}`,
      event: "submission-rejected",
      severity: r.result.class === "permanent" ? "critical" : "warning",
      ...who(r),
      message: `${r.label}: plan rejected by the ${stage} (${error}); not sent`,
      details: { stage, error, ...(r.result.class ? { class: r.result.class } : {}) },
    });
  }
  for (const s of r.settled) {
    if (s.state !== "reverted") continue;
    const error = s.revert?.decoded?.text ?? s.revert?.message ?? "unknown";
    out.push({
      key: `${r.label}:submission-reverted:${s.hash ?? s.intentHash}`,
      event: "submission-reverted",
      severity: "critical",
      ...who(r),
      message: `${r.label}: ${s.action === "realize-loss" ? "loss write-down" : "rebalance"} ${s.hash ?? ""} reverted on chain (${error})`,
      details: { intentHash: s.intentHash, tx: s.hash ?? "", error },
    });
  }
  return out;
}

function gasCondition(f: FundsView): Alert | undefined {
  if (!f.low && !f.cannotPay) return undefined;
  const balance = formatEther(f.balance ?? 0n);
  const message = f.cannotPay
    ? `the agent key ${f.address} cannot pay for a transaction (${balance} ETH): nothing is sent until it is funded`
    : `the agent key ${f.address} holds ${balance} ETH, below tx.lowBalanceEth (${formatEther(f.lowBalance)} ETH): fund it, or its transactions will be refused`;
  return {
    key: "gas-low",
    event: "gas-low",
    severity: f.cannotPay ? "critical" : "warning",
    message,
    details: { agent: f.address, balanceEth: balance, thresholdEth: formatEther(f.lowBalance) },
    ended: `the agent key ${f.address} holds enough ETH again`,
  };
}
