import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "chai";
import { network } from "hardhat";
import { exportSafeBatch, safeBatchChecksum } from "../scripts/actions/export-safe-batch.js";
import { grantSession, type GrantSessionOptions } from "../scripts/actions/grant-session.js";
import { listSessions } from "../scripts/actions/list-sessions.js";
import { revokeSession } from "../scripts/actions/revoke-session.js";
import { deployStack } from "../scripts/actions/deploy-stack.js";
import { REPO_ROOT } from "../scripts/lib/addresses.js";
import { loadContext } from "../scripts/lib/context.js";
import { InputError, OperationError } from "../scripts/lib/errors.js";
import { ErrorsLib__factory } from "../types/ethers-contracts/index.js";
import { Interface } from "ethers";
import { decodeRevert, explainRevert } from "@agent-treasury/agent";
import { parseAddress, parseAmount, parseBps, parseDuration, parseStrategy } from "../scripts/lib/parse.js";
import { main } from "../scripts/treasury.js";
import { deployTreasury, listStrategies } from "./helpers/treasury-fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const unit = 10n ** 6n;
const [, , , agent, , stranger] = await ethers.getSigners();

async function listed() {
  const treasury = await deployTreasury(connection);
  await listStrategies(treasury); // ceilings: 7 days, 250,000 per call, 1,000,000 per epoch
  return treasury;
}

/** The treasury governed by a Safe (a MockSafe of one owner), with one strategy listed by that Safe. */
async function safeGoverned() {
  const [, guardian, sessionAdmin, , , , owner] = await ethers.getSigners();
  const asset = await ethers.deployContract("MockERC20", ["Mock USD", "mUSD", 6]);
  const safe = await ethers.deployContract("MockSafe", [[owner.address]]);
  const { addresses } = await deployStack(connection, {
    parameters: {
      $global: { guardian: guardian.address },
      TreasuryOnSafe: {
        safe: await safe.getAddress(),
        asset: await asset.getAddress(),
        sessionAdmin: sessionAdmin.address,
      },
    },
    addressesFile: false,
    log: () => {},
  });
  const strategy = await ethers.deployContract("MockStrategy", [await asset.getAddress(), "S0"]);
  const ctx = await loadContext(connection, {
    addresses: { ...addresses, strategies: [await strategy.getAddress()] },
    log: () => {},
  });
  const listing = ctx.vault.interface.encodeFunctionData("addStrategy", [
    await strategy.getAddress(),
    1_000_000n * unit,
    4_000,
  ]);
  await (await safe.connect(owner).exec(addresses.vault, 0n, listing)).wait();
  return { ctx, safe };
}

const withinCeilings: GrantSessionOptions = {
  agent: agent.address,
  strategies: "all",
  duration: 3 * 86_400,
  maxVolumePerCall: 250_000n * unit,
  maxVolumePerEpoch: 1_000_000n * unit,
  epochLength: 86_400,
  minInterval: 60,
  maxCallsPerEpoch: 24,
};

async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  expect.fail("expected an error");
}

