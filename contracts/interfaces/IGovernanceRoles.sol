// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IGovernanceRoles
/// @notice The two roles of every treasury contract.
interface IGovernanceRoles {
    /// @notice The address that loosens and tightens bounds (a Timelock, or a Safe).
    function governance() external view returns (address);

    /// @notice The address that may only tighten, at once (a multisig).
    function guardian() external view returns (address);

    /// @notice Hands governance to a new address. Governance only.
    function setGovernance(address newGovernance) external;

    /// @notice Replaces the guardian. Governance only.
    function setGuardian(address newGuardian) external;
}
