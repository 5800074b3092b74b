/**
 * The daemon and the vault's step-up, against the real contracts on the embedded chain: a plan whose volume is above
 * the threshold waits, saying why, with nothing sent and no breaker, unless the configured co-signer co-signs it; the
 * daemon checks the co-signature itself (an EOA policy signer recovered from the EIP-712 digest, a contract one asked
 * `isValidSignature`) before it sends `rebalanceCosigned`; a plan within the threshold goes alone.
 */
import { Interface, keccak256, toUtf8Bytes, Wallet } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { MockERC1271Signer__factory } from "../../../types/ethers-contracts/index.js";
import { grantSession, startCoSigner, type CoSignerService } from "../../devnet/index.js";
import { serveDaemon } from "../../src/daemon/assemble.js";
import { WalletSender } from "../../src/executor/sender.js";
import { Metrics } from "../../src/obs/metrics.js";
import { LensReader } from "../../src/index.js";
import {
  AGENT,
  AGENT_KEY,
  assembleTestDaemon,
  rebalancedEvents,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";

const env = useStack();
const u = () => env.stack.unit;
const POLICY = new Wallet(keccak256(toUtf8Bytes("step-up policy signer")));
const IMPOSTOR = new Wallet(keccak256(toUtf8Bytes("step-up impostor")));
const errors = new Interface(["error CoSignatureUsed(bytes32 digest)"]);

const services: CoSignerService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

async function grant() {
  await grantSession(env.stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 600_000n * u(),
    maxVolumePerEpoch: 3_000_000n * u(),
  });
}

async function coSigner(key: Wallet, maxVolume = 10_000_000n * u(), port = 0) {
  const service = await startCoSigner({
    key,
    reader: new LensReader(env.chain.provider, env.stack.lensAddress),
    chainId: BigInt(env.chain.chainId),
    vaults: [env.stack.vaultAddress],
    maxVolume,
    port,
  });
  services.push(service);
  return service;
}

const withCoSigner = (url: string, dataDir = tempDir()) =>
  testConfig(env.chain, env.stack, dataDir, {
    vaults: [{ address: env.stack.vaultAddress, label: "main", coSigner: url }],
  });

const holdReason = (r: { result: { kind: string; reason?: string } }) =>
  r.result.kind === "hold" ? (r.result.reason ?? "") : JSON.stringify(r.result);

