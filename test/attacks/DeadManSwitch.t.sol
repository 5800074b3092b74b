// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {AttackBase} from "./AttackBase.t.sol";
import {IDeadManSwitch} from "../../contracts/interfaces/IDeadManSwitch.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";
import {ShortPayStrategy} from "../../contracts/mocks/ShortPayStrategy.sol";

/// @notice Dead-man's switch: operators offline during a crash. A strategy falls, no agent rebalances for
/// `staleAfter`, and a keeper moves part of it to idle under the rule governance approved; without the switch nobody
/// but the (absent) agent can. Fixture (AttackBase): alice 600e6, bob 400e6; 300e6 in each of three strategies, 100e6
/// idle. Rule: 6 hours, a fall of more than 10%, at most 10% of total assets a call.
contract DeadManSwitchTest is AttackBase {
    uint32 internal constant STALE = 6 hours;
    uint16 internal constant DROP = 1_000; // 10%
    uint16 internal constant MAX_EXIT = 1_000; // 10% of total assets a call

    address internal keeper = makeAddr("keeper");

    function _dms() internal view returns (IDeadManSwitch) {
        return IDeadManSwitch(address(vault));
    }

    function _arm(uint32 staleAfter, uint16 dropBps, uint16 maxExitBps) internal {
        vm.prank(governance);
        _dms().setDeadManSwitch(staleAfter, dropBps, maxExitBps);
    }

    function _price(address strategy) internal view returns (uint256) {
        return IERC4626(strategy).convertToAssets(ConstantsLib.PRICE_UNIT);
    }

    function _deRisk(address strategy) internal returns (uint256 assets, uint256 loss) {
        vm.prank(keeper);
        return _dms().deRisk(strategy);
    }

    function _expectDeRiskRevert(address strategy, bytes memory expected) internal {
        vm.prank(keeper);
        vm.expectRevert(expected);
        _dms().deRisk(strategy);
    }

    // ---------------------------------------------------------------- the scenario

    /// @notice Without the switch: strategy 0 falls 20%, the agent is gone for a day, and nobody can take money out
    /// of it (the keeper has no session; deRisk is off).
    function test_operatorsOfflineDuringACrash_withoutTheSwitch_nobodyCanDeRisk() public {
        strategies[0].simulateLoss(60e6);
        vm.warp(block.timestamp + 1 days);
        _expectDeRiskRevert(_s(0), abi.encodeWithSelector(ErrorsLib.DeadManSwitchOff.selector));
        (bool ok,) = _tryRebalance(keeper, _targets1(_s(0), 0), sid);
        assertFalse(ok, "a keeper cannot rebalance");
        assertEq(vault.allocation(_s(0)), 300e6, "the book still holds the whole position until something records");
        assertEq(vault.idle(), 100e6, "nothing moved to idle");
    }

    /// @notice With the switch: the agent rebalanced last, the strategy falls, and once no rebalance succeeded for
    /// staleAfter a keeper moves at most 10% of total assets to idle, booked like a withdrawal leg.
    function test_operatorsOfflineDuringACrash_keeperDeRisks() public {
        _arm(STALE, DROP, MAX_EXIT);
        vm.warp(block.timestamp + 1 hours);
        _rebalance(_targets2(_s(0), 290e6, _s(1), 310e6), sid);
        assertEq(_dms().deadManSwitch().lastRebalanceAt, block.timestamp, "the rebalance is recorded");
        strategies[0].simulateLoss(58e6); // 290e6 -> 232e6: 20% down
        vm.warp(block.timestamp + STALE);

        uint256 total = vault.totalAssets();
        uint256 bound = total * MAX_EXIT / 10_000;
        uint256 idleBefore = vault.idle();
        uint256 position = IERC4626(_s(0)).previewRedeem(IERC20(_s(0)).balanceOf(address(vault)));
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.DeRisked(keeper, _s(0), bound, 0);
        (uint256 assets, uint256 loss) = _deRisk(_s(0));
        assertEq(assets, bound, "10% of total assets moved");
        assertEq(loss, 0, "no loss on a plain withdrawal");
        assertEq(vault.idle(), idleBefore + bound, "to idle");
        assertEq(vault.allocation(_s(0)), position - bound, "booked like a withdrawal leg");
        assertEq(vault.allocation(_s(1)), 310e6, "other strategies untouched");
        assertLe(vault.totalAssets(), total, "total assets never rise");
        _assertConsistent("after de-risking");
    }

    // ---------------------------------------------------------------- refusals

    /// @notice While the agent is active (a rebalance within staleAfter) the switch cannot fire, and every successful
    /// rebalance starts the wait again.
    function test_RevertWhen_agentStillActive() public {
        _arm(STALE, DROP, MAX_EXIT);
        uint256 armedAt = block.timestamp;
        strategies[0].simulateLoss(90e6);
        vm.warp(block.timestamp + STALE - 1);
        _expectDeRiskRevert(_s(0), abi.encodeWithSelector(ErrorsLib.AgentStillActive.selector, armedAt, STALE));
        _rebalance(_targets1(_s(1), 290e6), sid);
        vm.warp(block.timestamp + STALE - 1);
        _expectDeRiskRevert(
            _s(0), abi.encodeWithSelector(ErrorsLib.AgentStillActive.selector, block.timestamp - STALE + 1, STALE)
        );
        vm.warp(block.timestamp + 1);
        (uint256 assets,) = _deRisk(_s(0));
        assertGt(assets, 0, "fires once stale");
    }

    /// @notice Arming records now as the last rebalance: a vault whose agent has been silent for weeks is not
    /// de-riskable the moment the switch is armed.
    function test_arming_isNotImmediatelyTriggerable() public {
        strategies[0].simulateLoss(150e6);
        vm.warp(block.timestamp + 30 days);
        _arm(STALE, DROP, MAX_EXIT);
        _expectDeRiskRevert(_s(0), abi.encodeWithSelector(ErrorsLib.AgentStillActive.selector, block.timestamp, STALE));
    }

    /// @notice A strategy that did not fall, or fell by no more than dropBps, is refused; so is a broken price view.
    function test_RevertWhen_priceNotDown() public {
        _arm(STALE, DROP, MAX_EXIT);
        strategies[1].simulateLoss(30e6); // exactly 10%: not more than dropBps
        vm.warp(block.timestamp + STALE);
        _expectDeRiskRevert(
            _s(0), abi.encodeWithSelector(ErrorsLib.PriceNotDown.selector, 1e18, _price(_s(0)), uint256(DROP))
        );
        _expectDeRiskRevert(
            _s(1), abi.encodeWithSelector(ErrorsLib.PriceNotDown.selector, 1e18, _price(_s(1)), uint256(DROP))
        );
        strategies[2].simulateLoss(150e6);
        vm.mockCallRevert(_s(2), abi.encodeWithSelector(IERC4626.convertToAssets.selector), "");
        _expectDeRiskRevert(_s(2), abi.encodeWithSelector(ErrorsLib.PriceNotDown.selector, 1e18, 0, uint256(DROP)));
    }

    /// @notice There is no raise path: deRisk only ever lowers the named strategy; an empty position moves nothing.
    function test_deRisk_onlyLowers() public {
        _arm(STALE, DROP, MAX_EXIT);
        _rebalance(_targets1(_s(2), 0), sid);
        strategies[0].simulateLoss(150e6);
        vm.warp(block.timestamp + STALE);
        uint256 a1 = vault.allocation(_s(1));
        uint256 a2 = vault.allocation(_s(2));
        uint256 before0 = IERC20(_s(0)).balanceOf(address(vault));
        _deRisk(_s(0));
        assertLt(IERC20(_s(0)).balanceOf(address(vault)), before0, "the fallen strategy lowered");
        assertEq(vault.allocation(_s(1)), a1, "strategy 1 untouched");
        assertEq(vault.allocation(_s(2)), a2, "strategy 2 untouched");
        assertEq(a2, 0, "strategy 2 empty");
    }

    /// @notice A griefer cannot force a costly exit: through a strategy that pays 10% short on withdrawal, a call
    /// whose loss passes the per-call loss limit reverts; with a smaller bound the loss stays within it and is booked.
    function test_RevertWhen_feeStrategyPastTheLossLimit() public {
        ShortPayStrategy shorty = new ShortPayStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(shorty));
        _rebalance(_targets2(_s(0), 200e6, address(shorty), 100e6), id);
        _arm(STALE, DROP, MAX_EXIT);
        shorty.setPayShortBps(1_000);
        deal(address(asset), address(shorty), 80e6); // its price falls 20%
        vm.warp(block.timestamp + STALE);

        vm.prank(keeper);
        // 80e6 out, 72e6 paid: a loss of 8e6 against a limit of 0.5% of 980e6.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.LossExceedsCallLimit.selector, 8e6, 4.9e6));
        _dms().deRisk(address(shorty));

        vm.prank(governance);
        _dms().setDeadManSwitch(STALE, DROP, 300); // 3%: ~29e6 an exit, ~2.9e6 lost, within 0.5%
        vm.warp(block.timestamp + STALE);
        uint256 epochLossBefore = vault.epochLoss().lossInEpoch;
        (uint256 assets, uint256 loss) = _deRisk(address(shorty));
        assertGt(loss, 0, "the short payment is a loss");
        assertApproxEqAbs(loss, assets / 9, 1, "10% of the exit kept back");
        assertEq(vault.epochLoss().lossInEpoch, epochLossBefore + loss, "charged to the epoch loss budget");
        _assertConsistent("after a lossy de-risk");
    }

    /// @notice Repeat calls in one stale window are allowed, each bounded by maxExitBps, until the position is gone.
    function test_deRisk_repeats_eachBounded() public {
        _arm(STALE, DROP, 500); // 5%
        strategies[0].simulateLoss(150e6);
        vm.warp(block.timestamp + STALE);
        uint256 calls;
        while (vault.allocation(_s(0)) != 0) {
            uint256 bound = vault.totalAssets() * 500 / 10_000;
            (uint256 assets,) = _deRisk(_s(0));
            assertLe(assets, bound, "each call within the bound");
            ++calls;
            vm.roll(block.number + 1);
        }
        assertEq(calls, 4, "150e6 at about 42e6 a call");
        // Emptied, the strategy has no holder left and its price reads par again: nothing more to de-risk.
        _expectDeRiskRevert(_s(0), abi.encodeWithSelector(ErrorsLib.PriceNotDown.selector, 1e18, 1e18, uint256(DROP)));
        _assertConsistent("after the repeats");
    }

    /// @notice While the switch may fire, nobody can erase the drop by re-marking the strategy at its low.
    function test_markStrategy_cannotEraseTheDropWhileStale() public {
        _arm(STALE, DROP, MAX_EXIT);
        strategies[0].simulateLoss(90e6);
        vm.warp(block.timestamp + STALE);
        vm.prank(keeper);
        vault.markStrategy(_s(0));
        assertEq(vault.priceMark(_s(0)).price, 1e18, "the mark did not fall");
        (uint256 assets,) = _deRisk(_s(0));
        assertGt(assets, 0, "still de-riskable");
    }

    // ---------------------------------------------------------------- settings

    function test_setDeadManSwitch_guardianOnlyTightens() public {
        vm.prank(guardian);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _dms().setDeadManSwitch(STALE, DROP, MAX_EXIT);

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.DeadManSwitchSet(STALE, DROP, MAX_EXIT, governance);
        _arm(STALE, DROP, MAX_EXIT);

        vm.startPrank(guardian);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _dms().setDeadManSwitch(STALE - 1, DROP, MAX_EXIT);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _dms().setDeadManSwitch(STALE, DROP - 1, MAX_EXIT);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _dms().setDeadManSwitch(STALE, DROP, MAX_EXIT + 1);
        _dms().setDeadManSwitch(STALE * 2, DROP * 2, MAX_EXIT / 2);
        IDeadManSwitch.DeadManSwitch memory d = _dms().deadManSwitch();
        assertEq(d.staleAfter, STALE * 2, "longer");
        assertEq(d.dropBps, DROP * 2, "larger drop");
        assertEq(d.maxExitBps, MAX_EXIT / 2, "smaller exit");
        _dms().setDeadManSwitch(0, 0, 0);
        vm.stopPrank();
        d = _dms().deadManSwitch();
        assertEq(d.staleAfter, 0, "off");
        assertEq(d.lastRebalanceAt, 0, "off clears the time");

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, alice));
        _dms().setDeadManSwitch(0, 0, 0);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, 10_000));
        _dms().setDeadManSwitch(STALE, 10_001, MAX_EXIT);
    }

    /// @notice A rebalance records its time only while the switch is armed.
    function test_rebalance_recordsTheTimeOnlyWhenArmed() public {
        vm.warp(block.timestamp + 1 hours);
        _rebalance(_targets1(_s(1), 290e6), sid);
        assertEq(_dms().deadManSwitch().lastRebalanceAt, 0, "off: nothing recorded");
        _arm(STALE, DROP, MAX_EXIT);
        vm.warp(block.timestamp + 1 hours);
        _rebalance(_targets1(_s(1), 280e6), sid);
        assertEq(_dms().deadManSwitch().lastRebalanceAt, block.timestamp, "armed: recorded");
    }

    // ---------------------------------------------------------------- fuzz

    /// @notice Whatever the fall, the bound and the wait: a call moves at most min(position, maxExitBps of total
    /// assets), lowers only the named strategy, and never raises total assets.
    function testFuzz_deRisk_bound(uint256 lossAssets, uint16 maxExitBps, uint256 wait) public {
        lossAssets = bound(lossAssets, 31e6, 299e6);
        maxExitBps = uint16(bound(maxExitBps, 1, 10_000));
        wait = bound(wait, STALE, 365 days);
        _arm(STALE, DROP, maxExitBps);
        strategies[0].simulateLoss(lossAssets);
        vm.warp(block.timestamp + wait);
        uint256 total = vault.totalAssets();
        uint256 position = IERC4626(_s(0)).previewRedeem(IERC20(_s(0)).balanceOf(address(vault)));
        uint256 cap = total * maxExitBps / 10_000;
        uint256 idleBefore = vault.idle();
        (uint256 assets, uint256 loss) = _deRisk(_s(0));
        assertLe(assets, position, "at most the position");
        assertLe(assets, cap, "at most the bound");
        assertEq(assets, position < cap ? position : cap, "exactly the smaller");
        assertEq(loss, 0, "a plain strategy pays in full");
        assertEq(vault.idle(), idleBefore + assets, "into idle");
        assertEq(vault.allocation(_s(1)), 300e6, "others untouched");
        assertLe(vault.totalAssets(), total, "total assets never rise");
        _assertConsistent("fuzz");
    }
}
