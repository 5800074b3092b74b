/**
 * The treasury contracts, built inside any Ignition module: the Treasury module (asset from a parameter) and the
 * LocalStack module (the mock asset) both call it, so the two cannot drift apart.
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
  governance: ContractFuture<string>,
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
      lossEpoch: 0,
      lossInEpoch: 0,
    },
  ]);
  const lens = m.contract("TreasuryLens", []);
  return { sessionManager, vault, lens };
}
