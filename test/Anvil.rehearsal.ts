/**
 * The testnet path rehearsed on anvil, as the README tells it: anvil under a testnet's chain id (11155111), the
 * README's deploy command with a filled copy of deploy/parameters/testnet.template.json, a proposal run through the
 * Governor's voting delay and period with --fast-forward, and the change read back from the chain. Every step is the
 * real CLI in its own process. The voting periods are shortened (2,100 blocks instead of the template's 57,600) to
 * keep the test near half a minute; they still take several mining calls, as the template's do.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startAnvil, type Anvil } from "@agent-treasury/agent/devnet";
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { REPO_ROOT } from "../scripts/lib/addresses.js";
import { MockERC20__factory, TreasuryVault__factory } from "../types/ethers-contracts/index.js";

const run = promisify(execFile);
/** anvil's first three well-known development accounts: deployer, guardian, session admin. */
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const GUARDIAN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const SESSION_ADMIN = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const CHAIN_ID = 11155111;

describe("Testnet rehearsal on anvil (chain id 11155111)", function () {
  this.timeout(120_000);
  let anvil: Anvil | undefined;
  let url: string;
  let tmp: string;
  const deploymentId = `test-anvil-${process.pid}`;
  const env = { ...process.env, TESTNET_DEPLOYER_KEY: DEPLOYER_KEY };

  /** The CLI as a user runs it, in its own process; never throws, returns the exit code and both streams. */
  async function treasury(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/treasury.ts", ...argv], {
        cwd: REPO_ROOT,
        env,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "treasury-anvil-"));
    // A coverage run deploys instrumented contracts, over the 24,576-byte limit that anvil (like a real chain)
    // enforces.
    const vault = JSON.parse(
      await readFile(path.join(REPO_ROOT, "artifacts/contracts/vault/TreasuryVault.sol/TreasuryVault.json"), "utf8"),
    );
    const instrumented = (vault.deployedBytecode.length - 2) / 2 > 24_576;
    anvil = await startAnvil({ chainId: CHAIN_ID, noCodeSizeLimit: instrumented });
    url = anvil.url;
    const provider = new JsonRpcProvider(url, CHAIN_ID, { staticNetwork: true });
    // The asset a testnet already has (its USDC): here a mock deployed first.
    const asset = await new MockERC20__factory(new Wallet(DEPLOYER_KEY, provider)).deploy("USD Coin", "USDC", 6);
    await asset.waitForDeployment();
    const template = JSON.parse(
      await readFile(path.join(REPO_ROOT, "deploy/parameters/testnet.template.json"), "utf8"),
    );
    template.$global.guardian = GUARDIAN;
    template.Treasury.asset = await asset.getAddress();
    template.Treasury.sessionAdmin = SESSION_ADMIN;
    template.Governance.votingDelay = 100;
    template.Governance.votingPeriod = 2_000;
    await writeFile(path.join(tmp, "testnet.json"), JSON.stringify(template, null, 2));
    provider.destroy();
  });

  after(async () => {
    await anvil?.stop();
    await rm(path.join(REPO_ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("deploys with the README's command, runs a proposal through the Governor's periods, and the change is on chain", async () => {
    const addresses = path.join(tmp, "addresses.json");
    const common = ["--network", "testnet", "--rpc-url", url, "--addresses", addresses];

    const deploy = await treasury(
      "deploy",
      ...common,
      "--parameters",
      path.join(tmp, "testnet.json"),
      "--deployment-id",
      deploymentId,
    );
    expect(deploy.code, `deploy exit code (stderr: ${deploy.stderr})`).to.equal(0);
    expect(deploy.stdout, "the module the parameters name, not the local stack").to.contain(
      `(module Treasury, chosen because ${path.join(tmp, "testnet.json")} has a "Treasury" section) to testnet (chain ${CHAIN_ID})`,
    );
    expect(deploy.stdout, "every role reported, none with the deployer").to.match(
      /the guardian cancels; anyone executes; the deployer holds no role/,
    );
    const deployed = JSON.parse(await readFile(addresses, "utf8"));
    expect([deployed.chainId, deployed.module], "the addresses file").to.deep.equal([CHAIN_ID, "Treasury"]);

    const propose = await treasury(
      "propose",
      ...common,
      "--idle-buffer",
      "15%",
      "--title",
      "Rehearsal",
      "--fast-forward",
    );
    expect(propose.code, `propose exit code (stderr: ${propose.stderr})`).to.equal(0);
    expect(propose.stdout, "the voting period mined in several calls, with progress").to.match(
      /mined 500 of 1999 blocks \(anvil_mine, \d+ blocks a second\)/,
    );
    expect(propose.stdout, "executed").to.match(/Proposal \d+ executed: the changes are in force/);

    const provider = new JsonRpcProvider(url, CHAIN_ID, { staticNetwork: true });
    const vault = TreasuryVault__factory.connect(deployed.vault, provider);
    expect((await vault.bounds()).idleBufferBps, "the idle buffer the proposal set, read from the chain").to.equal(
      1_500n,
    );
    provider.destroy();

    const list = await treasury("proposals", ...common);
    expect(list.stdout, "listed with index, short id and state").to.match(/@0\s+\d{6}\s+Executed\s+Rehearsal/);
    const shortId = /@0\s+(\d{6})/.exec(list.stdout)![1];
    const shown = await treasury("proposal", shortId, ...common);
    expect([shown.code, shown.stdout.split("\n")[0]], "the short id names it").to.satisfy(
      ([code, line]: [number, string]) => code === 0 && /^Proposal \d+: Executed$/.test(line),
    );
  });
});
