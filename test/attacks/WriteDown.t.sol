// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AttackBase} from "./AttackBase.t.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice Forced write-down: a strategy whose views fail is counted at its last book value, which may hide a loss
/// nobody can measure. Governance or the guardian writes it down at once; nobody else can, and a strategy whose views
/// answer is marked by `realizeLoss` instead. Fixture (AttackBase): alice 600e6, bob 400e6; 300e6 in each of three
/// strategies, 100e6 idle.
contract WriteDownTest is AttackBase {
    function _breakStrategy0() internal {
        strategies[0].simulateLoss(240e6);
        strategies[0].setViewsBroken(true);
        vm.warp(block.timestamp + 1);
    }

    /// @notice The scenario the write-down exists for: strategy 0 loses most of its money and stops answering. The vault
    /// keeps counting its last mark (300e6), nobody can mark it down (`realizeLoss` needs its views), and an exit is
    /// paid at a price the vault cannot back, at the expense of whoever stays. The guardian writes it down to what it
    /// believes is left, and the price falls with it at once.
    function test_brokenStrategy_writtenDownByTheGuardian_pricesExitsOnWhatIsLeft() public {
        _breakStrategy0();
        assertEq(vault.totalAssets(), 1_000e6, "the last mark still counts");
        vault.realizeLoss(address(strategies[0]));
        assertEq(vault.totalAssets(), 1_000e6, "realizeLoss cannot see the loss");
        assertEq(vault.convertToAssets(vault.balanceOf(bob)), 400e6, "bob could leave with 400e6");

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyMarked(address(strategies[0]), 300e6, 60e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyWrittenDown(address(strategies[0]), 300e6, 60e6, guardian);
        vm.prank(guardian);
        vault.writeDown(address(strategies[0]), 60e6);

        assertEq(vault.allocation(address(strategies[0])), 60e6, "book written down");
        assertEq(vault.totalAssets(), 760e6, "total assets follow at once");
        assertApproxEqAbs(vault.convertToAssets(vault.balanceOf(bob)), 304e6, 1, "bob's exit priced on what is left");
        _assertConsistent("after the write-down");
    }

    /// @notice If the strategy recovers, what it is worth above the new book comes back at the gain rate, never in the
    /// block it reappears in (no deposit can capture it).
    function test_recovery_isRecognisedAtTheGainRate() public {
        _breakStrategy0();
        vm.prank(governance);
        vault.writeDown(address(strategies[0]), 0);
        assertEq(vault.totalAssets(), 700e6, "written down to zero");
        strategies[0].setViewsBroken(false);
        assertEq(vault.totalAssets(), 700e6, "no jump in the block it recovers");
        vm.warp(block.timestamp + 30 days);
        assertGt(vault.totalAssets(), 700e6, "recognised over time");
        assertLe(vault.totalAssets(), 760e6, "never above what it is worth");
    }

    function test_RevertWhen_writeDown_notAllowed() public {
        _breakStrategy0();
        address s0 = address(strategies[0]);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, agent));
        vm.prank(agent);
        vault.writeDown(s0, 0);
        vm.startPrank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyViewsWork.selector, _s(1), 300e6));
        vault.writeDown(_s(1), 0);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.WriteDownNotBelowBook.selector, s0, 300e6, 300e6));
        vault.writeDown(s0, 300e6);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, alice));
        vault.writeDown(alice, 0);
        vm.stopPrank();
        assertEq(vault.totalAssets(), 1_000e6, "nothing changed");
    }
}
