/**
 * What the members' commands share: the router, the asset and share tokens with their units, the pre-checks that
 * turn a transfer that would fail into a plain sentence (balance, a paused asset), and approvals that leave nothing
 * behind.
 */
import { Interface, type ContractTransactionReceipt, type LogDescription } from "ethers";
import type { MockERC20, TreasuryRouter } from "../../types/ethers-contracts/index.js";
import { tokenAmount, type TreasuryContext } from "./context.js";
import { InputError, OperationError } from "./errors.js";
import { simulateAndSend } from "./send.js";

export interface MemberTokens {
  router: TreasuryRouter;
  routerAddress: string;
  /** The asset, typed as an ERC-20 (MockERC20's ABI is a superset of the calls used). */
  asset: MockERC20;
  shares: { decimals: number; symbol: string };
  /** `1,000 mUSD`. */
  assets(v: bigint): string;
  /** `1,000 tmUSD`. */
  sharesText(v: bigint): string;
}

/** The router and both tokens, or an InputError when the deployment records no router. */
export async function memberTokens(ctx: TreasuryContext): Promise<MemberTokens> {
  const routerAddress = ctx.addresses.router;
  if (!routerAddress) {
    throw new InputError(
      "this deployment records no TreasuryRouter (deployed before it was part of the modules): run `treasury deploy` again " +
        "with the same parameters; it adds the router and changes nothing else",
    );
  }
  const shares = { decimals: Number(await ctx.vault.decimals()), symbol: await ctx.vault.symbol() };
  return {
    router: await ctx.ethers.getContractAt("TreasuryRouter", routerAddress, ctx.signer),
    routerAddress,
    asset: await ctx.ethers.getContractAt("MockERC20", ctx.asset.address, ctx.signer),
    shares,
    assets: tokenAmount(ctx.asset),
    sharesText: tokenAmount(shares),
  };
}

const pausable = new Interface(["function paused() view returns (bool)"]);

/** Refuses when the asset answers `paused() == true` (a token its issuer can stop, such as USDC). */
export async function assertAssetNotPaused(ctx: TreasuryContext): Promise<void> {
  let paused = false;
  try {
    const data = await ctx.ethers.provider.call({ to: ctx.asset.address, data: pausable.encodeFunctionData("paused") });
    paused = pausable.decodeFunctionResult("paused", data)[0] === true;
  } catch {
    return; // not a pausable token
  }
  if (paused) {
    throw new OperationError(
      `the asset ${ctx.asset.symbol} (${ctx.asset.address}) is paused by its issuer: no transfer of it can happen, so no deposit ` +
        "or exit can go through until it is unpaused (the vault itself never blocks exits)",
    );
  }
}

/** Slippage bounds: `bps` off `expected`, down (a minimum) or up (a maximum). */
export function boundFrom(expected: bigint, bps: number, direction: "min" | "max"): bigint {
  return direction === "min"
    ? (expected * BigInt(10_000 - bps)) / 10_000n
    : (expected * BigInt(10_000 + bps) + 9_999n) / 10_000n;
}

interface Approvable {
  allowance(owner: string, spender: string): Promise<bigint>;
  approve: Parameters<typeof simulateAndSend<[string, bigint]>>[1];
}

/**
 * Sets `token`'s allowance from the signer to `spender` to exactly `amount` (through 0 first when another allowance
 * stands, as some tokens require). Returns the approval's transaction hash, or undefined when it was already exact.
 */
export async function approveExactly(
  ctx: TreasuryContext,
  token: Approvable,
  spender: string,
  amount: bigint,
  what: string,
): Promise<string | undefined> {
  const current = await token.allowance(ctx.signer.address, spender);
  if (current === amount) return undefined;
  if (current !== 0n && amount !== 0n)
    await simulateAndSend(`resetting the ${what} allowance`, token.approve, spender, 0n);
  return (await simulateAndSend(`approving ${what}`, token.approve, spender, amount)).hash;
}

/**
 * Runs `send` with `token`'s allowance to `spender` set to exactly `amount` for it, and back to 0 afterwards whether it
 * went through or not (a router that took less, or a call refused, leaves no allowance behind).
 */
export async function withExactApproval<T>(
  ctx: TreasuryContext,
  token: Approvable,
  spender: string,
  amount: bigint,
  what: string,
  send: () => Promise<T>,
): Promise<T> {
  await approveExactly(ctx, token, spender, amount, what);
  try {
    return await send();
  } finally {
    await approveExactly(ctx, token, spender, 0n, "the router (back to 0)");
  }
}

/** The vault's `name` event in `receipt`, if it emitted one. */
export function vaultEvent(
  ctx: TreasuryContext,
  receipt: ContractTransactionReceipt,
  name: string,
): LogDescription | undefined {
  for (const log of receipt.logs) {
    try {
      const parsed = ctx.vault.interface.parseLog(log);
      if (parsed?.name === name) return parsed;
    } catch {
      // another contract's event
    }
  }
  return undefined;
}
