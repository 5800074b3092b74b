// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernanceRoles} from "../interfaces/IGovernanceRoles.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";

/// @title GovernanceRoles
/// @notice The two roles every treasury contract knows: governance (a Timelock, or a Safe) loosens and tightens;
/// the guardian (a multisig) only tightens, at once.
abstract contract GovernanceRoles is IGovernanceRoles {
    address public governance;
    address public guardian;

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
        if (newGovernance == address(0)) revert ErrorsLib.ZeroAddress();
        emit EventsLib.GovernanceSet(governance, newGovernance);
        governance = newGovernance;
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
