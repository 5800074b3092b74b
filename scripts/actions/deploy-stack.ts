/**
 * Deploys the stack with Hardhat Ignition and writes deploy/addresses/<chainId>.json.
 *
 * On a persistent network Ignition journals every step in deploy/deployments/<deploymentId>, so deploying again
 * with the same parameters sends nothing and returns the same addresses.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { localStackModule } from "../../deploy/modules/LocalStack.js";
import TreasuryModule from "../../deploy/modules/Treasury.js";
import { addressesPath, writeAddresses, type TreasuryAddresses } from "../lib/addresses.js";
import { InputError, OperationError } from "../lib/errors.js";

export type StackModule = "local" | "treasury";

type Parameters = Record<string, Record<string, unknown>>;

export interface DeployStackOptions {
  /** "local": mocks + governance + treasury (local chains only); "treasury": governance + treasury over `asset`.
   *  Default: "local" on a local development chain, "treasury" elsewhere. */
  module?: StackModule;
  /** A parameters file (e.g. deploy/parameters/local.json) or the parameters themselves. */
  parameters: string | Parameters;
  /** Mock strategies of the local stack (default 3). */
  strategies?: number;
  /** Ignition deployment id; default chain-<chainId>. */
  deploymentId?: string;
  /** Where to write the addresses; default deploy/addresses/<chainId>.json; false to skip. */
  addressesFile?: string | false;
  /** Ignition's progress display (the CLI turns it on). */
  displayUi?: boolean;
  log?: (line: string) => void;
}

export interface DeployStackResult {
  addresses: TreasuryAddresses;
  /** Transactions the deployer sent: 0 when everything was already deployed. */
  transactionsSent: number;
  addressesFile?: string;
  addressesChanged: boolean;
}

async function isLocalChain(connection: NetworkConnection): Promise<boolean> {
  try {
    await connection.provider.request({ method: "hardhat_metadata", params: [] });
    return true;
  } catch {
    return false;
  }
}

async function loadParameters(parameters: string | Parameters): Promise<{ values: Parameters; source: string }> {
  if (typeof parameters !== "string") return { values: parameters, source: "the parameters" };
  let raw: string;
  try {
    raw = await readFile(parameters, "utf8");
  } catch (cause) {
    throw new InputError(`cannot read the parameters file ${parameters}`, { cause });
  }
  try {
    return { values: JSON.parse(raw) as Parameters, source: parameters };
  } catch (cause) {
    throw new InputError(`${parameters} is not valid JSON`, { cause });
  }
}

/**
 * The guardian is read by two modules: the treasury's (vault and session manager guardian) and Governance (the
 * Timelock's canceller). A module's own value wins over "$global"; both must resolve to the same address.
 */
function checkGuardian(values: Parameters, section: string, source: string): void {
  const global = values.$global?.guardian;
  const resolved = [section, "Governance"].map((module) => ({ module, value: values[module]?.guardian ?? global }));
  for (const { module, value } of resolved) {
    if (typeof value !== "string" || !isAddress(value)) {
      const where = values[module]?.guardian === undefined ? "$global.guardian" : `${module}.guardian`;
      throw new InputError(`${source}: ${where} must be an address (the guardian of the ${module === "Governance" ? "Timelock" : "treasury"}), found ${JSON.stringify(value ?? null)}`);
    }
  }
  const [treasury, governance] = resolved.map((r) => getAddress(r.value as string));
  if (treasury !== governance) {
    throw new InputError(
      `${source}: the treasury's guardian (${treasury}) and the Timelock's guardian canceller (${governance}) differ; give the guardian once, as $global.guardian`,
    );
  }
}

export async function deployStack(connection: NetworkConnection, options: DeployStackOptions): Promise<DeployStackResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { ethers, ignition } = connection;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const local = await isLocalChain(connection);
  const module = options.module ?? (local ? "local" : "treasury");
  if (module === "local" && !local) {
    throw new InputError(
      `the local stack deploys mock tokens and only runs on a local development chain; on ${connection.networkName} (chain ${chainId}) use --module treasury`,
    );
  }

  // Check the parameters the treasury needs before sending anything: a template left unfilled fails here, clearly.
  const { values, source } = await loadParameters(options.parameters);
  const section = module === "local" ? "LocalStack" : "Treasury";
  const required = module === "local" ? ["sessionAdmin"] : ["asset", "sessionAdmin"];
  for (const key of required) {
    const value = values[section]?.[key];
    if (typeof value !== "string" || !isAddress(value)) {
      throw new InputError(`${source}: ${section}.${key} must be an address, found ${JSON.stringify(value ?? null)}`);
    }
  }
  checkGuardian(values, section, source);
  if (module === "treasury" && (await ethers.provider.getCode(values.Treasury.asset as string)) === "0x") {
    throw new InputError(`${source}: Treasury.asset ${String(values.Treasury.asset)} has no contract code on chain ${chainId}`);
  }

  const [deployer] = await ethers.getSigners();
  const nonceBefore = await ethers.provider.getTransactionCount(deployer.address);
  log(`Deploying the ${module} stack to ${connection.networkName} (chain ${chainId}) from ${deployer.address}`);
  let contracts: Record<string, { getAddress(): Promise<string> }>;
  try {
    contracts = (await ignition.deploy(module === "local" ? localStackModule(options.strategies) : TreasuryModule, {
      // A file goes to Ignition as a path, so its "123n" strings are read as bigints.
      parameters: (typeof options.parameters === "string" ? path.resolve(options.parameters) : values) as never,
      deploymentId: options.deploymentId,
      displayUi: options.displayUi ?? false,
    })) as unknown as Record<string, { getAddress(): Promise<string> }>;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new OperationError(`the deployment failed: ${message}`, { cause });
  }
  const transactionsSent = (await ethers.provider.getTransactionCount(deployer.address)) - nonceBefore;

  const at = async (key: string) => getAddress(await contracts[key].getAddress());
  const strategies: string[] = [];
  for (let i = 0; contracts[`strategy${i}`] !== undefined; i++) strategies.push(await at(`strategy${i}`));
  const vault = await at("vault");
  const addresses: TreasuryAddresses = {
    chainId,
    module: module === "local" ? "LocalStack" : "Treasury",
    deploymentId: options.deploymentId ?? `chain-${chainId}`,
    vault,
    sessionManager: await at("sessionManager"),
    lens: await at("lens"),
    timelock: await at("timelock"),
    governor: await at("governor"),
    token: await at("token"),
    asset: module === "local" ? await at("asset") : getAddress(values.Treasury.asset as string),
    strategies,
  };

  let addressesFile: string | undefined;
  let addressesChanged = false;
  if (options.addressesFile !== false) {
    addressesFile = options.addressesFile ?? addressesPath(chainId);
    addressesChanged = await writeAddresses(addresses, addressesFile);
  }
  log(
    transactionsSent === 0
      ? "Already deployed with these parameters: nothing sent"
      : `Sent ${transactionsSent} transactions`,
  );
  if (addressesFile) {
    log(`Addresses ${addressesChanged ? "written to" : "unchanged in"} ${path.relative(process.cwd(), addressesFile)}`);
  }
  return { addresses, transactionsSent, addressesFile, addressesChanged };
}
