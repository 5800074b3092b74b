import { expect } from "chai";
import { network } from "hardhat";
import { decodeRevert, revertDataOf } from "@agent-treasury/agent";
import { castVote } from "../scripts/actions/cast-vote.js";
import { executeProposal } from "../scripts/actions/execute-proposal.js";
import { grantSession } from "../scripts/actions/grant-session.js";
import { proposalStatus } from "../scripts/actions/proposal-status.js";
import { proposeBounds } from "../scripts/actions/propose-bounds.js";
import { queueProposal } from "../scripts/actions/queue-proposal.js";
import { runBoundsProposal } from "../scripts/actions/run-bounds-proposal.js";
import { planCalls, type BoundsChange } from "../scripts/lib/bounds-changes.js";
import { InputError, OperationError } from "../scripts/lib/errors.js";
import { mineBlocks } from "../scripts/lib/governance.js";
import { ACCOUNTS, deployTreasury, listStrategies } from "./helpers/treasury-fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function deployed() {
  return await deployTreasury(connection);
}

async function listed() {
  const treasury = await deployTreasury(connection);
  await listStrategies(treasury);
  return treasury;
}

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  expect.fail("expected an error");
}

async function proposalCount(governorAddress: string): Promise<number> {
  const governor = await ethers.getContractAt("TreasuryGovernor", governorAddress);
  return (await governor.queryFilter(governor.filters.ProposalCreated())).length;
}

