/**
 * Pure mirror of SessionManager's `_check` (the order of SPECIFICATION.md rows 5 to 16), of `chargeLoss` and of
 * `remaining`.
 */
import type { SessionRecord, SessionRemaining } from "../chain/types.js";
import { MAX_UINT256 } from "./math.js";
import { predicted, type PredictedError } from "./verdict.js";

export interface SessionCheckInput {
  sessionId: bigint;
  /** The stored session; undefined when the id was never granted. */
  session: SessionRecord | undefined;
  agent: string;
  vault: string;
  agentsPaused: boolean;
  touchedMask: bigint;
  /** Bits of the strategies the plan raises (target above current value). */
  raisedMask: bigint;
  volume: bigint;
  now: bigint;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The error `consume` would revert with, or undefined when it would pass. */
export function checkSession(input: SessionCheckInput): PredictedError | undefined {
  const { sessionId: id, session: s, now } = input;
  if (!s || /^0x0{40}$/i.test(s.agent)) return predicted("UnknownSession", { sessionId: id });
  if (!same(s.vault, input.vault)) return predicted("NotSessionVault", { sessionId: id, caller: input.vault });
  if (!same(s.agent, input.agent)) return predicted("NotSessionAgent", { sessionId: id, caller: input.agent });
  if (s.revoked) return predicted("SessionRevoked", { sessionId: id });
  if (input.agentsPaused) return predicted("AgentsPaused");
  if (now < s.validAfter) return predicted("SessionNotStarted", { sessionId: id, validAfter: s.validAfter });
  if (now >= s.validUntil) return predicted("SessionExpired", { sessionId: id, validUntil: s.validUntil });
  const outOfScope = input.touchedMask & ~s.scope;
  if (outOfScope !== 0n) return predicted("OutOfScope", { sessionId: id, outOfScopeMask: outOfScope });
  if (s.reduceOnly && input.raisedMask !== 0n) {
    return predicted("ReduceOnlySession", { sessionId: id, raisedMask: input.raisedMask });
  }
  if (input.volume > s.maxVolumePerCall) {
    return predicted("VolumeExceedsCallLimit", { sessionId: id, volume: input.volume, limit: s.maxVolumePerCall });
  }
  const epoch = (now - s.validAfter) / s.epochLength;
  const sameEpoch = epoch === s.epoch && s.lastCallAt !== 0n;
  const newVolume = (sameEpoch ? s.volumeInEpoch : 0n) + input.volume;
  if (newVolume > s.maxVolumePerEpoch) {
    return predicted("VolumeExceedsEpochLimit", {
      sessionId: id,
      volumeInEpoch: newVolume,
      limit: s.maxVolumePerEpoch,
    });
  }
  const calls = sameEpoch ? s.callsInEpoch : 0n;
  if (calls >= s.maxCallsPerEpoch) return predicted("TooManyCalls", { sessionId: id, limit: s.maxCallsPerEpoch });
  if (s.lastCallAt !== 0n && now < s.lastCallAt + s.minInterval) {
    return predicted("CooldownActive", { sessionId: id, nextCallAt: s.lastCallAt + s.minInterval });
  }
  return undefined;
}

/** What an unknown, revoked or ended session has left: nothing. */
export function nothingLeft(): SessionRemaining {
  return {
    active: false,
    timeLeft: 0n,
    volumePerCall: 0n,
    volumeInEpoch: 0n,
    callsInEpoch: 0n,
    nextCallAt: 0n,
    epochEndsAt: 0n,
    lossLeft: 0n,
  };
}

/** A session's own loss allowance left, as `remaining` reports it: no allowance of its own is the largest uint256. */
export function lossLeftOf(s: SessionRecord): bigint {
  return s.maxLoss === 0n ? MAX_UINT256 : s.maxLoss - s.lossUsed;
}

/**
 * The session's own loss allowance (`chargeLoss`), checked after the drawdown guard when the predicted loss is
 * non-zero: the error it would revert with, or undefined when it fits (or the session has no allowance of its own).
 */
export function checkSessionLoss(sessionId: bigint, s: SessionRecord, loss: bigint): PredictedError | undefined {
  if (loss === 0n || s.maxLoss === 0n) return undefined;
  const lossLeft = lossLeftOf(s);
  if (loss > lossLeft) return predicted("SessionLossBudgetExceeded", { sessionId, loss, lossLeft });
  return undefined;
}

/** What `SessionManager.remaining` reports at `now`. */
export function sessionRemaining(s: SessionRecord | undefined, agentsPaused: boolean, now: bigint): SessionRemaining {
  const r = nothingLeft();
  // Unknown, revoked and expired sessions have nothing left; a pause keeps the figures but makes it inactive.
  if (!s || /^0x0{40}$/i.test(s.agent) || s.revoked || now >= s.validUntil) return r;
  r.timeLeft = s.validUntil - now;
  let used = 0n;
  let calls = 0n;
  let epochStart = s.validAfter;
  if (now >= s.validAfter) {
    const epoch = (now - s.validAfter) / s.epochLength;
    epochStart = s.validAfter + epoch * s.epochLength;
    if (epoch === s.epoch && s.lastCallAt !== 0n) {
      used = s.volumeInEpoch;
      calls = s.callsInEpoch;
    }
  }
  r.active = !agentsPaused && now >= s.validAfter;
  r.volumeInEpoch = s.maxVolumePerEpoch - used;
  r.volumePerCall = r.volumeInEpoch < s.maxVolumePerCall ? r.volumeInEpoch : s.maxVolumePerCall;
  r.callsInEpoch = s.maxCallsPerEpoch - calls;
  const epochEnd = epochStart + s.epochLength;
  r.epochEndsAt = epochEnd < s.validUntil ? epochEnd : s.validUntil;
  let next = s.lastCallAt === 0n ? s.validAfter : s.lastCallAt + s.minInterval;
  if (next < now) next = now;
  // With the epoch's calls or volume used up, the next call waits for the next epoch.
  if ((r.callsInEpoch === 0n || r.volumeInEpoch === 0n) && next < epochEnd) next = epochEnd;
  r.nextCallAt = next < s.validUntil ? next : s.validUntil;
  r.lossLeft = lossLeftOf(s);
  return r;
}
