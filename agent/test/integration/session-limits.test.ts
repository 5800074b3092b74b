/**
 * The daemon with a session's own limits, against the real contracts on the embedded chain: through a reduce-only
 * session it holds with nothing to de-risk and empties a disabled strategy, raising nothing; through a session with its
 * own loss allowance it sends a plan whose loss fits (the allowance is charged) and holds one that does not, naming
 * both figures, with nothing sent and the session still standing.
 */
import { describe, expect, it } from "vitest";
import { grantSession } from "../../devnet/stack.js";
import { LensReader } from "../../src/chain/reader.js";
import { FeeStrategy__factory } from "../../../types/ethers-contracts/index.js";
import { AGENT, rebalancedEvents, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";

const env = useStack();

const u = () => env.stack.unit;
const grant = (over: Partial<Parameters<typeof grantSession>[1]> = {}) =>
  grantSession(env.stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 600_000n * u(),
    maxVolumePerEpoch: 3_000_000n * u(),
    ...over,
  });
const allocations = () => Promise.all(env.stack.strategyAddresses.map((s) => env.stack.vault.allocation(s)));
const lossLeft = async (sessionId: bigint) => {
  const snap = await new LensReader(env.chain.provider, env.stack.lensAddress).snapshot(env.stack.vaultAddress, AGENT);
  return snap.sessions.find((s) => s.id === sessionId)!.remaining.lossLeft;
};

/**
 * Share prices a little off 1:1 in every strategy: deposits then lose a unit or two of rounding, which the mirror sees
 * on the lens data (a strategy's own fees it cannot see).
 */
async function priceOffOne(): Promise<void> {
  for (const [i, s] of env.stack.strategies.entries())
    await (await s.simulateGain(7_777_777n + BigInt(i) * 1_234_567n)).wait();
}

describe("daemon with a session's own limits", () => {
  it("through a reduce-only session: holds with nothing to reduce, then empties a disabled strategy and raises none", async () => {
    // Money spread by an ordinary session, which is then revoked for a reduce-only one.
    const ordinary = await grant();
    const agent = await env.chain.provider.getSigner(AGENT);
    await (
      await env.stack.vault.connect(agent).rebalance(
        env.stack.strategyAddresses.map((s) => ({ strategy: s, assets: 200_000n * u() })),
        ordinary,
        `0x${"aa".repeat(32)}`,
      )
    ).wait();
    await (await env.stack.sessions.connect(env.stack.guardian).revoke(ordinary)).wait();
    await grant({ reduceOnly: true });
    const { daemon, logs } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));

    const idleTick = (await daemon.tick())[0]!.report!;
    expect(idleTick.result, "nothing to de-risk, though idle could go out").toEqual({
      kind: "hold",
      code: "reduce-only",
      reason: "reduce-only session: nothing to reduce",
    });
    expect(logs.messages()).toContain("holding: reduce-only session: nothing to reduce");

    const before = await allocations();
    await (
      await env.stack.vault.connect(env.stack.guardian).setStrategyEnabled(env.stack.strategyAddresses[0]!, false)
    ).wait();
    const exit = (await daemon.tick())[0]!.report!;
    expect(exit.result.kind, JSON.stringify(exit.result)).toBe("sent");
    expect(exit.plan?.kind === "rebalance" && exit.plan.reason).toMatch(/reduce-only session: #0 /);
    const after = await allocations();
    expect(after[0], "the disabled strategy is emptied").toBe(0n);
    expect(after.slice(1), "the others are not raised").toEqual(before.slice(1));
    expect((await rebalancedEvents(env.stack)).length, "the spread, then the exit").toBe(2);
  });

  it("through a session with its own loss allowance: sends a plan whose loss fits, and the allowance is charged", async () => {
    await priceOffOne();
    const session = await grant({ maxLoss: 100n });
    const { daemon } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
    const tick = (await daemon.tick())[0]!.report!;
    expect(tick.result.kind, JSON.stringify(tick.result)).toBe("sent");
    const loss = tick.verdict!.predictedLoss;
    expect(loss, "the deposits lose a few units of rounding").toBeGreaterThan(0n);
    expect((await env.stack.sessions.getSession(session)).lossUsed, "the mirror's loss is charged").toBe(loss);
    expect(await lossLeft(session), "the lens's loss left").toBe(100n - loss);
  });

  it("through a session with its own loss allowance: holds a plan that loses more than is left, naming both", async () => {
    await priceOffOne();
    const session = await grant({ maxLoss: 1n });
    const { daemon, logs } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
    const tick = (await daemon.tick())[0]!.report!;
    expect(tick.result).toMatchObject({ kind: "hold", code: "session-loss-allowance" });
    const reason = tick.result.kind === "hold" ? tick.result.reason : "";
    expect(reason).toMatch(
      /^the plan would lose 0\.00000[2-9], more than the 0\.000001 left of the session's own loss allowance of 0\.000001; not sent$/,
    );
    expect(logs.messages()).toContain(`holding: ${reason}`);
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);
    expect((await env.stack.sessions.getSession(session)).revoked, "the session stands").toBe(false);
    expect(await lossLeft(session), "nothing charged").toBe(1n);
  });

  it("through a session with its own loss allowance: a loss the mirror cannot see (a strategy's own fee) is caught by the preview, nothing sent", async () => {
    // `rebalance` answers a loss past the session's allowance by revoking the session and moving nothing, without a
    // revert: only `previewRebalance` tells that plan apart before it is sent.
    const governance = env.stack.governance;
    const fee = await (
      await new FeeStrategy__factory(governance).deploy(await env.stack.asset.getAddress(), 50, governance.address)
    ).waitForDeployment();
    const f = await fee.getAddress();
    await (await env.stack.vault.connect(governance).addStrategy(f, 10n ** 15n, 2_000)).wait();
    const session = await grant({ maxLoss: 10n * u(), scope: [...env.stack.strategyAddresses, f] });
    const { daemon } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));
    const tick = (await daemon.tick())[0]!.report!;
    expect(tick.verdict?.ok, "the mirror, blind to the fee, passes the plan").toBe(true);
    expect(JSON.stringify(tick.result, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).toMatch(
      /SessionLossBudgetExceeded/,
    );
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);
    expect((await env.stack.sessions.getSession(session)).revoked, "the session stands").toBe(false);
    expect(await lossLeft(session), "nothing charged").toBe(10n * u());
  });
});
