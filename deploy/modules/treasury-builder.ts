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
 * shares), idleBufferBps, maxLossPerCallBps, epochLossBudgetBps, lossEpochLength (seconds).
 */
import type {
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

export function buildTreasury(
  m: IgnitionModuleBuilder,
  asset: ContractFuture<string> | ModuleParameterRuntimeValue<string>,
  governance: ContractFuture<string> | ModuleParameterRuntimeValue<string>,
) {
  const guardian = m.getParameter<string>("guardian");
  const sessionAdmin = m.getParameter<string>("sessionAdmin");

  const sessionManager = m.contract("SessionManager", [governance, guardian, sessionAdmin]);
  const vault = m.contract("TreasuryVault", [
    asset,
    m.getParameter("name", "Treasury Vault"),
    m.getParameter("symbol", "tVAULT"),
    sessionManager,
    {
      idleBufferBps: m.getParameter("idleBufferBps", 1_000),
      maxLossPerCallBps: m.getParameter("maxLossPerCallBps", 50),
      epochLossBudgetBps: m.getParameter("epochLossBudgetBps", 100),
      lossEpochLength: m.getParameter("lossEpochLength", 86_400),
    },
  ]);
  const lens = m.contract("TreasuryLens", []);
  const router = m.contract("TreasuryRouter", [], { after: [vault, lens] });
  return { sessionManager, vault, lens, router };
}
