/**
 * The whole stack for a local chain: governance, mock asset and strategies, and the treasury over the mock asset.
 *
 * Parameters: modules "Governance", "Mocks" and "LocalStack" (guardian, sessionAdmin, name, symbol, initial bounds;
 * see treasury-builder.ts). See deploy/parameters/local.json. Strategies are listed by the first governance proposal.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance.js";
import { DEFAULT_MOCK_STRATEGIES, mocksModule } from "./Mocks.js";
import { buildTreasury } from "./treasury-builder.js";

const built = new Map<number, ReturnType<typeof build>>();

function build(strategies: number) {
  return buildModule("LocalStack", (m) => {
    const governance = m.useModule(GovernanceModule);
    const mocks = m.useModule(mocksModule(strategies));
    return { ...buildTreasury(m, mocks.asset, governance.timelock), ...governance, ...mocks };
  });
}

/** The LocalStack module with `strategies` mock strategies. */
export function localStackModule(strategies: number = DEFAULT_MOCK_STRATEGIES) {
  let module = built.get(strategies);
  if (module === undefined) {
    module = build(strategies);
    built.set(strategies, module);
  }
  return module;
}

export default localStackModule();
