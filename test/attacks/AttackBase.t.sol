// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {BaseTest} from "../Base.t.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";

/// @notice Shared helpers of the attack tests: the Exits fixture (alice 600e6, bob 400e6, 300e6 in each of the three
/// strategies, 100e6 idle), listing an extra strategy with a session covering it, raw calls, and the accounting
/// checks every attack test ends with.
abstract contract AttackBase is BaseTest {
    bytes32 internal constant INTENT = keccak256("intent");

    uint256 internal sid;

    function setUp() public virtual override {
        super.setUp();
        _fundFixture();
    }

    function _fundFixture() internal {
        _deposit(alice, 600e6);
        _deposit(bob, 400e6);
        _nextBlock();
        sid = _grantDefault();
        _rebalance(_targets3(300e6, 300e6, 300e6), sid);
    }

    // ---------------------------------------------------------------- strategies and sessions

    function _s(uint256 i) internal view returns (address) {
        return address(strategies[i]);
    }

    /// @dev Lists `strategy` at the fixture caps and grants a default session covering every listed strategy.
    function _listWithSession(address strategy) internal returns (uint256 id) {
        vm.prank(governance);
        vault.addStrategy(strategy, ABS_CAP, REL_CAP_BPS);
        ISessionManager.SessionParams memory p = _params();
        p.scope = (1 << vault.strategyCount()) - 1;
        id = _grant(p);
    }

    /// @dev Puts `strategy` first in the withdraw queue, the others after it in their current order.
    function _queueFirst(address strategy) internal {
        address[] memory queue = vault.withdrawQueue();
        address[] memory q = new address[](queue.length);
        q[0] = strategy;
        uint256 n = 1;
        for (uint256 i; i < queue.length; ++i) {
            if (queue[i] != strategy) q[n++] = queue[i];
        }
        vm.prank(governance);
        vault.setWithdrawQueue(q);
    }

    // ---------------------------------------------------------------- calls

    /// @dev `rebalance` as a raw call from `caller`: (success, return or revert data).
    function _tryRebalance(address caller, ITreasuryVault.Allocation[] memory t, uint256 id)
        internal
        returns (bool ok, bytes memory ret)
    {
        vm.prank(caller);
        (ok, ret) = address(vault).call(abi.encodeCall(ITreasuryVault.rebalance, (t, id, INTENT)));
    }

    /// @dev The rebalance reverts with exactly `expected`, and `previewRebalance` predicted exactly that.
    function _assertRebalanceReverts(ITreasuryVault.Allocation[] memory t, uint256 id, bytes memory expected)
        internal
    {
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(t, id, agent);
        (bool ok, bytes memory ret) = _tryRebalance(agent, t, id);
        assertFalse(ok, "rebalance reverts");
        assertEq(ret, expected, "revert data is the expected error");
        assertEq(p.reason, expected, "preview predicted the same error");
    }

    // ---------------------------------------------------------------- accounting

    /// @dev totalAllocated = sum of the listed book values; total assets <= idle + the live value of every listed
    /// position (its book value where its views fail); idle <= the vault's balance; no allowance to any listed
    /// strategy.
    function _assertConsistent(string memory where) internal view {
        address[] memory queue = vault.withdrawQueue();
        uint256 sum;
        uint256 live = vault.idle();
        for (uint256 i; i < queue.length; ++i) {
            sum += vault.allocation(queue[i]);
            live += _liveOrBook(queue[i]);
            assertEq(IERC20(vault.asset()).allowance(address(vault), queue[i]), 0, string.concat(where, ": allowance"));
        }
        assertEq(vault.totalAllocated(), sum, string.concat(where, ": totalAllocated = sum of allocations"));
        assertLe(vault.totalAssets(), live, string.concat(where, ": totalAssets <= idle + live positions"));
        assertLe(
            vault.idle(), IERC20(vault.asset()).balanceOf(address(vault)), string.concat(where, ": idle <= balance")
        );
    }

    /// @dev What the vault's position in `strategy` redeems for now, as its views report it; its book value when a
    /// view reverts or answers with less than a word (the rule the vault values it by).
    function _liveOrBook(address strategy) internal view returns (uint256) {
        (bool ok, bytes memory ret) = strategy.staticcall(abi.encodeCall(IERC20.balanceOf, (address(vault))));
        if (!ok || ret.length < 32) return vault.allocation(strategy);
        uint256 shares = abi.decode(ret, (uint256));
        if (shares == 0) return 0;
        (ok, ret) = strategy.staticcall(abi.encodeCall(IERC4626.previewRedeem, (shares)));
        if (!ok || ret.length < 32) return vault.allocation(strategy);
        return abi.decode(ret, (uint256));
    }

    /// @dev Lets time pass (a year at a time, each recorded) until every gain is recognised under the gain rate: total
    /// assets then equal idle plus the live value of the positions.
    function _recogniseGains() internal {
        uint256 live = vault.idle();
        address[] memory queue = vault.withdrawQueue();
        for (uint256 i; i < queue.length; ++i) {
            live += _liveOrBook(queue[i]);
        }
        while (vault.totalAssets() < live) {
            vm.warp(block.timestamp + 365 days);
            vm.roll(block.number + 1);
            vault.realizeLoss(queue[0]); // anyone's call records the valuation
        }
    }

    /// @dev Value of the vault's position in `strategy` as the strategy reports it.
    function _positionValue(address strategy) internal view returns (uint256) {
        return IERC4626(strategy).previewRedeem(IERC4626(strategy).balanceOf(address(vault)));
    }
}
