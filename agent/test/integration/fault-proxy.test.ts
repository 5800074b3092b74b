/**
 * The fault-injecting proxy, each kind against the embedded chain, and what the daemon's provider and sender make of
 * it: transport failures and server errors are `RpcError`s (retryable), never reverts; a stale answer is an old block;
 * a submission that failed after the node accepted it is on chain anyway.
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../devnet/chain.js";
import type { Stack } from "../../devnet/stack.js";
import { failureKind, FailoverProvider } from "../../src/chain/provider.js";
import { LensReader } from "../../src/chain/reader.js";
import { rebalanceCalldata } from "../../src/executor/executor.js";
import { ProviderSimulator, WalletSender } from "../../src/executor/sender.js";
import { RevertError, RpcError } from "../../src/failures.js";
import { AGENT, AGENT_KEY, startStack } from "../support/daemon-harness.js";
import { FAULT_KINDS, FaultProxy, type FaultKind } from "../support/fault-proxy.js";

let chain: LocalChain;
let stack: Stack;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  ({ chain, stack } = await startStack({
    strategies: 2,
    seed: 10_000n,
    deposit: 100_000n,
    session: { perCall: 50_000n, perEpoch: 500_000n, durationSeconds: 86_400 },
  }));
}, 60_000);

afterAll(async () => {
  for (const p of proxies) await p.close();
  await chain?.close();
});

async function proxy(seed = 1, options: Partial<Parameters<typeof FaultProxy.start>[0]> = {}) {
  const p = await FaultProxy.start({ upstream: chain.url, seed, holdMs: 1_000, ...options });
  proxies.push(p);
  return p;
}
const provider = (url: string, timeoutMs = 300) =>
  new FailoverProvider({ urls: [url], chainId: 31337, requestTimeoutMs: timeoutMs, retryFailedAfterMs: 0 });

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("fault proxy", () => {
  it("forwards faithfully when no fault is set", async () => {
    const p = await proxy();
    const via = provider(p.url);
    expect(await via.getBlockNumber()).toBe(await chain.provider.getBlockNumber());
    const snap = await new LensReader(via, stack.lensAddress).snapshot(stack.vaultAddress, AGENT);
    expect(snap.totalAssets).toBe(await stack.vault.totalAssets());
    expect(p.totalInjected()).toBe(0);
    via.destroy();
  });

  it.each<[FaultKind, string]>([
    ["drop", "connection"],
    ["timeout", "timeout"],
    ["rate-limit", "http-429"],
    ["http-error", "http-5xx"],
    ["rpc-error", "rpc-error"],
  ])("%s: the request fails as %s, bounded in time, with one request and no silent retry", async (kind, expected) => {
    const p = await proxy();
    p.setFaults({ [kind]: 1 });
    const via = provider(p.url, 300);
    const started = Date.now();
    const err = await failureOf(via.getBlockNumber());
    expect(failureKind(err), String(err)).toBe(expected);
    expect(Date.now() - started, "cut off by the request timeout, not the proxy's hold").toBeLessThan(900);
    expect(p.stats.injected[kind]).toBe(1);
    expect(p.stats.requests, "ethers did not retry behind the daemon's back").toBe(1);
    via.destroy();
  });

  it("a node's server error on a simulation is a retryable RPC error, not a revert (through any provider)", async () => {
    const p = await proxy();
    p.setFaults({ "rpc-error": 1 });
    const data = rebalanceCalldata([{ strategy: stack.strategyAddresses[0]!, assets: 1n }], 1n, `0x${"00".repeat(32)}`);
    // The daemon's provider, and a plain ethers provider (which turns every eth_call error into CALL_EXCEPTION).
    const plain = new JsonRpcProvider(p.url, 31337, { staticNetwork: true, batchMaxCount: 1 });
    for (const via of [provider(p.url), plain]) {
      const err = await failureOf(new ProviderSimulator(via, AGENT).call(stack.vaultAddress, data));
      expect(err, `${via.constructor.name}: ${String(err)}`).toBeInstanceOf(RpcError);
      expect(err).not.toBeInstanceOf(RevertError);
      via.destroy();
    }
    // A real revert still is one, named.
    p.clearFaults();
    const direct = new ProviderSimulator(provider(p.url), AGENT);
    const revert = await failureOf(
      direct.call(stack.vaultAddress, rebalanceCalldata([{ strategy: AGENT, assets: 1n }], 1n, `0x${"00".repeat(32)}`)),
    );
    expect(revert).toBeInstanceOf(RevertError);
    expect((revert as RevertError).decoded?.name).toBe("StrategyNotListed");
  });

  it("stale: answers as a node some blocks behind, for the block number, state, receipts and transactions", async () => {
    const p = await proxy(7, { lag: 3 });
    const via = provider(p.url);
    const tx = await stack.asset.mint(stack.users[0]!.address, 1n);
    const receipt = (await tx.wait())!;
    await chain.mine(2);
    const head = await chain.provider.getBlockNumber();
    p.setFaults({ stale: 1 });
    expect(await via.getBlockNumber()).toBe(head - 3);
    const snap = await new LensReader(via, stack.lensAddress).snapshot(stack.vaultAddress, AGENT);
    expect(snap.blockNumber, "the lens ran at the old block").toBe(BigInt(head - 3));
    expect(receipt.blockNumber, "mined two blocks before the head").toBe(head - 2);
    expect(await via.getTransactionReceipt(receipt.hash), "mined after the stale head: unknown").toBeNull();
    expect(await via.getTransaction(receipt.hash)).toBeNull();
    expect((await via.getBlock("latest"))!.number).toBe(head - 3);
    expect(p.stats.injected.stale, "one per request").toBe(5);
    p.clearFaults();
    expect((await via.getTransactionReceipt(receipt.hash))?.blockNumber).toBe(receipt.blockNumber);
    via.destroy();
  });

  it("send-after-accept: the client is told the submission failed, but the node has it", async () => {
    const p = await proxy(3);
    p.setFaults({ "send-after-accept": 1 });
    const via = provider(p.url);
    const sender = new WalletSender(via, new Wallet(AGENT_KEY).connect(via));
    const { latestNonce: latest } = await sender.track([], false);
    const fees = await sender.fees();
    const signed = await sender.sign({
      to: AGENT,
      data: "0x",
      nonce: latest,
      gasLimit: 21_000n,
      maxFeePerGas: fees.baseFee * 2n + fees.tip,
      maxPriorityFeePerGas: fees.tip,
      chainId: 31337n,
    });
    await expect(sender.broadcast(signed.raw)).rejects.toBeInstanceOf(RpcError);
    expect(p.stats.injected["send-after-accept"]).toBe(1);
    expect(p.forwarded.get(signed.hash)?.times, "forwarded once").toBe(1);
    expect((await chain.provider.getTransactionReceipt(signed.hash))?.status, "mined nonetheless").toBe(1);
    p.clearFaults();
    await expect(sender.broadcast(signed.raw), "re-sending the same bytes is not an error").resolves.toBeUndefined();
    via.destroy();
  });

  it("is seeded: the same seed and requests give the same faults; rates are honoured", async () => {
    const runs: string[][] = [];
    for (const seed of [42, 42, 43]) {
      const p = await proxy(seed);
      p.setFaults({ drop: 0.1, "rate-limit": 0.1, "http-error": 0.1, "rpc-error": 0.1 });
      const via = provider(p.url, 500);
      const seen: string[] = [];
      for (let i = 0; i < 120; i++)
        seen.push(
          await via.getBlockNumber().then(
            () => "ok",
            (e: unknown) => failureKind(e),
          ),
        );
      runs.push(seen);
      via.destroy();
      const injected = FAULT_KINDS.reduce((n, k) => n + p.stats.injected[k], 0);
      expect(injected, "about a third of 120 requests (1 - 0.9^4)").toBeGreaterThan(20);
      expect(injected).toBeLessThan(65);
      expect(seen.filter((s) => s !== "ok")).toHaveLength(injected);
    }
    expect(runs[0], "same seed, same faults").toEqual(runs[1]);
    expect(runs[0], "another seed, other faults").not.toEqual(runs[2]);
  });
});
