/**
 * ABIs of the treasury contracts, from the typechain output of the contracts' build (`pnpm exec hardhat build`).
 */
import {
  ISessionManager__factory,
  ITreasuryVault__factory,
  TreasuryLens__factory,
} from "../../../types/ethers-contracts/index.js";

export const vaultInterface = ITreasuryVault__factory.createInterface();
export const lensInterface = TreasuryLens__factory.createInterface();
export const sessionManagerInterface = ISessionManager__factory.createInterface();
export { ISessionManager__factory, ITreasuryVault__factory, TreasuryLens__factory };
