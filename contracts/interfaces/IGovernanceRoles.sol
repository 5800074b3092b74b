// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IGovernanceRoles
/// @notice The two roles of every treasury contract. Governance is handed over in two steps (propose, accept); the
/// guardian is replaced by governance in one.
interface IGovernanceRoles {
    /// @notice The address that loosens and tightens bounds (a Timelock, or a Safe).
    function governance() external view returns (address);

    /// @notice The address that may only tighten, at once (a multisig).
    function guardian() external view returns (address);

    /// @notice The address governance proposed as its successor; zero when no handover is pending.
    function pendingGovernance() external view returns (address);

    /// @notice Proposes `newGovernance` as governance's successor; it takes over when it calls `acceptGovernance`.
    /// Replaces any earlier proposal; `address(0)` cancels it. Governance only. Emits `GovernanceProposed`.
    function setGovernance(address newGovernance) external;

    /// @notice Completes the handover: the pending governance becomes governance. Pending governance only. Emits
    /// `GovernanceSet`.
    function acceptGovernance() external;

    /// @notice Replaces the guardian, at once. Governance only.
    function setGuardian(address newGuardian) external;
}