/** Runs the CLI in-process on this test's chain and deployment; returns the exit code and what it printed. */
async function cli(treasury: Awaited<ReturnType<typeof listed>>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    connection,
    addresses: treasury.ctx.addresses,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("Operator scripts", () => {
  describe("sessions", () => {
    it("the session admin grants inside the ceilings; list and revoke", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      const admin = await treasury.as("sessionAdmin");
      const { sessionId } = await grantSession(admin, withinCeilings);
      expect(sessionId, "first session id").to.equal(1n);

      const rows = await listSessions(treasury.ctx, { agent: agent.address });
      expect(
        rows.map((r) => [r.id, r.status]),
        "listed as active",
      ).to.deep.equal([[1n, "active"]]);
      expect(rows[0].scope, "scope covers the three strategies").to.equal(0b111n);
      expect(await listSessions(treasury.ctx, { agent: stranger.address }), "another agent has none").to.deep.equal([]);

      await revokeSession(await treasury.as("guardian"), { sessionId });
      expect((await listSessions(treasury.ctx))[0].status, "revoked").to.equal("revoked");
      // A second revocation is a no-op, never a failure: the brake always succeeds.
      await revokeSession(admin, { sessionId });
      expect((await listSessions(treasury.ctx))[0].status, "still revoked").to.equal("revoked");
    });

    it("refuses a grant above the governance ceilings with the contract's own reason, sending nothing", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      const admin = await treasury.as("sessionAdmin");
      const countBefore = await treasury.ctx.sessions.sessionCount();

      const volume = await thrown(() => grantSession(admin, { ...withinCeilings, maxVolumePerCall: 250_001n * unit }));
      expect(volume, "an OperationError").to.be.instanceOf(OperationError);
      const revert = (volume as OperationError).revert!;
      expect(revert.name, "decoded from the session manager").to.equal("VolumeAboveCeiling");
      expect(revert.args, "with the figures").to.deep.equal({ volume: 250_001n * unit, ceiling: 250_000n * unit });
      expect(volume.message, "readable").to.match(
        /the grant was refused by the contract: VolumeAboveCeiling\(volume=250001000000, ceiling=250000000000\)/,
      );

      const duration = await thrown(() => grantSession(admin, { ...withinCeilings, duration: 8 * 86_400 }));
      expect((duration as OperationError).revert?.name, "too long").to.equal("DurationAboveCeiling");

      const strangerCtx = await treasury.as("stranger");
      const notGranter = await thrown(() => grantSession(strangerCtx, withinCeilings));
      expect((notGranter as OperationError).revert?.name, "not a granter").to.equal("NotGranter");

      const unlisted = await thrown(() => grantSession(admin, { ...withinCeilings, strategies: [stranger.address] }));
      expect((unlisted as OperationError).revert?.name, "scope with an unlisted strategy").to.equal(
        "StrategyNotListed",
      );

      expect(await treasury.ctx.sessions.sessionCount(), "no session granted").to.equal(countBefore);
    });
  });

  describe("Safe Transaction Builder export", () => {
    it("exports the bounds calls with the builder's checksum, simulated from the Safe that governs", async () => {
      const { ctx, safe } = await networkHelpers.loadFixture(safeGoverned);
      const [s0] = ctx.addresses.strategies;
      const { batch, calls } = await exportSafeBatch(ctx, {
        title: "Tighten strategy 0",
        createdAt: 1_700_000_000_000,
        changes: [
          { kind: "setCaps", strategy: s0, absoluteCap: 500_000n * unit, relativeCapBps: 2_500 },
          { kind: "setIdleBuffer", idleBufferBps: 1_200 },
        ],
      });
      expect(batch.chainId, "chain id as a string").to.equal("31337");
      expect(batch.meta.createdFromSafeAddress, "the Safe of the addresses file").to.equal(await safe.getAddress());
      expect(batch.meta.name, "title").to.equal("Tighten strategy 0");
      expect(batch.meta.description, "human description").to.contain("Set the idle buffer: 10.00% -> 12.00%");
      expect(
        batch.transactions.map((t) => [t.to, t.value, t.data]),
        "the planned calls",
      ).to.deep.equal(calls.map((c) => [c.target, "0", c.data]));
      expect(ctx.vault.interface.parseTransaction({ data: batch.transactions[0].data })?.name, "decodes").to.equal(
        "setCaps",
      );

      // The Transaction Builder's check: drop the checksum, blank the name, keccak256 the key-sorted serialization.
      const { checksum, ...meta } = batch.meta;
      expect(checksum, "checksum present").to.match(/^0x[0-9a-f]{64}$/);
      expect(safeBatchChecksum({ ...batch, meta }), "checksum verifies").to.equal(checksum);
      expect(safeBatchChecksum({ ...batch, meta: { ...meta, name: "renamed" } }), "the name is not covered").to.equal(
        checksum,
      );
      expect(safeBatchChecksum({ ...batch, meta, createdAt: 1 }), "the content is covered").to.not.equal(checksum);
    });

    it("refuses to export calls the Safe could not make", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      const notGovernance = await (await ethers.deployContract("MockSafe", [[stranger.address]])).getAddress();
      const error = await thrown(() =>
        exportSafeBatch(treasury.ctx, {
          safe: notGovernance,
          changes: [{ kind: "setIdleBuffer", idleBufferBps: 500 }],
        }),
      );
      expect(error, "an OperationError").to.be.instanceOf(OperationError);
      expect((error as OperationError).revert?.name, "that Safe is not governance").to.equal("NotGuardianOrGovernance");
    });
  });

  describe("revert hints", () => {
    it("ChangeTooLarge says the furthest value allowed now and when the whole change fits", () => {
      const data = new Interface(ErrorsLib__factory.abi).encodeErrorResult("ChangeTooLarge", [
        800n,
        500n,
        1_767_225_600n,
      ]);
      const revert = decodeRevert(data);
      expect(revert?.name).to.equal("ChangeTooLarge");
      expect(explainRevert(revert!)).to.equal(
        "ChangeTooLarge(value=800, limit=500, readyAt=1767225600): the change to 800 is more than the rolling 7-day budget allows now; " +
          "the furthest value allowed now is 500, and the whole change fits from 2026-01-01 00:00:00 UTC (chain time 1767225600): " +
          "propose at most 500 now, or this change then",
      );
    });
  });

  describe("input parsing", () => {
    it("reads addresses, strategies, amounts, bps and durations, and rejects bad ones with InputError", () => {
      expect(parseAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "x"), "checksummed").to.equal(
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      );
      expect(() => parseAddress("0x1234", "--agent"), "short address").to.throw(
        InputError,
        /--agent: "0x1234" is not an address/,
      );
      expect(() => parseAddress("vitalik.eth", "--agent"), "a name").to.throw(InputError);
      expect(parseStrategy("@1", "s", [stranger.address, agent.address]), "@N").to.equal(agent.address);
      expect(() => parseStrategy("@3", "s", [agent.address]), "@N out of range").to.throw(
        InputError,
        /names no strategy/,
      );
      expect(parseAmount("1_000_000.5", 6, "a"), "amount with separators and decimals").to.equal(1_000_000_500_000n);
      expect(parseAmount("max", 6, "a"), "max").to.equal(2n ** 128n - 1n);
      expect(() => parseAmount("0.0000001", 6, "a"), "too many decimals").to.throw(
        InputError,
        /more than the asset's 6 decimals/,
      );
      expect(() => parseAmount("-5", 6, "a"), "negative").to.throw(InputError);
      expect([parseBps("1500", "b"), parseBps("12.5%", "b")], "bps and percent").to.deep.equal([1_500, 1_250]);
      expect(() => parseBps("10001", "b"), "above 100%").to.throw(InputError);
      expect(
        [parseDuration("7d", "d"), parseDuration("90", "d"), parseDuration("15m", "d")],
        "durations",
      ).to.deep.equal([604_800, 90, 900]);
      expect(() => parseDuration("soon", "d"), "not a duration").to.throw(InputError);
    });
  });

  describe("command line", () => {
    it("runs a bounds proposal end to end with --fast-forward and prints the new bounds", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      const r = await cli(
        treasury,
        "propose",
        "--caps",
        "@2:300_000:15%",
        "--idle-buffer",
        "12%",
        "--title",
        "Trim strategy 2",
        "--fast-forward",
      );
      expect(r.code, `exit code (stderr: ${r.err})`).to.equal(0);
      expect(r.out, "executed").to.match(/Proposal \d+ executed/);
      expect(r.out, "the description").to.contain("# Trim strategy 2");
      expect(r.out, "the status after").to.contain("idle buffer 12.00%");
      const c2 = await treasury.ctx.vault.strategyConfig(treasury.ctx.addresses.strategies[2]);
      expect([c2.absoluteCap, c2.relativeCapBps], "caps set by governance").to.deep.equal([300_000n * unit, 1_500n]);
    });

    it("exits 2 on bad input and 1 on a refusal, with a clear message", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      const badAddress = await cli(
        treasury,
        "grant-session",
        "--agent",
        "0x123",
        "--max-per-call",
        "1",
        "--max-per-epoch",
        "1",
      );
      expect([badAddress.code, badAddress.err], "bad address").to.deep.equal([
        2,
        'error: --agent: "0x123" is not an address (expected 0x followed by 40 hex digits)\n(run `treasury grant-session --help` for the options)',
      ]);

      const unknown = await cli(treasury, "propose", "--caps", `${stranger.address}:1:1`);
      expect(unknown.code, "unknown strategy").to.equal(2);
      expect(unknown.err, "says so").to.contain(`unknown strategy ${stranger.address}`);

      const above = await cli(
        treasury,
        "grant-session",
        "--from",
        "2",
        "--agent",
        agent.address,
        "--max-per-call",
        "300000",
        "--max-per-epoch",
        "1000000",
      );
      expect(above.code, "grant above ceiling").to.equal(1);
      expect(above.err, "the contract's reason").to.contain(
        "VolumeAboveCeiling(volume=300000000000, ceiling=250000000000)",
      );

      const failing = await cli(treasury, "propose", "--loss-limits", "6%:10%");
      expect(failing.code, "proposal that would fail").to.equal(1);
      expect(failing.err, "decoded").to.contain("BoundOutOfRange(value=600, min=0, max=500)");

      const option = await cli(treasury, "propose", "--idle-bufer", "5%");
      expect(option.code, "unknown option").to.equal(2);
      const missing = await cli(treasury, "vote");
      expect([missing.code, missing.err.split("\n")[0]], "missing proposal id").to.deep.equal([
        2,
        "error: vote takes <proposalId>, got none",
      ]);
      const noChange = await cli(treasury, "propose");
      expect([noChange.code, noChange.err], "no change given").to.satisfy(
        ([c, e]: [number, string]) => c === 2 && e.includes("no change given"),
      );
    });

    it("the demo's --help describes its 2-hour step", async function () {
      this.timeout(30_000);
      const help = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--help"], {
        cwd: REPO_ROOT,
      });
      expect(help.stdout, "the pace option").to.match(/--pace <ms>\s+wait this long after each 2-hour step/);
      expect(help.stdout, "no other step length").not.to.match(/[013-9]-hour step/);
    });

    it("the demo with --chains 2: one daemon rebalances the treasury on two embedded chains, one view of both", async function () {
      this.timeout(120_000);
      const run = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "scripts/demo.ts", "--chains", "2", "--port", "0"],
        { cwd: REPO_ROOT },
      );
      expect(run.stdout, "one daemon, two chains").to.match(
        /one daemon, 2 chains; dashboard http:\/\/127\.0\.0\.1:\d+\//,
      );
      expect(run.stdout, "alpha's first rebalance, nonce 0").to.match(
        /\[round 1\]\s+alpha \(chain 31337\) treasury-alpha: rebalanced \(tx 0x[0-9a-f]{8}…, nonce 0 on this chain\)/,
      );
      expect(run.stdout, "beta's first rebalance, nonce 0 on its own chain").to.match(
        /\[round 1\]\s+beta \(chain 1337\) treasury-beta: rebalanced \(tx 0x[0-9a-f]{8}…, nonce 0 on this chain\)/,
      );
      expect(run.stdout, "both rows, each with its chain").to.match(/treasury-alpha\s+alpha \(31337\)\s+total/);
      expect(run.stdout).to.match(/treasury-beta\s+beta \(1337\)\s+total/);
      const rebalances = /rebalances: alpha (\d+), beta (\d+)/.exec(run.stdout);
      expect(rebalances, run.stdout).to.not.equal(null);
      expect(Number(rebalances![1]), "alpha rebalanced").to.be.greaterThan(0);
      expect(Number(rebalances![2]), "beta rebalanced its deposits too").to.be.greaterThan(1);
      const refused = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "scripts/demo.ts", "--chains", "3"],
        {
          cwd: REPO_ROOT,
        },
      ).then(
        () => ({ code: 0, stderr: "" }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(refused.code, "bad option").to.equal(2);
      expect(refused.stderr).to.contain("--chains must be 1 or 2, got 3");
    });

    it("the real entry point prints --help and fails cleanly without a reachable chain", async function () {
      this.timeout(30_000);
      const run = promisify(execFile);
      const entry = ["--import", "tsx", "scripts/treasury.ts"];
      const help = await run(process.execPath, [...entry, "--help"], { cwd: REPO_ROOT });
      expect(help.stdout, "lists the commands").to.match(
        /Commands:[\s\S]*propose[\s\S]*safe-batch[\s\S]*grant-session/,
      );

      const down = await run(
        process.execPath,
        [...entry, "status", "--network", "localhost", "--rpc-url", "http://127.0.0.1:9/api-key-123"],
        {
          cwd: REPO_ROOT,
        },
      ).then(
        () => expect.fail("expected a non-zero exit"),
        (e: { code: number; stderr: string }) => e,
      );
      expect(down.code, "exit code").to.equal(2);
      expect(down.stderr, "says the chain is unreachable, and where it looked").to.contain(
        "cannot reach network localhost at http://127.0.0.1:9 (",
      );
      expect(down.stderr, "no path of the URL (API keys live there)").not.to.contain("api-key-123");
    });
  });
});
