/**
 * The contract ABIs the agent uses (the daemon's calls, and the errors its revert decoder names), and nothing else:
 * the one place the agent gets them from. Generated from the contracts' build into `generated/` (`pnpm --filter
 * ./agent abi`; `test/unit/abi-current.test.ts` fails when they differ from the build) and committed, so the package
 * runs without the repository or a Solidity build.
 */
import { Interface } from "ethers";
import { IRiskGroups__factory } from "./generated/factories/interfaces/IRiskGroups__factory.js";
import { ISessionManager__factory } from "./generated/factories/interfaces/ISessionManager__factory.js";
import { ITreasuryLens__factory } from "./generated/factories/interfaces/ITreasuryLens__factory.js";
import { ITreasuryVault__factory } from "./generated/factories/interfaces/ITreasuryVault__factory.js";
import { eventsLibAbi } from "./generated/EventsLib.abi.js";
import { governorAbi } from "./generated/TreasuryGovernor.abi.js";
import { timelockAbi } from "./generated/TreasuryTimelock.abi.js";

export { errorsLibAbi } from "./generated/ErrorsLib.abi.js";
export { governanceErrorsAbi } from "./generated/GovernanceErrors.abi.js";
export { IRiskGroups__factory, ISessionManager__factory, ITreasuryLens__factory, ITreasuryVault__factory };
export type { IRiskGroups } from "./generated/interfaces/IRiskGroups.js";
export type { ISessionManager } from "./generated/interfaces/ISessionManager.js";
export type { ITreasuryLens } from "./generated/interfaces/ITreasuryLens.js";
export type { ITreasuryVault } from "./generated/interfaces/ITreasuryVault.js";

export const vaultInterface = ITreasuryVault__factory.createInterface();
/** The vault's risk-group entry points (served at the vault's address, through its fallback). */
export const riskGroupsInterface = IRiskGroups__factory.createInterface();
export const lensInterface = ITreasuryLens__factory.createInterface();
export const sessionManagerInterface = ISessionManager__factory.createInterface();
/** Every event of the vault and the session manager (EventsLib), for reading their logs. */
export const eventsInterface = new Interface(eventsLibAbi);
/** OpenZeppelin's TimelockController as the treasury deploys it (governance): roles, delay, queued operations. */
export const timelockInterface = new Interface(timelockAbi);
/** The treasury's Governor (OpenZeppelin's, with a Timelock): its proposals and their states. */
export const governorInterface = new Interface(governorAbi);
