/**
 * Transactions in flight on the embedded chain, with automine off so they wait in the mempool: a restart never sends
 * twice and picks up what was in flight; a crash between journaling and broadcasting re-sends the same bytes; a stuck
 * transaction is replaced with higher fees; a transaction that reverts when mined opens the breaker.
 */
import { Wallet } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { WalletSender } from "../../src/executor/sender.js";
import { ManualClock } from "../../src/util/clock.js";
import {
  AGENT,
  AGENT_KEY,
  metricValue,
  rebalancedEvents,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";

const env = useStack({ session: { perCall: 1_000_000n, perEpoch: 5_000_000n } });

afterEach(async () => {
  await env.chain.setAutomine(true);
});

const equalWeight = (dataDir: string) =>
  testConfig(env.chain, env.stack, dataDir, {
    planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
  });
const nonces = async () => ({
  latest: await env.chain.provider.getTransactionCount(AGENT, "latest"),
  pending: await env.chain.provider.getTransactionCount(AGENT, "pending"),
});

/** A daemon whose process "dies" between journaling a rebalance and broadcasting it. */
function startDyingBeforeBroadcast(dataDir: string) {
  const provider = env.chain.provider;
  class DyingSender extends WalletSender {
    override async broadcast(): Promise<void> {
      throw new Error("process killed before the broadcast");
    }
  }
  return startDaemon(env.chain, equalWeight(dataDir), {
    sender: new DyingSender(provider, new Wallet(AGENT_KEY).connect(provider)),
  });
}

describe("transactions in flight", () => {
  it("a restart mid-flight sends nothing twice and settles what was in flight", async () => {
    const dataDir = tempDir();
    const first = await startDaemon(env.chain, equalWeight(dataDir));
    const start = await nonces();
    await env.chain.setAutomine(false);
    const [sent] = await first.daemon.tick();
    expect(sent!.report!.result).toMatchObject({ kind: "sent", confirmed: false });
    expect(await nonces(), "one transaction waits in the mempool").toEqual({
      latest: start.latest,
      pending: start.latest + 1,
    });

    // The process dies; a new one starts on the same data directory.
    const second = await startDaemon(env.chain, equalWeight(dataDir));
    const [resumed] = await second.daemon.tick();
    expect(resumed!.report!.result).toMatchObject({ kind: "in-flight", state: "pending" });
    const [again] = await second.daemon.tick();
    expect(again!.report!.result.kind).toBe("in-flight");
    expect(await nonces(), "still only the one transaction").toEqual({
      latest: start.latest,
      pending: start.latest + 1,
    });
    expect(second.journal.entries(), "one intent, one attempt").toHaveLength(1);
    expect(second.journal.entries()[0]!.attempts).toHaveLength(1);

    await env.chain.mine();
    const [settled] = await second.daemon.tick();
    expect(settled!.report!.settled.map((s) => s.state)).toEqual(["confirmed"]);
    expect(settled!.report!.result, "the session's minimum interval starts with the confirmed call").toMatchObject({
      kind: "wait",
    });
    expect((settled!.report!.result as { reason: string }).reason).toMatch(/cooldown/);
    const events = await rebalancedEvents(env.stack);
    expect(events, "exactly one rebalance on chain").toHaveLength(1);
    expect(events[0]!.args.intentHash).toBe(second.journal.entries()[0]!.intentHash);
    expect((await nonces()).latest).toBe(start.latest + 1);
  });

  it("a crash between journaling and broadcasting re-sends the journaled bytes, not a new transaction", async () => {
    const dataDir = tempDir();
    const provider = env.chain.provider;
    const first = await startDyingBeforeBroadcast(dataDir);
    const start = await nonces();
    const [tick] = await first.daemon.tick();
    expect(tick!.report!.result.kind).toBe("sent");
    const journaled = first.journal.entries()[0]!.attempts[0]!;
    expect(await provider.getTransaction(journaled.hash), "never reached the node").toBeNull();
    expect(await nonces()).toEqual(start);

    const second = await startDaemon(env.chain, equalWeight(dataDir));
    // Re-broadcasts the same signed bytes; mined at once (automine), so settled within the same tick.
    const [settled] = await second.daemon.tick();
    expect(settled!.report!.settled.map((s) => s.state)).toEqual(["confirmed"]);
    const receipt = await provider.getTransactionReceipt(journaled.hash);
    expect(receipt?.status, "the journaled transaction itself was mined").toBe(1);
    expect(second.journal.entries()[0]!.attempts, "no second attempt was signed").toHaveLength(1);
    expect(await rebalancedEvents(env.stack)).toHaveLength(1);
    expect((await nonces()).latest).toBe(start.latest + 1);
    expect(second.logs.messages()).toContain(
      "node does not know the journaled transaction; re-broadcasting the same bytes",
    );
  });

  it("a journaled rebalance the node never got, made wrong by a withdrawal meanwhile, is cancelled, not sent", async () => {
    const dataDir = tempDir();
    const provider = env.chain.provider;
    const first = await startDyingBeforeBroadcast(dataDir);
    const start = await nonces();
    await first.daemon.tick();
    const stale = first.journal.entries()[0]!;
    // A user takes half the treasury out of idle: the journaled targets now break the caps and the buffer.
    const user = env.stack.users[0]!;
    await (await env.stack.vault.connect(user).withdraw(500_000n * env.stack.unit, user.address, user.address)).wait();

    const second = await startDaemon(env.chain, equalWeight(dataDir));
    const [tick] = await second.daemon.tick();
    expect(
      tick!.report!.settled.map((s) => s.state),
      "cancelled, then the new plan confirmed, in the same tick",
    ).toEqual(["cancelled", "confirmed"]);
    expect(second.logs.messages()).toContain(
      "the journaled rebalance no longer passes; cancelling its nonce instead of sending it",
    );
    const cancelled = second.journal.entries().find((e) => e.intentHash === stale.intentHash)!;
    expect(
      cancelled.attempts.map((a) => !!a.cancel),
      "the cancellation was journaled as an attempt",
    ).toEqual([false, true]);
    expect(cancelled.outcome?.status).toBe("cancelled");
    expect(
      await provider.getTransaction(stale.attempts[0]!.hash),
      "the stale rebalance never reached the chain",
    ).toBeNull();
    const cancelTx = await provider.getTransaction(cancelled.attempts[1]!.hash);
    expect(cancelTx, "a 0-value transfer to itself at the intent's nonce").toMatchObject({
      to: AGENT,
      from: AGENT,
      value: 0n,
      data: "0x",
      nonce: start.latest,
    });

    // The vault is free again: a new plan on the current state is sent, with the next nonce.
    expect(tick!.report!.result).toMatchObject({ kind: "sent", confirmed: true });
    const events = await rebalancedEvents(env.stack);
    expect(events).toHaveLength(1);
    const fresh = second.journal.entries().find((e) => e.intentHash !== stale.intentHash)!;
    expect(events[0]!.args.intentHash).toBe(fresh.intentHash);
    expect(fresh.record.nonce).toBe(start.latest + 1);
    expect((await nonces()).latest).toBe(start.latest + 2);
  });

  it("replaces a transaction stuck past the timeout with higher fees, and only one is mined", async () => {
    const clock = new ManualClock();
    const { daemon, journal, metrics, logs } = await startDaemon(env.chain, equalWeight(tempDir()), { clock });
    await env.chain.setAutomine(false);
    await daemon.tick();
    clock.advance(10_000);
    const [early] = await daemon.tick();
    expect(early!.report!.settled[0]?.replaced, "not replaced before the timeout").toBeUndefined();

    clock.advance(25_000); // 35 s after signing; the timeout is 30 s
    const [late] = await daemon.tick();
    expect(late!.report!.settled[0]).toMatchObject({ state: "pending", replaced: true });
    const attempts = journal.entries()[0]!.attempts;
    expect(attempts, "two attempts journaled").toHaveLength(2);
    expect(
      attempts[1]!.maxPriorityFeePerGas >= (attempts[0]!.maxPriorityFeePerGas * 125n) / 100n,
      "tip raised by at least 25%",
    ).toBe(true);
    expect(
      attempts[1]!.maxFeePerGas >= (attempts[0]!.maxFeePerGas * 125n) / 100n,
      "max fee raised by at least 25%",
    ).toBe(true);
    expect(attempts[1]!.maxFeePerGas <= 500n * 10n ** 9n, "under the ceiling").toBe(true);
    expect(await metricValue(metrics, "agent_tx_replacements_total")).toBe(1);
    expect(logs.messages()).toContain("transaction stuck; replaced with higher fees");

    await env.chain.mine();
    const [settled] = await daemon.tick();
    expect(settled!.report!.settled).toMatchObject([{ state: "confirmed", hash: attempts[1]!.hash }]);
    expect(
      await env.chain.provider.getTransactionReceipt(attempts[0]!.hash),
      "the replaced one never mined",
    ).toBeNull();
    expect(await rebalancedEvents(env.stack)).toHaveLength(1);
  });

  it("a transaction that reverts when mined opens the breaker with the decoded error", async () => {
    const { daemon, journal, runner } = await startDaemon(env.chain, equalWeight(tempDir()));
    await env.chain.setAutomine(false);
    const [sent] = await daemon.tick();
    expect(sent!.report!.result.kind).toBe("sent");
    // The guardian lowers a cap in the same block, ahead of the agent (higher tip).
    const gwei = 10n ** 9n;
    await env.stack.vault
      .connect(env.stack.guardian)
      .setCaps(env.stack.strategyAddresses[0]!, 1n * env.stack.unit, 5_000, {
        maxPriorityFeePerGas: 100n * gwei,
        maxFeePerGas: 400n * gwei,
        gasLimit: 200_000n,
      });
    await env.chain.mine();
    await env.chain.setAutomine(true);
    const [after] = await daemon.tick();
    expect(after!.report!.settled.map((s) => s.state)).toEqual(["reverted"]);
    expect(journal.entries()[0]!.outcome?.error).toMatch(
      /^AbsoluteCapExceeded\(strategy=0x[0-9a-fA-F]{40}, allocation=\d+, cap=1000000\)$/,
    );
    expect(runner.breaker.open).toBe(true);
    expect(after!.report!.result.kind, "no new attempt").toBe("breaker-open");
    expect(await rebalancedEvents(env.stack)).toHaveLength(0);
  });
});
