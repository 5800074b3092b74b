/**
 * A member withdraws an amount of assets through TreasuryRouter, burning at most a bound of shares (ERC-5143 style).
 * The router is approved for the bound in shares; whatever the vault did not burn is set back to 0 afterwards.
 */
import type { TreasuryContext } from "../lib/context.js";
import { InputError, OperationError } from "../lib/errors.js";
import { assertAssetNotPaused, boundFrom, memberTokens, withExactApproval } from "../lib/member.js";
import { simulateAndSend } from "../lib/send.js";

export interface MemberWithdrawOptions {
  /** Assets, in base units. */
  amount: bigint;
  receiver?: string;
  /** The most shares burned; default previewWithdraw plus `slippageBps`, at most the member's shares. */
  maxShares?: bigint;
  slippageBps?: number;
}

export async function memberWithdraw(
  ctx: TreasuryContext,
  options: MemberWithdrawOptions,
): Promise<{ shares: bigint; maxShares: bigint; txHash: string }> {
  const t = await memberTokens(ctx);
  const { amount } = options;
  const owner = ctx.signer.address;
  const receiver = options.receiver ?? owner;
  if (amount === 0n) throw new InputError("withdraw: the amount must be above 0");
  const held = await ctx.vault.balanceOf(owner);
  const maxWithdraw = await ctx.vault.maxWithdraw(owner);
  if (amount > maxWithdraw) {
    const worth = await ctx.vault.previewRedeem(held);
    throw new OperationError(
      worth < amount
        ? `insufficient balance: ${owner}'s ${t.sharesText(held)} are worth ${t.assets(worth)}, less than ${t.assets(amount)}`
        : `${owner} can withdraw at most ${t.assets(maxWithdraw)} now (maxWithdraw: idle plus what the strategies release now), not ${t.assets(amount)}`,
    );
  }
  await assertAssetNotPaused(ctx);
  const expected = await ctx.vault.previewWithdraw(amount);
  const bound = options.maxShares ?? boundFrom(expected, options.slippageBps ?? 50, "max");
  const maxShares = bound > held ? held : bound;

  const vault = await ctx.vault.getAddress();
  // The vault burns what the price asks, at most the bound: what it did not use goes back to 0.
  const receipt = await withExactApproval(
    ctx,
    ctx.vault,
    t.routerAddress,
    maxShares,
    `the router for ${t.sharesText(maxShares)}`,
    () => simulateAndSend("the withdrawal", t.router.withdraw, vault, amount, receiver, maxShares),
  );
  const shares = held - (await ctx.vault.balanceOf(owner));
  ctx.log(
    `Withdrew ${t.assets(amount)} to ${receiver} for ${t.sharesText(shares)} (at most ${t.sharesText(maxShares)} accepted) in tx ${receipt.hash}; no share allowance left`,
  );
  return { shares, maxShares, txHash: receipt.hash };
}
