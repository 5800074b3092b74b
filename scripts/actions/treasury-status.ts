/** The vault's bounds, strategies, roles and session ceilings, read in one lens call plus a few views. */
import type { ITreasuryLens, ISessionManager } from "../../types/ethers-contracts/index.js";
import type { TreasuryContext } from "../lib/context.js";

export interface TreasuryStatus {
  snapshot: ITreasuryLens.SnapshotStructOutput;
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
