// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {AttackBase} from "./AttackBase.t.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";
import {FeeStrategy} from "../../contracts/mocks/FeeStrategy.sol";
import {LyingStrategy} from "../../contracts/mocks/LyingStrategy.sol";
import {ShortPayStrategy} from "../../contracts/mocks/ShortPayStrategy.sol";

/// @notice Hostile strategies: previews that lie, a share price that jumps inside a call, withdrawals that pay short,
/// deposits that pull short, blocked, capped and broken strategies, a crash. The vault contains the damage: the loss
/// check cannot be talked past by a lying leg, idle and the other strategies stay withdrawable, totals stay
/// consistent. (Re-entering strategies: TreasuryVault.Exits.t.sol and Reentrancy.t.sol.)
contract HostileStrategiesTest is AttackBase {
    address internal feeSink = makeAddr("feeSink");
    LyingStrategy internal liar;
    ShortPayStrategy internal shorty;
    FeeStrategy internal fee;

    /// @dev Lists a 2%-entry-fee strategy (index 3) and a lying strategy (index 4); moves strategy 0's 300e6 into the
    /// liar while it still tells the truth. Returns a session covering all five.
    function _listLiarAndFee() internal returns (uint256 id) {
        fee = new FeeStrategy(IERC20(address(asset)), 200, feeSink);
        vm.prank(governance);
        vault.addStrategy(address(fee), ABS_CAP, REL_CAP_BPS);
        // Two listings at 50% each are 10,000 bps of new exposure: the second waits for the budget to refill.
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        liar = new LyingStrategy(IERC20(address(asset)));
        id = _listWithSession(address(liar));
        _rebalance(_targets2(_s(0), 0, address(liar), 300e6), id);
        assertEq(vault.allocation(address(liar)), 300e6, "liar holds 300e6");
    }

    /// @dev Frees strategy 1's 300e6 and puts `feeTarget` into the 2%-fee strategy (290e6: a 5.8e6 loss against a
    /// 5e6 per-call limit), plus `liarTarget` for the liar.
    function _lossyTargets(uint256 feeTarget, uint256 liarTarget)
        internal
        view
        returns (ITreasuryVault.Allocation[] memory t)
    {
        t = new ITreasuryVault.Allocation[](3);
        t[0] = ITreasuryVault.Allocation(_s(1), 0);
        t[1] = ITreasuryVault.Allocation(address(fee), feeTarget);
        t[2] = ITreasuryVault.Allocation(address(liar), liarTarget);
    }

    // ================================================================ previews that lie

    /// @dev Honest baseline: the fee leg alone is over the per-call loss limit.
    function test_hostile_lossyLegAloneFailsTheLossLimit() public {
        uint256 id = _listLiarAndFee();
        _assertRebalanceReverts(
            _lossyTargets(290e6, 300e6), id, abi.encodeWithSelector(ErrorsLib.LossExceedsCallLimit.selector, 5.8e6, 5e6)
        );
    }

    /// @dev A strategy whose share price jumps in its views while the vault deposits (+3% on 301e6 = 9.03e6 of
    /// "gain") cannot pay for another leg's real 5.8e6 loss: a leg counts for at most its target in the loss check.
    function test_hostile_priceJumpDuringCallCannotMaskAnotherLegsLoss() public {
        uint256 id = _listLiarAndFee();
        liar.setBoostOnDepositBps(300);
        _assertRebalanceReverts(
            _lossyTargets(290e6, 301e6), id, abi.encodeWithSelector(ErrorsLib.LossExceedsCallLimit.selector, 5.8e6, 5e6)
        );
        assertEq(liar.previewBoostBps(), 0, "the jump was undone with the call");
    }

    /// @dev A strategy that over-reports all along (+3%) turns every asset deposited into it into 1.03 of reported
    /// value; that fictitious gain (0.9e6 on 30e6) cannot offset another leg's real loss (5.2e6 on 260e6) either.
    function test_hostile_constantOverReportCannotOffsetAnotherLegsLoss() public {
        uint256 id = _listLiarAndFee();
        liar.setPreviewBoostBps(300);
        uint256 current = _positionValue(address(liar));
        assertEq(current, 309e6, "liar reports 3% over its true 300e6");
        // The lie is a gain the gain rate has not let in: total before stays 1_000e6, per-call limit 5e6.
        assertEq(vault.totalAssets(), 1_000e6, "the lie is not in total assets");
        _assertRebalanceReverts(
            _lossyTargets(260e6, current + 30e6),
            id,
            abi.encodeWithSelector(ErrorsLib.LossExceedsCallLimit.selector, 5.2e6, 5e6)
        );
    }

    /// @dev A lie is a gain: it enters total assets no faster than the gain rate, so in the block it is told (and
    /// after a rebalance books the liar at it) total assets stay at the truth. The lie surfaces as loss when the vault
    /// exits, because a withdrawal leg counts the assets that arrive; recorded total assets, which never held the lie,
    /// stay at the truth.
    function test_hostile_overReportNeverInflatesTotal_surfacesAsLossOnExit() public {
        uint256 id = _listLiarAndFee();
        liar.setPreviewBoostBps(100); // +1%
        assertEq(vault.totalAssets(), 1_000e6, "the lie is not in total assets");
        _rebalance(_targets1(address(liar), 303e6), id); // a hold: books the liar at its lie, moves nothing
        assertEq(vault.allocation(address(liar)), 303e6, "book value at the lie");
        assertEq(vault.totalAssets(), 1_000e6, "total assets still the truth");

        // The exit surfaces the lie as loss for the loss limits; recorded total assets never held the lie, so they stay
        // at the truth instead of falling below it.
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.Rebalanced(id, agent, INTENT, 303e6, 1_000e6, 1_000e6, 3e6);
        _rebalance(_targets1(address(liar), 0), id);
        assertEq(vault.epochLoss().lossInEpoch, 3e6, "the lie is booked as loss");
        assertEq(vault.totalAssets(), 1_000e6, "recorded at the truth, not below it");
        _assertConsistent("after exit");
    }

    /// @dev A large lie (+10%) cannot be exited in one call (30e6 of loss against a 5e6 limit: the lie is not in total
    /// assets), but the agent gets out in parts (a part of x assets costs 10% of x), and users' exits pull true amounts
    /// all along. The preview runs the real call, so the lie fools it no more than the call.
    function test_hostile_largeLieExitsInPartsWithinTheLossLimit() public {
        uint256 id = _listLiarAndFee();
        liar.setPreviewBoostBps(1_000);
        _rebalance(_targets1(address(liar), 330e6), id);
        _assertRebalanceReverts(
            _targets1(address(liar), 0), id, abi.encodeWithSelector(ErrorsLib.LossExceedsCallLimit.selector, 30e6, 5e6)
        );
        // 50e6 out costs 5e6 of loss.
        _rebalance(_targets1(address(liar), 330e6 - 50e6), id);
        assertEq(vault.epochLoss().lossInEpoch, 5e6, "loss of the partial exit");
        assertEq(liar.trueValue(liar.balanceOf(address(vault))), 250e6, "true position after the partial exit");
        _assertConsistent("after partial exit");
    }

    /// @dev A strategy whose maxWithdraw promises liquidity its withdraw then refuses: a rebalance leg out of it
    /// reverts as a whole (no session budget spent); a user exit skips it and the others pay.
    function test_hostile_maxWithdrawLie_rebalanceRevertsWhole_userExitSkipsIt() public {
        liar = new LyingStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(liar));
        _rebalance(_targets2(_s(2), 200e6, address(liar), 100e6), id);
        liar.setWithdrawReverts(true);
        _queueFirst(address(liar));

        uint256 volumeLeft = sessions.remaining(id).volumeInEpoch;
        (bool ok, bytes memory ret) = _tryRebalance(agent, _targets1(address(liar), 50e6), id);
        assertFalse(ok, "rebalance out of the liar reverts");
        assertEq(
            ret,
            abi.encodeWithSelector(
                ErrorsLib.StrategyCallFailed.selector,
                address(liar),
                abi.encodeWithSelector(LyingStrategy.WithdrawRefused.selector)
            ),
            "naming the strategy, with its error"
        );
        assertEq(sessions.remaining(id).volumeInEpoch, volumeLeft, "no session budget spent");

        _withdraw(alice, 150e6);
        assertEq(asset.balanceOf(alice), 150e6, "alice paid");
        assertEq(liar.balanceOf(address(vault)), 100e6, "liar skipped");
        assertEq(vault.allocation(_s(0)), 250e6, "strategy 0 paid the 50e6 idle could not");
        _assertConsistent("after exit");
    }

    /// @dev A strategy whose maxRedeem reverts cannot be fully exited (the vault cannot know its shares are free), but
    /// a partial exit works, and the preview says the same.
    function test_hostile_maxRedeemReverts_fullExitLimited_partialExitWorks() public {
        liar = new LyingStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(liar));
        _rebalance(_targets2(_s(2), 200e6, address(liar), 100e6), id);
        liar.setMaxRedeemReverts(true);
        _assertRebalanceReverts(
            _targets1(address(liar), 0),
            id,
            abi.encodeWithSelector(ErrorsLib.StrategyWithdrawLimited.selector, address(liar), 100e6, 100e6)
        );
        _rebalance(_targets1(address(liar), 1), id);
        assertEq(vault.allocation(address(liar)), 1, "all but 1 wei out");
        _assertConsistent("after partial exit");
    }

    // ================================================================ amounts that break ERC-4626

    /// @dev A strategy first in the queue that burns shares for the assets asked but pays 10% short: a user exit
    /// undoes and skips it, like a strategy that reverts, and the others pay. Nothing is lost.
    function test_hostile_shortPayingStrategy_userExitSkipsIt() public {
        shorty = new ShortPayStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(shorty));
        _rebalance(_targets2(_s(2), 200e6, address(shorty), 100e6), id);
        shorty.setPayShortBps(1_000);
        _queueFirst(address(shorty));

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(0), 50e6);
        _withdraw(alice, 150e6);
        assertEq(asset.balanceOf(alice), 150e6, "alice paid in full");
        assertEq(shorty.balanceOf(address(vault)), 100e6, "short-paying strategy untouched");
        assertEq(vault.allocation(address(shorty)), 100e6, "its allocation unchanged");
        assertEq(vault.totalAssets(), 850e6, "nothing lost: 1_000e6 - 150e6");
        _assertConsistent("after exit");
    }

    /// @dev The same strategy as the only liquidity left: the exit fails with InsufficientLiquidity, not a partial
    /// payment that would leave the loss to the others.
    function test_hostile_shortPayingStrategy_onlyLiquidity_exitRevertsCleanly() public {
        shorty = new ShortPayStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(shorty));
        _rebalance(_targets2(_s(2), 200e6, address(shorty), 100e6), id);
        shorty.setPayShortBps(1_000);
        for (uint256 i; i < 3; ++i) {
            strategies[i].setBlocked(true);
        }
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, 150e6, 100e6));
        vault.withdraw(150e6, alice, alice);
    }

    /// @dev In a rebalance the vault counts what arrives: a short payment is loss of the moves, within the limits.
    function test_hostile_shortPayingStrategy_rebalanceCountsShortfallAsLoss() public {
        shorty = new ShortPayStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(shorty));
        _rebalance(_targets2(_s(2), 200e6, address(shorty), 100e6), id);
        shorty.setPayShortBps(100); // 1%
        _rebalance(_targets1(address(shorty), 60e6), id); // 40e6 asked, 39.6e6 paid
        assertEq(vault.epochLoss().lossInEpoch, 0.4e6, "the short payment is booked as loss");
        assertEq(vault.idle(), 139.6e6, "idle grew by what arrived");
        _assertConsistent("after lossy leg");

        shorty.setPayShortBps(2_000); // 20%: 12e6 short on 60e6, over the 4.99e6 limit
        (bool ok, bytes memory ret) = _tryRebalance(agent, _targets1(address(shorty), 0), id);
        assertFalse(ok, "too lossy an exit reverts");
        assertEq(bytes4(ret), ErrorsLib.LossExceedsCallLimit.selector, "on the per-call loss limit");
    }

    /// @dev A deposit that pulls less than approved: the vault withdraws the rest of the approval at once (no
    /// allowance left) and idle drops by what was pulled only.
    function test_hostile_partialPull_leavesNoAllowanceAndCountsWhatLeft() public {
        shorty = new ShortPayStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(shorty));
        shorty.setPullShortBps(5_000);
        _rebalance(_targets2(_s(2), 200e6, address(shorty), 100e6), id);
        assertEq(asset.allowance(address(vault), address(shorty)), 0, "no allowance left");
        assertEq(vault.allocation(address(shorty)), 50e6, "position: what was pulled");
        assertEq(vault.idle(), 150e6, "idle: 100e6 + 100e6 - 50e6 pulled");
        assertEq(asset.balanceOf(address(vault)), vault.idle(), "balance matches idle");
        _assertConsistent("after partial pull");
    }

    // ================================================================ blocked, capped, broken, crashed

    /// @dev Any mix of blocked, capped (at 40e6) and broken-view strategies: a user can take idle plus what the
    /// healthy and capped ones release, and maxWithdraw says exactly that.
    function testFuzz_hostile_damageContained(uint8 modes) public {
        uint256 expected = 100e6; // idle
        for (uint256 i; i < 3; ++i) {
            uint256 mode = (uint256(modes) >> (2 * i)) & 3;
            if (mode == 0) expected += 300e6;
            if (mode == 1) strategies[i].setBlocked(true);
            if (mode == 2) {
                strategies[i].setWithdrawCap(40e6);
                expected += 40e6;
            }
            if (mode == 3) strategies[i].setViewsBroken(true);
        }
        uint256 aliceValue = vault.previewRedeem(vault.balanceOf(alice));
        uint256 maxOut = vault.maxWithdraw(alice);
        assertEq(maxOut, expected < aliceValue ? expected : aliceValue, "maxWithdraw = idle + what strategies release");
        _withdraw(alice, maxOut);
        assertEq(asset.balanceOf(alice), maxOut, "alice took it");
        assertEq(vault.totalAssets(), 1_000e6 - maxOut, "nothing else moved");
        _assertConsistent("after exit");
    }

    /// @dev A 90% crash: anyone writes it down at once, exits price on it, and the agent can still move out of the
    /// crashed strategy (a market move is not loss of the moves).
    function test_hostile_crash_writtenDownThenExited() public {
        strategies[0].simulateLoss(270e6);
        vault.realizeLoss(_s(0));
        assertEq(vault.totalAssets(), 730e6, "written down by 270e6");
        _rebalance(_targets1(_s(0), 0), sid);
        assertEq(vault.allocation(_s(0)), 0, "agent moved out of the crashed strategy");
        assertEq(vault.idle(), 130e6, "its 30e6 back in idle");
        assertEq(vault.epochLoss().lossInEpoch, 0, "no loss of the moves");
        uint256 bobShares = vault.balanceOf(bob);
        assertApproxEqAbs(_redeem(bob, bobShares), 292e6, 1, "bob leaves with 40% of 730e6");
        _assertConsistent("after crash");
    }
}
