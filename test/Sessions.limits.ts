/**
 * The operator CLI's session limits: `grant-session --max-loss` (the session's own loss allowance, in token units) and
 * `--reduce-only`, and `rotate-session` (a session moved to a new agent key, keeping what it has used), with the
 * contract's refusals decoded.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { main } from "../scripts/treasury.js";
import { deployTreasury, listStrategies } from "./helpers/treasury-fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const [, , , agent, , stranger, spare] = await ethers.getSigners();

async function listed() {
  const treasury = await deployTreasury(connection);
  await listStrategies(treasury); // ceilings: 7 days, 250,000 per call, 1,000,000 per epoch
  return treasury;
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

/** `grant-session` as the session admin (account #2) for `who`, 100,000 per call; extra options appended. */
function grant(treasury: Awaited<ReturnType<typeof listed>>, who: string, ...extra: string[]) {
  return cli(
    treasury,
    "grant-session",
    "--from",
    "2",
    "--agent",
    who,
    "--max-per-call",
    "100000",
    "--max-per-epoch",
    "400000",
    "--duration",
    "2d",
    ...extra,
  );
}

describe("Session limits from the operator CLI", () => {
  describe("grant-session --max-loss and --reduce-only", () => {
    it("grants the session's own loss allowance in token units, and a reduce-only session", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      const r = await grant(treasury, agent.address, "--max-loss", "1_250.5", "--reduce-only");
      expect(r.code, `exit code (stderr: ${r.err})`).to.equal(0);
      const s = await treasury.ctx.sessions.getSession(1n);
      expect(s.maxLoss, "1,250.5 mUSD in base units").to.equal(1_250_500_000n);
      expect(s.reduceOnly, "reduce-only").to.equal(true);
      expect(s.lossUsed, "nothing charged yet").to.equal(0n);
      expect(r.out, "the grant line says both").to.match(
        /its own loss allowance 1,250\.5 mUSD, reduce-only \(strategies into idle only\)$/,
      );
      const list = await cli(treasury, "list-sessions");
      expect(list.out, "list-sessions shows the allowance and the loss used").to.match(
        /0 mUSD of 1,250\.5 mUSD\s+reduce-only/,
      );
    });

    it("without the flags: no allowance of its own (0) and not reduce-only; --max-loss 0 is the same", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      expect((await grant(treasury, agent.address)).code, "granted").to.equal(0);
      expect((await grant(treasury, stranger.address, "--max-loss", "0")).code, "granted with 0").to.equal(0);
      for (const id of [1n, 2n]) {
        const s = await treasury.ctx.sessions.getSession(id);
        expect([s.maxLoss, s.reduceOnly], `session ${id}`).to.deep.equal([0n, false]);
        expect((await treasury.ctx.sessions.remaining(id)).lossLeft, "no allowance: unbounded").to.equal(
          2n ** 256n - 1n,
        );
      }
    });

    it("refuses a --max-loss it cannot read, sending nothing, and --help explains 0", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      const max = await grant(treasury, agent.address, "--max-loss", "max");
      expect([max.code, max.err.split("\n")[0]], "max is not an allowance").to.deep.equal([
        2,
        "error: --max-loss: give an amount in token units (0, or leaving it out, means no allowance of its own)",
      ]);
      const decimals = await grant(treasury, agent.address, "--max-loss", "0.0000001");
      expect([decimals.code, decimals.err.split("\n")[0]], "too many decimals").to.deep.equal([
        2,
        'error: --max-loss: "0.0000001" has more than the asset\'s 6 decimals',
      ]);
      const negative = await grant(treasury, agent.address, "--max-loss", "-5");
      expect(negative.code, "not an amount").to.equal(2);
      const flagValue = await grant(treasury, agent.address, "--reduce-only=yes");
      expect(flagValue.code, "--reduce-only takes no value").to.equal(2);
      expect(await treasury.ctx.sessions.sessionCount(), "no session granted").to.equal(0n);

      const help = await cli(treasury, "grant-session", "--help");
      expect(help.out, "the allowance's units and 0").to.match(
        /--max-loss <amount>\s+the session's own loss allowance/,
      );
      expect(help.out).to.contain("0 or absent: none of");
      expect(help.out).to.contain("--reduce-only");
    });
  });

  describe("rotate-session", () => {
    it("moves the session to the new key, keeping its limits and what it has used, and prints both keys", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      expect((await grant(treasury, agent.address, "--max-loss", "500")).code, "granted").to.equal(0);
      const before = await treasury.ctx.sessions.getSession(1n);
      const vault = treasury.ctx.addresses.vault;

      const r = await cli(treasury, "rotate-session", "--from", "2", "--session", "1", "--to", spare.address);
      expect(r.code, `exit code (stderr: ${r.err})`).to.equal(0);
      expect(r.out, "the old key").to.contain(`old key  ${agent.address} (no longer holds it)`);
      expect(r.out, "the new key").to.contain(`new key  ${spare.address}`);
      expect(r.out, "the limits it keeps").to.contain("limits 100,000 mUSD per call, 400,000 mUSD per 1d");
      expect(r.out, "its loss allowance").to.contain("loss   0 mUSD used of its own 500 mUSD allowance");

      const after = await treasury.ctx.sessions.getSession(1n);
      expect(after.agent, "the new agent").to.equal(spare.address);
      expect(
        [after.validAfter, after.validUntil, after.scope, after.maxVolumePerCall, after.maxLoss, after.lossUsed],
        "expiry, scope, limits and counters kept",
      ).to.deep.equal([
        before.validAfter,
        before.validUntil,
        before.scope,
        before.maxVolumePerCall,
        before.maxLoss,
        before.lossUsed,
      ]);
      expect(await treasury.ctx.sessions.activeSessionsOf(agent.address, vault), "the old key lost it").to.deep.equal(
        [],
      );
      expect(await treasury.ctx.sessions.activeSessionsOf(spare.address, vault), "the new key has it").to.deep.equal([
        1n,
      ]);
    });

    it("refuses each rotation the contract refuses, with its decoded reason, and bad input with exit code 2", async () => {
      const treasury = await networkHelpers.loadFixture(listed);
      expect((await grant(treasury, agent.address)).code, "session 1").to.equal(0);
      expect(
        (
          await cli(
            treasury,
            "grant-session",
            "--from",
            "2",
            "--agent",
            spare.address,
            "--max-per-call",
            "200000",
            "--max-per-epoch",
            "200000",
          )
        ).code,
        "session 2",
      ).to.equal(0);
      const rotate = (...argv: string[]) => cli(treasury, "rotate-session", ...argv);

      const same = await rotate("--from", "2", "--session", "1", "--to", agent.address);
      expect(same.code, "to the same key").to.equal(1);
      expect(same.err, "names the error with its arguments").to.match(
        new RegExp(
          `^error: rotating session 1 was refused by the contract: InvalidRotation\\(sessionId=1, newAgent=${agent.address}\\)`,
        ),
      );

      const over = await rotate("--from", "2", "--session", "1", "--to", spare.address);
      expect(over.code, "the new key's sessions would pass the ceiling").to.equal(1);
      expect(over.err, "with the figures").to.contain(
        `AgentCallVolumeAboveCeiling(agent=${spare.address}, active=200000000000, requested=100000000000, ceiling=250000000000)`,
      );

      const notGranter = await rotate("--from", String(5), "--session", "1", "--to", stranger.address);
      expect([notGranter.code, notGranter.err], "a stranger").to.satisfy(
        ([c, e]: [number, string]) => c === 1 && e.includes(`NotGranter(caller=${stranger.address})`),
      );
      const unknown = await rotate("--from", "2", "--session", "9", "--to", stranger.address);
      expect(unknown.err, "no such session").to.contain("UnknownSession(sessionId=9)");

      expect((await cli(treasury, "revoke-session", "2", "--from", "1")).code, "guardian revokes 2").to.equal(0);
      const revoked = await rotate("--from", "2", "--session", "2", "--to", stranger.address);
      expect(revoked.err, "a revoked session").to.contain("SessionRevoked(sessionId=2)");

      const { validUntil } = await treasury.ctx.sessions.getSession(1n);
      await networkHelpers.time.increaseTo(validUntil);
      const expired = await rotate("--from", "2", "--session", "1", "--to", stranger.address);
      expect(expired.err, "an expired session").to.contain(`SessionExpired(sessionId=1, validUntil=${validUntil})`);
      expect((await treasury.ctx.sessions.getSession(1n)).agent, "nothing moved").to.equal(agent.address);

      const noTarget = await rotate("--from", "2", "--session", "1");
      expect([noTarget.code, noTarget.err.split("\n")[0]], "--to missing").to.deep.equal([
        2,
        "error: --to: an address is required",
      ]);
      const noSession = await rotate("--from", "2", "--to", stranger.address);
      expect([noSession.code, noSession.err.split("\n")[0]], "--session missing").to.deep.equal([
        2,
        "error: --session: a session id is required",
      ]);
    });
  });
});