describe("Governance: bounds change through Governor and Timelock", () => {
  it("--fast-forward mines the template's 57,600 blocks of voting delay and period in one hardhat_mine call on Hardhat's chain", async () => {
    const { ctx } = await networkHelpers.loadFixture(deployed);
    const before = await ethers.provider.getBlockNumber();
    expect(await mineBlocks(ctx, 57_600n), "one call, Hardhat's method").to.equal("hardhat_mine");
    expect(await ethers.provider.getBlockNumber(), "every block mined").to.equal(before + 57_600);
  });

  it("on a node without hardhat_mine or anvil_mine, --fast-forward mines with evm_mine up to 2,000 blocks and refuses more", async () => {
    // A node that knows only the standard methods and evm_mine (the fallback's whole contract with it).
    const sent: string[] = [];
    const provider = {
      async send(method: string) {
        sent.push(method);
        if (method === "web3_clientVersion") return "SomeNode/1.0";
        if (method === "evm_mine") return "0x0";
        throw Object.assign(new Error("Method not found"), { code: -32601 });
      },
    };
    const ctx = { ethers: { provider }, networkName: "other", log: () => {} } as unknown as Parameters<
      typeof mineBlocks
    >[0];
    expect(await mineBlocks(ctx, 3n), "falls back").to.equal("evm_mine");
    expect(sent, "tried both mining methods, then three evm_mine").to.deep.equal([
      "web3_clientVersion",
      "anvil_mine",
      "hardhat_mine",
      "evm_mine",
      "evm_mine",
      "evm_mine",
    ]);
    const error = await thrown(() => mineBlocks(ctx, 57_600n));
    expect(error.message, "too many one at a time").to.equal(
      "other mines neither with hardhat_mine nor with anvil_mine, and 57600 blocks one evm_mine at a time is too many (at most 2000): " +
        "rehearse on Hardhat's node or anvil, or with a shorter voting period",
    );
  });

  it("the full lifecycle changes the vault's bounds, and the same calls from anyone else revert", async () => {
    const { ctx } = await networkHelpers.loadFixture(deployed);
    const [s0, s1] = ctx.addresses.strategies;
    const unit = 10n ** 6n;
    // Only loosening changes (governance-only): nobody but the Timelock may make any of them.
    const changes: BoundsChange[] = [
      { kind: "addStrategy", strategy: s0, absoluteCap: 2_000_000n * unit, relativeCapBps: 5_000 },
      { kind: "addStrategy", strategy: s1, absoluteCap: 750_000n * unit, relativeCapBps: 3_000 },
      { kind: "setIdleBuffer", idleBufferBps: 500 },
      { kind: "setLossLimits", maxLossPerCallBps: 75, epochLossBudgetBps: 200 },
      {
        kind: "setCeilings",
        maxDuration: 3 * 86_400,
        maxVolumePerCall: 100_000n * unit,
        maxVolumePerEpoch: 400_000n * unit,
      },
    ];

    const calls = await planCalls(ctx, changes);
    const expectedError: Record<string, { guardian: string; others: string }> = {
      "TreasuryVault.addStrategy": { guardian: "NotGovernance", others: "NotGovernance" },
      "TreasuryVault.setIdleBuffer": { guardian: "GuardianCannotLoosen", others: "NotGuardianOrGovernance" },
      "TreasuryVault.setLossLimits": { guardian: "GuardianCannotLoosen", others: "NotGuardianOrGovernance" },
      "SessionManager.setCeilings": { guardian: "NotGovernance", others: "NotGovernance" },
    };
    const signers = await ethers.getSigners();
    for (const call of calls) {
      for (const [who, index] of Object.entries(ACCOUNTS)) {
        const error = await thrown(() =>
          ethers.provider.call({ from: signers[index].address, to: call.target, data: call.data }),
        );
        const expected =
          who === "guardian" ? expectedError[call.signature].guardian : expectedError[call.signature].others;
        expect(decodeRevert(revertDataOf(error))?.name, `${call.signature} sent directly by the ${who}`).to.equal(
          expected,
        );
      }
    }

    const proposed = await proposeBounds(ctx, { changes, title: "Loosen the bounds" });
    expect(proposed.calls, "one proposal carries every call").to.have.length(5);
    expect(proposed.description, "human-readable description").to.contain("Set the idle buffer: 10.00% -> 5.00%");
    expect((await proposalStatus(ctx, proposed.proposalId)).state, "after propose").to.equal("Pending");

    const early = await thrown(() => castVote(ctx, { proposalId: proposed.proposalId, support: "for" }));
    expect(early, "voting before the vote opens").to.be.instanceOf(OperationError);
    expect(early.message, "says when voting opens").to.match(/opens after clock/);

    const vote = await castVote(ctx, { proposalId: proposed.proposalId, support: "for", fastForward: true });
    expect(vote.weight, "the deployer votes with the whole supply").to.equal(10n ** 24n);
    expect((await proposalStatus(ctx, proposed.proposalId)).votes.for, "vote counted").to.equal(10n ** 24n);

    const queued = await queueProposal(ctx, { proposalId: proposed.proposalId, fastForward: true });
    expect((await proposalStatus(ctx, proposed.proposalId)).state, "after queue").to.equal("Queued");
    const now = BigInt(await networkHelpers.time.latest());
    expect(queued.eta - now, "executable after the Timelock delay").to.be.closeTo(3_600n, 5n);

    const tooEarly = await thrown(() => executeProposal(ctx, { proposalId: proposed.proposalId }));
    expect(tooEarly.message, "execution waits for the delay").to.match(/executable from/);
    expect(await ctx.vault.strategyCount(), "nothing changed while queued").to.equal(0n);

    await executeProposal(ctx, { proposalId: proposed.proposalId, fastForward: true });
    expect((await proposalStatus(ctx, proposed.proposalId)).state, "after execute").to.equal("Executed");

    const c0 = await ctx.vault.strategyConfig(s0);
    expect([c0.listed, c0.absoluteCap, c0.relativeCapBps], "strategy 0 listed with its caps").to.deep.equal([
      true,
      2_000_000n * unit,
      5_000n,
    ]);
    expect((await ctx.vault.strategyConfig(s1)).absoluteCap, "strategy 1 listed with its cap").to.equal(
      750_000n * unit,
    );
    const bounds = await ctx.vault.bounds();
    expect(bounds.idleBufferBps, "idle buffer lowered").to.equal(500n);
    expect([bounds.maxLossPerCallBps, bounds.epochLossBudgetBps], "loss limits raised").to.deep.equal([75n, 200n]);
    const ceilings = await ctx.sessions.ceilings(ctx.addresses.vault);
    expect(ceilings.maxVolumePerCall, "session ceiling set").to.equal(100_000n * unit);
  });

  it("runs end to end in one call with fastForward and reports the execution", async () => {
    const { ctx } = await networkHelpers.loadFixture(deployed);
    const result = await runBoundsProposal(ctx, {
      changes: [{ kind: "setIdleBuffer", idleBufferBps: 1_500 }],
      fastForward: true,
    });
    expect(result.executed, "executed").to.equal(true);
    expect((await ctx.vault.bounds()).idleBufferBps, "idle buffer raised by governance").to.equal(1_500n);
  });

  it("sets a risk group's caps before tagging its strategies, and refuses a tag whose group has no caps", async () => {
    const { ctx } = await networkHelpers.loadFixture(listed);
    const [s0, s1] = ctx.addresses.strategies;
    const unit = 10n ** BigInt(ctx.asset.decimals);
    const untagged = await thrown(() => planCalls(ctx, [{ kind: "setRiskGroups", strategy: s0, riskGroups: 1 }]));
    expect(untagged, "a tag first").to.be.instanceOf(InputError);
    expect(untagged.message, "says to cap the group first").to.contain("--risk-group-cap 0:");
    const result = await runBoundsProposal(ctx, {
      changes: [
        { kind: "setRiskGroupCap", id: 0, absoluteCap: 600_000n * unit, relativeCapBps: 6_000 },
        { kind: "setRiskGroups", strategy: s0, riskGroups: 1 },
        { kind: "setRiskGroupCap", id: 4, absoluteCap: 300_000n * unit, relativeCapBps: 1_000 },
        { kind: "setRiskGroups", strategy: s1, riskGroups: 1 | (1 << 4) },
      ],
      fastForward: true,
    });
    expect(result.executed, "executed").to.equal(true);
    const groups = await ethers.getContractAt("IRiskGroups", await ctx.vault.getAddress());
    const cap = await groups.riskGroupCap(0);
    expect([cap.absoluteCap, cap.relativeCapBps], "the group's caps").to.deep.equal([600_000n * unit, 6_000n]);
    expect((await ctx.vault.strategyConfig(s1)).riskGroups, "strategy 1's groups").to.equal(17n);
    const snapshot = await ctx.lens.snapshot(await ctx.vault.getAddress(), ctx.signer.address);
    expect(
      snapshot.riskGroups?.map((g) => g.id),
      "the lens lists both groups in use",
    ).to.deep.equal([0, 4]);
  });

  it("refuses a proposal that would fail on execution, with the contract's reason, and proposes nothing", async () => {
    const { ctx, as } = await networkHelpers.loadFixture(listed);
    const governor = ctx.addresses.governor!;
    const before = await proposalCount(governor);

    const outOfRange = await thrown(() =>
      proposeBounds(ctx, { changes: [{ kind: "setLossLimits", maxLossPerCallBps: 600, epochLossBudgetBps: 100 }] }),
    );
    expect(outOfRange, "an OperationError").to.be.instanceOf(OperationError);
    expect((outOfRange as OperationError).revert?.name, "decoded contract error").to.equal("BoundOutOfRange");
    expect(outOfRange.message, "names the failing call").to.match(
      /setLossLimits.*BoundOutOfRange\(value=600, min=0, max=500\)/,
    );

    const otherAsset = await ethers.deployContract("MockERC20", ["Other", "OTH", 18]);
    const wrongStrategy = await ethers.deployContract("MockStrategy", [await otherAsset.getAddress(), "Wrong asset"]);
    const wrong = await wrongStrategy.getAddress();
    const mismatch = await thrown(() =>
      proposeBounds(ctx, { changes: [{ kind: "addStrategy", strategy: wrong, absoluteCap: 1n, relativeCapBps: 1 }] }),
    );
    expect((mismatch as OperationError).revert?.name, "strategy over another asset").to.equal("StrategyAssetMismatch");

    // A strategy holding the vault's money that it will not let go cannot be delisted: fund the vault, let an agent
    // allocate to it, then block its withdrawals (delisting redeems what a strategy lets go first).
    const unit = 10n ** 6n;
    const asset = await ethers.getContractAt("MockERC20", ctx.addresses.asset);
    const [, , , agent, user] = await ethers.getSigners();
    await (await asset.mint(user.address, 1_000_000n * unit)).wait();
    await (await asset.connect(user).approve(ctx.addresses.vault, 1_000_000n * unit)).wait();
    await (await ctx.vault.connect(user).deposit(1_000_000n * unit, user.address)).wait();
    const { sessionId } = await grantSession(await as("sessionAdmin"), {
      agent: agent.address,
      strategies: "all",
      duration: 86_400,
      maxVolumePerCall: 200_000n * unit,
      maxVolumePerEpoch: 200_000n * unit,
      epochLength: 86_400,
      minInterval: 0,
      maxCallsPerEpoch: 5,
    });
    const s0 = ctx.addresses.strategies[0];
    await (
      await ctx.vault.connect(agent).rebalance([{ strategy: s0, assets: 100_000n * unit }], sessionId, ethers.ZeroHash)
    ).wait();
    await (await (await ethers.getContractAt("MockStrategy", s0)).setBlocked(true)).wait();
    const notEmpty = await thrown(() => proposeBounds(ctx, { changes: [{ kind: "removeStrategy", strategy: s0 }] }));
    expect((notEmpty as OperationError).revert?.name, "delisting a funded strategy").to.equal("StrategyNotEmpty");

    const unknown = await thrown(() =>
      proposeBounds(ctx, { changes: [{ kind: "setCaps", strategy: wrong, absoluteCap: 1n, relativeCapBps: 1 }] }),
    );
    expect(unknown, "an unknown strategy is bad input").to.be.instanceOf(InputError);
    expect(unknown.message, "says it is not listed").to.match(/unknown strategy .* not listed/);

    expect(await proposalCount(governor), "no proposal was created").to.equal(before);
  });

  it("refuses an identical proposal, conflicting changes, and queueing a defeated proposal", async () => {
    const { ctx } = await networkHelpers.loadFixture(deployed);
    const changes: BoundsChange[] = [{ kind: "setIdleBuffer", idleBufferBps: 800 }];
    const { proposalId } = await proposeBounds(ctx, { changes });
    const duplicate = await thrown(() => proposeBounds(ctx, { changes }));
    expect(duplicate.message, "an identical proposal").to.match(/identical proposal already exists/);

    const s0 = ctx.addresses.strategies[0];
    const conflict = await thrown(() =>
      proposeBounds(ctx, {
        changes: [
          { kind: "addStrategy", strategy: s0, absoluteCap: 1n, relativeCapBps: 1 },
          { kind: "setCaps", strategy: s0, absoluteCap: 2n, relativeCapBps: 2 },
        ],
      }),
    );
    expect(conflict, "two changes of one strategy").to.be.instanceOf(InputError);

    await castVote(ctx, { proposalId, support: "against", fastForward: true });
    const defeated = await thrown(() => queueProposal(ctx, { proposalId, fastForward: true }));
    expect(defeated.message, "a defeated proposal is not queued").to.match(
      /was defeated: for 0, against 1000000000000000000000000/,
    );
    expect((await ctx.vault.bounds()).idleBufferBps, "bounds unchanged").to.equal(1_000n);
  });
});
