// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernanceRoles} from "../interfaces/IGovernanceRoles.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";

/// @title GovernanceRoles
/// @notice The two roles every treasury contract knows: governance (a Timelock, or a Safe) loosens and tightens;
/// the guardian (a multisig) only tightens, at once.
///
/// ROLES
/// - governance: proposes its successor (`setGovernance`) and replaces the guardian (`setGuardian`, one step).
/// - pending governance: the proposed successor; becomes governance by calling `acceptGovernance`.
///
/// INVARIANTS
/// - Governance changes only through `acceptGovernance` called by the address governance proposed, so a mistyped or
///   dead address can never receive it; until then the current governance keeps every power and may replace or
///   cancel (`setGovernance(address(0))`) the proposal.
/// - Neither governance nor the guardian is ever the zero address.
abstract contract GovernanceRoles is IGovernanceRoles {
    /// @inheritdoc IGovernanceRoles
    address public governance;
    /// @inheritdoc IGovernanceRoles
    address public guardian;
    /// @inheritdoc IGovernanceRoles
    address public pendingGovernance;

    constructor(address governance_, address guardian_) {
        if (governance_ == address(0) || guardian_ == address(0)) revert ErrorsLib.ZeroAddress();
        governance = governance_;
        guardian = guardian_;
        emit EventsLib.GovernanceSet(address(0), governance_);
        emit EventsLib.GuardianSet(address(0), guardian_);
    }

    modifier onlyGovernance() {
        if (msg.sender != governance) revert ErrorsLib.NotGovernance(msg.sender);
        _;
    }

    modifier onlyGuardianOrGovernance() {
        if (msg.sender != guardian && msg.sender != governance) revert ErrorsLib.NotGuardianOrGovernance(msg.sender);
        _;
    }

    /// @inheritdoc IGovernanceRoles
    function setGovernance(address newGovernance) external onlyGovernance {
        pendingGovernance = newGovernance;
        emit EventsLib.GovernanceProposed(msg.sender, newGovernance);
    }

    /// @inheritdoc IGovernanceRoles
    function acceptGovernance() external {
        address pending = pendingGovernance;
        if (msg.sender != pending || pending == address(0)) revert ErrorsLib.NotPendingGovernance(msg.sender, pending);
        emit EventsLib.GovernanceSet(governance, pending);
        governance = pending;
        delete pendingGovernance;
    }

    /// @inheritdoc IGovernanceRoles
    function setGuardian(address newGuardian) external onlyGovernance {
        if (newGuardian == address(0)) revert ErrorsLib.ZeroAddress();
        emit EventsLib.GuardianSet(guardian, newGuardian);
        guardian = newGuardian;
    }

    /// @dev Reverts unless the caller is governance, or the guardian making a change that does not loosen.
    function _requireGovernanceOrTightening(bool tightens) internal view {
        if (msg.sender == governance) return;
        if (msg.sender != guardian) revert ErrorsLib.NotGuardianOrGovernance(msg.sender);
        if (!tightens) revert ErrorsLib.GuardianCannotLoosen();
    }
}
