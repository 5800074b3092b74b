/**
 * Treasury governed by an existing Safe: the session manager, the vault over an existing asset, the lens and the
 * router, with the Safe as their `governance` from the constructor. No token, Timelock or Governor is deployed, and
 * the deployer is given no role anywhere. Bounds changes are then Safe transactions (`treasury safe-batch`).
 *
 * Parameters (module "TreasuryOnSafe"): safe (the treasury's governance; the operator CLI checks before deploying
 * that it answers a Safe's getOwners and getThreshold), asset, guardian (best under "$global"), sessionAdmin, name,
 * symbol and the initial bounds (see treasury-builder.ts). See deploy/parameters/safe.template.json.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildTreasury } from "./treasury-builder.js";

export default buildModule("TreasuryOnSafe", (m) => {
  const safe = m.getParameter<string>("safe");
  const asset = m.getParameter<string>("asset");
  return buildTreasury(m, asset, safe);
});
