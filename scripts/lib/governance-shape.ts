/**
 * The governance a treasury is deployed onto, checked on chain: before deploying (the addresses given are the
 * contracts they claim to be, since the SessionManager takes governance in its constructor and nothing accepts it
 * afterwards) and after (every role is where the parameters put it, and the deployer holds none).
 */
import { getAddress, Interface, ZeroAddress, ZeroHash, id } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { InputError } from "./errors.js";

/** TimelockController role identifiers. */
export const TIMELOCK_ROLES = {
  DEFAULT_ADMIN_ROLE: ZeroHash,
  PROPOSER_ROLE: id("PROPOSER_ROLE"),
  CANCELLER_ROLE: id("CANCELLER_ROLE"),
  EXECUTOR_ROLE: id("EXECUTOR_ROLE"),
} as const;

const timelockAbi = new Interface([
  "function getMinDelay() view returns (uint256)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
]);
const governorAbi = new Interface([
  "function timelock() view returns (address)",
  "function token() view returns (address)",
  "function votingPeriod() view returns (uint256)",
]);
const safeAbi = new Interface([
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
]);
const rolesAbi = new Interface([
  "function governance() view returns (address)",
  "function pendingGovernance() view returns (address)",
  "function guardian() view returns (address)",
  "function sessionAdmin() view returns (address)",
]);
const votesAbi = new Interface([
  "function balanceOf(address) view returns (uint256)",
  "function getVotes(address) view returns (uint256)",
]);

/** Calls a view; undefined when the address has no such function (no code, or another contract). */
async function view(
  ethers: HardhatEthers,
  abi: Interface,
  to: string,
  fn: string,
  args: unknown[] = [],
): Promise<unknown[] | undefined> {
  try {
    const data = await ethers.provider.call({ to, data: abi.encodeFunctionData(fn, args) });
    return [...abi.decodeFunctionResult(fn, data)];
  } catch {
    return undefined;
  }
}

export async function hasRole(
  ethers: HardhatEthers,
  timelock: string,
  role: string,
  account: string,
): Promise<boolean> {
  return (await view(ethers, timelockAbi, timelock, "hasRole", [role, account]))?.[0] === true;
}

/** Whether `address` answers a Safe's getOwners and getThreshold. */
export async function isSafe(
  ethers: HardhatEthers,
  address: string,
): Promise<{ owners: string[]; threshold: bigint } | undefined> {
  const owners = await view(ethers, safeAbi, address, "getOwners");
  const threshold = await view(ethers, safeAbi, address, "getThreshold");
  if (!owners || !threshold) return undefined;
  return { owners: [...(owners[0] as string[])], threshold: threshold[0] as bigint };
}

/**
 * An existing Timelock and Governor: the Timelock answers getMinDelay, the Governor executes through it and holds its
 * PROPOSER_ROLE. Returns the Governor's votes token. `where` names the parameters for the messages.
 */
export async function checkExistingTimelock(
  ethers: HardhatEthers,
  timelock: string,
  governor: string,
  where: string,
): Promise<{ token: string; minDelay: bigint }> {
  const delay = await view(ethers, timelockAbi, timelock, "getMinDelay");
  if (!delay) {
    throw new InputError(
      `${where}.timelock ${timelock} is not an OpenZeppelin TimelockController on this chain (it does not answer getMinDelay())`,
    );
  }
  const governorsTimelock = await view(ethers, governorAbi, governor, "timelock");
  const token = await view(ethers, governorAbi, governor, "token");
  if (!governorsTimelock || !token) {
    throw new InputError(
      `${where}.governor ${governor} is not an OpenZeppelin Governor with a Timelock on this chain (it does not answer timelock() and token())`,
    );
  }
  if (getAddress(governorsTimelock[0] as string) !== getAddress(timelock)) {
    throw new InputError(
      `${where}.governor ${governor} executes through the Timelock ${String(governorsTimelock[0])}, not ${where}.timelock ${timelock}`,
    );
  }
  if (!(await hasRole(ethers, timelock, TIMELOCK_ROLES.PROPOSER_ROLE, governor))) {
    throw new InputError(
      `${where}.governor ${governor} does not hold the Timelock's PROPOSER_ROLE: its proposals could not be queued`,
    );
  }
  return { token: getAddress(token[0] as string), minDelay: delay[0] as bigint };
}

export async function checkExistingSafe(
  ethers: HardhatEthers,
  safe: string,
  where: string,
): Promise<{ owners: string[]; threshold: bigint }> {
  const found = await isSafe(ethers, safe);
  if (!found) {
    throw new InputError(
      `${where}.safe ${safe} is not a Safe on this chain (it does not answer getOwners() and getThreshold())`,
    );
  }
  return found;
}

