import { expect } from "chai";
import { network } from "hardhat";
import { decodeRevert, revertDataOf } from "@agent-treasury/agent";
import { cancelQueuedProposal } from "../scripts/actions/cancel-queued-proposal.js";
import { castVote } from "../scripts/actions/cast-vote.js";
import { disableStrategy } from "../scripts/actions/disable-strategy.js";
import { executeProposal } from "../scripts/actions/execute-proposal.js";
import { proposeBounds } from "../scripts/actions/propose-bounds.js";
import { queueProposal } from "../scripts/actions/queue-proposal.js";
import { grantSession } from "../scripts/actions/grant-session.js";
import { lowerCap } from "../scripts/actions/lower-cap.js";
import { pauseAgents } from "../scripts/actions/pause-agents.js";
import { revokeSession } from "../scripts/actions/revoke-session.js";
import { unpauseAgents } from "../scripts/actions/unpause-agents.js";
import { writeDown } from "../scripts/actions/write-down.js";
import { raiseLiquidityFloor } from "../scripts/actions/raise-liquidity-floor.js";
import { lowerStepUp } from "../scripts/actions/lower-step-up.js";
import { markStrategy } from "../scripts/actions/mark-strategy.js";
import { runBoundsProposal } from "../scripts/actions/run-bounds-proposal.js";
import { OperationError } from "../scripts/lib/errors.js";
import { findProposal, proposalState } from "../scripts/lib/governance.js";
import { deployTreasury, listStrategies } from "./helpers/treasury-fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const unit = 10n ** 6n;

async function listedWithSession() {
  const treasury = await deployTreasury(connection);
  await listStrategies(treasury);
  const { sessionId } = await grantSession(await treasury.as("sessionAdmin"), {
    agent: (await ethers.getSigners())[3].address,
    strategies: "all",
    duration: 86_400,
    maxVolumePerCall: 100_000n * unit,
    maxVolumePerEpoch: 200_000n * unit,
    epochLength: 86_400,
    minInterval: 60,
    maxCallsPerEpoch: 10,
  });
  return { ...treasury, sessionId };
}

/** The decoded name of the error `promise` reverts with. */
async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error instanceof OperationError ? error.revert : decodeRevert(revertDataOf(error)))?.name;
  }
  expect.fail("expected a revert");
}

/** The arguments `governor.execute` takes for a proposal. */
async function queuedCalls(ctx: Awaited<ReturnType<typeof listedWithSession>>["ctx"], proposalId: bigint) {
  const p = await findProposal(ctx, ctx.governor!, proposalId);
  return [p.targets, p.values, p.calldatas, p.descriptionHash] as const;
}

