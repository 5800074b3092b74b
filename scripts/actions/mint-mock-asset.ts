/**
 * Local stack only: mints the mock asset to an account, so a member can be tried out (deposit, withdraw) on a local
 * chain. Refused for any other deployment: a real asset is never minted by the treasury's tools.
 */
import { tokenAmount, type TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";
import { DEV_CHAIN_IDS } from "./deploy-stack.js";

export async function mintMockAsset(
  ctx: TreasuryContext,
  options: { to: string; amount: bigint },
): Promise<{ txHash: string }> {
  if (ctx.addresses.module !== "LocalStack" || !DEV_CHAIN_IDS.includes(ctx.chainId)) {
    throw new InputError(
      `faucet mints the local stack's mock asset only; this deployment is ${ctx.addresses.module} on chain ${ctx.chainId}, whose asset is real`,
    );
  }
  const asset = await ctx.ethers.getContractAt("MockERC20", ctx.asset.address, ctx.signer);
  const receipt = await simulateAndSend("minting the mock asset", asset.mint, options.to, options.amount);
  ctx.log(`Minted ${tokenAmount(ctx.asset)(options.amount)} to ${options.to} in tx ${receipt.hash}`);
  return { txHash: receipt.hash };
}
