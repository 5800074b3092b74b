/**
 * A DAO member's commands: deposit, withdraw and redeem through TreasuryRouter with slippage bounds from the vault's
 * previews, approvals of exactly what each call needs and none left behind (even when a call is refused), the member's
 * status, and plain errors (balance, decimals, a paused asset, a bound the price does not meet).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { deployStack } from "../scripts/actions/deploy-stack.js";
import { loadContext, type TreasuryContext } from "../scripts/lib/context.js";
import { main } from "../scripts/treasury.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const [, guardian, sessionAdmin, , member, other] = await ethers.getSigners();
const unit = 10n ** 6n;

/** The treasury (new governance) over a USDC-like asset its issuer can pause; the member holds 1,000 USDC. */
async function treasuryOverPausableAsset() {
  const asset = await ethers.deployContract("PausableMockERC20", ["USD Coin", "USDC", 6]);
  const { addresses } = await deployStack(connection, {
    parameters: {
      $global: { guardian: guardian.address },
      Governance: {},
      Treasury: {
        asset: await asset.getAddress(),
        sessionAdmin: sessionAdmin.address,
        name: "Treasury USDC",
        symbol: "tUSDC",
      },
    },
    addressesFile: false,
    log: () => {},
  });
  await (await asset.mint(member.address, 1_000n * unit)).wait();
  const ctx = await loadContext(connection, { addresses, log: () => {} });
  return { ctx, asset, router: addresses.router! };
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

describe("Members: deposit, withdraw, redeem, status", () => {
  it("deposits through the router for at least the previewed shares, approving exactly the amount, none left", async () => {
    const { ctx, asset, router } = await networkHelpers.loadFixture(treasuryOverPausableAsset);
    const expected = await ctx.vault.previewDeposit(600n * unit);
    const r = await cli(ctx, "deposit", "600", "--from", "4");
    expect(r.code, `exit code (stderr: ${r.err})`).to.equal(0);
    expect(await ctx.vault.balanceOf(member.address), "the previewed shares").to.equal(expected);
    expect(await asset.balanceOf(member.address), "exactly the amount left the wallet").to.equal(400n * unit);
    expect(await asset.allowance(member.address, router), "no allowance left to the router").to.equal(0n);
    expect(r.out, "says so").to.match(
      /Deposited 600 USDC for [\d,.]+ tUSDC \(at least [\d,.]+ tUSDC accepted\) .* the router was approved for exactly 600 USDC, none left/,
    );

    const status = await cli(ctx, "member-status", "--account", member.address);
    expect(status.code, "status exit code").to.equal(0);
    expect(status.out, "the value of the shares").to.contain(
      "worth now         600 USDC (what redeeming them all pays now)",
    );
    expect(status.out, "what can leave now").to.contain("withdraw now      up to 600 USDC");
    expect(status.out, "the share price").to.contain("share price       1 USDC per tUSDC");
    expect(status.out, "the wallet").to.contain("wallet            400 USDC");
    expect(status.out, "no approval open").to.contain("router approvals  none");
  });

  it("withdraws and redeems within the bounds, leaving no share allowance, and gets every asset back", async () => {
    const { ctx, asset, router } = await networkHelpers.loadFixture(treasuryOverPausableAsset);
    expect((await cli(ctx, "deposit", "1000", "--from", "4")).code, "deposit").to.equal(0);
    const w = await cli(ctx, "withdraw", "250.5", "--from", "4", "--slippage", "1%");
    expect(w.code, `withdraw (stderr: ${w.err})`).to.equal(0);
    expect(await asset.balanceOf(member.address), "250.5 USDC back").to.equal(250_500_000n);
    expect(
      await ctx.vault.allowance(member.address, router),
      "the unused part of the share bound is taken back",
    ).to.equal(0n);

    const r = await cli(ctx, "redeem", "max", "--from", "4");
    expect(r.code, `redeem (stderr: ${r.err})`).to.equal(0);
    expect(await ctx.vault.balanceOf(member.address), "every share redeemed").to.equal(0n);
    expect(await asset.balanceOf(member.address), "every asset back").to.equal(1_000n * unit);
    expect(await ctx.vault.allowance(member.address, router), "no share allowance left").to.equal(0n);
  });

  it("refuses with a clear reason: balance, decimals, a paused asset, a position too small, a bound the price misses", async () => {
    const { ctx, asset, router } = await networkHelpers.loadFixture(treasuryOverPausableAsset);
    const more = await cli(ctx, "deposit", "1000.5", "--from", "4");
    expect([more.code, more.err], "more than the wallet holds").to.deep.equal([
      1,
      `error: insufficient balance: ${member.address} holds 1,000 USDC, the deposit needs 1,000.5 USDC`,
    ]);
    const decimals = await cli(ctx, "deposit", "1.1234567", "--from", "4");
    expect([decimals.code, decimals.err.split("\n")[0]], "more decimals than the asset has").to.deep.equal([
      2,
      'error: amount: "1.1234567" has more than the asset\'s 6 decimals',
    ]);
    const none = await cli(ctx, "withdraw", "1", "--from", "5");
    expect([none.code, none.err], "a member with no position").to.deep.equal([
      1,
      `error: insufficient balance: ${other.address}'s 0 tUSDC are worth 0 USDC, less than 1 USDC`,
    ]);

    // A bound the price does not meet: the router reverts, and the approval is taken back.
    const greedy = await cli(ctx, "deposit", "100", "--from", "4", "--min-shares", "1000000");
    expect(greedy.code, "refused by the router").to.equal(1);
    expect(greedy.err, "with its figures").to.match(
      /the deposit was refused by the contract: SlippageExceeded\(amount=\d+, limit=\d+\)/,
    );
    expect(await asset.allowance(member.address, router), "no approval left after the refusal").to.equal(0n);
    expect(await asset.balanceOf(member.address), "nothing moved").to.equal(1_000n * unit);

    await (await asset.pause()).wait();
    const paused = await cli(ctx, "deposit", "10", "--from", "4");
    expect([paused.code, paused.err], "the asset paused by its issuer").to.deep.equal([
      1,
      `error: the asset USDC (${await asset.getAddress()}) is paused by its issuer: no transfer of it can happen, so no deposit or exit ` +
        "can go through until it is unpaused (the vault itself never blocks exits)",
    ]);
  });
});
