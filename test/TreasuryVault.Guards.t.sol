// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./Base.t.sol";
import {ITreasuryVault} from "../contracts/interfaces/ITreasuryVault.sol";
import {ConstantsLib} from "../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../contracts/libraries/EventsLib.sol";

/// @notice The valuation and guard settings: gain rate, drawdown limit and reset, liquidity groups, ramp room. Who may
/// set each, in which direction, within which range, and what each setting changes.
contract TreasuryVaultGuardsTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(alice, 1_000e6);
        vm.roll(block.number + 1);
    }

    // ---------------------------------------------------------------- gain rate

    function test_setGainRate_defaultAndGovernanceRaise() public {
        assertEq(vault.gainRateBps(), ConstantsLib.DEFAULT_GAIN_RATE_BPS, "default 25% a year");
        vm.prank(governance);
        vm.expectEmit(address(vault));
        emit EventsLib.GainRateSet(10_000, governance);
        vault.setGainRate(10_000);
        assertEq(vault.gainRateBps(), 10_000);
    }

    function test_setGainRate_guardianOnlyLowers() public {
        vm.prank(guardian);
        vault.setGainRate(100);
        assertEq(vault.gainRateBps(), 100);
        vm.prank(guardian);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        vault.setGainRate(200);
    }

    function test_RevertWhen_setGainRate_aboveTheMaximum() public {
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.BoundOutOfRange.selector, uint256(20_001), uint256(0), ConstantsLib.MAX_GAIN_RATE_BPS
            )
        );
        vault.setGainRate(20_001);
    }

    function test_RevertWhen_setGainRate_byAnyoneElse() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, alice));
        vault.setGainRate(0);
    }

    /// @dev The old rate applies up to the change: a gain that appeared before a cut to 0 is recognised up to then.
    function test_setGainRate_oldRateAppliesUpToTheChange() public {
        uint256 id = _grantDefault();
        _rebalance(_targets1(address(strategies[0]), 500e6), id);
        strategies[0].simulateGain(50e6);
        vm.warp(block.timestamp + 30 days);
        uint256 before = vault.totalAssets();
        assertGt(before, 1_000e6, "part of the gain recognised at 25% a year");
        vm.prank(guardian);
        vault.setGainRate(0);
        vm.warp(block.timestamp + 30 days);
        assertEq(vault.totalAssets(), before, "nothing more at 0");
    }

    // ---------------------------------------------------------------- drawdown

    function test_setMaxDrawdown_guardianLowersGovernanceRaisesWithinRange() public {
        assertEq(vault.maxDrawdownBps(), ConstantsLib.DEFAULT_MAX_DRAWDOWN_BPS, "default 10%");
        vm.prank(guardian);
        vault.setMaxDrawdown(300);
        vm.prank(guardian);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        vault.setMaxDrawdown(400);
        vm.prank(governance);
        vault.setMaxDrawdown(uint16(ConstantsLib.MAX_DRAWDOWN_BPS));
        assertEq(vault.maxDrawdownBps(), ConstantsLib.MAX_DRAWDOWN_BPS);
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.BoundOutOfRange.selector,
                ConstantsLib.MAX_DRAWDOWN_BPS + 1,
                uint256(0),
                ConstantsLib.MAX_DRAWDOWN_BPS
            )
        );
        vault.setMaxDrawdown(uint16(ConstantsLib.MAX_DRAWDOWN_BPS + 1));
    }

    function test_resetHighWaterMark_setsTheCurrentPrice_governanceOnly() public {
        uint256 id = _grantDefault();
        _rebalance(_targets1(address(strategies[0]), 500e6), id);
        uint256 mark = vault.highWaterMark();
        assertEq(mark, vault.convertToAssets(10 ** vault.decimals()), "a rebalance sets the mark");
        strategies[0].simulateLoss(100e6);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, guardian));
        vault.resetHighWaterMark();
        vm.prank(governance);
        vault.resetHighWaterMark();
        assertEq(vault.highWaterMark(), vault.convertToAssets(10 ** vault.decimals()), "reset to the current price");
        assertLt(vault.highWaterMark(), mark, "lower after the loss");
    }

    // ---------------------------------------------------------------- liquidity groups and ramps

    function test_setLiquidityGroup_governanceOnly_listedOnly() public {
        address s0 = address(strategies[0]);
        vm.prank(governance);
        vm.expectEmit(address(vault));
        emit EventsLib.LiquidityGroupSet(s0, 7);
        vault.setLiquidityGroup(s0, 7);
        assertEq(vault.strategyConfig(s0).liquidityGroup, 7);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, guardian));
        vault.setLiquidityGroup(s0, 0);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, alice));
        vault.setLiquidityGroup(alice, 1);
    }

    function test_rampRoom_fullBudgetsAndSpending() public {
        ITreasuryVault.RampRoom memory r = vault.rampRoom();
        assertEq(r.exposureBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS);
        assertEq(r.lossPerCallBps, ConstantsLib.MAX_LOSS_PER_CALL_RAISE_BPS);
        assertEq(r.epochLossBps, ConstantsLib.MAX_EPOCH_LOSS_RAISE_BPS);
        assertEq(r.lossEpochShrinkBps, ConstantsLib.MAX_LOSS_EPOCH_SHRINK_BPS);
        vm.startPrank(governance);
        vault.setIdleBuffer(IDLE_BUFFER_BPS - 400);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 10, EPOCH_LOSS_BUDGET_BPS + 40, LOSS_EPOCH / 2);
        vm.stopPrank();
        r = vault.rampRoom();
        assertEq(r.exposureBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS - 400, "a buffer cut is new exposure");
        assertEq(r.lossPerCallBps, ConstantsLib.MAX_LOSS_PER_CALL_RAISE_BPS - 10);
        assertEq(r.epochLossBps, ConstantsLib.MAX_EPOCH_LOSS_RAISE_BPS - 40);
        assertEq(r.lossEpochShrinkBps, 0, "halving the epoch spends the whole shrink budget");
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        assertEq(vault.rampRoom().exposureBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS, "refilled after a period");
    }

    /// @dev Before the first deposit nobody's money is at risk: setting up a vault spends no budget.
    function test_rampsFreeBeforeTheFirstDeposit() public {
        _deploy(6, 3);
        vm.prank(governance);
        vault.setIdleBuffer(0);
        assertEq(vault.rampRoom().exposureBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS, "nothing spent");
    }
}
