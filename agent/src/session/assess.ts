/**
 * Session awareness, pure: which of the agent's sessions for a vault can act now, and if none, whether to wait
 * (cooldown, epoch budget spent, not started) or stand down (expired, revoked, paused, about to expire).
 */
import type { SessionState, VaultSnapshot } from "../chain/types.js";
import { minBig } from "../checks/math.js";
import { formatAmount, formatChainTime, formatDuration } from "../util/format.js";

export type SessionStatus =
  | "usable"
  | "cooldown"
  | "out-of-budget"
  | "not-started"
  | "expiring"
  | "expired"
  | "revoked"
  | "paused";

export interface SessionAssessment {
  id: bigint;
  status: SessionStatus;
  /** When a waiting session can act again (block time). */
  resumeAt?: bigint;
  timeLeft: bigint;
  detail: string;
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

/**
 * One session at chain time `now`. Details name times as chain time in UTC and volumes in token units (`decimals`, the
 * asset's; base units when absent), so a log line or the dashboard says them the way a person reads them.
 */
export function assessSession(
  s: SessionState,
  paused: boolean,
  now: bigint,
  policy: SessionPolicy,
  decimals?: number,
): SessionAssessment {
  const at = (t: bigint) => `${formatChainTime(t)} (chain time; in ${formatDuration(t - now)})`;
  const volumeText = (v: bigint) => (decimals === undefined ? `${v}` : formatAmount(v, decimals));
  const { session, remaining } = s;
  const timeLeft = now < session.validUntil ? session.validUntil - now : 0n;
  const base = { id: s.id, timeLeft };
  if (session.revoked) return { ...base, status: "revoked", detail: "revoked" };
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

export function assessVault(snapshot: VaultSnapshot, policy: SessionPolicy, now = snapshot.timestamp): VaultAssessment {
  const candidates =
    policy.preferredSessionId === undefined
      ? snapshot.sessions
      : snapshot.sessions.filter((s) => s.id === policy.preferredSessionId);
  const sessions = candidates.map((s) => assessSession(s, snapshot.agentsPaused, now, policy, snapshot.assetDecimals));
  const expiringSoon = sessions.filter(
    (a) => a.timeLeft > 0n && a.timeLeft <= policy.warnBeforeExpirySeconds && a.status !== "revoked",
  );
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
      resumeAt,
      reason: waiting.map((a) => `session #${a.id} ${a.status}: ${a.detail}`).join("; "),
    };
  }
  const reason =
    sessions.length === 0
      ? policy.preferredSessionId === undefined
        ? "no session for this vault"
        : `session #${policy.preferredSessionId} is not one of the agent's sessions for this vault`
      : sessions.map((a) => `session #${a.id} ${a.status}`).join("; ");
  return { mode: "stand-down", sessions, expiringSoon, reason };
}
