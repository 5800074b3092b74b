/**
 * The treasury contracts, built inside any Ignition module: Treasury (new governance, asset from a parameter),
 * TreasuryOnTimelock and TreasuryOnSafe (existing governance from a parameter) and LocalStack (the mock asset) all
 * call it, so they cannot drift apart.
 *
 * `governance` goes into the SessionManager's constructor: the deployer never holds governance, the guardian or the
 * session admin, not even for a block. The vault reads both roles from the SessionManager. TreasuryRouter (stateless,
 * no roles) gives members slippage-checked entries and exits; it is created last, so adding it to an existing
 * deployment moves no other address.
 *
 * Parameters, read in the calling module's namespace: guardian, sessionAdmin (addresses), name, symbol (of the vault
 * shares), idleBufferBps, maxLossPerCallBps, epochLossBudgetBps, lossEpochLength (seconds); their defaults and the
 * constructor's argument order are in stack-parameters.ts.
 */
import type {
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";
import { VAULT_DEFAULTS, vaultConstructorArgs, type VaultSettings } from "./stack-parameters.js";

export function buildTreasury(
  m: IgnitionModuleBuilder,
  asset: ContractFuture<string> | ModuleParameterRuntimeValue<string>,
  governance: ContractFuture<string> | ModuleParameterRuntimeValue<string>,
) {
  const guardian = m.getParameter<string>("guardian");
  const sessionAdmin = m.getParameter<string>("sessionAdmin");

  const sessionManager = m.contract("SessionManager", [governance, guardian, sessionAdmin]);
  const settings = Object.fromEntries(
    Object.entries(VAULT_DEFAULTS).map(([key, value]) => [key, m.getParameter(key, value)]),
  ) as Record<keyof VaultSettings, ModuleParameterRuntimeValue<string | number>>;
  // The vault's governance entry points run this module's code by delegatecall; it is deployed apart because its
  // creation code inside the vault's would pass the initcode size limit (EIP-3860).
  const admin = m.contract("TreasuryVaultAdmin", [asset, sessionManager]);
  const vault = m.contract("TreasuryVault", vaultConstructorArgs(asset, sessionManager, settings, admin));
  const lens = m.contract("TreasuryLens", []);
  const router = m.contract("TreasuryRouter", [], { after: [vault, lens] });
  return { sessionManager, admin, vault, lens, router };
}
