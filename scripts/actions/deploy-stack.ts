/**
 * Deploys the treasury with Hardhat Ignition onto new or existing governance and writes
 * deploy/addresses/<chainId>.json.
 *
 * The module is the one asked for (`module`), else the one whose section the parameters file holds (LocalStack,
 * Treasury, TreasuryOnTimelock, TreasuryOnSafe), else, with no parameters, the local stack on a development chain id
 * (31337, 1337). It is never guessed from an RPC probe: anvil answers Hardhat's methods too, so a probe cannot tell a
 * testnet rehearsal from a local chain. The choice and its reason are logged.
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
import TreasuryOnSafeModule from "../../deploy/modules/TreasuryOnSafe.js";
import TreasuryOnTimelockModule from "../../deploy/modules/TreasuryOnTimelock.js";
import { addressesPath, writeAddresses, type TreasuryAddresses } from "../lib/addresses.js";
import { InputError, OperationError } from "../lib/errors.js";
import { checkExistingSafe, checkExistingTimelock, inspectRoles, type RoleReport } from "../lib/governance-shape.js";

export type StackModule = "local" | "treasury" | "timelock" | "safe";

/** Chain ids of development chains (Hardhat's and anvil's default 31337, Ganache's 1337): mocks may go there. */
export const DEV_CHAIN_IDS = [31337, 1337];

/** Each module: its Ignition name (= its parameters section) and what it deploys. */
export const MODULES: Record<StackModule, { section: string; what: string }> = {
  local: { section: "LocalStack", what: "new governance, a mock asset, mock strategies and the treasury" },
  treasury: {
    section: "Treasury",
    what: "new governance (votes token, Timelock, Governor) and the treasury over an existing asset",
  },
  timelock: {
    section: "TreasuryOnTimelock",
    what: "the treasury over an existing asset, governed by an existing Timelock and Governor",
  },
  safe: { section: "TreasuryOnSafe", what: "the treasury over an existing asset, governed by an existing Safe" },
};

type Parameters = Record<string, Record<string, unknown>>;

export interface DeployStackOptions {
  /** The module; default: the one whose section the parameters hold (see above). */
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
  module: StackModule;
  addresses: TreasuryAddresses;
  /** Transactions the deployer sent: 0 when everything was already deployed. */
  transactionsSent: number;
  addressesFile?: string;
  addressesChanged: boolean;
  /** Every role as found on chain after the deployment. */
  roles: RoleReport;
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

/** The module to deploy, and why: asked for, else named by the parameters' one module section. */
export function chooseModule(
  requested: StackModule | undefined,
  values: Parameters,
  source: string,
): { module: StackModule; reason: string } {
  if (requested !== undefined) {
    if (!(requested in MODULES)) {
      throw new InputError(`--module: "${String(requested)}" is none of ${Object.keys(MODULES).join(", ")}`);
    }
    return { module: requested, reason: `--module ${requested}` };
  }
  const present = (Object.keys(MODULES) as StackModule[]).filter((m) => values[MODULES[m].section] !== undefined);
  if (present.length === 1)
    return { module: present[0], reason: `${source} has a "${MODULES[present[0]].section}" section` };
  const sections = Object.values(MODULES)
    .map((m) => m.section)
    .join(", ");
  if (present.length === 0) {
    throw new InputError(
      `${source} has none of the module sections ${sections}: copy a template from deploy/parameters/, or pass --module`,
    );
  }
  throw new InputError(
    `${source} has sections for several modules (${present.map((m) => MODULES[m].section).join(", ")}): keep one, or pass --module`,
  );
}

/** An address parameter of `section` (or of "$global" when `global`), or an InputError naming it. */
function addressParameter(
  values: Parameters,
  section: string,
  key: string,
  source: string,
  what: string,
  global = false,
): string {
  const own = values[section]?.[key];
  const value = own ?? (global ? values.$global?.[key] : undefined);
  if (typeof value !== "string" || !isAddress(value)) {
    const where = own === undefined && global ? `$global.${key}` : `${section}.${key}`;
    throw new InputError(`${source}: ${where} must be an address (${what}), found ${JSON.stringify(value ?? null)}`);
  }
  return getAddress(value);
}

/**
 * The guardian is read by two modules when governance is new: the treasury's (vault and session manager guardian)
 * and Governance (the Timelock's canceller). A module's own value wins over "$global"; both must be the same address.
 */
function checkGuardian(values: Parameters, section: string, source: string, newGovernance: boolean): string {
  const treasury = addressParameter(values, section, "guardian", source, "the guardian of the treasury", true);
  if (!newGovernance) return treasury;
  const governance = addressParameter(values, "Governance", "guardian", source, "the guardian of the Timelock", true);
  if (treasury !== governance) {
    throw new InputError(
      `${source}: the treasury's guardian (${treasury}) and the Timelock's guardian canceller (${governance}) differ; give the guardian once, as $global.guardian`,
    );
  }
  return treasury;
}

export async function deployStack(
  connection: NetworkConnection,
  options: DeployStackOptions,
): Promise<DeployStackResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { ethers, ignition } = connection;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const { values, source } = await loadParameters(options.parameters);
  const { module, reason } = chooseModule(options.module, values, source);
  const { section } = MODULES[module];
  if (module === "local" && !DEV_CHAIN_IDS.includes(chainId)) {
    throw new InputError(
      `the local stack deploys mock tokens and only goes to a development chain id (${DEV_CHAIN_IDS.join(" or ")}); ` +
        `${connection.networkName} is chain ${chainId}: deploy the treasury module with your parameters (deploy/parameters/testnet.template.json)`,
    );
  }

