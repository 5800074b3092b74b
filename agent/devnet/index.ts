/**
 * The devnet's front door, for the scripts, the tests and the benches: the local chains (embedded Hardhat chain,
 * anvil), the one stack deployer, and the lending world with its borrowers.
 */
export { freePort, startAnvil, type Anvil, type AnvilOptions } from "./anvil.js";
export { BorrowerDriver, type BorrowerOptions, type MarketMove } from "./borrowers.js";
export {
  GENESIS,
  startEmbeddedChain,
  startLocalChain,
  type EmbeddedChain,
  type EmbeddedChainOptions,
  type LocalChain,
  type LocalChainOptions,
  type LocalNode,
} from "./chain.js";
export {
  DEFAULT_MARKETS,
  DEFAULT_VAULTS,
  deployLendingWorld,
  marketId,
  type LendingWorld,
  type LendingWorldOptions,
} from "./lending.js";
export { Random } from "./random.js";
export { startCountingProxy, type CountingProxy, type RpcCounts } from "./rpc-proxy.js";
export {
  chainAccounts,
  deployAsset,
  deployLens,
  deploySessionManager,
  deployStack,
  deployVault,
  deployVaultAdmin,
  DEV_MNEMONIC,
  devKey,
  fund,
  grantSession,
  LOCAL_PARAMETERS,
  stackAccounts,
  vaultArgs,
  type GrantOptions,
  type Stack,
  type StackAccounts,
  type StackOptions,
  type StackSigner,
} from "./stack.js";
export { judgeAsk, startCoSigner, type CoSignerOptions, type CoSignerService } from "./cosigner.js";
