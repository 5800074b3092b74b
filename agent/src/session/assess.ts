/**
 * Session awareness, pure: which of the agent's sessions for a vault can act now, and if none, whether to wait
 * (cooldown, epoch budget spent, not started) or stand down (expired, revoked, moved to another key, paused, about to
 * expire). A reduce-only session is usable like any other (the planner limits it to reductions).
 */
import type { SessionRecord, SessionRemaining, SessionState, VaultSnapshot } from "../chain/types.js";
import { BPS, minBig } from "../checks/math.js";
import { formatAmount, formatChainTime, formatDuration, shortAddress } from "../util/format.js";
import type { SessionEnd } from "./why-ended.js";

export type SessionStatus =
  | "usable"
  | "cooldown"
  | "out-of-budget"
  | "not-started"
  | "expiring"
  | "expired"
  | "revoked"
  | "moved"
  | "paused";

export interface SessionAssessment {
  id: bigint;
  status: SessionStatus;
  /** When a waiting session can act again (block time). */
  resumeAt?: bigint;
  timeLeft: bigint;
  detail: string;
  /** Why a session ended early, when the chain told more than a plain revocation. */
  end?: SessionEnd;
}

/** A session whose own loss allowance is nearly spent: less than a tenth of it left. */
export interface LossAllowanceLow {
  id: bigint;
  lossUsed: bigint;
  maxLoss: bigint;
  lossLeft: bigint;
}

export type VaultMode = "act" | "wait" | "stand-down";

export interface VaultAssessment {
  mode: VaultMode;
  /** The session to act with, when `mode` is "act". */
  session?: SessionState;
  sessions: SessionAssessment[];
  reason: string;
  /** Sessions that expire within the warning window. */
  expiringSoon: SessionAssessment[];
  /** Live sessions with less than a tenth of their own loss allowance left. */
  lossAllowanceLow: LossAllowanceLow[];
  resumeAt?: bigint;
}

export interface SessionPolicy {
  /** Act only through this session when set. */
  preferredSessionId?: bigint;
  /** Do not start a call this close to `validUntil` (it may land after it). */
  expiryMarginSeconds: bigint;
  /** Warn when a session has less than this left. */
  warnBeforeExpirySeconds: bigint;
  /** Smallest volume worth a call: less room than this is "out of budget". */
  minVolume: bigint;
}

/** Below this share of its own loss allowance left, a session is warned about (bps: 10%). */
const LOSS_ALLOWANCE_LOW_BPS = 1_000n;

/**
 * A session's own loss allowance in words: "0.5 of 2 used, 1.5 left", or "none of its own" (the vault's loss limits
 * alone bound it). Every digit: an allowance may be a few base units.
 */
export function describeLossAllowance(
  session: Pick<SessionRecord, "maxLoss" | "lossUsed">,
  remaining: Pick<SessionRemaining, "lossLeft">,
  decimals: number,
): string {
  if (session.maxLoss === 0n) return "none of its own";
  const amount = (v: bigint) => formatAmount(v, decimals, decimals);
  return `${amount(session.lossUsed)} of ${amount(session.maxLoss)} used, ${amount(remaining.lossLeft)} left`;
}

/** A session with less than a tenth of its own loss allowance left, in words: what the warning and its alert say. */
export function describeLossAllowanceLow(s: LossAllowanceLow, decimals: number): string {
  const amount = (v: bigint) => formatAmount(v, decimals, decimals);
  return `session #${s.id} has ${amount(s.lossLeft)} of its own loss allowance of ${amount(s.maxLoss)} left (${amount(s.lossUsed)} used); a rebalance losing more revokes it: ask the session admin for a new one`;
}

/** Why a session ended, in words: what a stand-down and its alert say. */
export function describeEnd(end: SessionEnd, decimals?: number): string {
  // Every digit: a loss allowance may be a few base units.
  const amount = (v: bigint) => (decimals === undefined ? `${v}` : formatAmount(v, decimals, decimals));
  if (end.kind === "loss-allowance") {
    return `revoked on chain: a rebalance from this key would have lost ${amount(end.loss)}, more than the ${amount(end.lossLeft)} its own loss allowance had left`;
  }
  const by = end.by ? ` by ${shortAddress(end.by)}` : "";
  const at = end.at === undefined ? "" : ` at ${formatChainTime(end.at)}`;
  return `moved to key ${shortAddress(end.to)}${by}${at}: this key no longer acts for the vault`;
}

/**
 * One session at chain time `now`. Details name times as chain time in UTC and volumes in token units (`decimals`, the
 * asset's; base units when absent), so a log line or the dashboard says them the way a person reads them. `end` is
 * why the chain ended it, when known (`EndedSessions`).
 */
