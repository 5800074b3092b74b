/**
 * The CLI's messages as a user sees them: the real entry point in its own process against a local chain served over
 * HTTP. Proposals by short id (a unique prefix, @N; an ambiguous prefix refused with the candidates), a refused grant
 * explained parameter by parameter, and a member's deposit and status.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { listProposals, shortIds } from "../scripts/actions/list-proposals.js";
import { proposeBounds } from "../scripts/actions/propose-bounds.js";
import { deployStack } from "../scripts/actions/deploy-stack.js";
import { REPO_ROOT } from "../scripts/lib/addresses.js";
import { loadContext, type TreasuryContext } from "../scripts/lib/context.js";
import { LOCAL_PARAMETERS, listStrategies } from "./helpers/treasury-fixture.js";

const run = promisify(execFile);

describe("CLI messages (the real entry point, in its own process)", function () {
  this.timeout(120_000);
  let server: Awaited<ReturnType<typeof network.createServer>>;
  let tmp: string;
  let url: string;
  let addressesFile: string;
  let ctx: TreasuryContext;
  let http: NetworkConnection;
  const deploymentId = `test-cli-${process.pid}`;

  async function treasury(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const args = [
      "--import",
      "tsx",
      "scripts/treasury.ts",
      ...argv,
      "--network",
      "localhost",
      "--rpc-url",
      url,
      "--addresses",
      addressesFile,
    ];
    try {
      const { stdout, stderr } = await run(process.execPath, args, { cwd: REPO_ROOT });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  before(async () => {
    server = await network.createServer("default", "127.0.0.1", 0);
    const { port } = await server.listen();
    url = `http://127.0.0.1:${port}`;
    tmp = await mkdtemp(path.join(os.tmpdir(), "treasury-cli-"));
    addressesFile = path.join(tmp, "31337.json");
    http = (await network.create({ network: "localhost", override: { url } })) as unknown as NetworkConnection;
    await deployStack(http, {
      module: "local",
      parameters: LOCAL_PARAMETERS,
      deploymentId,
      addressesFile,
      log: () => {},
    });
    ctx = await loadContext(http, { addresses: addressesFile, log: () => {} });
    await listStrategies({ ctx, lines: [], as: async () => ctx });
    // More proposals, pending: enough that two ids share a first digit.
    for (let i = 1; i <= 6; i++)
      await proposeBounds(ctx, {
        title: `Buffer ${i}`,
        changes: [{ kind: "setIdleBuffer", idleBufferBps: 1_000 + i }],
      });
    const mint = await http.ethers.getContractAt("MockERC20", ctx.addresses.asset);
    const [, , , , member] = await http.ethers.getSigners();
    await (await mint.mint(member.address, 5_000n * 10n ** 6n)).wait();
  });

  after(async () => {
    await http?.close();
    await server?.close();
    await rm(path.join(REPO_ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("short ids: the shortest unique prefix of at least 6 digits", () => {
    expect(shortIds([1234567890n, 1234599999n, 9876543210n]), "two share 5 digits").to.deep.equal([
      "123456",
      "123459",
      "987654",
    ]);
    expect(shortIds([12n, 123n]), "an id that is a prefix of another is named whole").to.deep.equal(["12", "123"]);
  });

  it("lists proposals, takes @N and a unique prefix, and refuses an ambiguous prefix naming the candidates", async () => {
    const rows = await listProposals(ctx);
    expect(
      rows.map((r) => r.title),
      "oldest first",
    ).to.deep.equal(["List the mock strategies", ...[1, 2, 3, 4, 5, 6].map((i) => `Buffer ${i}`)]);
    const list = await treasury("proposals");
    expect(list.code, `exit code (stderr: ${list.stderr})`).to.equal(0);
    expect(list.stdout, "index, short id, state, title").to.contain(`@0  ${rows[0].shortId}`);
    expect(list.stdout, "the state").to.match(/@0\s+\d+\s+Executed\s+List the mock strategies/);
    expect(list.stdout, "a pending one").to.match(/@6\s+\d+\s+(Pending|Active)\s+Buffer 6/);

    const byIndex = await treasury("proposal", "@3");
    expect(byIndex.stdout.split("\n")[0], "@N names the N-th").to.match(
      new RegExp(`^Proposal ${rows[3].proposalId}: (Pending|Active)$`),
    );
    const byPrefix = await treasury("proposal", rows[5].shortId);
    expect(byPrefix.stdout.split("\n")[0], "a unique prefix names it").to.match(
      new RegExp(`^Proposal ${rows[5].proposalId}: (Pending|Active)$`),
    );

    // Two ids with the same first digit: that digit alone is ambiguous.
    const digit = [..."123456789"].find((d) => rows.filter((r) => String(r.proposalId).startsWith(d)).length > 1)!;
    expect(digit, "two proposals share a first digit").to.not.equal(undefined);
    const candidates = rows.filter((r) => String(r.proposalId).startsWith(digit));
    const ambiguous = await treasury("vote", digit);
    expect(ambiguous.code, "bad input").to.equal(2);
    expect(ambiguous.stderr, "names every candidate").to.contain(
      `error: proposal id: ${digit} is ambiguous, ${candidates.length} proposal ids start with it:\n` +
        candidates.map((r) => `  @${r.index}  ${r.proposalId}  ${r.state}  ${r.title}`).join("\n"),
    );
    const unknown = await treasury("queue", "@9");
    expect([unknown.code, unknown.stderr.split("\n")[0]], "an index past the list").to.deep.equal([
      2,
      `error: proposal id: no proposal @9: the Governor has 7 since block ${ctx.addresses.startBlock} (@0 to @6; \`proposals\` lists them)`,
    ]);
  });

  it("a grant refused with InvalidSessionParams names each wrong parameter with its figures", async () => {
    const r = await treasury(
      "grant-session",
      "--from",
      "2",
      "--agent",
      "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      "--max-per-call",
      "200000",
      "--max-per-epoch",
      "100000",
      "--duration",
      "0",
    );
    expect(r.code, "refused by the contract").to.equal(1);
    expect(r.stderr.trim(), "each parameter, with its value").to.match(
      new RegExp(
        "^error: the grant was refused by the contract: InvalidSessionParams\\(\\): " +
          "--max-per-call 200,000 mUSD is above --max-per-epoch 100,000 mUSD: one call cannot move more than its epoch allows; " +
          "--duration is 0s: the session would end when it starts \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\)$",
      ),
    );
  });

  it("a member deposits, sees the position, and is refused an amount with too many decimals", async () => {
    const bad = await treasury("deposit", "10.0000001", "--from", "4");
    expect([bad.code, bad.stderr.split("\n")[0]], "too many decimals").to.deep.equal([
      2,
      'error: amount: "10.0000001" has more than the asset\'s 6 decimals',
    ]);
    const deposit = await treasury("deposit", "1_500", "--from", "4");
    expect(deposit.code, `deposit (stderr: ${deposit.stderr})`).to.equal(0);
    expect(deposit.stdout, "done, approval exact").to.match(
      /Deposited 1,500 mUSD .* approved for exactly 1,500 mUSD, none left/,
    );
    const status = await treasury("member-status", "--from", "4");
    expect(status.stdout, "the position").to.contain("worth now         1,500 mUSD");
    expect(status.stdout, "the wallet").to.contain("wallet            3,500 mUSD");
  });
});
