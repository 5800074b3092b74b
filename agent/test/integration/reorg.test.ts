/**
 * Reorgs deeper than `network.confirmations`, on a node that makes them (anvil's `anvil_reorg`, which replaces the last
 * blocks with empty ones and drops their transactions): a rebalance recorded as confirmed and then taken out of the
 * chain goes back in flight, its journaled bytes are sent again, and the journal follows the block it is mined in now;
 * no transaction of the agent's is left queued behind the missing nonce; a later rebalance planned on a view that held
 * the vanished one is cancelled, not mined to revert behind it.
 */
import { describe, expect, it } from "vitest";
import type { Daemon } from "../../src/daemon/daemon.js";
import type { Journal, JournalEntry } from "../../src/executor/journal.js";
import { AGENT, rebalancedEvents, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";

const env = useStack({ node: "anvil", session: { perCall: 600_000n, perEpoch: 3_000_000n, minInterval: 600 } });

const nonces = async () => ({
  latest: await env.chain.provider.getTransactionCount(AGENT, "latest"),
  pending: await env.chain.provider.getTransactionCount(AGENT, "pending"),
});

/**
 * Ticks at least once (waiting for anvil to mine what each sent, and mining a block when asked) until `done` or 8
 * ticks.
 */
async function tickUntil(daemon: Daemon, done: () => boolean, mine = false): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await daemon.tick();
    await rebalancedEvents(env.stack);
    if (mine) await env.chain.mine();
    if (done()) return;
  }
}

/** Replaces every block from `block` to the head with empty ones: what they held is gone. */
async function reorgFrom(block: number): Promise<void> {
  const head = await env.chain.provider.getBlockNumber();
  await env.chain.rpc("anvil_reorg", [head - block + 1, []]);
}

const confirmed = (journal: Journal) => journal.entries().filter((e) => e.outcome?.status === "confirmed");

async function receiptBlock(entry: JournalEntry): Promise<number | undefined> {
  return (await env.chain.provider.getTransactionReceipt(entry.outcome!.hash!))?.blockNumber;
}

describe("reorgs deeper than the confirmations (anvil)", () => {
  it("a confirmed rebalance taken out by a reorg is sent again from the journal, recorded at its new block, and nothing is signed behind its nonce", async () => {
    const { daemon, journal, logs } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
    await tickUntil(daemon, () => confirmed(journal).length === 1);
    const [entry] = confirmed(journal);
    expect(entry, "the first tick's split is sent and confirmed").toBeDefined();
    const block = entry!.outcome!.blockNumber!;
    const hash = entry!.outcome!.hash!;

    await reorgFrom(block);
    expect(await env.chain.provider.getTransactionReceipt(hash), "the reorg took the rebalance out").toBeNull();
    expect(await rebalancedEvents(env.stack)).toHaveLength(0);

    await tickUntil(
      daemon,
      () => (journal.entries()[0]!.outcome?.blockNumber ?? block) !== block && !!journal.entries()[0]!.outcome,
    );
    await tickUntil(daemon, () => false);

    expect(journal.entries(), "no new plan was signed: the same intent was sent again").toHaveLength(1);
    const again = journal.entries()[0]!;
    expect(again.outcome, "confirmed again").toMatchObject({ status: "confirmed", hash });
    expect(again.outcome!.blockNumber, "the journal follows the block it is mined in now").toBe(
      await receiptBlock(again),
    );
    expect(again.outcome!.blockNumber).not.toBe(block);
    const events = await rebalancedEvents(env.stack);
    expect(events.map((e) => e.args.intentHash)).toEqual([again.intentHash]);
    expect(await nonces(), "nothing queued behind a hole").toEqual({ latest: 1, pending: 1 });
    expect(logs.messages()).toContain(
      `reorg: the rebalance recorded confirmed in block ${block} is no longer on the chain; in flight again, its journaled bytes are sent again`,
    );
  });

  it("a later rebalance planned on a view that held the vanished one is cancelled, not mined to revert behind it", async () => {
    const { daemon, journal } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
    await tickUntil(daemon, () => confirmed(journal).length === 1);
    const first = confirmed(journal)[0]!;
    const block = first.outcome!.blockNumber!;

    // A second plan, past the session's minimum interval, made on a view that holds the first.
    await env.chain.increaseTime(3_600);
    await tickUntil(daemon, () => false, true);
    await env.chain.increaseTime(3_600);
    await (await env.stack.strategies[1]!.simulateGain(2n * env.stack.unit)).wait();
    await tickUntil(daemon, () => confirmed(journal).length === 2, true);
    const second = confirmed(journal).find((e) => e.intentHash !== first.intentHash);
    expect(second, "a second rebalance is sent and confirmed").toBeDefined();
    expect(second!.record.blockNumber >= BigInt(block), "planned on a view holding the first").toBe(true);

    await reorgFrom(block);
    expect(await rebalancedEvents(env.stack), "the reorg took both out").toHaveLength(0);

    await tickUntil(daemon, () => journal.entries().every((e) => e.outcome) && journal.entries().length >= 2, true);
    const byHash = new Map(journal.entries().map((e) => [e.intentHash, e]));
    expect(byHash.get(first.intentHash)!.outcome, "the first is mined again").toMatchObject({ status: "confirmed" });
    expect(
      byHash.get(second!.intentHash)!.outcome,
      "the second, planned on a view that no longer holds, is cancelled",
    ).toMatchObject({ status: "cancelled" });
    expect(
      journal.entries().filter((e) => e.outcome?.status === "reverted"),
      "nothing reverted (CooldownActive)",
    ).toEqual([]);
    const events = await rebalancedEvents(env.stack);
    expect(events.map((e) => e.args.intentHash)[0]).toBe(first.intentHash);
    expect(byHash.get(first.intentHash)!.outcome!.blockNumber).toBe(await receiptBlock(byHash.get(first.intentHash)!));
    const n = await nonces();
    expect(n.pending, "nothing queued behind a hole").toBe(n.latest);
  });
});
