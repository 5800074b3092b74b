/**
 * `treasury-agent authority` against the real contracts on the local chain: every live authority over a vault, each
 * warning raised once by the situation made for it, then governance handed to a Timelock whose roles, delay,
 * queued call to the vault and Governor's proposal in its vote are listed.
 */
import { Wallet, ZeroAddress, ZeroHash } from "ethers";
import { describe, expect, it } from "vitest";
import {
  TreasuryGovernor__factory,
  TreasuryTimelock__factory,
  TreasuryVaultAdmin__factory,
  TreasuryVotes__factory,
} from "../../../types/ethers-contracts/index.js";
import { deployVault, devKey, grantSession } from "../../devnet/stack.js";
import { runCli } from "../../src/cli.js";
import { AGENT, useStack } from "../support/daemon-harness.js";

const env = useStack();
const OTHER_AGENT = new Wallet(devKey(4)).address;

interface AuthorityJson {
  adminModule?: string;
  governance: string;
  timelock?: {
    minDelay: string;
    roles: Record<string, string[]>;
    queued: { targetName: string; call: string; ready: boolean }[];
    governor?: { address: string; proposals: { title: string; calls: string[]; state: string }[] };
  };
  sessions: {
    id: string;
    session: { agent: string; reduceOnly: boolean; maxLoss: string; lossUsed: string };
    scope: string[];
    remaining: { timeLeft: string; lossLeft: string };
  }[];
  otherVaults: Record<string, string[]>;
  warnings: { code: string; message: string }[];
}

async function authority(args: string[] = []): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(
    ["node", "treasury-agent", "authority", "--vault", env.stack.vaultAddress, "--rpc-url", env.chain.url, ...args],
    {
      print: (t) => (out += `${t}\n`),
      writeErr: (t) => (err += t),
      writeOut: (t) => (out += t),
    },
  );
  return { code, out, err };
}

