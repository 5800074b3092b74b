import { rm, mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import GovernanceModule, {
  CANCELLER_ROLE,
  DEFAULT_ADMIN_ROLE,
  EXECUTOR_ROLE,
  PROPOSER_ROLE,
} from "../deploy/modules/Governance.js";
import LocalStackModule from "../deploy/modules/LocalStack.js";
import TreasuryModule from "../deploy/modules/Treasury.js";
import { deployStack } from "../scripts/actions/deploy-stack.js";
import { readAddresses, REPO_ROOT } from "../scripts/lib/addresses.js";
import { InputError } from "../scripts/lib/errors.js";
import { LOCAL_PARAMETERS } from "./helpers/treasury-fixture.js";

const connection = await network.create();
const { ethers, ignition } = connection;
const [deployer, guardian, sessionAdmin] = await ethers.getSigners();

describe("Deployment modules (Hardhat Ignition)", () => {
  it("LocalStack wires governance, mocks and treasury as deploy/parameters/local.json says", async () => {
    const r = await ignition.deploy(LocalStackModule, { parameters: LOCAL_PARAMETERS });
    const timelock = await ethers.getContractAt("TreasuryTimelock", await r.timelock.getAddress());
    const governor = await ethers.getContractAt("TreasuryGovernor", await r.governor.getAddress());
    const vault = await ethers.getContractAt("TreasuryVault", await r.vault.getAddress());
    const sessions = await ethers.getContractAt("SessionManager", await r.sessionManager.getAddress());
    const timelockAddress = await timelock.getAddress();

    expect(await vault.governance(), "vault governance is the Timelock").to.equal(timelockAddress);
    expect(await sessions.governance(), "session manager governance is the Timelock").to.equal(timelockAddress);
    expect(await vault.guardian(), "vault guardian from parameters").to.equal(guardian.address);
    expect(await sessions.guardian(), "session guardian from parameters").to.equal(guardian.address);
    expect(await sessions.sessionAdmin(), "session admin from parameters").to.equal(sessionAdmin.address);
    expect(await vault.asset(), "vault holds the mock asset").to.equal(await r.asset.getAddress());
    expect(await vault.sessionManager(), "vault uses the session manager").to.equal(await sessions.getAddress());
    expect((await vault.bounds()).idleBufferBps, "initial idle buffer from parameters").to.equal(1_000n);
    expect(await vault.strategyCount(), "strategies are listed by governance later, not at deployment").to.equal(0n);

    // Strategy results are named strategy0 … strategy{n-1} (their number is fixed when the module is built).
    const results = r as unknown as Record<string, { getAddress(): Promise<string> }>;
    expect(results.strategy3, "three mock strategies").to.equal(undefined);
    for (let i = 0; i < 3; i++) {
      const strategy = await ethers.getContractAt("MockStrategy", await results[`strategy${i}`].getAddress());
      expect(await strategy.asset(), `mock strategy ${i} is a vault of the mock asset`).to.equal(
        await r.asset.getAddress(),
      );
    }
    const asset = await ethers.getContractAt("MockERC20", await r.asset.getAddress());
    expect(await asset.decimals(), "mock asset decimals from parameters").to.equal(6n);

    expect(await timelock.hasRole(PROPOSER_ROLE, await governor.getAddress()), "Governor proposes").to.equal(true);
    expect(await timelock.hasRole(CANCELLER_ROLE, await governor.getAddress()), "Governor cancels").to.equal(true);
    expect(await timelock.hasRole(CANCELLER_ROLE, guardian.address), "the guardian cancels").to.equal(true);
    expect(await timelock.hasRole(PROPOSER_ROLE, guardian.address), "the guardian does not propose").to.equal(false);
    expect(await timelock.hasRole(EXECUTOR_ROLE, ethers.ZeroAddress), "anyone executes").to.equal(true);
    expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, deployer.address), "deployer admin renounced").to.equal(false);
    expect(await timelock.hasRole(PROPOSER_ROLE, deployer.address), "deployer does not propose").to.equal(false);
    expect(await timelock.getMinDelay(), "Timelock delay from parameters").to.equal(3_600n);
    expect(await governor.votingPeriod(), "voting period from parameters").to.equal(50n);
    expect(await governor.timelock(), "Governor executes through the Timelock").to.equal(timelockAddress);
    const token = await ethers.getContractAt("TreasuryVotes", await r.token.getAddress());
    expect(await token.getVotes(deployer.address), "deployer delegated its votes to itself").to.equal(10n ** 24n);
  });

  it("Treasury deploys over an existing asset given as a parameter", async () => {
    const usdc = await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
    const r = await ignition.deploy(TreasuryModule, {
      parameters: {
        $global: { guardian: guardian.address },
        Governance: { timelockMinDelay: 86_400 },
        Treasury: {
          asset: await usdc.getAddress(),
          sessionAdmin: sessionAdmin.address,
          name: "Treasury USDC",
          symbol: "tUSDC",
          idleBufferBps: 2_000,
        },
      },
    });
    const vault = await ethers.getContractAt("TreasuryVault", await r.vault.getAddress());
    expect(await vault.asset(), "vault asset is the parameter").to.equal(await usdc.getAddress());
    expect(await vault.governance(), "governance is this module's Timelock").to.equal(await r.timelock.getAddress());
    expect(await vault.symbol(), "share symbol from parameters").to.equal("tUSDC");
    expect((await vault.bounds()).idleBufferBps, "idle buffer from parameters").to.equal(2_000n);
    const timelock = await ethers.getContractAt("TreasuryTimelock", await r.timelock.getAddress());
    expect(await timelock.getMinDelay(), "Timelock delay from parameters").to.equal(86_400n);
    expect(await vault.guardian(), "one guardian for the vault").to.equal(guardian.address);
    expect(await timelock.hasRole(CANCELLER_ROLE, guardian.address), "and for the Timelock's cancel").to.equal(true);
  });

  it("the deploy action refuses a treasury guardian that is not the Timelock's canceller, before sending anything", async () => {
    const before = await ethers.provider.getTransactionCount(deployer.address);
    const parameters = JSON.parse(await readFile(LOCAL_PARAMETERS, "utf8")) as Record<string, Record<string, unknown>>;
    parameters.LocalStack.guardian = sessionAdmin.address;
    let error: unknown;
    try {
      await deployStack(connection, { module: "local", parameters, addressesFile: false, log: () => {} });
    } catch (e) {
      error = e;
    }
    expect(error, "an InputError").to.be.instanceOf(InputError);
    expect((error as Error).message, "names both").to.equal(
      `the parameters: the treasury's guardian (${sessionAdmin.address}) and the Timelock's guardian canceller (${guardian.address}) differ; give the guardian once, as $global.guardian`,
    );
    expect(await ethers.provider.getTransactionCount(deployer.address), "nothing sent").to.equal(before);
  });

  it("Governance alone leaves nobody but the Governor able to schedule on the Timelock", async () => {
    const r = await ignition.deploy(GovernanceModule, { parameters: LOCAL_PARAMETERS });
    const timelock = await ethers.getContractAt("TreasuryTimelock", await r.timelock.getAddress());
    const errors = timelock.interface;
    await expect(
      timelock.connect(deployer).schedule(ethers.ZeroAddress, 0, "0x", ethers.ZeroHash, ethers.ZeroHash, 3_600),
      "the deployer cannot schedule",
    ).to.be.revertedWithCustomError({ interface: errors }, "AccessControlUnauthorizedAccount");
    await expect(
      timelock.connect(deployer).grantRole(PROPOSER_ROLE, deployer.address),
      "the deployer cannot grant itself a role",
    ).to.be.revertedWithCustomError({ interface: errors }, "AccessControlUnauthorizedAccount");
  });

  it("the deploy action refuses an unfilled parameter template before sending anything", async () => {
    const before = await ethers.provider.getTransactionCount(deployer.address);
    const template = path.join(REPO_ROOT, "deploy", "parameters", "testnet.template.json");
    let error: unknown;
    try {
      await deployStack(connection, { module: "treasury", parameters: template, addressesFile: false, log: () => {} });
    } catch (e) {
      error = e;
    }
    expect(error, "an InputError").to.be.instanceOf(InputError);
    expect((error as Error).message, "names the key to fill").to.match(/Treasury\.asset must be an address/);
    expect(await ethers.provider.getTransactionCount(deployer.address), "nothing sent").to.equal(before);
  });

  describe("on a persistent chain (JSON-RPC server, Ignition journal)", () => {
    const deploymentId = `test-redeploy-${process.pid}`;
    let server: Awaited<ReturnType<typeof network.createServer>>;
    let tmp: string;

    before(async () => {
      server = await network.createServer("default", "127.0.0.1", 0);
      tmp = await mkdtemp(path.join(os.tmpdir(), "treasury-deploy-"));
    });
    after(async () => {
      await server.close();
      await rm(path.join(REPO_ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
      await rm(tmp, { recursive: true, force: true });
    });

    it("deploying twice with the same parameters sends nothing the second time and writes the same addresses", async () => {
      const { port } = await server.listen();
      const http = await network.create({ network: "localhost", override: { url: `http://127.0.0.1:${port}` } });
      const file = path.join(tmp, "31337.json");
      const options = {
        module: "local" as const,
        parameters: LOCAL_PARAMETERS,
        deploymentId,
        addressesFile: file,
        log: () => {},
      };

      const first = await deployStack(http, options);
      expect(first.transactionsSent, "the first deployment sends the whole stack").to.be.greaterThan(10);
      expect(first.addressesChanged, "the first deployment writes the addresses").to.equal(true);
      const written = await readAddresses(31337, file);
      expect(written.vault, "the file holds the vault").to.equal(first.addresses.vault);
      const vault = await http.ethers.getContractAt("TreasuryVault", written.vault);
      expect(written.admin, "the file holds the admin module the vault runs").to.equal(await vault.adminModule());
      expect(written.strategies, "the file holds the three mock strategies").to.have.length(3);
      const content = await readFile(file, "utf8");

      const second = await deployStack(http, options);
      expect(second.transactionsSent, "the second deployment sends nothing").to.equal(0);
      expect(second.addresses, "same addresses").to.deep.equal(first.addresses);
      expect(second.addressesChanged, "addresses file untouched").to.equal(false);
      expect(await readFile(file, "utf8"), "file content identical").to.equal(content);
      await http.close();
    });
  });
});
