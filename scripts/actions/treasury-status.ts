/**
 * The vault's bounds, strategies, roles and session ceilings: one lens call, through the agent's own lens reader (the
 * daemon sees the same snapshot), plus the session manager's views the lens does not give.
 */
import type { VaultSnapshot } from "@agent-treasury/agent";
import type { ISessionManager } from "../../types/ethers-contracts/index.js";
import type { TreasuryContext } from "../lib/context.js";

export interface TreasuryStatus {
  snapshot: VaultSnapshot;
  ceilings: ISessionManager.CeilingsStructOutput;
  sessionAdmin: string;
}

export async function treasuryStatus(ctx: TreasuryContext): Promise<TreasuryStatus> {
  const vault = await ctx.vault.getAddress();
  return {
    snapshot: await ctx.lens.snapshot(vault, ctx.signer.address),
    ceilings: await ctx.sessions.ceilings(vault),
    sessionAdmin: await ctx.sessions.sessionAdmin(),
  };
}
