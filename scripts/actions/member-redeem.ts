/**
 * A member redeems shares through TreasuryRouter for at least a bound of assets (ERC-5143 style). The router is
 * approved for exactly the shares and the vault burns exactly those, so no allowance is left behind.
 */
import type { TreasuryContext } from "../lib/context.js";
import { InputError, OperationError } from "../lib/errors.js";
import { assertAssetNotPaused, boundFrom, memberTokens, vaultEvent, withExactApproval } from "../lib/member.js";
import { simulateAndSend } from "../lib/send.js";

export interface MemberRedeemOptions {
  /** Shares, in base units; "max" = what can be redeemed now (maxRedeem). */
  shares: bigint | "max";
  receiver?: string;
  /** The fewest assets accepted; default previewRedeem less `slippageBps`. */
  minAssets?: bigint;
  slippageBps?: number;
}

export async function memberRedeem(
  ctx: TreasuryContext,
  options: MemberRedeemOptions,
): Promise<{ shares: bigint; assets: bigint; minAssets: bigint; txHash: string }> {
  const t = await memberTokens(ctx);
  const owner = ctx.signer.address;
  const receiver = options.receiver ?? owner;
  const held = await ctx.vault.balanceOf(owner);
  const maxRedeem = await ctx.vault.maxRedeem(owner);
  const shares = options.shares === "max" ? maxRedeem : options.shares;
  if (shares === 0n) {
    throw options.shares === "max"
      ? new OperationError(`${owner} has nothing to redeem now (${t.sharesText(held)} held, maxRedeem 0)`)
      : new InputError("redeem: the shares must be above 0");
  }
  if (shares > held)
    throw new OperationError(`insufficient balance: ${owner} holds ${t.sharesText(held)}, not ${t.sharesText(shares)}`);
  if (shares > maxRedeem) {
    throw new OperationError(
      `${owner} can redeem at most ${t.sharesText(maxRedeem)} now (maxRedeem: idle plus what the strategies release now)`,
    );
  }
  await assertAssetNotPaused(ctx);
  const expected = await ctx.vault.previewRedeem(shares);
  const minAssets = options.minAssets ?? boundFrom(expected, options.slippageBps ?? 50, "min");

  const vault = await ctx.vault.getAddress();
  const receipt = await withExactApproval(
    ctx,
    ctx.vault,
    t.routerAddress,
    shares,
    `the router for ${t.sharesText(shares)}`,
    () => simulateAndSend("the redemption", t.router.redeem, vault, shares, receiver, minAssets),
  );
  const event = vaultEvent(ctx, receipt, "Withdraw");
  const assets = (event?.args.assets as bigint | undefined) ?? 0n;
  ctx.log(
    `Redeemed ${t.sharesText(shares)} for ${t.assets(assets)} (at least ${t.assets(minAssets)} accepted) to ${receiver} in tx ${receipt.hash}; no share allowance left`,
  );
  return { shares, assets, minAssets, txHash: receipt.hash };
}
