/**
 * The authority inventory, pure: every live power over a vault (read by read-authority.ts) in, the warnings a DAO
 * should weigh out. Warnings: a session expiring within the margin, a session without a loss allowance of its own, a
 * bound or ceiling near its protocol maximum, an agent holding live sessions on other vaults too, one key both an agent
 * and a role holder (the session admin included: it could rotate sessions to itself), governance with no delay.
 */
import type { SessionRecord, SessionRemaining } from "../chain/types.js";
import { formatBps, formatDuration, shortAddress } from "../util/format.js";
import { PROTOCOL_LIMITS } from "./protocol-limits.js";
import type { StrategyRef } from "./types.js";

export interface QueuedCall {
  /** The Timelock's operation id. */
  id: string;
  target: string;
  /** "vault" or "session manager". */
  targetName: string;
  /** The call decoded: `setCaps(0x…, 100000000000, 2000)`, or its selector when it does not decode. */
  call: string;
  /** When it may be executed (seconds), and whether that time has come. */
  readyAt: bigint;
  ready: boolean;
}

/**
 * A Governor proposal still in its vote (pending, active, or succeeded and not yet queued) that calls the vault or its
 * session manager.
 */
export interface OpenProposal {
  id: bigint;
  state: "Pending" | "Active" | "Succeeded";
  /** The description's first line. */
  title: string;
  /** Its calls to the vault or the session manager, decoded. */
  calls: string[];
  /** The clock point (block or second, as the Governor counts) its vote ends at. */
  voteEnd: bigint;
}

export interface TimelockView {
  address: string;
  minDelay: bigint;
  /** Holders of each role now (PROPOSER, EXECUTOR, CANCELLER, DEFAULT_ADMIN), from its role events. */
  roles: Record<string, string[]>;
  /** Operations scheduled and neither executed nor cancelled that call the vault or its session manager. */
  queued: QueuedCall[];
  /**
   * The Governor among the proposers (a contract that answers `timelock()` with this Timelock), and its open proposals.
   */
  governor?: { address: string; proposals: OpenProposal[] };
}

export interface SessionView {
  id: bigint;
  granter: string;
  session: SessionRecord;
  remaining: SessionRemaining;
  /** The scope as strategy names. */
  scope: string[];
}

export interface AuthorityInventory {
  chainId: bigint;
  vault: string;
  sessionManager: string;
  /**
   * The vault's admin module (`adminModule()`): code that runs on the vault's storage for governance and guardian
   * calls. Absent for a vault deployed before the getter existed.
   */
  adminModule?: string;
  blockNumber: number;
  /** The block's time, in seconds. */
  now: bigint;
  assetDecimals: number;
  strategies: StrategyRef[];
  governance: string;
  /** Set while a governance handover waits for its acceptance. */
  pendingGovernance?: string;
  /** Absent when governance is not a Timelock (an account or a Safe: no delay). */
  timelock?: TimelockView;
  guardian: string;
  sessionAdmin: string;
  agentsPaused: boolean;
  ceilings: { maxDuration: bigint; maxVolumePerCall: bigint; maxVolumePerEpoch: bigint };
  bounds: { maxLossPerCallBps: bigint; epochLossBudgetBps: bigint; gainRateBps: bigint; maxDrawdownBps: bigint };
  /** The vault's sessions granted, not revoked and not expired. */
  sessions: SessionView[];
  /** Other vaults each agent of these sessions holds live sessions on (from the session manager's grants). */
  otherVaults: Record<string, string[]>;
}

export interface AuthorityWarning {
  code:
    | "session-expiring"
    | "session-no-loss-allowance"
    | "near-protocol-max"
    | "agent-on-several-vaults"
    | "agent-holds-role"
    | "no-governance-delay";
  message: string;
}

export interface WarningPolicy {
  /** A session with less time left than this is flagged (seconds). */
  expiryMarginSeconds: bigint;
  /** A figure at or above this share of its protocol maximum is flagged (bps). */
  nearMaxBps: bigint;
}

