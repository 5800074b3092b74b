/** A member's position: shares, what they are worth now, what can leave now, the share price, and open approvals. */
import type { TreasuryContext } from "../lib/context.js";
import { memberTokens } from "../lib/member.js";

export interface MemberStatus {
  account: string;
  shares: bigint;
  /** What redeeming every share would pay now (previewRedeem). */
  value: bigint;
  /** What can be withdrawn now, and redeemed: limited by idle plus what the strategies release now. */
  maxWithdraw: bigint;
  maxRedeem: bigint;
  /** Assets per whole share (10^share decimals base units), as redeeming pays. */
  sharePrice: bigint;
  /** The account's asset balance. */
  wallet: bigint;
  /** Allowances the account left to the router: assets and shares. */
  routerAllowance: { assets: bigint; shares: bigint };
  agentsPaused: boolean;
  blockNumber: number;
  /** The vault's share token. */
  shareToken: { decimals: number; symbol: string };
}

export async function memberStatus(ctx: TreasuryContext, options: { account?: string } = {}): Promise<MemberStatus> {
  const t = await memberTokens(ctx);
  const account = options.account ?? ctx.signer.address;
  const shares = await ctx.vault.balanceOf(account);
  return {
    account,
    shares,
    value: await ctx.vault.previewRedeem(shares),
    maxWithdraw: await ctx.vault.maxWithdraw(account),
    maxRedeem: await ctx.vault.maxRedeem(account),
    sharePrice: await ctx.vault.convertToAssets(10n ** BigInt(t.shares.decimals)),
    wallet: await t.asset.balanceOf(account),
    routerAllowance: {
      assets: await t.asset.allowance(account, t.routerAddress),
      shares: await ctx.vault.allowance(account, t.routerAddress),
    },
    agentsPaused: await ctx.sessions.agentsPaused(),
    blockNumber: await ctx.ethers.provider.getBlockNumber(),
    shareToken: t.shares,
  };
}
