/**
 * Treasury on an existing DAO's OpenZeppelin Timelock (TimelockController) and Governor: the session manager, the
 * vault over an existing asset, the lens and the router, with the Timelock as their `governance` from the
 * constructor. No token, Timelock or Governor is deployed, and the deployer is given no role anywhere.
 *
 * Parameters (module "TreasuryOnTimelock"): timelock (the treasury's governance), governor (the Governor that
 * proposes to that Timelock; read by the operator CLI, which checks before deploying that the Governor executes
 * through the Timelock and holds its PROPOSER_ROLE), asset, guardian (best under "$global"), sessionAdmin, name,
 * symbol and the initial bounds (see treasury-builder.ts). See deploy/parameters/existing-timelock.template.json.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildTreasury } from "./treasury-builder.js";

export default buildModule("TreasuryOnTimelock", (m) => {
  const timelock = m.getParameter<string>("timelock");
  const asset = m.getParameter<string>("asset");
  return buildTreasury(m, asset, timelock);
});
