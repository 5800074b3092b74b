/**
 * The daemon on the embedded chain when its session ends on chain for a reason of its own: a rebalance sent with the
 * agent's key by a script (not the daemon) would pass the session's own loss allowance, so the vault undoes it and
 * revokes the session; and the session admin moves the session to another key. Each time the daemon stands down at its
 * next tick with the reason in words, and the stand-down alert carries it; a daemon with the new key and the same
 * session id then rebalances through it.
 */
import { type BaseWallet, Wallet } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { devKey, grantSession } from "../../devnet/stack.js";
import { eventsInterface } from "../../src/abi/index.js";
import type { AgentConfig } from "../../src/config/schema.js";
import { assembleDaemon } from "../../src/daemon/assemble.js";
import { Metrics } from "../../src/obs/metrics.js";
import type { Planner } from "../../src/planner/types.js";
import { systemClock } from "../../src/util/clock.js";
import { formatAmount, formatChainTime, shortAddress } from "../../src/util/format.js";
import { FeeStrategy__factory } from "../../../types/ethers-contracts/index.js";
import { memoryLogger } from "../support/logs.js";
import { AGENT, AGENT_KEY, rebalancedEvents, tempDir, testConfig, useStack } from "../support/daemon-harness.js";
import { startReceiver } from "../support/webhook-receiver.js";

const env = useStack();
const u = () => env.stack.unit;

/** Holds at every tick: the daemon itself sends nothing, so what ends the session is the script's call alone. */
const holding: Planner = {
  name: "holding",
  plan: () => ({ kind: "hold", code: "balanced", reason: "held by the test" }),
};

function config(over: Record<string, unknown> = {}): AgentConfig {
  return testConfig(env.chain, env.stack, tempDir("agent-session-end-"), over);
}