describe("Guardian: tightens at once, never loosens; unpause needs governance", () => {
  it("writes a broken strategy's book value down at once; refuses a strategy whose views answer", async () => {
    const { as, sessionId, ctx } = await networkHelpers.loadFixture(listedWithSession);
    const guardian = await as("guardian");
    const [s0] = ctx.addresses.strategies;
    const user = (await ethers.getSigners())[4];
    const asset = await ethers.getContractAt("MockERC20", ctx.addresses.asset);
    await (await asset.mint(user.address, 100_000n * unit)).wait();
    await (await asset.connect(user).approve(ctx.addresses.vault, 100_000n * unit)).wait();
    await (await ctx.vault.connect(user).deposit(100_000n * unit, user.address)).wait();
    await networkHelpers.mine();
    const agent = (await ethers.getSigners())[3];
    await (
      await ctx.vault.connect(agent).rebalance([{ strategy: s0, assets: 30_000n * unit }], sessionId, ethers.ZeroHash)
    ).wait();
    expect(await revertName(writeDown(guardian, { strategy: s0, value: 10_000n * unit })), "views answer").to.equal(
      "StrategyViewsWork",
    );
    const broken = await ethers.getContractAt("MockStrategy", s0);
    await (await broken.setViewsBroken(true)).wait();
    const before = await ctx.vault.totalAssets();
    await writeDown(guardian, { strategy: s0, value: 10_000n * unit });
    expect(await ctx.vault.allocation(s0), "book written down").to.equal(10_000n * unit);
    expect(before - (await ctx.vault.totalAssets()), "total assets down by the same").to.equal(20_000n * unit);
    let refused = "";
    try {
      await writeDown(guardian, { strategy: s0, value: 10_000n * unit });
    } catch (error) {
      refused = (error as Error).message;
    }
    expect(refused, "not below the book: refused before sending").to.match(/is not below the strategy's book value/);
    expect(await revertName(writeDown(await as("agent"), { strategy: s0, value: 0n })), "an agent may not").to.equal(
      "NotGuardianOrGovernance",
    );
  });

  it("share-price rate bound: proposed by governance, a pumped strategy frozen by anyone, cleared by a proposal", async () => {
    const { as, sessionId, ctx } = await networkHelpers.loadFixture(listedWithSession);
    const [s0] = ctx.addresses.strategies;
    const user = (await ethers.getSigners())[4];
    const asset = await ethers.getContractAt("MockERC20", ctx.addresses.asset);
    await (await asset.mint(user.address, 100_000n * unit)).wait();
    await (await asset.connect(user).approve(ctx.addresses.vault, 100_000n * unit)).wait();
    await (await ctx.vault.connect(user).deposit(100_000n * unit, user.address)).wait();
    await networkHelpers.mine();
    const agent = (await ethers.getSigners())[3];
    await (
      await ctx.vault.connect(agent).rebalance([{ strategy: s0, assets: 30_000n * unit }], sessionId, ethers.ZeroHash)
    ).wait();
    const on = await runBoundsProposal(ctx, {
      changes: [{ kind: "setMaxPriceRate", maxPriceRateBps: 100 }],
      fastForward: true,
    });
    expect(
      on.calls.map((c) => c.signature),
      "one call",
    ).to.deep.equal(["TreasuryVault.setMaxPriceRate"]);
    expect(await ctx.vault.maxPriceRateBps(), "1% a day").to.equal(100n);
    // The proposal's voting and delay took days: re-mark, then pump the strategy 10% by a donation.
    const anyone = await as("agent");
    expect((await markStrategy(anyone, { strategy: s0 })).frozen, "re-marked, not frozen").to.equal(false);
    await (await asset.mint(s0, 3_000n * unit)).wait();
    const marked = await markStrategy(anyone, { strategy: s0 });
    expect(marked.frozen, "frozen on chain by anyone").to.equal(true);
    expect(
      await revertName(
        ctx.vault.connect(agent).rebalance([{ strategy: s0, assets: 40_000n * unit }], sessionId, ethers.ZeroHash),
      ),
      "exit-only",
    ).to.equal("StrategyFrozen");
    await runBoundsProposal(ctx, { changes: [{ kind: "clearFreeze", strategy: s0 }], fastForward: true });
    expect((await ctx.vault.priceMark(s0)).frozen, "cleared by governance").to.equal(false);
  });

  it("lowers a cap, disables a strategy, raises the buffer, lowers loss limits, pauses and revokes at once, without a proposal", async () => {
    const { as, sessionId, ctx } = await networkHelpers.loadFixture(listedWithSession);
    const guardian = await as("guardian");
    const [s0, s1] = ctx.addresses.strategies;
    const governor = await ethers.getContractAt("TreasuryGovernor", ctx.addresses.governor!);
    const proposalsBefore = (await governor.queryFilter(governor.filters.ProposalCreated())).length;

    await lowerCap(guardian, { strategy: s0, absoluteCap: 400_000n * unit, relativeCapBps: 2_500 });
    const c0 = await ctx.vault.strategyConfig(s0);
    expect([c0.absoluteCap, c0.relativeCapBps], "caps lowered at once").to.deep.equal([400_000n * unit, 2_500n]);

    await lowerCap(guardian, { strategy: s1, relativeCapBps: 1_000 });
    const c1 = await ctx.vault.strategyConfig(s1);
    expect([c1.absoluteCap, c1.relativeCapBps], "a cap left out keeps its value").to.deep.equal([
      1_000_000n * unit,
      1_000n,
    ]);

    await disableStrategy(guardian, { strategy: s1 });
    expect((await ctx.vault.strategyConfig(s1)).enabled, "strategy disabled at once").to.equal(false);

    await (await guardian.vault.setIdleBuffer(2_000)).wait();
    expect((await ctx.vault.bounds()).idleBufferBps, "idle buffer raised at once").to.equal(2_000n);
    await (await guardian.vault.setLossLimits(10, 50, 86_400)).wait();
    expect((await ctx.vault.bounds()).maxLossPerCallBps, "loss limit lowered at once").to.equal(10n);

    await pauseAgents(guardian);
    expect(await ctx.sessions.agentsPaused(), "agents paused at once").to.equal(true);
    await revokeSession(guardian, { sessionId });
    expect((await ctx.sessions.getSession(sessionId)).revoked, "session revoked at once").to.equal(true);

    expect((await governor.queryFilter(governor.filters.ProposalCreated())).length, "no proposal involved").to.equal(
      proposalsBefore,
    );
  });

  it("cannot loosen anything", async () => {
    const { as, ctx } = await networkHelpers.loadFixture(listedWithSession);
    const guardian = await as("guardian");
    const { vault, sessions } = guardian;
    const [s0, s1] = ctx.addresses.strategies;
    const other = (await ethers.getSigners())[5].address;

    const raised = await revertName(lowerCap(guardian, { strategy: s0, absoluteCap: 2_000_000n * unit }));
    expect(raised, "raising the absolute cap through lower-cap").to.equal("GuardianCannotLoosen");
    expect(await revertName(vault.setCaps(s0, 1_000_000n * unit, 4_001)), "raising the relative cap").to.equal(
      "GuardianCannotLoosen",
    );

    await (await vault.setStrategyEnabled(s1, false)).wait();
    expect(await revertName(vault.setStrategyEnabled(s1, true)), "re-enabling a strategy").to.equal(
      "GuardianCannotLoosen",
    );
    expect(await revertName(vault.setIdleBuffer(999)), "lowering the idle buffer").to.equal("GuardianCannotLoosen");
    expect(await revertName(vault.setLossLimits(51, 100, 86_400)), "raising the per-call loss limit").to.equal(
      "GuardianCannotLoosen",
    );
    expect(await revertName(vault.setLossLimits(50, 101, 86_400)), "raising the epoch loss budget").to.equal(
      "GuardianCannotLoosen",
    );
    expect(await revertName(vault.setLossLimits(50, 100, 3_600)), "changing the loss epoch").to.equal(
      "GuardianCannotLoosen",
    );
    expect(await revertName(vault.addStrategy(other, 1n, 1)), "listing a strategy").to.equal("NotGovernance");
    expect(await revertName(vault.removeStrategy(s0)), "delisting a strategy").to.equal("NotGovernance");
    expect(
      await revertName(vault.setWithdrawQueue([s1, s0, ctx.addresses.strategies[2]])),
      "reordering exits",
    ).to.equal("NotGovernance");
    // The vault's roles are the SessionManager's: the guardian cannot take them there either.
    expect(await revertName(sessions.setGuardian(other)), "replacing the guardian").to.equal("NotGovernance");
    expect(await revertName(sessions.setGovernance(other)), "taking governance").to.equal("NotGovernance");
    expect(await vault.governance(), "the vault's governance is still the Timelock").to.equal(ctx.addresses.timelock);
    expect(await vault.guardian(), "the vault's guardian is unchanged").to.equal(await guardian.signer.getAddress());
    expect(
      await revertName(
        sessions.setCeilings(ctx.addresses.vault, {
          maxDuration: 30 * 86_400,
          maxVolumePerCall: 1n,
          maxVolumePerEpoch: 1n,
        }),
      ),
      "raising session ceilings",
    ).to.equal("NotGovernance");
    expect(await revertName(sessions.setSessionAdmin(other)), "replacing the session admin").to.equal("NotGovernance");
    expect(
      await revertName(
        grantSession(guardian, {
          agent: other,
          strategies: "all",
          duration: 3_600,
          maxVolumePerCall: 1n,
          maxVolumePerEpoch: 1n,
          epochLength: 3_600,
          minInterval: 0,
          maxCallsPerEpoch: 1,
          maxLoss: 0n,
          reduceOnly: false,
        }),
      ),
      "granting a session",
    ).to.equal("NotGranter");

    await pauseAgents(guardian);
    expect(await revertName(sessions.unpauseAgents()), "unpausing agents").to.equal("NotGovernance");
    expect(await ctx.sessions.agentsPaused(), "still paused").to.equal(true);
  });

  it("raises the liquidity floor and lowers the step-up at once; governance sets the step-up and cuts the floor", async () => {
    const { as, ctx } = await networkHelpers.loadFixture(listedWithSession);
    const guardian = await as("guardian");
    const policy = (await ethers.getSigners())[6].address;

    await raiseLiquidityFloor(guardian, { liquidityFloorBps: 2_000 });
    expect(await ctx.vault.liquidityFloorBps(), "floor raised at once").to.equal(2_000n);
    const cut = await revertName(guardian.vault.setLiquidityFloor(1_000));
    expect(cut, "the guardian cannot cut it").to.equal("GuardianCannotLoosen");

    const result = await runBoundsProposal(ctx, {
      changes: [
        { kind: "setStepUp", threshold: 50_000n * unit, policySigner: policy },
        { kind: "setLiquidityFloor", liquidityFloorBps: 1_000 },
      ],
      fastForward: true,
    });
    expect(result.executed, "executed").to.equal(true);
    expect(result.calls.map((c) => c.summary).join("\n")).to.contain("co-signed by");
    expect(await ctx.vault.liquidityFloorBps(), "governance cut the floor").to.equal(1_000n);
    expect([...(await ctx.vault.stepUp())], "step-up set").to.deep.equal([50_000n * unit, policy]);

    await lowerStepUp(guardian, { threshold: 20_000n * unit });
    expect([...(await ctx.vault.stepUp())], "lowered, same signer").to.deep.equal([20_000n * unit, policy]);
    const off = await revertName(guardian.vault.setStepUp(0, policy));
    expect(off, "the guardian cannot turn it off").to.equal("GuardianCannotLoosen");
    const other = await revertName(guardian.vault.setStepUp(10_000n * unit, (await ethers.getSigners())[7].address));
    expect(other, "nor change the signer").to.equal("GuardianCannotLoosen");
  });

  it("unpause goes through a governance proposal", async () => {
    const { as, ctx } = await networkHelpers.loadFixture(listedWithSession);
    await pauseAgents(await as("guardian"));
    const result = await unpauseAgents(ctx, { fastForward: true });
    expect(result.executed, "the unpause proposal executed").to.equal(true);
    expect(
      result.calls.map((c) => c.signature),
      "one call",
    ).to.deep.equal(["SessionManager.unpauseAgents"]);
    expect(await ctx.sessions.agentsPaused(), "agents unpaused by governance").to.equal(false);
  });

  it("test_cancelProposal_queuedByGovernance: the guardian cancels a queued proposal, which can then never execute", async () => {
    const { as, ctx } = await networkHelpers.loadFixture(listedWithSession);
    const [s0] = ctx.addresses.strategies;
    const capBefore = (await ctx.vault.strategyConfig(s0)).absoluteCap;
    const { proposalId } = await proposeBounds(ctx, {
      title: "Halve a cap",
      changes: [{ kind: "setCaps", strategy: s0, absoluteCap: capBefore / 2n, relativeCapBps: 4_000 }],
    });
    await castVote(ctx, { proposalId, support: "for", fastForward: true });
    await queueProposal(ctx, { proposalId, fastForward: true });
    const governor = ctx.governor!;
    expect(await proposalState(governor, proposalId), "queued").to.equal("Queued");

    const guardian = await as("guardian");
    const { operationId } = await cancelQueuedProposal(guardian, { proposalId });
    expect(await ctx.timelock!.isOperation(operationId), "the Timelock operation is gone").to.equal(false);
    expect(await proposalState(governor, proposalId), "the Governor reports it cancelled").to.equal("Canceled");

    await networkHelpers.time.increase(3_601);
    const refused = await executeProposal(ctx, { proposalId, fastForward: true }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refused, "execution refused").to.be.instanceOf(OperationError);
    expect(refused!.message).to.equal(`proposal ${proposalId} is Canceled: only a Queued proposal is executed`);
    const raw = await revertName(governor.execute.staticCall(...(await queuedCalls(ctx, proposalId))));
    expect(raw, "the Governor itself refuses it too").to.equal("GovernorUnexpectedProposalState");
    expect((await ctx.vault.strategyConfig(s0)).absoluteCap, "the cap is unchanged").to.equal(capBefore);
  });

  it("test_RevertWhen_cancelProposal_notGuardian: a stranger cannot cancel a queued proposal", async () => {
    const { as, ctx } = await networkHelpers.loadFixture(listedWithSession);
    const [s0] = ctx.addresses.strategies;
    const { proposalId } = await proposeBounds(ctx, {
      title: "Lower a cap",
      changes: [{ kind: "setCaps", strategy: s0, absoluteCap: 1n, relativeCapBps: 1 }],
    });
    await castVote(ctx, { proposalId, support: "for", fastForward: true });
    await queueProposal(ctx, { proposalId, fastForward: true });
    expect(
      await revertName(cancelQueuedProposal(await as("stranger"), { proposalId })),
      "the stranger is refused",
    ).to.equal("AccessControlUnauthorizedAccount");
    expect(await proposalState(ctx.governor!, proposalId), "still queued").to.equal("Queued");
    const { txHash } = await executeProposal(ctx, { proposalId, fastForward: true });
    expect(txHash, "and it executes").to.be.a("string");
    expect((await ctx.vault.strategyConfig(s0)).absoluteCap).to.equal(1n);
  });

  it("a non-guardian cannot pull the brake", async () => {
    const { as, sessionId } = await networkHelpers.loadFixture(listedWithSession);
    const stranger = await as("stranger");
    expect(await revertName(pauseAgents(stranger)), "pausing").to.equal("NotGuardianOrGovernance");
    expect(await revertName(revokeSession(stranger, { sessionId })), "revoking").to.equal("NotRevoker");
  });
});
