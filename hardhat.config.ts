import { createRequire } from "node:module";
import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

// solc comes from the `solc` npm package: Hardhat is handed soljson.js and never downloads a compiler.
// Hardhat does not check that `version` matches the file, so it is read from the package itself.
const require = createRequire(import.meta.url);
const SOLC_PATH = require.resolve("solc/soljson.js");
const SOLC_VERSION: string = require("solc/package.json").version;

// The lending-market test world (contracts/mocks/lending, agent/devnet/lending) runs over Morpho Blue, whose Morpho.sol
// pins `pragma solidity 0.8.19`: it alone is compiled with solc 0.8.19, from the npm alias `solc-0.8.19` (its version
// read from that package too). Morpho Blue is BUSL-1.1 and serves tests, the devnet and the demo only: nothing in
// deploy/ deploys it. The product's contracts stay on SOLC_VERSION.
const MORPHO = "@morpho-org/morpho-blue/src/Morpho.sol";
const MORPHO_SOLC = {
  version: require("solc-0.8.19/package.json").version as string,
  path: require.resolve("solc-0.8.19/soljson.js"),
  // No viaIR (it compiles in a few seconds); 0.8.19 knows EVM versions up to Paris.
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "paris" },
};

// 100 runs keeps TreasuryVault under the 24,576-byte code size limit (EIP-170); the bench records its size.
const optimizer = { enabled: true, runs: 100 };
// The admin module (governance entry points, run rarely) is optimized for size: one run.
const ADMIN = "contracts/vault/TreasuryVaultAdmin.sol";
const ADMIN_OPTIMIZER = { enabled: true, runs: 1 };

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin],
  solidity: {
    profiles: {
      default: {
        compilers: [{ version: SOLC_VERSION, path: SOLC_PATH, settings: { optimizer, evmVersion: "cancun" } }],
        overrides: {
          [MORPHO]: MORPHO_SOLC,
          [ADMIN]: {
            version: SOLC_VERSION,
            path: SOLC_PATH,
            settings: { optimizer: ADMIN_OPTIMIZER, evmVersion: "cancun" },
          },
        },
      },
      production: {
        compilers: [
          { version: SOLC_VERSION, path: SOLC_PATH, settings: { optimizer, evmVersion: "cancun", viaIR: true } },
        ],
        overrides: {
          [MORPHO]: MORPHO_SOLC,
          [ADMIN]: {
            version: SOLC_VERSION,
            path: SOLC_PATH,
            settings: { optimizer: ADMIN_OPTIMIZER, evmVersion: "cancun", viaIR: true },
          },
        },
      },
    },
    // Built as a root so its artifact exists for the lending world's deployer and tests (deployCode).
    npmFilesToBuild: [MORPHO],
  },
  // Test-only mocks (the lending world's in contracts/mocks/lending included) are not instrumented: coverage
  // (`bash scripts/coverage.sh`) measures the product's contracts. Npm files (Morpho Blue) never are.
  coverage: { skipFiles: ["contracts/mocks/**"] },
  paths: {
    tests: { solidity: "test", mocha: "test" },
    // Ignition modules live in deploy/modules, parameters in deploy/parameters, journals in deploy/deployments.
    ignition: "deploy",
  },
  test: {
    solidity: {
      profiles: {
        // CI and the README test command: quick, deterministic settings.
        default: {
          fuzz: { runs: 256, seed: "0x5eed" },
          invariant: { runs: 32, depth: 64, failOnRevert: false },
        },
        // Long runs: `TEST_PROFILE=deep bash scripts/test.sh`. Not run by CI.
        deep: {
          fuzz: { runs: 10_000 },
          invariant: { runs: 512, depth: 256, failOnRevert: false },
        },
      },
    },
  },
  // Explorer verification (hardhat-verify, loaded by the toolbox): Etherscan needs an API key, a configuration
  // variable like the testnet's (`pnpm exec hardhat keystore set ETHERSCAN_API_KEY`, or the environment variable);
  // it is read only when a verification runs. Blockscout and Sourcify need none. The commands: deploy/README.md.
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
  networks: {
    // The benchmark's chain: its unchecked-leg harness is the vault plus one entry point, over the code size limit.
    bench: {
      type: "edr-simulated",
      chainType: "l1",
      allowUnlimitedContractSize: true,
    },
    // A persistent local chain: `pnpm exec hardhat node` (or `bash scripts/local-stack.sh`), then `--network
    // localhost`.
    // Ignition keeps its journal for it in deploy/deployments/chain-31337, so redeploying is a no-op.
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    // A public testnet. The RPC URL and the deployer key are configuration variables: set them with
    // `pnpm exec hardhat keystore set TESTNET_RPC_URL` / `... TESTNET_DEPLOYER_KEY` (or environment variables).
    testnet: {
      type: "http",
      chainType: "l1",
      url: configVariable("TESTNET_RPC_URL"),
      accounts: [configVariable("TESTNET_DEPLOYER_KEY")],
    },
  },
});
