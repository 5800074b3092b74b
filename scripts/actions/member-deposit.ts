/**
 * A member deposits assets through TreasuryRouter with a minimum of shares (ERC-5143 style): the router is approved
 * for exactly the amount, pulls exactly that, and no allowance is left behind, even when the deposit is refused.
 */
import type { TreasuryContext } from "../lib/context.js";
import { InputError, OperationError } from "../lib/errors.js";
import { assertAssetNotPaused, boundFrom, memberTokens, vaultEvent, withExactApproval } from "../lib/member.js";
import { simulateAndSend } from "../lib/send.js";

export interface MemberDepositOptions {
  /** Assets, in base units. */
  amount: bigint;
  /** Who receives the shares; default the signer. */
  receiver?: string;
  /** The fewest shares accepted; default previewDeposit less `slippageBps`. */
  minShares?: bigint;
  /** Default 50 (0.5%). */
  slippageBps?: number;
}

export interface MemberDepositResult {
  shares: bigint;
  minShares: bigint;
  txHash: string;
}

export async function memberDeposit(ctx: TreasuryContext, options: MemberDepositOptions): Promise<MemberDepositResult> {
  const t = await memberTokens(ctx);
  const { amount } = options;
  const owner = ctx.signer.address;
  const receiver = options.receiver ?? owner;
  if (amount === 0n) throw new InputError("deposit: the amount must be above 0");
  const balance = await t.asset.balanceOf(owner);
  if (balance < amount) {
    throw new OperationError(
      `insufficient balance: ${owner} holds ${t.assets(balance)}, the deposit needs ${t.assets(amount)}`,
    );
  }
  await assertAssetNotPaused(ctx);
  const maxDeposit = await ctx.vault.maxDeposit(receiver);
  if (maxDeposit < amount)
    throw new OperationError(`the vault accepts at most ${t.assets(maxDeposit)} for ${receiver} now (maxDeposit)`);
  const expected = await ctx.vault.previewDeposit(amount);
  const vaultAddress = await ctx.vault.getAddress();
  if (expected === 0n) throw new OperationError(`a deposit of ${t.assets(amount)} would mint no share: deposit more`);
  const minShares = options.minShares ?? boundFrom(expected, options.slippageBps ?? 50, "min");

  const receipt = await withExactApproval(
    ctx,
    t.asset,
    t.routerAddress,
    amount,
    `the router for ${t.assets(amount)}`,
    () => simulateAndSend("the deposit", t.router.deposit, vaultAddress, amount, receiver, minShares),
  );
  const event = vaultEvent(ctx, receipt, "Deposit");
  const shares = (event?.args.shares as bigint | undefined) ?? 0n;
  const left = await t.asset.allowance(owner, t.routerAddress);
  ctx.log(
    `Deposited ${t.assets(amount)} for ${t.sharesText(shares)} (at least ${t.sharesText(minShares)} accepted) to ${receiver} in tx ${receipt.hash}; ` +
      `the router was approved for exactly ${t.assets(amount)}, ${left === 0n ? "none left" : `${t.assets(left)} left`}`,
  );
  return { shares, minShares, txHash: receipt.hash };
}
