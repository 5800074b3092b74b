// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ITreasuryVault} from "../interfaces/ITreasuryVault.sol";

/// @title ReentrantStrategy
/// @notice Test-only strategy ERC-4626 vault that, when a depositor deposits into it or withdraws from it, calls back
/// into the depositor (the treasury vault): `deposit`, `withdraw` or `rebalance`.
/// @dev With `bubble`, a failed re-entry makes the strategy's own deposit/withdraw revert with the same data; without
/// it, the failure is recorded in `lastReentryError` and the strategy's call completes.
contract ReentrantStrategy is ERC4626 {
    /// @notice Which vault function the strategy calls back.
    enum Reentry {
        None,
        Deposit,
        Withdraw,
        Rebalance
    }

    /// @notice The vault called back.
    address public reentryTarget;
    /// @notice Call back made while a depositor deposits.
    Reentry public onDeposit;
    /// @notice Call back made while a holder withdraws or redeems.
    Reentry public onWithdraw;
    /// @notice Whether a failed call back reverts the strategy's own call with the same data.
    bool public bubble;
    /// @notice Session id used by a `rebalance` call back.
    uint256 public sessionId;

    /// @notice Number of call backs tried.
    uint256 public reentryAttempts;
    /// @notice Whether any call back succeeded.
    bool public reentrySucceeded;
    /// @notice Revert data of the last failed call back.
    bytes public lastReentryError;

    constructor(IERC20 asset_) ERC20("Reentrant strategy", "rSTRAT") ERC4626(asset_) {}

    /// @notice Sets the vault to call back and what to call on deposit and on withdraw.
    function arm(address target_, Reentry onDeposit_, Reentry onWithdraw_, bool bubble_, uint256 sessionId_)
        external
    {
        reentryTarget = target_;
        onDeposit = onDeposit_;
        onWithdraw = onWithdraw_;
        bubble = bubble_;
        sessionId = sessionId_;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        _reenter(onDeposit);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        _reenter(onWithdraw);
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    function _reenter(Reentry reentry) internal {
        if (reentry == Reentry.None) return;
        bytes memory data;
        if (reentry == Reentry.Deposit) {
            data = abi.encodeCall(IERC4626.deposit, (1, address(this)));
        } else if (reentry == Reentry.Withdraw) {
            data = abi.encodeCall(IERC4626.withdraw, (1, address(this), address(this)));
        } else {
            ITreasuryVault.Allocation[] memory targets = new ITreasuryVault.Allocation[](1);
            targets[0] = ITreasuryVault.Allocation(address(this), 0);
            data = abi.encodeCall(ITreasuryVault.rebalance, (targets, sessionId, bytes32(0)));
        }
        ++reentryAttempts;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = reentryTarget.call(data);
        if (ok) {
            reentrySucceeded = true;
            return;
        }
        lastReentryError = ret;
        if (bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