export const DEFAULT_WARNING_POLICY: WarningPolicy = { expiryMarginSeconds: 86_400n, nearMaxBps: 9_000n };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Every warning the inventory calls for, in a fixed order. */
export function authorityWarnings(
  inv: AuthorityInventory,
  policy: WarningPolicy = DEFAULT_WARNING_POLICY,
): AuthorityWarning[] {
  const out: AuthorityWarning[] = [];
  if (!inv.timelock) {
    out.push({
      code: "no-governance-delay",
      message: `governance ${inv.governance} is not a Timelock: its changes apply without a delay anyone can watch`,
    });
  }
  for (const s of inv.sessions) {
    if (s.remaining.timeLeft < policy.expiryMarginSeconds) {
      out.push({
        code: "session-expiring",
        message: `session #${s.id} (agent ${shortAddress(s.session.agent)}) expires in ${formatDuration(s.remaining.timeLeft)}, within the ${formatDuration(policy.expiryMarginSeconds)} margin: renew or let it lapse on purpose`,
      });
    }
    if (s.session.maxLoss === 0n) {
      out.push({
        code: "session-no-loss-allowance",
        message: `session #${s.id} (agent ${shortAddress(s.session.agent)}) has no loss allowance of its own: only the vault's loss limits bound what its rebalances may lose (grant it with a max loss)`,
      });
    }
  }
  const near = (what: string, value: bigint, max: bigint, show: (v: bigint) => string) => {
    if (value * 10_000n >= max * policy.nearMaxBps) {
      out.push({
        code: "near-protocol-max",
        message: `${what} ${show(value)} is near the protocol maximum ${show(max)}`,
      });
    }
  };
  const L = PROTOCOL_LIMITS;
  near("the session duration ceiling", inv.ceilings.maxDuration, L.MAX_SESSION_DURATION, formatDuration);
  near("the per-call loss limit", inv.bounds.maxLossPerCallBps, L.MAX_LOSS_PER_CALL_BPS, formatBps);
  near("the epoch loss budget", inv.bounds.epochLossBudgetBps, L.MAX_EPOCH_LOSS_BPS, formatBps);
  near("the gain rate", inv.bounds.gainRateBps, L.MAX_GAIN_RATE_BPS, formatBps);
  near("the drawdown limit", inv.bounds.maxDrawdownBps, L.MAX_DRAWDOWN_BPS, formatBps);
  for (const s of inv.sessions)
    near(
      `session #${s.id}'s length`,
      s.session.validUntil - s.session.validAfter,
      L.MAX_SESSION_DURATION,
      formatDuration,
    );
  const agents = [...new Set(inv.sessions.map((s) => s.session.agent))];
  for (const agent of agents) {
    near(
      `agent ${shortAddress(agent)}'s live sessions on this vault:`,
      BigInt(inv.sessions.filter((s) => same(s.session.agent, agent)).length),
      L.MAX_ACTIVE_SESSIONS,
      String,
    );
  }
  for (const agent of agents) {
    const others = inv.otherVaults[agent] ?? [];
    if (others.length > 0) {
      out.push({
        code: "agent-on-several-vaults",
        message: `agent ${agent} also holds live sessions on ${others.length} other vault(s): ${others.join(", ")}; one stolen key reaches them all`,
      });
    }
  }
  const roles: [string, string][] = [
    ["governance", inv.governance],
    ["guardian", inv.guardian],
    ["session admin", inv.sessionAdmin],
  ];
  for (const agent of agents) {
    const held = roles.filter(([, holder]) => same(holder, agent)).map(([name]) => name);
    if (held.length > 0)
      out.push({
        code: "agent-holds-role",
        message: `agent ${agent} is also the ${held.join(" and the ")}: the key that moves money can also widen its own powers`,
      });
  }
  return out;
}
