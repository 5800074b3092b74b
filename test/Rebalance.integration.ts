import { fund, grantSession } from "@agent-treasury/agent/devnet";
import { expect } from "chai";
import { network } from "hardhat";
import { deployDirectStack } from "./helpers/treasury-fixture.js";

const { ethers, networkHelpers } = await network.create();

async function stackWithSession() {
  const stack = await deployDirectStack(ethers, { strategies: 3 });
  // Every treasury error is declared in ErrorsLib; its ABI decodes what the vault and the session manager raise.
  const errors = await ethers.getContractAt("ErrorsLib", await stack.vault.getAddress());
  await fund(stack, stack.users[0], 1_000_000n * stack.unit);
  const now = await networkHelpers.time.latest();
  const sessionId = await grantSession(stack, {
    agent: stack.agent.address,
    validAfter: BigInt(now),
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 1_000_000n * stack.unit,
    maxVolumePerEpoch: 2_000_000n * stack.unit,
  });
  return { ...stack, sessionId, errors };
}

describe("TreasuryVault through a session (deployed stack)", () => {
  it("moves money into three strategies in one rebalance and the lens reports it", async () => {
    const { vault, strategies, agent, sessionId, lens, unit, sessions } =
      await networkHelpers.loadFixture(stackWithSession);
    const targets = await Promise.all(
      strategies.map(async (s) => ({ strategy: await s.getAddress(), assets: 300_000n * unit })),
    );
    const intentHash = ethers.id("plan: equal split of 90%");

    const preview = await vault.previewRebalance.staticCall(targets, sessionId, agent.address);
    expect(preview.ok, "preview says the rebalance passes").to.equal(true);
    expect(preview.volume, "volume is the sum of the moves").to.equal(900_000n * unit);

    await expect(vault.connect(agent).rebalance(targets, sessionId, intentHash))
      .to.emit(vault, "Rebalanced")
      .withArgs(
        sessionId,
        agent.address,
        intentHash,
        900_000n * unit,
        1_000_000n * unit,
        (v: bigint) => v > 999_999n * unit,
        (l: bigint) => l < 10n,
      );

    const snapshot = await lens.snapshot(await vault.getAddress(), agent.address);
    expect(snapshot.strategies.length, "three strategies listed").to.equal(3);
    for (const s of snapshot.strategies) {
      expect(s.allocation, `allocation of ${s.strategy}`).to.be.closeTo(300_000n * unit, 2n);
    }
    expect(snapshot.idle, "idle keeps the 10% buffer").to.equal(100_000n * unit);
    // Total assets are valued live; the allocations are book values, and a rebalance books no gain.
    expect(snapshot.totalAssets, "total within rounding of idle + allocations").to.be.closeTo(
      snapshot.idle + snapshot.totalAllocated,
      3n,
    );
    expect(snapshot.sessions.length, "the agent's session is reported").to.equal(1);
    expect(snapshot.sessions[0].remaining.volumeInEpoch, "epoch budget left").to.equal(1_100_000n * unit);

    const remaining = await sessions.remaining(sessionId);
    expect(remaining.callsInEpoch, "one call used").to.equal(23n);
    for (const s of strategies) {
      expect(await s.allowance(await vault.getAddress(), await s.getAddress()), "no leftover allowance").to.equal(0n);
    }
  });

  it("rejects a rebalance above a cap with the precise custom error, and the preview agrees", async () => {
    const { vault, strategies, agent, sessionId, unit, errors } = await networkHelpers.loadFixture(stackWithSession);
    const targets = [{ strategy: await strategies[0].getAddress(), assets: 600_000n * unit }];
    const preview = await vault.previewRebalance.staticCall(targets, sessionId, agent.address);
    expect(preview.ok, "preview rejects").to.equal(false);
    const decoded = errors.interface.parseError(preview.reason);
    expect(decoded?.name, "preview names the error").to.equal("RelativeCapExceeded");

    await expect(vault.connect(agent).rebalance(targets, sessionId, ethers.ZeroHash))
      .to.be.revertedWithCustomError(errors, "RelativeCapExceeded")
      .withArgs(await strategies[0].getAddress(), 600_000n * unit, 500_000n * unit);
  });

  it("stops a session after the guardian pauses agents, while users still withdraw", async () => {
    const { vault, sessions, strategies, agent, guardian, users, sessionId, unit, errors } =
      await networkHelpers.loadFixture(stackWithSession);
    const targets = [{ strategy: await strategies[0].getAddress(), assets: 100_000n * unit }];
    await (await sessions.connect(guardian).pauseAgents()).wait();
    await expect(vault.connect(agent).rebalance(targets, sessionId, ethers.ZeroHash)).to.be.revertedWithCustomError(
      errors,
      "AgentsPaused",
    );
    await expect(vault.connect(users[0]).withdraw(10_000n * unit, users[0].address, users[0].address)).to.emit(
      vault,
      "Withdraw",
    );
  });
});