describe("daemon with a step-up threshold", () => {
  it("holds a plan above the threshold without a co-signer, then sends one within a higher threshold", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), governance.address)).wait();
    const { daemon, logs } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));

    const held = (await daemon.tick())[0]!.report!;
    expect(held.result).toMatchObject({ kind: "hold", code: "co-signature-required" });
    const reason = holdReason(held);
    expect(reason).toMatch(
      /^co-signature required above 1,000(\.00)?: no co-signer configured \(vaults\[\]\.coSigner\)$/,
    );
    expect(logs.messages()).toContain(`holding: ${reason}`);
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);

    // Small plans go alone: with the threshold above the plan's volume the same daemon sends it.
    await (await vault.connect(governance).setStepUp(10_000_000n * u(), governance.address)).wait();
    const sent = (await daemon.tick())[0]!.report!;
    expect(sent.result.kind, JSON.stringify(sent.result)).toBe("sent");
  });

  it("sends rebalanceCosigned with the reference co-signer's signature; the digest cannot be used again", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), POLICY.address)).wait();
    const service = await coSigner(POLICY);
    const { daemon, journal, provider, records } = await startDaemon(env.chain, withCoSigner(service.url));

    const sent = (await daemon.tick())[0]!.report!;
    expect(sent.result.kind, JSON.stringify(sent.result)).toBe("sent");
    expect(service.answered, "one request, signed").toMatchObject([{ signed: true }]);
    const events = await rebalancedEvents(env.stack);
    expect(events, "one Rebalanced").toHaveLength(1);
    const entry = journal.entries()[0]!;
    expect(events[0]!.args.intentHash, "the journaled intent's hash on chain").toBe(entry.intentHash);
    expect(entry.record.coSignature?.coSigner, "journaled with its co-signature").toBe(service.url);
    const published = records.read(entry.intentHash)!;
    expect(keccak256(toUtf8Bytes(published.trim())), "the published record hashes to the intent hash").toBe(
      entry.intentHash,
    );
    const tx = await provider.getTransaction(events[0]!.transactionHash);
    expect(tx!.data.slice(0, 10), "the call is rebalanceCosigned").toBe(
      vault.interface.getFunction("rebalanceCosigned")!.selector,
    );
    // The same bytes again: the vault refuses the used digest.
    const replay = await provider.call({ to: env.stack.vaultAddress, from: AGENT, data: tx!.data }).then(
      () => "0x",
      (err: { data?: string }) => err.data ?? "",
    );
    expect(replay.slice(0, 10), "replay refused with CoSignatureUsed").toBe(
      errors.getError("CoSignatureUsed")!.selector,
    );
  });

  it("refuses an impostor's signature locally: nothing is sent, the plan holds", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), POLICY.address)).wait();
    const service = await coSigner(IMPOSTOR);
    const { daemon, journal, runner } = await startDaemon(env.chain, withCoSigner(service.url));

    const held = (await daemon.tick())[0]!.report!;
    expect(held.result).toMatchObject({ kind: "hold", code: "co-signature-required" });
    expect(holdReason(held)).toContain(
      `does not verify (the signature recovers to ${IMPOSTOR.address}, not the policy signer ${POLICY.address})`,
    );
    expect(service.answered, "asked once").toHaveLength(1);
    expect(journal.entries(), "nothing journaled").toEqual([]);
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);
    expect(runner.breaker.open, "no breaker").toBe(false);
    expect(runner.quarantine.entries(), "no quarantine").toEqual([]);
  });

  it("holds while the co-signer is down, then sends when it comes back", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), POLICY.address)).wait();
    const first = await coSigner(POLICY);
    const port = first.port;
    await first.close();
    services.splice(0);
    const { daemon } = await startDaemon(env.chain, withCoSigner(first.url));

    const held = (await daemon.tick())[0]!.report!;
    expect(held.result).toMatchObject({ kind: "hold", code: "co-signature-required" });
    expect(holdReason(held)).toMatch(/^co-signature required above 1,000(\.00)?: the co-signer at .* is unreachable/);
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);

    const back = await coSigner(POLICY, undefined, port);
    const sent = (await daemon.tick())[0]!.report!;
    expect(sent.result.kind, JSON.stringify(sent.result)).toBe("sent");
    expect(back.answered).toMatchObject([{ signed: true }]);
    expect(await rebalancedEvents(env.stack), "sent once it is back").toHaveLength(1);
  });

  it("holds what the co-signer refuses (above its own limit), saying its reason", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), POLICY.address)).wait();
    const service = await coSigner(POLICY, 1_500n * u());
    const { daemon } = await startDaemon(env.chain, withCoSigner(service.url));
    const held = (await daemon.tick())[0]!.report!;
    expect(held.result).toMatchObject({ kind: "hold", code: "co-signature-required" });
    expect(holdReason(held)).toMatch(/refused: the plan moves \d+, above this co-signer's limit of 1500000000/);
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);
  });

  it("does not ask the co-signer for a plan within the threshold", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(10_000_000n * u(), POLICY.address)).wait();
    const service = await coSigner(POLICY);
    const { daemon, journal, provider } = await startDaemon(env.chain, withCoSigner(service.url));
    const sent = (await daemon.tick())[0]!.report!;
    expect(sent.result.kind, JSON.stringify(sent.result)).toBe("sent");
    expect(service.answered, "the co-signer was not asked").toEqual([]);
    const tx = await provider.getTransaction((sent.result as { hash: string }).hash);
    expect(tx!.data.slice(0, 10), "plain rebalance").toBe(vault.interface.getFunction("rebalance")!.selector);
    expect(journal.entries()[0]!.record.coSignature).toBeUndefined();
  });

  it("verifies a contract policy signer through isValidSignature (ERC-1271)", async () => {
    await grant();
    const { vault, governance } = env.stack;
    const safe = await new MockERC1271Signer__factory(governance).deploy(POLICY.address);
    await safe.waitForDeployment();
    const safeAddress = await safe.getAddress();
    await (await vault.connect(governance).setStepUp(1_000n * u(), safeAddress)).wait();

    // The owner's key signs: the contract accepts it, the daemon sends.
    const owner = await coSigner(POLICY);
    const good = await startDaemon(env.chain, withCoSigner(owner.url));
    const sent = (await good.daemon.tick())[0]!.report!;
    expect(sent.result.kind, JSON.stringify(sent.result)).toBe("sent");
    expect(await rebalancedEvents(env.stack), "co-signed through the contract").toHaveLength(1);
  });

  it("refuses locally a signature the contract policy signer rejects", async () => {
    await grant();
    const { vault, governance } = env.stack;
    const safe = await new MockERC1271Signer__factory(governance).deploy(POLICY.address);
    await safe.waitForDeployment();
    const safeAddress = await safe.getAddress();
    await (await vault.connect(governance).setStepUp(1_000n * u(), safeAddress)).wait();
    const impostor = await coSigner(IMPOSTOR);
    const { daemon, journal } = await startDaemon(env.chain, withCoSigner(impostor.url));
    const held = (await daemon.tick())[0]!.report!;
    expect(holdReason(held)).toContain(
      `the policy signer ${safeAddress} (a contract) answered 0x00000000 to isValidSignature`,
    );
    expect(journal.entries(), "nothing journaled").toEqual([]);
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);
  });

  it("a co-signed intent that never reached a node is cancelled once its deadline passed, then planned again", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), POLICY.address)).wait();
    const service = await coSigner(POLICY);
    const dataDir = tempDir();
    // The first process dies between journaling the co-signed call and broadcasting it.
    const provider = env.chain.provider;
    class DyingSender extends WalletSender {
      override async broadcast(): Promise<void> {
        throw new Error("process killed before the broadcast");
      }
    }
    const first = await startDaemon(env.chain, withCoSigner(service.url, dataDir), {
      sender: new DyingSender(provider, new Wallet(AGENT_KEY).connect(provider)),
    });
    expect((await first.daemon.tick())[0]!.report!.result.kind).toBe("sent");
    const stale = first.journal.entries()[0]!;
    expect(stale.record.coSignature, "journaled co-signed").toBeDefined();

    // 16 minutes later: past the co-signature's 15-minute deadline.
    await env.chain.increaseTime(16 * 60);
    await env.chain.mine();
    const second = await startDaemon(env.chain, withCoSigner(service.url, dataDir));
    const [tick] = await second.daemon.tick();
    expect(tick!.report!.settled.map((s) => s.state)[0], "the stale co-signed call is cancelled").toBe("cancelled");
    expect(second.logs.messages().some((m) => m.includes("no longer passes; cancelling its nonce"))).toBe(true);
    const cancelled = second.logs.lines.find((l) => l.msg.includes("cancelling its nonce")) as { problem?: string };
    expect(cancelled?.problem).toMatch(/^the co-signature's deadline .* has passed/);
    expect(await provider.getTransaction(stale.attempts[0]!.hash), "the stale call never reached the chain").toBeNull();
    // Planned again in the same tick, asked again, co-signed afresh and sent.
    expect(tick!.report!.result.kind, JSON.stringify(tick!.report!.result)).toBe("sent");
    expect(
      service.answered.map((a) => a.signed),
      "asked twice, signed twice",
    ).toEqual([true, true]);
    const events = await rebalancedEvents(env.stack);
    expect(events, "one rebalance on chain").toHaveLength(1);
    expect(events[0]!.args.intentHash, "the new intent, not the stale one").toBe(
      second.journal.entries().at(-1)!.intentHash,
    );
  });

  it("the dashboard and /ready say why a plan holds for want of a co-signature", async () => {
    await grant();
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), POLICY.address)).wait();
    const impostor = await coSigner(IMPOSTOR);
    const config = withCoSigner(impostor.url);
    const metrics = new Metrics();
    const assembled = await assembleTestDaemon(env.chain, config, metrics);
    const server = (await serveDaemon(assembled, config, metrics))!;
    try {
      const [tick] = await assembled.daemon.tick();
      const reason = holdReason(tick!.report!);
      expect(reason).toMatch(/^co-signature required above 1,000(\.00)?: the co-signature from .* does not verify/);
      const base = `http://127.0.0.1:${server.port}`;
      const view = (await (await fetch(`${base}/api/dashboard`)).json()) as {
        vaults: { lastResult: { kind: string; detail: string } }[];
      };
      expect(view.vaults[0]!.lastResult, "the dashboard").toEqual({ kind: "hold", detail: reason });
      const ready = (await (await fetch(`${base}/ready`)).json()) as {
        vaults: Record<string, { result: string; reason: string }>;
      };
      expect(ready.vaults.main, "/ready").toMatchObject({ result: "hold", reason });
    } finally {
      await server.close();
    }
  });
});
