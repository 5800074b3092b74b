/** The vault's sessions (all, or one agent's) with their status and what each has left. */
import type { TreasuryContext } from "../lib/context.js";

export type SessionStatus = "active" | "revoked" | "expired" | "not started" | "paused";

export interface SessionRow {
  id: bigint;
  agent: string;
  status: SessionStatus;
  validAfter: bigint;
  validUntil: bigint;
  scope: bigint;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
  /** Volume left in the current epoch. */
  volumeLeftInEpoch: bigint;
  callsLeftInEpoch: bigint;
  /** Only moves money from strategies into idle. */
  reduceOnly: boolean;
  /** The session's own loss allowance (0: none of its own) and the loss charged to it. */
  maxLoss: bigint;
  lossUsed: bigint;
}

export async function listSessions(ctx: TreasuryContext, options: { agent?: string } = {}): Promise<SessionRow[]> {
  const { sessions } = ctx;
  const vault = await ctx.vault.getAddress();
  const ids = options.agent
    ? [...(await sessions.sessionsOf(options.agent))]
    : Array.from({ length: Number(await sessions.sessionCount()) }, (_, i) => BigInt(i + 1));
  const paused = await sessions.agentsPaused();
  const now = BigInt((await ctx.ethers.provider.getBlock("latest"))!.timestamp);
  const rows: SessionRow[] = [];
  for (const id of ids) {
    const s = await sessions.getSession(id);
    if (s.vault !== vault) continue;
    const r = await sessions.remaining(id);
    const status: SessionStatus = s.revoked
      ? "revoked"
      : now >= s.validUntil
        ? "expired"
        : now < s.validAfter
          ? "not started"
          : paused
            ? "paused"
            : "active";
    rows.push({
      id,
      agent: s.agent,
      status,
      validAfter: s.validAfter,
      validUntil: s.validUntil,
      scope: s.scope,
      maxVolumePerCall: s.maxVolumePerCall,
      maxVolumePerEpoch: s.maxVolumePerEpoch,
      volumeLeftInEpoch: r.volumeInEpoch,
      callsLeftInEpoch: r.callsInEpoch,
      reduceOnly: s.reduceOnly,
      maxLoss: s.maxLoss,
      lossUsed: s.lossUsed,
    });
  }
  return rows;
}