async function assemble(c: AgentConfig, wallet: BaseWallet = new Wallet(AGENT_KEY), planner?: Planner) {
  const logs = memoryLogger();
  const d = await assembleDaemon({
    config: c,
    provider: env.chain.provider,
    wallet,
    chainId: BigInt(env.chain.chainId),
    clock: systemClock,
    log: logs.log,
    metrics: new Metrics(),
    overrides: planner ? { planner } : undefined,
  });
  const tick = async () => (await d.daemon.tick())[0]!.report!;
  return { ...d, logs, tick };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe("the daemon when its session ends on chain", () => {
  it("stands down with the loss when a rebalance from its key passed the session's own loss allowance", async () => {
    const { chain, stack } = env;
    const governance = stack.governance;
    // A strategy that keeps a 50 bps entry fee: every deposit into it is a loss for the vault.
    const fee = await (
      await new FeeStrategy__factory(governance).deploy(await stack.asset.getAddress(), 50, governance.address)
    ).waitForDeployment();
    const feeStrategy = await fee.getAddress();
    await (await stack.vault.connect(governance).addStrategy(feeStrategy, 10n ** 15n, 1_000)).wait();
    const maxLoss = 10n; // 0.00001 mUSD
    const sessionId = await grantSession(stack, {
      agent: AGENT,
      durationSeconds: 7 * 86_400,
      maxVolumePerCall: 600_000n * u(),
      maxVolumePerEpoch: 3_000_000n * u(),
      minInterval: 0,
      maxLoss,
      scope: [...stack.strategyAddresses, feeStrategy],
    });
    const receiver = await startReceiver();
    closers.push(receiver.close);
    const d = await assemble(
      config({ alerts: { targets: [{ url: receiver.url(), format: "json" }], retry: { maxAttempts: 5 } } }),
      new Wallet(AGENT_KEY),
      holding,
    );
    closers.push(() => d.notifier!.close(100));
    expect((await d.tick()).assessment?.mode, "the session is usable").toBe("act");

    // A script with the agent's key deposits 1,000 mUSD into the fee strategy: a 5 mUSD loss, past the allowance.
    const script = stack.vault.connect(new Wallet(AGENT_KEY, chain.provider));
    const receipt = await (
      await script.rebalance([{ strategy: feeStrategy, assets: 1_000n * u() }], sessionId, `0x${"5e".repeat(32)}`)
    ).wait();
    expect(receipt!.status, "the call returns").toBe(1);
    const events = receipt!.logs.flatMap((log) => {
      const parsed = eventsInterface.parseLog({ topics: [...log.topics], data: log.data });
      return parsed ? [parsed] : [];
    });
    expect(events.map((e) => e.name)).toEqual(["SessionLossBudgetSpent", "SessionRevoked"]);
    const [spent, revoked] = events;
    expect(spent!.args.maxLoss).toBe(maxLoss);
    expect(revoked!.args.by, "revoked by the vault").toBe(stack.vaultAddress);
    expect(await stack.vault.allocation(feeStrategy), "nothing moved").toBe(0n);
    const loss = spent!.args.lossUsed as bigint; // nothing was charged before
    expect(loss).toBeGreaterThan(maxLoss);

    const report = await d.tick();
    const reason = `session #${sessionId} revoked on chain: a rebalance from this key would have lost ${formatAmount(loss, 6, 6)}, more than the 0.00001 its own loss allowance had left`;
    expect(report.result).toEqual({ kind: "stand-down", reason });
    expect(report.assessment?.sessions).toMatchObject([
      { id: sessionId, status: "revoked", end: { kind: "loss-allowance", loss, lossLeft: maxLoss, maxLoss } },
    ]);
    expect(d.logs.lines.some((l) => l.level === 40 && l.msg === `standing down: ${reason}`)).toBe(true);
    await d.notifier!.drain(5_000);
    const standDown = receiver.received.find((r) => r.body.event === "stand-down");
    expect(standDown?.body.message, "the stand-down alert says why").toBe(`main: standing down: ${reason}`);
  });

  it("stands down when the session admin moves its session to another key; a daemon with that key acts through it", async () => {
    const { chain, stack } = env;
    const newKey = new Wallet(devKey(8));
    // The session admin rotates within the vault's ceilings, which governance sets.
    await (
      await stack.sessions.connect(stack.governance).setCeilings(stack.vaultAddress, {
        maxDuration: 7 * 86_400,
        maxVolumePerCall: 1_000_000n * u(),
        maxVolumePerEpoch: 5_000_000n * u(),
      })
    ).wait();
    const sessionId = await grantSession(stack, {
      agent: AGENT,
      durationSeconds: 7 * 86_400,
      maxVolumePerCall: 600_000n * u(),
      maxVolumePerEpoch: 3_000_000n * u(),
    });
    const old = await assemble(config(), new Wallet(AGENT_KEY), holding);
    expect((await old.tick()).assessment?.mode).toBe("act");

    const rotation = await (
      await stack.sessions.connect(stack.sessionAdmin).rotateAgent(sessionId, newKey.address)
    ).wait();
    const at = BigInt((await chain.provider.getBlock(rotation!.blockNumber))!.timestamp);
    const report = await old.tick();
    const reason = `session #${sessionId} moved to key ${shortAddress(newKey.address)} by ${shortAddress(stack.sessionAdmin.address)} at ${formatChainTime(at)}: this key no longer acts for the vault`;
    expect(report.result).toEqual({ kind: "stand-down", reason });
    expect(report.assessment?.sessions).toMatchObject([{ id: sessionId, status: "moved" }]);
    expect((await old.tick()).result, "and stays down").toEqual({ kind: "stand-down", reason });

    // The old key restarted, a block later, with the session named in its config: it never saw the move, and the
    // session's state says it (the block read holds no event to say who moved it).
    await chain.increaseTime(60);
    const vaults = [{ address: stack.vaultAddress, label: "main", sessionId: Number(sessionId) }];
    const restarted = await assemble(config({ vaults }), new Wallet(AGENT_KEY), holding);
    expect((await restarted.tick()).result).toEqual({
      kind: "stand-down",
      reason: `session #${sessionId} moved to key ${shortAddress(newKey.address)}: this key no longer acts for the vault`,
    });

    // The new key, configured with the same session: idle above the buffer goes out in an equal split through it.
    const fresh = await assemble(
      config({
        planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
        vaults,
      }),
      newKey,
    );
    const sent = await fresh.tick();
    expect(sent.assessment?.reason).toBe(`acting through session #${sessionId}`);
    expect(sent.result).toMatchObject({ kind: "sent", confirmed: true });
    const [event] = (await rebalancedEvents(stack)).slice(-1);
    expect(event!.args.agent, "the new key's rebalance").toBe(newKey.address);
    expect(event!.args.sessionId).toBe(sessionId);
  });
});
