/**
 * Governance: the votes token, the Timelock and the Governor.
 *
 * The Timelock is the treasury's `governance` address. Only the Governor may propose; the Governor and the guardian
 * may cancel (the guardian stops a queued proposal during its delay: risk-reducing, at once, and it can schedule
 * nothing); anyone may execute a proposal once its delay has passed; the deployer's admin role is renounced in the
 * same deployment, so after it nobody but a passed proposal can change the Timelock's roles.
 *
 * Parameters (module "Governance"): votesSupply (wei, minted to the deployer, who delegates to itself),
 * timelockMinDelay (seconds), votingDelay and votingPeriod (blocks), proposalThreshold (votes, wei), quorumPercent;
 * guardian (address), best given once under "$global" so that the treasury's guardian and the Timelock's canceller
 * are the same account.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ZeroAddress, ZeroHash, id } from "ethers";

/** TimelockController role identifiers (`keccak256("PROPOSER_ROLE")` and so on). */
export const PROPOSER_ROLE = id("PROPOSER_ROLE");
export const CANCELLER_ROLE = id("CANCELLER_ROLE");
export const EXECUTOR_ROLE = id("EXECUTOR_ROLE");
export const DEFAULT_ADMIN_ROLE = ZeroHash;

export default buildModule("Governance", (m) => {
  const deployer = m.getAccount(0);

  const token = m.contract("TreasuryVotes", [deployer, m.getParameter("votesSupply", 1_000_000n * 10n ** 18n)]);
  // Votes count only once delegated; the deployer delegates to itself so it can vote on local networks.
  m.call(token, "delegate", [deployer], { id: "DelegateVotesToDeployer" });

  // No proposer yet (the Governor does not exist); executor address(0) = anyone; the deployer is admin until the
  // Governor holds its roles.
  const timelock = m.contract("TreasuryTimelock", [
    m.getParameter("timelockMinDelay", 3_600),
    [],
    [ZeroAddress],
    deployer,
  ]);
  const governor = m.contract("TreasuryGovernor", [
    token,
    timelock,
    m.getParameter("votingDelay", 1),
    m.getParameter("votingPeriod", 50),
    m.getParameter("proposalThreshold", 0n),
    m.getParameter("quorumPercent", 4),
  ]);

  const proposer = m.call(timelock, "grantRole", [PROPOSER_ROLE, governor], { id: "GrantProposerToGovernor" });
  const canceller = m.call(timelock, "grantRole", [CANCELLER_ROLE, governor], { id: "GrantCancellerToGovernor" });
  const guardianCanceller = m.call(timelock, "grantRole", [CANCELLER_ROLE, m.getParameter<string>("guardian")], {
    id: "GrantCancellerToGuardian",
  });
  m.call(timelock, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], {
    id: "RenounceDeployerAdmin",
    after: [proposer, canceller, guardianCanceller],
  });

  return { token, timelock, governor };
});
