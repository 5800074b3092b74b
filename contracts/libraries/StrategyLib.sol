// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ConstantsLib} from "./ConstantsLib.sol";
import {ErrorsLib} from "./ErrorsLib.sol";

/// @title StrategyLib
/// @notice Every call the vault makes into a strategy goes through here: a low-level call with a gas cap, its return
/// data length-checked and copied only as far as needed. A strategy that reverts, burns gas, returns short or garbage
/// data (a non-reverting fallback, a proxy without implementation) or a return-data bomb is reported as a failed call,
/// never as a revert of the caller, and costs the caller a bounded amount of gas.
/// @dev A caller that forwards too little gas could make a healthy strategy's call fail (EIP-150 keeps 1/64 back). A
/// failed call that had less than its cap available reverts `InsufficientGas` instead of being treated as the
/// strategy's failure, so nobody can choose which strategies look broken by choosing the gas limit.
library StrategyLib {
    /// @notice `IERC4626(strategy).<view>(...)` returning one word: (true, value), or (false, 0) when the call
    /// reverted, ran out of its VIEW_GAS, or did not return exactly one ABI word (32 bytes).
    function viewUint(address strategy, bytes memory data) internal view returns (bool ok, uint256 value) {
        uint256 gasCap = ConstantsLib.STRATEGY_VIEW_GAS;
        bool success;
        uint256 size;
        assembly ("memory-safe") {
            success := staticcall(gasCap, strategy, add(data, 32), mload(data), 0, 0)
            size := returndatasize()
            if and(success, eq(size, 32)) {
                returndatacopy(0, 0, 32)
                value := mload(0)
            }
        }
        if (!success) _requireGasWasSufficient(gasCap);
        ok = success && size == 32;
        if (!ok) value = 0;
    }

    /// @notice A state-changing call into `strategy` with all the gas left; returns whether it succeeded and, when it
    /// did not, its revert data (at most MAX_REVERT_DATA bytes, so a strategy cannot make the caller pay to copy a
    /// return-data bomb).
    function call(address strategy, bytes memory data) internal returns (bool success, bytes memory reason) {
        assembly ("memory-safe") {
            success := call(gas(), strategy, 0, add(data, 32), mload(data), 0, 0)
        }
        if (!success) reason = _revertData();
    }

    /// @notice The vault's shares in `strategy` and what they redeem for now: (true, value) when both views answered.
    function positionValue(address strategy) internal view returns (bool ok, uint256 value) {
        uint256 shares;
        (ok, shares) = viewUint(strategy, abi.encodeCall(IERC20.balanceOf, (address(this))));
        if (!ok || shares == 0) return (ok, 0);
        (ok, value) = viewUint(strategy, abi.encodeCall(IERC4626.previewRedeem, (shares)));
    }

    /// @notice What `strategy` lets the vault withdraw now; 0 when the view fails.
    function maxWithdraw(address strategy) internal view returns (uint256 max) {
        (, max) = viewUint(strategy, abi.encodeCall(IERC4626.maxWithdraw, (address(this))));
    }

    /// @notice The vault's shares in `strategy`; (false, 0) when the view fails.
    function sharesOf(address strategy) internal view returns (bool ok, uint256 shares) {
        (ok, shares) = viewUint(strategy, abi.encodeCall(IERC20.balanceOf, (address(this))));
    }

    /// @dev Reverts when a failed call may have failed for lack of gas the caller did not forward: after a call that
    /// had its whole cap, at least cap / 63 is left.
    function _requireGasWasSufficient(uint256 gasCap) private view {
        if (gasleft() < gasCap / 63) revert ErrorsLib.InsufficientGas();
    }

    /// @dev The last call's revert data, truncated to MAX_REVERT_DATA bytes.
    function _revertData() private pure returns (bytes memory reason) {
        uint256 max = ConstantsLib.MAX_REVERT_DATA;
        assembly ("memory-safe") {
            let size := returndatasize()
            if gt(size, max) { size := max }
            reason := mload(0x40)
            mstore(reason, size)
            returndatacopy(add(reason, 32), 0, size)
            mstore(0x40, add(add(reason, 32), and(add(size, 31), not(31))))
        }
    }
}
