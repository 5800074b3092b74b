/**
 * 12. A reduce-only keeper: strategy 0's share price falls, and a third key holding a reduce-only session moves the
 * vault out of it into idle. The same keeper's attempt to raise a strategy is refused (ReduceOnlySession).
 */
import { decodeRevert, formatBps, revertDataOf } from "@agent-treasury/agent";
import { grantSession } from "@agent-treasury/agent/devnet";
import { ZeroHash } from "ethers";
import { amount, type DemoSummary } from "../summary.js";
import { mined } from "./misbehaving-session.js";
import type { SceneTreasury } from "./scene-treasury.js";
import { ACCOUNT, type Stage } from "./stage.js";

/** How far strategy 0's share price falls before the keeper acts. */
const PRICE_DROP_BPS = 300;

export async function reduceOnlyKeeper(
  stage: Stage,
  scene: SceneTreasury,
): Promise<NonNullable<DemoSummary["scenes"]>["keeper"]> {
  const { unit, fmt, out } = stage;
  const { stack, strategies } = scene;
  const [s0, s1] = stack.strategies as [(typeof stack.strategies)[0], (typeof stack.strategies)[0]];
  const before = await s0.previewRedeem(await s0.balanceOf(stack.vaultAddress));
  await (await s0.simulateLoss(((await s0.totalAssets()) * BigInt(PRICE_DROP_BPS)) / 10_000n)).wait();
  const value = await s0.previewRedeem(await s0.balanceOf(stack.vaultAddress));
  out(
    `[scene 2]    a reduce-only keeper: strategy 0's share price falls ${formatBps(PRICE_DROP_BPS)}; the vault's ${amount(before, fmt)} there is worth ${amount(value, fmt)}`,
  );

  const keeper = scene.signers[ACCOUNT.keeper]!;
  const sessionId = await grantSession(stack, {
    agent: keeper.address,
    durationSeconds: 86_400,
    maxVolumePerCall: 400_000n * unit,
    maxVolumePerEpoch: 1_000_000n * unit,
    minInterval: 0,
    reduceOnly: true,
    scope: strategies,
  });
  const vault = stack.vault.connect(keeper);
  const exit = await mined(vault.rebalance([{ strategy: strategies[0]!, assets: 0n }], sessionId, ZeroHash));
  const left = await s0.balanceOf(stack.vaultAddress);
  if (left !== 0n) throw new Error(`the keeper's exit left ${left} shares of strategy 0 (tx ${exit.hash})`);
  out(
    `             a third key ${keeper.address} with reduce-only session #${sessionId} moves strategy 0 down to idle: ` +
      `${amount(value, fmt)} -> ${amount(0n, fmt)} (tx ${exit.hash}, ${exit.gasUsed.toLocaleString("en-US")} gas)`,
  );

  const raise = 50_000n * unit;
  const current = await s1.previewRedeem(await s1.balanceOf(stack.vaultAddress));
  let refusal: ReturnType<typeof decodeRevert>;
  try {
    await vault.rebalance.staticCall([{ strategy: strategies[1]!, assets: current + raise }], sessionId, ZeroHash);
  } catch (error) {
    refusal = decodeRevert(revertDataOf(error));
  }
  if (refusal?.name !== "ReduceOnlySession") {
    throw new Error(`the keeper's raise was not refused ReduceOnlySession (${refusal?.text ?? "it would pass"})`);
  }
  out(`             the same keeper tries to put ${amount(raise, fmt)} into strategy 1: refused, ${refusal.text}`);
  return {
    agent: keeper.address,
    sessionId,
    priceDropBps: PRICE_DROP_BPS,
    exit: { strategy: 0, from: value, txHash: exit.hash, gasUsed: exit.gasUsed },
    refused: { error: refusal.name, detail: refusal.text },
  };
}
