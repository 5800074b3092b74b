/**
 * Treasury on any network: governance (votes token, Timelock, Governor), then the session manager, the vault over an
 * existing asset, the lens and the router, with the Timelock as their `governance`.
 *
 * Parameters: module "Governance" (see Governance.ts) and module "Treasury": asset (address of the ERC-20 the vault
 * holds), guardian, sessionAdmin, name, symbol and the initial bounds (see treasury-builder.ts).
 * Strategies are listed afterwards, by a governance proposal (`scripts/treasury.ts propose --add-strategy ...`).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance.js";
import { buildTreasury } from "./treasury-builder.js";

export default buildModule("Treasury", (m) => {
  const { token, timelock, governor } = m.useModule(GovernanceModule);
  const asset = m.getParameter<string>("asset");
  return { ...buildTreasury(m, asset, timelock), token, timelock, governor };
});