describe("authority", () => {
  it("lists every live authority and raises each warning once", async () => {
    const { stack } = env;
    const u = stack.unit;
    const limits = { maxVolumePerCall: 100_000n * u, maxVolumePerEpoch: 500_000n * u };
    // Sessions #1 and #2 have a loss allowance of their own (#1 is reduce-only); #3 has none.
    await grantSession(stack, {
      agent: AGENT,
      durationSeconds: 7 * 86_400,
      ...limits,
      scope: [stack.strategyAddresses[0]!, stack.strategyAddresses[2]!],
      maxLoss: 1_000n * u,
      reduceOnly: true,
    });
    // Expires within the one-day margin.
    await grantSession(stack, { agent: AGENT, durationSeconds: 3_600, ...limits, maxLoss: 50n * u });
    await grantSession(stack, { agent: OTHER_AGENT, durationSeconds: 360 * 86_400, ...limits }); // near the 365-day maximum
    // A second vault on the same session manager, where AGENT holds a session too.
    const other = await deployVault(
      stack.governance,
      await stack.asset.getAddress(),
      await stack.sessions.getAddress(),
      { name: "Other", symbol: "oth" },
    );
    const now = await env.chain.now();
    await (
      await stack.sessions.connect(stack.governance).grant({
        agent: AGENT,
        vault: await other.getAddress(),
        scope: 1n,
        validAfter: now,
        validUntil: now + 86_400n * 3n,
        ...limits,
        epochLength: 86_400,
        minInterval: 60,
        maxCallsPerEpoch: 10,
        maxLoss: 0n,
        reduceOnly: false,
      })
    ).wait();
    // The other agent's key also becomes the session admin.
    await (await stack.sessions.connect(stack.governance).setSessionAdmin(OTHER_AGENT)).wait();

    const { code, out } = await authority(["--json"]);
    expect(code).toBe(0);
    const inv = JSON.parse(out) as AuthorityJson;
    expect(inv.sessions.map((s) => [s.id, s.session.agent])).toEqual([
      ["1", AGENT],
      ["2", AGENT],
      ["3", OTHER_AGENT],
    ]);
    expect(inv.sessions[0]!.scope, "the scope in strategy names").toEqual(["Strategy 0 (#0)", "Strategy 2 (#2)"]);
    expect(
      inv.sessions.map((s) => [s.session.reduceOnly, s.session.maxLoss, s.session.lossUsed, s.remaining.lossLeft]),
      "reduce-only, and each loss allowance with what is used and left",
    ).toEqual([
      [true, (1_000n * u).toString(), "0", (1_000n * u).toString()],
      [false, (50n * u).toString(), "0", (50n * u).toString()],
      [false, "0", "0", (2n ** 256n - 1n).toString()],
    ]);
    expect(inv.otherVaults[AGENT]).toEqual([await other.getAddress()]);
    // The admin module named is code on the chain bound to this vault's asset and registry.
    const module = TreasuryVaultAdmin__factory.connect(inv.adminModule!, env.chain.provider);
    expect((await module.binding()).map(String), "the admin module the vault runs").toEqual([
      await env.stack.asset.getAddress(),
      await env.stack.sessions.getAddress(),
    ]);
    expect(inv.timelock, "governance is an account here").toBeUndefined();
    const codes = inv.warnings.map((w) => w.code).sort();
    expect(codes, "each warning once").toEqual([
      "agent-holds-role",
      "agent-on-several-vaults",
      "near-protocol-max",
      "no-governance-delay",
      "session-expiring",
      "session-no-loss-allowance",
    ]);
    const byCode = Object.fromEntries(inv.warnings.map((w) => [w.code, w.message]));
    expect(byCode["session-expiring"]).toMatch(/^session #2 .* expires in (59m|1h 0m)/);
    expect(byCode["near-protocol-max"]).toBe("session #3's length 360d 0h is near the protocol maximum 365d 0h");
    expect(byCode["session-no-loss-allowance"]).toMatch(
      /^session #3 \(agent 0x\w{4}…\w{4}\) has no loss allowance of its own/,
    );
    expect(byCode["agent-on-several-vaults"]).toContain(AGENT);
    expect(byCode["agent-holds-role"]).toBe(
      `agent ${OTHER_AGENT} is also the session admin: the key that moves money can also widen its own powers`,
    );

    const text = await authority(["--expiry-margin", "60"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("(not a Timelock: no delay)");
    expect(text.out).toContain(`admin module   ${inv.adminModule} (code run on the vault's storage`);
    expect(text.out).toContain("Warnings (5):");
    const row = (id: number) => text.out.split("\n").find((l) => l.startsWith(`#${id} `))!;
    expect(row(1)).toMatch(/ reduce-only +0 of 1,000 used, 1,000 left +Strategy 0/);
    expect(row(2)).toMatch(/ any +0 of 50 used, 50 left +Strategy 0/);
    expect(row(3)).toMatch(/ any +none of its own +Strategy 0/);
    expect(text.out, "a smaller margin: no session expiring within it").not.toContain("session-expiring");
  });

  it("shows a Timelock's delay, its roles, the calls it has queued for the vault and its Governor's open proposal", async () => {
    const { stack, chain } = env;
    const gov = stack.governance;
    const timelock = await (
      await new TreasuryTimelock__factory(gov).deploy(3_600, [gov.address], [gov.address], ZeroAddress)
    ).waitForDeployment();
    const address = await timelock.getAddress();
    const managerAddress = await stack.sessions.getAddress();
    // A Governor over a votes token, made a proposer by the Timelock itself (its own admin).
    const votes = await (
      await new TreasuryVotes__factory(gov).deploy(gov.address, 1_000_000n * 10n ** 18n)
    ).waitForDeployment();
    const governor = await (
      await new TreasuryGovernor__factory(gov).deploy(await votes.getAddress(), address, 1, 50, 0, 4)
    ).waitForDeployment();
    const governorAddress = await governor.getAddress();
    const grant = timelock.interface.encodeFunctionData("grantRole", [await timelock.PROPOSER_ROLE(), governorAddress]);
    await (await timelock.schedule(address, 0, grant, ZeroHash, ZeroHash, 3_600)).wait();
    await (await stack.sessions.connect(gov).setGovernance(address)).wait();
    const accept = stack.sessions.interface.encodeFunctionData("acceptGovernance");
    await (await timelock.schedule(managerAddress, 0, accept, ZeroHash, ZeroHash, 3_600)).wait();
    await chain.increaseTime(3_601);
    await (await timelock.execute(address, 0, grant, ZeroHash, ZeroHash)).wait();
    await (await timelock.execute(managerAddress, 0, accept, ZeroHash, ZeroHash)).wait();
    // A proposal in its vote, to raise the idle buffer.
    await (await votes.delegate(gov.address)).wait();
    const raise = stack.vault.interface.encodeFunctionData("setIdleBuffer", [1_500]);
    await (
      await governor.propose([stack.vaultAddress], [0], [raise], "# Raise the idle buffer\n\nMore idle for exits.")
    ).wait();
    const setCaps = stack.vault.interface.encodeFunctionData("setCaps", [
      stack.strategyAddresses[1]!,
      5n * stack.unit,
      1_000,
    ]);
    await (await timelock.schedule(stack.vaultAddress, 0, setCaps, ZeroHash, ZeroHash, 3_600)).wait();

    const { code, out } = await authority(["--json"]);
    expect(code).toBe(0);
    const inv = JSON.parse(out) as AuthorityJson;
    expect(inv.governance).toBe(address);
    expect(inv.timelock?.minDelay).toBe("3600");
    expect(inv.timelock?.roles).toEqual({
      PROPOSER: [gov.address, governorAddress].sort(),
      EXECUTOR: [gov.address],
      CANCELLER: [gov.address],
      DEFAULT_ADMIN: [address],
    });
    expect(inv.timelock?.governor?.address, "the proposer that is the Timelock's Governor").toBe(governorAddress);
    expect(inv.timelock?.governor?.proposals).toEqual([
      expect.objectContaining({
        title: "Raise the idle buffer",
        calls: ["vault.setIdleBuffer(1500)"],
        state: expect.stringMatching(/^(Pending|Active)$/),
      }),
    ]);
    expect(inv.timelock?.queued).toEqual([
      expect.objectContaining({
        targetName: "vault",
        call: `setCaps(${stack.strategyAddresses[1]}, ${5n * stack.unit}, 1000)`,
        ready: false,
      }),
    ]);
    expect(
      inv.warnings.map((w) => w.code),
      "a Timelock delays governance",
    ).not.toContain("no-governance-delay");
    const text = await authority();
    expect(text.out).toContain("(Timelock, minimum delay 1h 0m)");
    expect(text.out).toMatch(/vault\s+\d{4}-\d\d-\d\d .* UTC\s+setCaps\(/);
    expect(text.out).toMatch(/(Pending|Active)\s+\d+\s+Raise the idle buffer\s+vault\.setIdleBuffer\(1500\)/);
  });
});