export interface RoleExpectations {
  sessionManager: string;
  governance: string;
  guardian: string;
  sessionAdmin: string;
  deployer: string;
  timelock?: string;
  governor?: string;
  /** A votes token deployed with the stack (new governance). */
  token?: string;
}

export interface RoleReport {
  /** One line per role, as found on chain. */
  lines: string[];
  /** Roles that are not where the parameters put them (the deployment is wrong). */
  problems: string[];
  /** What someone still has to do (not wrong, but not finished). */
  todo: string[];
}

/** Reads every role of a deployed treasury and compares it with what the parameters asked for. */
export async function inspectRoles(ethers: HardhatEthers, expected: RoleExpectations): Promise<RoleReport> {
  const lines: string[] = [];
  const problems: string[] = [];
  const todo: string[] = [];
  const read = async (fn: string) =>
    getAddress(((await view(ethers, rolesAbi, expected.sessionManager, fn)) ?? [ZeroAddress])[0] as string);
  const same = (a: string, b: string) => getAddress(a) === getAddress(b);

  const governance = await read("governance");
  const pending = await read("pendingGovernance");
  const guardian = await read("guardian");
  const sessionAdmin = await read("sessionAdmin");
  lines.push(`governance     ${governance}${pending !== ZeroAddress ? ` (pending handover to ${pending})` : ""}`);
  lines.push(`guardian       ${guardian}`);
  lines.push(`session admin  ${sessionAdmin}`);
  if (!same(governance, expected.governance)) problems.push(`governance is ${governance}, not ${expected.governance}`);
  if (pending !== ZeroAddress) problems.push(`a governance handover to ${pending} is pending`);
  if (!same(guardian, expected.guardian)) problems.push(`the guardian is ${guardian}, not ${expected.guardian}`);
  if (!same(sessionAdmin, expected.sessionAdmin))
    problems.push(`the session admin is ${sessionAdmin}, not ${expected.sessionAdmin}`);
  for (const [role, holder] of [
    ["governance", governance],
    ["the guardian", guardian],
    ["the session admin", sessionAdmin],
  ] as const) {
    if (same(holder, expected.deployer)) problems.push(`the deployer ${expected.deployer} is ${role}`);
  }

  if (expected.timelock) {
    const { timelock } = expected;
    const holders: string[] = [];
    const deployerRoles: string[] = [];
    for (const [name, role] of Object.entries(TIMELOCK_ROLES)) {
      if (await hasRole(ethers, timelock, role, expected.deployer)) deployerRoles.push(name);
    }
    if (expected.governor) {
      holders.push(
        `Governor ${expected.governor} ${(await hasRole(ethers, timelock, TIMELOCK_ROLES.PROPOSER_ROLE, expected.governor)) ? "proposes" : "does NOT propose"}`,
      );
    }
    const guardianCancels = await hasRole(ethers, timelock, TIMELOCK_ROLES.CANCELLER_ROLE, guardian);
    holders.push(`the guardian ${guardianCancels ? "cancels" : "does not cancel"}`);
    holders.push(
      `${(await hasRole(ethers, timelock, TIMELOCK_ROLES.EXECUTOR_ROLE, ZeroAddress)) ? "anyone executes" : "only EXECUTOR_ROLE holders execute"}`,
    );
    lines.push(
      `Timelock       ${timelock}: ${holders.join("; ")}; the deployer holds ${deployerRoles.length ? deployerRoles.join(", ") : "no role"}`,
    );
    if (deployerRoles.length)
      problems.push(`the deployer ${expected.deployer} holds the Timelock's ${deployerRoles.join(", ")}`);
    if (!guardianCancels) {
      todo.push(
        `the guardian cannot cancel a queued proposal until the Timelock grants it CANCELLER_ROLE: propose \`--set-guardian ${guardian}\` (the proposal grants the role)`,
      );
    }
  }
  if (expected.token) {
    const balance = ((await view(ethers, votesAbi, expected.token, "balanceOf", [expected.deployer])) ?? [
      0n,
    ])[0] as bigint;
    if (balance > 0n) {
      lines.push(`votes token    ${expected.token}: the deployer holds ${balance} (wei) of it`);
      todo.push(
        `the deployer ${expected.deployer} holds ${balance} wei of the new votes token, and with it the Governor: hand it to the DAO (deploy/README.md, "Handing the deployer's votes to the DAO")`,
      );
    }
  }
  return { lines, problems, todo };
}
