// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TreasuryVault} from "../vault/TreasuryVault.sol";
import {TreasuryVaultAdmin} from "../vault/TreasuryVaultAdmin.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";
import {EventsLib} from "../libraries/EventsLib.sol";

/// @title RebalanceHarness
/// @notice Test-only: the vault with an extra entry point that moves the same legs as `rebalance` without the
/// session, scope, rate, cap, buffer and loss checks. The benchmark subtracts its gas from `rebalance`'s to measure
/// what enforcement costs; with `audited` it also emits the audit events `rebalance` emits, so the difference is the
/// checks alone.
contract RebalanceHarness is TreasuryVault {
    constructor(
        IERC20 asset_,
        ISessionManager sessionManager_,
        Bounds memory bounds_,
        TreasuryVaultAdmin admin_
    ) TreasuryVault(asset_, "Harness", "HRN", sessionManager_, bounds_, admin_) {}

    /// @notice Values the vault and moves the touched strategies to `targets`, unchecked; with `audited`, also emits
    /// the audit events of `rebalance` (one per call, one per leg).
    function moveUnchecked(Allocation[] calldata targets, bool audited) external {
        (uint256 totalBefore,) = _recordKeepingValues();
        Plan memory plan = _plan(targets, totalBefore, true);
        uint256[] memory afterValues = _executeLegs(plan.legs);
        if (!audited) return;
        for (uint256 i; i < plan.legs.length; ++i) {
            emit EventsLib.RebalanceLeg(0, plan.legs[i].strategy, plan.legs[i].current, afterValues[i]);
        }
        emit EventsLib.Rebalanced(0, msg.sender, bytes32(0), plan.volume, plan.totalBefore, totalAssets(), 0);
    }
}
