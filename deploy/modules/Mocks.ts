/**
 * Local networks only: a mock asset and mock strategy ERC-4626 vaults over it.
 *
 * Parameters (module "Mocks"): name, symbol, decimals of the asset. The number of strategies is fixed when the
 * module is built (Ignition modules are static): 3 by default, any other count through `mocksModule(n)`.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModule, NamedArtifactContractDeploymentFuture } from "@nomicfoundation/ignition-core";
import { MOCK_ASSET_DEFAULTS, mockStrategyName } from "./stack-parameters.js";

export const DEFAULT_MOCK_STRATEGIES = 3;

type MocksResult = { asset: NamedArtifactContractDeploymentFuture<"MockERC20"> } & {
  [strategy: `strategy${number}`]: NamedArtifactContractDeploymentFuture<"MockStrategy">;
};

const built = new Map<number, IgnitionModule<"Mocks", string, MocksResult>>();

/** The Mocks module with `strategies` mock strategies (results `asset`, `strategy0` … `strategy{n-1}`). */
export function mocksModule(strategies: number = DEFAULT_MOCK_STRATEGIES) {
  if (!Number.isInteger(strategies) || strategies < 1 || strategies > 64) {
    throw new Error(`mock strategies must be an integer from 1 to 64, got ${strategies}`);
  }
  let module = built.get(strategies);
  if (module === undefined) {
    module = buildModule("Mocks", (m) => {
      const { name, symbol, decimals } = MOCK_ASSET_DEFAULTS;
      const asset = m.contract("MockERC20", [
        m.getParameter("name", name),
        m.getParameter("symbol", symbol),
        m.getParameter("decimals", decimals),
      ]);
      const results: MocksResult = { asset };
      for (let i = 0; i < strategies; i++) {
        results[`strategy${i}`] = m.contract("MockStrategy", [asset, mockStrategyName(i)], { id: `MockStrategy${i}` });
      }
      return results;
    });
    built.set(strategies, module);
  }
  return module;
}

export default mocksModule();