export function assessSession(
  s: SessionState,
  paused: boolean,
  now: bigint,
  policy: SessionPolicy,
  decimals?: number,
  end?: SessionEnd,
): SessionAssessment {
  const at = (t: bigint) => `${formatChainTime(t)} (chain time; in ${formatDuration(t - now)})`;
  const volumeText = (v: bigint) => (decimals === undefined ? `${v}` : formatAmount(v, decimals));
  const { session, remaining } = s;
  const timeLeft = now < session.validUntil ? session.validUntil - now : 0n;
  const base = { id: s.id, timeLeft };
  if (end?.kind === "rotated") return { ...base, status: "moved", detail: describeEnd(end, decimals), end };
  if (session.revoked)
    return end
      ? { ...base, status: "revoked", detail: describeEnd(end, decimals), end }
      : { ...base, status: "revoked", detail: "revoked" };
  if (now >= session.validUntil)
    return { ...base, status: "expired", detail: `expired at ${formatChainTime(session.validUntil)}` };
  if (paused) return { ...base, status: "paused", detail: "agents are paused" };
  if (now + policy.expiryMarginSeconds >= session.validUntil) {
    return {
      ...base,
      status: "expiring",
      detail: `expires in ${formatDuration(timeLeft)}, inside the ${formatDuration(policy.expiryMarginSeconds)} margin`,
    };
  }
  if (now < session.validAfter) {
    return {
      ...base,
      status: "not-started",
      resumeAt: session.validAfter,
      detail: `starts at ${at(session.validAfter)}`,
    };
  }
  const volume = minBig(remaining.volumePerCall, remaining.volumeInEpoch);
  if (remaining.callsInEpoch === 0n || volume < policy.minVolume || volume === 0n) {
    return {
      ...base,
      status: "out-of-budget",
      resumeAt: remaining.epochEndsAt,
      detail: `epoch budget spent (${remaining.callsInEpoch} calls, ${volumeText(volume)} volume left) until ${at(remaining.epochEndsAt)}`,
    };
  }
  if (remaining.nextCallAt > now) {
    return {
      ...base,
      status: "cooldown",
      resumeAt: remaining.nextCallAt,
      detail: `next call at ${at(remaining.nextCallAt)}`,
    };
  }
  return {
    ...base,
    status: "usable",
    detail: `${volumeText(volume)} volume and ${remaining.callsInEpoch} calls left this epoch`,
  };
}

const WAITING: SessionStatus[] = ["cooldown", "out-of-budget", "not-started"];

/** `ends`: why sessions that ended early ended, by id, when the chain told (`EndedSessions.ends`). */
export function assessVault(
  snapshot: VaultSnapshot,
  policy: SessionPolicy,
  now = snapshot.timestamp,
  ends: ReadonlyMap<bigint, SessionEnd> = new Map(),
): VaultAssessment {
  const candidates =
    policy.preferredSessionId === undefined
      ? snapshot.sessions
      : snapshot.sessions.filter((s) => s.id === policy.preferredSessionId);
  const sessions = candidates.map((s) =>
    assessSession(s, snapshot.agentsPaused, now, policy, snapshot.assetDecimals, ends.get(s.id)),
  );
  const ended = (a: SessionAssessment) => a.status === "revoked" || a.status === "moved" || a.status === "expired";
  const expiringSoon = sessions.filter(
    (a) => a.timeLeft > 0n && a.timeLeft <= policy.warnBeforeExpirySeconds && !ended(a),
  );
  const lossAllowanceLow = candidates
    .filter((s, i) => !ended(sessions[i]!) && s.session.maxLoss > 0n)
    .filter((s) => s.remaining.lossLeft * BPS < s.session.maxLoss * LOSS_ALLOWANCE_LOW_BPS)
    .map((s) => ({
      id: s.id,
      lossUsed: s.session.lossUsed,
      maxLoss: s.session.maxLoss,
      lossLeft: s.remaining.lossLeft,
    }));
  const usable = candidates
    .filter((_, i) => sessions[i]!.status === "usable")
    .sort((a, b) => {
      if (a.session.validUntil !== b.session.validUntil) return a.session.validUntil > b.session.validUntil ? -1 : 1;
      return a.remaining.volumeInEpoch > b.remaining.volumeInEpoch ? -1 : 1;
    });
  if (usable.length > 0) {
    return {
      mode: "act",
      session: usable[0],
      sessions,
      expiringSoon,
      lossAllowanceLow,
      reason: `acting through session #${usable[0]!.id}`,
    };
  }
  const waiting = sessions.filter((a) => WAITING.includes(a.status));
  if (waiting.length > 0) {
    const resumeAt = waiting.reduce((m, a) => (a.resumeAt! < m ? a.resumeAt! : m), waiting[0]!.resumeAt!);
    return {
      mode: "wait",
      sessions,
      expiringSoon,
      lossAllowanceLow,
      resumeAt,
      reason: waiting.map((a) => `session #${a.id} ${a.status}: ${a.detail}`).join("; "),
    };
  }
  const reason =
    sessions.length === 0
      ? policy.preferredSessionId === undefined
        ? "no session for this vault"
        : preferredMissing(policy.preferredSessionId, ends.get(policy.preferredSessionId), snapshot.assetDecimals)
      : sessions.map((a) => `session #${a.id} ${a.end ? a.detail : a.status}`).join("; ");
  return { mode: "stand-down", sessions, expiringSoon, lossAllowanceLow, reason };
}

/** Why the configured session is not among the agent's: what the chain told of it, when it told more than nothing. */
function preferredMissing(id: bigint, end: SessionEnd | undefined, decimals: number): string {
  return end
    ? `session #${id} ${describeEnd(end, decimals)}`
    : `session #${id} is not one of the agent's sessions for this vault`;
}
