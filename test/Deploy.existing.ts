/**
 * The treasury deployed onto a DAO's existing governance (its Timelock and Governor, or a Safe), every role where the
 * parameters put it and none with the deployer; roles changed through the proposal path and through a Safe batch;
 * governance handed from a Safe to a Timelock in two steps.
 */
import { expect } from "chai";
import { network } from "hardhat";
import GovernanceModule from "../deploy/modules/Governance.js";
import { chooseModule, deployStack } from "../scripts/actions/deploy-stack.js";
import { exportSafeBatch, safeBatchChecksum } from "../scripts/actions/export-safe-batch.js";
import { loadContext, type TreasuryContext } from "../scripts/lib/context.js";
import { InputError } from "../scripts/lib/errors.js";
import { TIMELOCK_ROLES } from "../scripts/lib/governance-shape.js";
import { main } from "../scripts/treasury.js";
import { LOCAL_PARAMETERS, deployTreasury } from "./helpers/treasury-fixture.js";

const connection = await network.create();
const { ethers, ignition, networkHelpers } = connection;
const [deployer, guardian, sessionAdmin, , , stranger, safeOwner, newGuardian, newAdmin] = await ethers.getSigners();

async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  expect.fail("expected an error");
}

async function cli(ctx: TreasuryContext, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    connection,
    addresses: ctx.addresses,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A DAO that already has a votes token, a Timelock and a Governor (the guardian cancels), and an asset. */
async function existingDao() {
  const dao = await ignition.deploy(GovernanceModule, { parameters: LOCAL_PARAMETERS });
  const asset = await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
  const strategies = [
    await ethers.deployContract("MockStrategy", [await asset.getAddress(), "A"]),
    await ethers.deployContract("MockStrategy", [await asset.getAddress(), "B"]),
  ];
  return {
    timelock: await dao.timelock.getAddress(),
    governor: await dao.governor.getAddress(),
    token: await dao.token.getAddress(),
    asset: await asset.getAddress(),
    strategies: await Promise.all(strategies.map((s) => s.getAddress())),
  };
}

function onTimelock(dao: Awaited<ReturnType<typeof existingDao>>) {
  return {
    $global: { guardian: guardian.address },
    TreasuryOnTimelock: {
      timelock: dao.timelock,
      governor: dao.governor,
      asset: dao.asset,
      sessionAdmin: sessionAdmin.address,
    },
  };
}

async function onExistingTimelock() {
  const dao = await existingDao();
  const result = await deployStack(connection, { parameters: onTimelock(dao), addressesFile: false, log: () => {} });
  const ctx = await loadContext(connection, {
    addresses: { ...result.addresses, strategies: dao.strategies },
    log: () => {},
  });
  return { dao, result, ctx };
}

async function onSafe() {
  const asset = await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
  const safe = await ethers.deployContract("MockSafe", [[safeOwner.address]]);
  const lines: string[] = [];
  const result = await deployStack(connection, {
    parameters: {
      $global: { guardian: guardian.address },
      TreasuryOnSafe: {
        safe: await safe.getAddress(),
        asset: await asset.getAddress(),
        sessionAdmin: sessionAdmin.address,
      },
    },
    addressesFile: false,
    log: (l) => lines.push(l),
  });
  const ctx = await loadContext(connection, { addresses: result.addresses, log: () => {} });
  return { safe, result, ctx, lines };
}

async function localStack() {
  return await deployTreasury(connection);
}

/** Executes a Transaction Builder batch through the MockSafe, one call after another, as the Safe app would. */
async function executeBatch(
  safe: Awaited<ReturnType<typeof onSafe>>["safe"],
  batch: { transactions: { to: string; value: string; data: string }[] },
) {
  for (const t of batch.transactions) await (await safe.connect(safeOwner).exec(t.to, BigInt(t.value), t.data)).wait();
}

describe("Deploying onto existing governance", () => {
  it("the module is chosen by --module or by the parameters' one module section, never guessed", () => {
    expect(chooseModule(undefined, { Treasury: {} }, "f.json"), "a Treasury section").to.deep.equal({
      module: "treasury",
      reason: 'f.json has a "Treasury" section',
    });
    expect(chooseModule(undefined, { $global: {}, TreasuryOnSafe: {} }, "f.json").module, "a Safe section").to.equal(
      "safe",
    );
    expect(chooseModule("timelock", { Treasury: {} }, "f.json"), "asked for").to.deep.equal({
      module: "timelock",
      reason: "--module timelock",
    });
    expect(() => chooseModule(undefined, { Treasury: {}, LocalStack: {} }, "f.json"), "two sections").to.throw(
      InputError,
      "f.json has sections for several modules (LocalStack, Treasury): keep one, or pass --module",
    );
    expect(() => chooseModule(undefined, { $global: {} }, "f.json"), "none").to.throw(
      InputError,
      /has none of the module sections/,
    );
  });

  it("refuses the local stack (mock tokens) on a chain whose id is not a development chain's, whatever the node", async () => {
    const sepoliaId = await network.create({ override: { chainId: 11155111 } });
    const error = await thrown(() =>
      deployStack(sepoliaId, { parameters: LOCAL_PARAMETERS, addressesFile: false, log: () => {} }),
    );
    expect(error.message, "says why and what to use").to.equal(
      "the local stack deploys mock tokens and only goes to a development chain id (31337 or 1337); default is chain 11155111: " +
        "deploy the treasury module with your parameters (deploy/parameters/testnet.template.json)",
    );
    await sepoliaId.close();
  });

  it("on an existing Timelock and Governor: only the treasury is deployed, and the deployer keeps no role", async () => {
    const { dao, result, ctx } = await networkHelpers.loadFixture(onExistingTimelock);
    expect(result.module, "chosen from the parameters").to.equal("timelock");
    expect(result.transactionsSent, "session manager, vault admin module, vault, lens, router: nothing else").to.equal(
      5,
    );
    expect(
      [result.addresses.timelock, result.addresses.governor, result.addresses.token, result.addresses.safe],
      "the DAO's own governance is recorded",
    ).to.deep.equal([dao.timelock, dao.governor, dao.token, undefined]);
    expect(await ctx.sessions.governance(), "governance is the DAO's Timelock from the constructor").to.equal(
      dao.timelock,
    );
    expect(await ctx.vault.governance(), "and the vault's, through the session manager").to.equal(dao.timelock);
    expect(await ctx.sessions.pendingGovernance(), "no handover pending").to.equal(ethers.ZeroAddress);
    expect([await ctx.vault.guardian(), await ctx.sessions.sessionAdmin()], "guardian and session admin").to.deep.equal(
      [guardian.address, sessionAdmin.address],
    );
    expect(result.roles.problems, "every role where the parameters put it").to.deep.equal([]);
    expect(result.roles.lines.join("\n"), "the Timelock's roles are reported").to.contain(
      `Timelock       ${dao.timelock}: Governor ${dao.governor} proposes; the guardian cancels; anyone executes; the deployer holds no role`,
    );
    for (const [name, role] of Object.entries(TIMELOCK_ROLES)) {
      expect(await ctx.timelock!.hasRole(role, deployer.address), `the deployer holds no ${name}`).to.equal(false);
    }
  });

  it("refuses a Timelock, Governor or Safe that is not one, or the deployer in a role, before sending anything", async () => {
    const dao = await existingDao();
    const before = await ethers.provider.getTransactionCount(deployer.address);
    const attempt = async (parameters: Record<string, Record<string, unknown>>) =>
      (await thrown(() => deployStack(connection, { parameters, addressesFile: false, log: () => {} }))).message;
    const base = onTimelock(dao);
    expect(
      await attempt({ ...base, TreasuryOnTimelock: { ...base.TreasuryOnTimelock, timelock: stranger.address } }),
      "an account",
    ).to.equal(
      `TreasuryOnTimelock.timelock ${stranger.address} is not an OpenZeppelin TimelockController on this chain (it does not answer getMinDelay())`,
    );
    const otherTimelock = await ethers.deployContract("TreasuryTimelock", [
      60,
      [],
      [ethers.ZeroAddress],
      deployer.address,
    ]);
    const mismatch = await attempt({
      ...base,
      TreasuryOnTimelock: { ...base.TreasuryOnTimelock, timelock: await otherTimelock.getAddress() },
    });
    expect(mismatch, "a Governor of another Timelock").to.equal(
      `TreasuryOnTimelock.governor ${dao.governor} executes through the Timelock ${dao.timelock}, not TreasuryOnTimelock.timelock ${await otherTimelock.getAddress()}`,
    );
    expect(await attempt({ ...base, $global: { guardian: deployer.address } }), "the deployer as guardian").to.equal(
      `the parameters: guardian is the deployer ${deployer.address}; the deployer keeps no role: name the DAO's own account`,
    );
    expect(
      await attempt({
        $global: { guardian: guardian.address },
        TreasuryOnSafe: { safe: dao.timelock, asset: dao.asset, sessionAdmin: sessionAdmin.address },
      }),
      "a Timelock given as a Safe",
    ).to.equal(
      `TreasuryOnSafe.safe ${dao.timelock} is not a Safe on this chain (it does not answer getOwners() and getThreshold())`,
    );
    expect(await ethers.provider.getTransactionCount(deployer.address), "nothing sent but the other Timelock").to.equal(
      before + 1,
    );
  });

  it("the existing Governor proposes roles and the withdraw queue; a new guardian also gets the Timelock's canceller role", async () => {
    const { dao, ctx } = await networkHelpers.loadFixture(onExistingTimelock);
    const [a, b] = dao.strategies;
    const listing = await cli(
      ctx,
      "propose",
      "--add-strategy",
      `${a}:1000:40%`,
      "--add-strategy",
      `${b}:1000:40%`,
      "--fast-forward",
    );
    expect(listing.code, `listing (stderr: ${listing.err})`).to.equal(0);

    const r = await cli(
      ctx,
      "propose",
      "--set-guardian",
      newGuardian.address,
      "--set-session-admin",
      newAdmin.address,
      "--withdraw-queue",
      `${b},${a}`,
      "--title",
      "New guardian and session admin, B first",
      "--fast-forward",
    );
    expect(r.code, `exit code (stderr: ${r.err})`).to.equal(0);
    expect(r.out, "each call described").to.contain(
      `Replace the guardian: ${guardian.address} -> ${newGuardian.address} (SessionManager.setGuardian)`,
    );
    expect(r.out, "the canceller role follows").to.contain(
      `Let the guardian ${newGuardian.address} cancel queued proposals (the Timelock's CANCELLER_ROLE) (TimelockController.grantRole)`,
    );
    expect(r.out, "and leaves the former guardian").to.contain(
      `Take the Timelock's CANCELLER_ROLE from the former guardian ${guardian.address} (TimelockController.revokeRole)`,
    );
    expect(await ctx.sessions.guardian(), "guardian replaced").to.equal(newGuardian.address);
    expect(await ctx.sessions.sessionAdmin(), "session admin replaced").to.equal(newAdmin.address);
    expect(
      await ctx.timelock!.hasRole(TIMELOCK_ROLES.CANCELLER_ROLE, newGuardian.address),
      "the new guardian cancels",
    ).to.equal(true);
    expect(
      await ctx.timelock!.hasRole(TIMELOCK_ROLES.CANCELLER_ROLE, guardian.address),
      "the old one no longer",
    ).to.equal(false);
    expect([...(await ctx.vault.withdrawQueue())], "the withdraw queue reordered").to.deep.equal([b, a]);

    const partial = await cli(ctx, "propose", "--withdraw-queue", a);
    expect([partial.code, partial.err.split("\n")[0]], "a queue missing a listed strategy").to.deep.equal([
      2,
      `error: --withdraw-queue must name every listed strategy once; missing: ${b}`,
    ]);
    const accept = await cli(ctx, "propose", "--accept-governance");
    expect([accept.code, accept.err.split("\n")[0]], "nothing to accept").to.deep.equal([
      2,
      "error: --accept-governance: no governance handover is pending (the current governance proposes one with --set-governance)",
    ]);
  });

  it("a Safe as governance: safe-batch defaults to it, its batch executes, and it hands governance to a Timelock in two steps", async () => {
    const { safe, result, ctx, lines } = await networkHelpers.loadFixture(onSafe);
    const safeAddress = await safe.getAddress();
    expect(lines[0], "says which module and why").to.match(
      /module TreasuryOnSafe, chosen because the parameters has a "TreasuryOnSafe" section/,
    );
    expect(
      [result.addresses.safe, result.addresses.timelock, result.addresses.governor],
      "the Safe recorded, no Governor",
    ).to.deep.equal([safeAddress, undefined, undefined]);
    expect(await ctx.sessions.governance(), "the Safe governs").to.equal(safeAddress);

    const { batch } = await exportSafeBatch(ctx, {
      title: "Raise the buffer, new session admin",
      changes: [
        { kind: "setIdleBuffer", idleBufferBps: 1_200 },
        { kind: "setSessionAdmin", sessionAdmin: newAdmin.address },
        { kind: "setGuardian", guardian: newGuardian.address },
      ],
    });
    expect(batch.meta.createdFromSafeAddress, "the recorded Safe, by default").to.equal(safeAddress);
    expect(batch.transactions, "no Timelock role calls for a Safe").to.have.length(3);
    const { checksum, ...meta } = batch.meta;
    expect(safeBatchChecksum({ ...batch, meta }), "the builder's checksum").to.equal(checksum);
    await executeBatch(safe, batch);
    expect((await ctx.vault.bounds()).idleBufferBps, "buffer set by the Safe").to.equal(1_200n);
    expect([await ctx.sessions.sessionAdmin(), await ctx.sessions.guardian()], "roles set by the Safe").to.deep.equal([
      newAdmin.address,
      newGuardian.address,
    ]);

    // Handover: the Safe proposes the DAO's Timelock; the Timelock accepts through its Governor.
    const dao = await existingDao();
    const handover = await exportSafeBatch(ctx, { changes: [{ kind: "setGovernance", governance: dao.timelock }] });
    await executeBatch(safe, handover.batch);
    expect(await ctx.sessions.pendingGovernance(), "pending until accepted").to.equal(dao.timelock);
    expect(await ctx.sessions.governance(), "the Safe keeps every power until then").to.equal(safeAddress);
    const accepted = await cli(ctx, "propose", "--accept-governance", "--governor", dao.governor, "--fast-forward");
    expect(accepted.code, `accepted (stderr: ${accepted.err})`).to.equal(0);
    expect(accepted.out, "described").to.contain(
      `Accept governance of the vault and its sessions: ${safeAddress} -> ${dao.timelock}`,
    );
    expect(await ctx.sessions.governance(), "the Timelock governs").to.equal(dao.timelock);
    expect(await ctx.vault.governance(), "the vault too, in the same step").to.equal(dao.timelock);
    expect(await ctx.sessions.pendingGovernance(), "nothing pending").to.equal(ethers.ZeroAddress);
    const stale = await thrown(() =>
      exportSafeBatch(ctx, { changes: [{ kind: "setIdleBuffer", idleBufferBps: 1_300 }] }),
    );
    expect(stale.message, "the recorded Safe no longer governs").to.equal(
      `the addresses file's Safe ${safeAddress} is not the treasury's governance (${dao.timelock}): governance has moved; ` +
        "pass --safe <address> of the Safe that makes these calls, or update the addresses file",
    );
  });

  it("safe-batch names the Timelock when it is governance and no Safe is given, and refuses an account as --safe", async () => {
    const treasury = await networkHelpers.loadFixture(localStack);
    const none = await cli(treasury.ctx, "safe-batch", "--idle-buffer", "12%");
    expect([none.code, none.err.split("\n")[0]], "no Safe to simulate from").to.deep.equal([
      2,
      `error: no Safe given: the addresses file records none and the treasury's governance is the Timelock ${treasury.ctx.addresses.timelock}, not a Safe; ` +
        "pass --safe <address> of the Safe that makes these calls, or propose them through the Governor (`propose`)",
    ]);
    const account = await cli(treasury.ctx, "safe-batch", "--idle-buffer", "12%", "--safe", stranger.address);
    expect([account.code, account.err.split("\n")[0]], "an account is not a Safe").to.deep.equal([
      2,
      `error: --safe: ${stranger.address} is not a Safe on default (chain 31337): it does not answer getOwners() and getThreshold()`,
    ]);
  });
});
