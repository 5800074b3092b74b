/**
 * 11. A misbehaving session: a second key gets a session with a small loss allowance of its own. Its first rebalance
 * loses nothing; its second sends money into the strategy that keeps an entry fee, a loss above the allowance (though
 * within the vault's own loss limits). The call returns, nothing moves, and the session is revoked in the same call.
 */
import { formatBps } from "@agent-treasury/agent";
import { grantSession } from "@agent-treasury/agent/devnet";
import { ZeroHash, type ContractTransactionReceipt } from "ethers";
import { amount, type DemoSummary } from "../summary.js";
import { ENTRY_FEE_BPS, type SceneTreasury } from "./scene-treasury.js";
import { ACCOUNT, type Stage } from "./stage.js";

export async function misbehavingSession(
  stage: Stage,
  scene: SceneTreasury,
): Promise<NonNullable<DemoSummary["scenes"]>["misbehaving"]> {
  const { unit, fmt, out } = stage;
  const { stack, strategies } = scene;
  const key = scene.signers[ACCOUNT.secondKey]!;
  const maxLoss = 100n * unit;
  const sessionId = await grantSession(stack, {
    agent: key.address,
    durationSeconds: 86_400,
    maxVolumePerCall: 400_000n * unit,
    maxVolumePerEpoch: 1_000_000n * unit,
    minInterval: 0,
    maxLoss,
    scope: strategies,
  });
  out(
    `[scene 1]    a misbehaving session: a second key ${key.address} gets session #${sessionId} with its own loss allowance of ${amount(maxLoss, fmt)}`,
  );
  const vault = stack.vault.connect(key);
  const first = 300_000n * unit;
  const firstMove = await mined(vault.rebalance([{ strategy: strategies[0]!, assets: first }], sessionId, ZeroHash));
  out(`             it moves ${amount(first, fmt)} from idle into strategy 0, losing nothing (tx ${firstMove.hash})`);

  const lossy = 100_000n * unit;
  const feeStrategyBefore = await stack.asset.balanceOf(strategies[2]!);
  out(
    `             then it sends ${amount(lossy, fmt)} into strategy 2, whose ${formatBps(ENTRY_FEE_BPS)} entry fee loses ${amount((lossy * BigInt(ENTRY_FEE_BPS)) / 10_000n, fmt)}, straight from its key`,
  );
  const receipt = await mined(vault.rebalance([{ strategy: strategies[2]!, assets: lossy }], sessionId, ZeroHash));
  const sessionManager = await stack.sessions.getAddress();
  const events = receipt.logs.flatMap((log) => {
    const from =
      log.address === sessionManager ? stack.sessions : log.address === stack.vaultAddress ? stack.vault : undefined;
    const parsed = from?.interface.parseLog(log);
    return parsed ? [parsed] : [];
  });
  const spent = events.find((e) => e.name === "SessionLossBudgetSpent");
  const revoked = events.find((e) => e.name === "SessionRevoked");
  const moved =
    events.some((e) => e.name === "Rebalanced") || (await stack.asset.balanceOf(strategies[2]!)) !== feeStrategyBefore;
  if (!spent || !revoked || moved) {
    throw new Error(`the lossy rebalance was not undone with the session's revocation (tx ${receipt.hash})`);
  }
  const lossUsed = spent.args.lossUsed as bigint;
  const revokedBy = revoked.args.by as string;
  out(
    `             the call returns (status ${receipt.status}), nothing moved (no Rebalanced event); ` +
      `SessionLossBudgetSpent(lossUsed=${amount(lossUsed, fmt)}, maxLoss=${amount(maxLoss, fmt)}), ` +
      `SessionRevoked(by=${revokedBy === stack.vaultAddress ? "the vault" : revokedBy}) (tx ${receipt.hash})`,
  );
  return {
    agent: key.address,
    sessionId,
    maxLoss,
    entryFeeBps: ENTRY_FEE_BPS,
    firstTxHash: firstMove.hash,
    volume: lossy,
    txHash: receipt.hash,
    lossUsed,
    revokedBy,
    revoked: (await stack.sessions.getSession(sessionId)).revoked,
  };
}

/** Waits for a scene's transaction to be mined; its receipt. */
export async function mined(tx: Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>) {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("a scene's transaction was dropped");
  return receipt;
}
