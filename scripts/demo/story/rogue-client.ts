/**
 * 6. A rogue client holding the agent's key: it sends rebalances straight to the vault, bypassing the daemon, over its
 * own JSON-RPC connection, and the contract must reject each one. The first pushes the strategy closest to its cap past
 * it, an hour after the daemon's first rebalance; the guardian's pause and the session's expiry get one try each.
 */
import { BPS, decodeRevert, formatBps, LensReader, revertDataOf, type VaultSnapshot } from "@agent-treasury/agent";
import { JsonRpcProvider, Wallet, ZeroHash, type TransactionReceipt } from "ethers";
import { STEPS_PER_DAY } from "../market.js";
import { amount, dayClock, type RejectionRow } from "../summary.js";
import type { DemoDaemon } from "./daemon.js";
import { AGENT_DEV_KEY, HOUR, type Stage } from "./stage.js";

export interface RogueClient {
  /** Its connection (the story reads the chain through it too). */
  rpc: JsonRpcProvider;
  /** The vault as the lens shows it to the agent's address. */
  snapshot(): Promise<VaultSnapshot>;
  /** Sends a rebalance signed with the agent's key; the contract must reject it. Listed here and on the dashboard. */
  attempt(attempt: string, targets: { strategy: string; assets: bigint }[]): Promise<void>;
  rejections: RejectionRow[];
}

export function rogueClient(stage: Stage, daemon: DemoDaemon, sessionId: bigint): RogueClient {
  const { chain, ctx, addresses: a, agentAddress, out } = stage;
  const rpc = new JsonRpcProvider(chain.url, 31337, {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 20,
  });
  const key = new Wallet(AGENT_DEV_KEY, rpc);
  const reader = new LensReader(rpc, a.lens);
  const indent = " ".repeat(String(stage.days * STEPS_PER_DAY).length * 2 + 14);
  const rejections: RejectionRow[] = [];
  return {
    rpc,
    snapshot: () => reader.snapshot(a.vault, agentAddress),
    rejections,
    attempt: async (attempt, targets) => {
      const data = ctx.vault.interface.encodeFunctionData("rebalance", [targets, sessionId, ZeroHash]);
      const at = Number(await chain.now()) + 1;
      const sent = await key.sendTransaction({ to: a.vault, data, gasLimit: 1_000_000n });
      const receipt = (await rpc.getTransactionReceipt(sent.hash)) as TransactionReceipt;
      if (receipt.status !== 0) throw new Error(`the rogue rebalance was not rejected: ${attempt} (tx ${sent.hash})`);
      let revertData: string | undefined;
      try {
        await rpc.call({ from: agentAddress, to: a.vault, data, blockTag: receipt.blockNumber });
      } catch (err) {
        revertData = revertDataOf(err);
      }
      const decoded = decodeRevert(revertData);
      const row: RejectionRow = {
        at,
        who: "a rogue client with the agent's key",
        attempt,
        stage: "chain",
        error: decoded?.name ?? "unknown",
        detail: decoded?.text ?? `reverted without a known error (${revertData ?? "no data"})`,
        txHash: sent.hash,
        gasUsed: receipt.gasUsed,
      };
      rejections.push(row);
      daemon.assembled.dashboard.recordRejection({
        at: BigInt(at),
        vault: a.vault,
        source: "rogue client (agent key)",
        stage: "chain",
        error: row.detail,
        txHash: row.txHash,
        gasUsed: row.gasUsed,
      });
      out(`${indent}rejected by the contract: ${row.detail}`);
      out(`${indent}(tx ${sent.hash} reverted, ${receipt.gasUsed.toLocaleString("en-US")} gas burnt, no budget spent)`);
    },
  };
}

/**
 * An hour after tick time `at`, between two ticks: the rogue client moves idle into the strategy closest to its cap,
 * past it.
 */
export async function pushPastCap(stage: Stage, rogue: RogueClient, at: bigint, labelWidth: number): Promise<void> {
  const { chain } = stage;
  await chain.mineAt(at + HOUR + 60n);
  const snap = await rogue.snapshot();
  const target = closestToCap(snap);
  const over = target.cap - target.value + snap.totalAssets / 20n;
  const when = dayClock(Number(await chain.now()), Number(stage.start)).padStart(labelWidth);
  stage.out(
    `${when}  rogue: a client with the agent's key moves ${amount(over, stage.fmt)} from idle into strategy ${target.index}, past its ${formatBps(target.capBps)} cap`,
  );
  await rogue.attempt(`push strategy ${target.index} past its ${formatBps(target.capBps)} cap`, [
    { strategy: target.strategy, assets: target.value + over },
  ]);
}

/** The strategy with the least room under its cap (relative cap on current total assets, or absolute cap). */
function closestToCap(s: VaultSnapshot) {
  const rows = s.strategies.map((x) => {
    const relative = (s.totalAssets * BigInt(x.relativeCapBps)) / BPS;
    const cap = relative < x.absoluteCap ? relative : x.absoluteCap;
    return { strategy: x.strategy, index: x.index, value: x.currentValue, cap, capBps: x.relativeCapBps };
  });
  return rows.sort((x, y) => (x.cap - x.value < y.cap - y.value ? -1 : 1))[0]!;
}
