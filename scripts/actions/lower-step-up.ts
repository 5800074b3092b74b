/**
 * Guardian: lowers the step-up threshold at once, keeping the policy signer (the guardian never changes it). Above the
 * new threshold a rebalance needs the policy signer's co-signature. Raising it, turning it off or a new signer is a
 * governance proposal (`propose --step-up`).
 */
import { tokenAmount, type TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { simulateAndSend } from "../lib/send.js";

export async function lowerStepUp(
  ctx: TreasuryContext,
  options: { threshold: bigint },
): Promise<{ txHash: string; previousThreshold: bigint; policySigner: string }> {
  const [previousThreshold, policySigner] = await ctx.vault.stepUp();
  const amount = tokenAmount(ctx.asset);
  if (options.threshold === 0n) {
    throw new InputError(
      "a threshold of 0 turns the step-up off: that loosens it, a governance proposal (propose --step-up)",
    );
  }
  if (previousThreshold !== 0n && options.threshold > previousThreshold) {
    throw new InputError(
      `${amount(options.threshold)} is above the threshold of ${amount(previousThreshold)}: the guardian only lowers it (propose --step-up)`,
    );
  }
  const receipt = await simulateAndSend(
    "lowering the step-up threshold",
    ctx.vault.setStepUp,
    options.threshold,
    policySigner,
  );
  ctx.log(
    `Step-up: co-signature by ${policySigner} above ${previousThreshold === 0n ? "(off)" : amount(previousThreshold)} -> above ${amount(options.threshold)} (tx ${receipt.hash})`,
  );
  return { txHash: receipt.hash, previousThreshold, policySigner };
}