  // Check the parameters and the governance they name before sending anything: a template left unfilled, a mistyped
  // Timelock or Safe, or a Governor of another Timelock fails here, clearly.
  const [deployer] = await ethers.getSigners();
  const asset =
    module === "local" ? undefined : addressParameter(values, section, "asset", source, "the ERC-20 the vault holds");
  const sessionAdmin = addressParameter(values, section, "sessionAdmin", source, "the session admin");
  const guardian = checkGuardian(values, section, source, module === "local" || module === "treasury");
  if (asset !== undefined && (await ethers.provider.getCode(asset)) === "0x") {
    throw new InputError(`${source}: ${section}.asset ${asset} has no contract code on chain ${chainId}`);
  }
  let governance: string | undefined;
  let existing: { timelock?: string; governor?: string; token?: string; safe?: string } = {};
  if (module === "timelock") {
    const timelock = addressParameter(
      values,
      section,
      "timelock",
      source,
      "the DAO's Timelock, the treasury's governance",
    );
    const governor = addressParameter(
      values,
      section,
      "governor",
      source,
      "the Governor that proposes to that Timelock",
    );
    const { token } = await checkExistingTimelock(ethers, timelock, governor, section);
    governance = timelock;
    existing = { timelock, governor, token };
  } else if (module === "safe") {
    const safe = addressParameter(values, section, "safe", source, "the Safe, the treasury's governance");
    await checkExistingSafe(ethers, safe, section);
    governance = safe;
    existing = { safe };
  }
  for (const [key, holder] of [
    ["guardian", guardian],
    ["sessionAdmin", sessionAdmin],
    [module === "safe" ? "safe" : "timelock", governance],
  ] as const) {
    if (holder !== undefined && holder === deployer.address) {
      throw new InputError(
        `${source}: ${key} is the deployer ${deployer.address}; the deployer keeps no role: name the DAO's own account`,
      );
    }
  }

  log(
    `Deploying ${MODULES[module].what} (module ${section}, chosen because ${reason}) to ${connection.networkName} (chain ${chainId}) from ${deployer.address}`,
  );
  const ignitionModule = {
    local: () => localStackModule(options.strategies),
    treasury: () => TreasuryModule,
    timelock: () => TreasuryOnTimelockModule,
    safe: () => TreasuryOnSafeModule,
  }[module]();
  const startBlock = await ethers.provider.getBlockNumber();
  const nonceBefore = await ethers.provider.getTransactionCount(deployer.address);
  let contracts: Record<string, { getAddress(): Promise<string> }>;
  try {
    contracts = (await ignition.deploy(ignitionModule as never, {
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
  const addressesFile = options.addressesFile === false ? undefined : (options.addressesFile ?? addressesPath(chainId));
  const addresses: TreasuryAddresses = {
    chainId,
    module: section,
    deploymentId: options.deploymentId ?? `chain-${chainId}`,
    vault: await at("vault"),
    sessionManager: await at("sessionManager"),
    lens: await at("lens"),
    router: await at("router"),
    admin: await at("admin"),
    ...(module === "local" || module === "treasury"
      ? { timelock: await at("timelock"), governor: await at("governor"), token: await at("token") }
      : existing),
    asset: module === "local" ? await at("asset") : (asset as string),
    strategies,
    startBlock: await firstBlock(addressesFile, await at("vault"), startBlock),
  };

  if ((await ethers.provider.getCode(addresses.vault)) === "0x") {
    const journal = path.join("deploy", "deployments", addresses.deploymentId);
    throw new OperationError(
      `Ignition's journal ${journal} records a deployment that chain ${chainId} does not hold (no code at the vault ${addresses.vault}; ` +
        "was the chain restarted?): remove that folder, or pass another --deployment-id, and deploy again",
    );
  }
  const roles = await inspectRoles(ethers, {
    sessionManager: addresses.sessionManager,
    governance: governance ?? (addresses.timelock as string),
    guardian,
    sessionAdmin,
    deployer: deployer.address,
    timelock: addresses.timelock,
    governor: addresses.governor,
    token: module === "treasury" ? addresses.token : undefined,
  });

  let addressesChanged = false;
  if (addressesFile) addressesChanged = await writeAddresses(addresses, addressesFile);
  log(
    transactionsSent === 0
      ? "Already deployed with these parameters: nothing sent"
      : `Sent ${transactionsSent} transactions`,
  );
  if (addressesFile) {
    log(`Addresses ${addressesChanged ? "written to" : "unchanged in"} ${path.relative(process.cwd(), addressesFile)}`);
  }
  if (roles.problems.length > 0) {
    throw new OperationError(
      `the deployed roles are not what the parameters say:\n${[...roles.problems.map((p) => `  - ${p}`), "Roles on chain:", ...roles.lines.map((l) => `  ${l}`)].join("\n")}`,
    );
  }
  return { module, addresses, transactionsSent, addressesFile, addressesChanged, roles };
}

/** The block to search for the deployment's events from: kept from the addresses file when it is the same vault. */
async function firstBlock(file: string | undefined, vault: string, now: number): Promise<number> {
  if (!file) return now;
  try {
    const previous = JSON.parse(await readFile(file, "utf8")) as { vault?: string; startBlock?: number };
    if (previous.vault === vault && typeof previous.startBlock === "number") return previous.startBlock;
  } catch {
    // no previous file
  }
  return now;
}
