// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TreasuryVault} from "../vault/TreasuryVault.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";

/// @title RebalanceHarness
/// @notice Test-only: the vault with an extra entry point that moves the same legs as `rebalance` without the
/// session, scope, rate, cap, buffer and loss checks. The benchmark subtracts its gas from `rebalance`'s to measure
/// what enforcement costs.
contract RebalanceHarness is TreasuryVault {
    constructor(
        IERC20 asset_,
        ISessionManager sessionManager_,
        address governance_,
        address guardian_,
        Bounds memory bounds_
    ) TreasuryVault(asset_, "Harness", "HRN", sessionManager_, governance_, guardian_, bounds_) {}

    /// @notice Marks the touched strategies and moves them to `targets`, unchecked.
    function moveUnchecked(Allocation[] calldata targets) external nonReentrant {
        (, Plan memory plan) = _plan(targets);
        for (uint256 i; i < plan.legs.length; ++i) {
            _setAllocation(plan.legs[i].strategy, plan.legs[i].current);
        }
        _executeLegs(plan.legs);
    }
}
