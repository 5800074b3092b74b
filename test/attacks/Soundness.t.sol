// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {AttackBase} from "./AttackBase.t.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {HostileViewStrategy} from "../../contracts/mocks/HostileViewStrategy.sol";
import {CashPool} from "../../contracts/mocks/CashPool.sol";
import {SharedCashStrategy} from "../../contracts/mocks/SharedCashStrategy.sol";
import {FeeStrategy} from "../../contracts/mocks/FeeStrategy.sol";

/// @notice The soundness fixture: alice 600, bob 400 (x1e6), strategies 0-2 hold 300 each, 100 idle, buffer 10%,
/// per-call loss 0.5%, loss budget 1%/day, relative caps 50%; the fixture's deposits and rebalance lie in earlier
/// blocks. Helpers value the vault at its true live value, independently of the vault's own valuation.
abstract contract SoundnessBase is AttackBase {
    function setUp() public virtual override {
        super.setUp();
        _advanceBlock();
    }

    /// @dev The next block, 12 seconds later.
    function _advanceBlock() internal {
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
    }

    /// @dev True live value: idle plus what every listed position is really worth (the hostile strategies are asked
    /// through their honest accessors).
    function _liveValue() internal view returns (uint256 value) {
        value = vault.idle();
        address[] memory queue = vault.withdrawQueue();
        for (uint256 i; i < queue.length; ++i) {
            value += _trueValue(queue[i]);
        }
    }

    function _trueValue(address strategy) internal view returns (uint256) {
        (bool ok, bytes memory ret) =
            strategy.staticcall(abi.encodeCall(HostileViewStrategy.trueValue, (address(vault))));
        if (ok && ret.length == 32) return abi.decode(ret, (uint256));
        IERC4626 s = IERC4626(strategy);
        return s.convertToAssets(s.balanceOf(address(vault)));
    }

    /// @dev What `user`'s shares are worth at true live value.
    function _fairValue(address user) internal view returns (uint256) {
        return _liveValue() * vault.balanceOf(user) / vault.totalSupply();
    }

    function _fund(address user, uint256 assets) internal {
        asset.mint(user, assets);
        vm.prank(user);
        asset.approve(address(vault), assets);
    }

    /// @dev Deposits `assets` and redeems every share of `user` in the same block; returns what came out.
    function _roundTrip(address user, uint256 assets) internal returns (uint256 out) {
        _fund(user, assets);
        vm.startPrank(user);
        vault.deposit(assets, user);
        out = vault.redeem(vault.balanceOf(user), user, user);
        vm.stopPrank();
    }

    /// @dev A hostile strategy holding 300 (moved out of strategy 2), listed with a session over all four.
    function _hostileWith300() internal returns (HostileViewStrategy h, uint256 id) {
        h = new HostileViewStrategy(asset);
        h.setVault(address(vault));
        id = _listWithSession(address(h));
        _rebalance(_targets2(_s(2), 0, address(h), 300e6), id);
        _advanceBlock();
    }

    function _assertNoPhantom(string memory where) internal view {
        assertLe(vault.totalAssets(), _liveValue(), string.concat(where, ": totalAssets <= live value"));
        assertLe(
            vault.idle(), IERC20(vault.asset()).balanceOf(address(vault)), string.concat(where, ": idle <= balance")
        );
    }
}

/// @notice Regression tests for the soundness review: one per finding, named for it. Each fails on the design before
/// it (marks at pre-move values, stale exits, deposits counted in caps, try/catch decoding, anchored ramps) and passes
/// on the current one.
contract SoundnessTest is SoundnessBase {
    // ================================================================ H-1 phantom assets

    /// @dev previewRedeem of the position reverts before and after the move (short liquidity), maxWithdraw and
    /// withdraw work: a 200 withdrawal leg must not leave the position at its pre-move mark. The agent flash-deposits
    /// 9,000, makes the leg and redeems: it must not come out ahead.
    function test_H1_phantomAssets_flashDepositAroundPartialViewFailure() public {
        (HostileViewStrategy h, uint256 id) = _hostileWith300();
        h.setPreviewRedeemLimit(1);
        uint256 aliceFair = _fairValue(alice);

        _fund(agent, 9_000e6);
        vm.startPrank(agent);
        uint256 shares = vault.deposit(9_000e6, agent);
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(_targets1(address(h), 100e6), id, agent);
        uint256 totalAfter = vault.rebalance(_targets1(address(h), 100e6), id, INTENT);
        assertEq(vault.allocation(address(h)), 100e6, "the leg is booked at value before minus what left");
        _assertNoPhantom("after the leg");
        uint256 out = vault.redeem(shares, agent, agent);
        vm.stopPrank();

        assertTrue(p.ok, "preview passes");
        assertEq(p.totalAssetsAfter, totalAfter, "preview and call agree on total assets");
        assertLe(out, 9_000e6, "the flash depositor takes nothing");
        assertGe(_fairValue(alice) + 1, aliceFair, "alice keeps her value");
        _assertNoPhantom("after the exit");
    }

    /// @dev Property: after any rebalance of a strategy whose views fail partially, reentrantly or only after the
    /// move, totalAssets <= idle + the live value of every position.
    function testFuzz_H1_totalAssetsNeverAboveLiveValue(uint8 balanceMode, uint8 previewMode, bool afterMove, uint256 target)
        public
    {
        (HostileViewStrategy h, uint256 id) = _hostileWith300();
        HostileViewStrategy.Mode b = HostileViewStrategy.Mode(bound(balanceMode, 0, 3));
        HostileViewStrategy.Mode r = HostileViewStrategy.Mode(bound(previewMode, 0, 5));
        if (r == HostileViewStrategy.Mode.BurnGas) r = HostileViewStrategy.Mode.Revert;
        if (afterMove) h.armAfterMove(b, r, HostileViewStrategy.Mode.Normal, HostileViewStrategy.Mode.Normal);
        else h.setModes(b, r, HostileViewStrategy.Mode.Normal, HostileViewStrategy.Mode.Normal);
        target = bound(target, 0, 400e6);

        vm.prank(agent);
        (bool ok,) =
            address(vault).call(abi.encodeCall(ITreasuryVault.rebalance, (_targets1(address(h), target), id, INTENT)));
        _assertNoPhantom(ok ? "after a passing rebalance" : "after a refused rebalance");
        // Exits still work and pay no more than the live value.
        uint256 bobFair = _fairValue(bob);
        uint256 shares = vault.balanceOf(bob);
        vm.prank(bob);
        uint256 out = vault.redeem(shares, bob, bob);
        assertLe(out, bobFair + 1, "bob is paid at most his live share");
        _assertNoPhantom("after bob's exit");
    }

    // ================================================================ M-1 mark capture, stale and live pricing

    /// @dev Bob (400 > idle) deposits 10,000 and redeems all in one transaction during an unrecorded 30 gain: he takes
    /// at most his fair 40% of it, and alice keeps hers.
    function test_M1_flashDepositCannotCaptureUnrecordedGain() public {
        strategies[0].simulateGain(30e6);
        uint256 bobFair = _fairValue(bob);
        uint256 aliceFair = _fairValue(alice);
        uint256 out = _roundTrip(bob, 10_000e6);
        assertLe(out, 10_000e6 + bobFair, "bob takes at most his fair share");
        assertGe(_fairValue(alice) + 1, aliceFair, "alice keeps her share of the gain");
    }

    /// @dev 1,000,000 / 200,000 holders invested (idle at the 10% buffer) and a 12,000 unrecorded gain: the smaller
    /// holder flash-deposits any amount and redeems everything (beyond idle) in one transaction, and gets back no
    /// more than the flash deposit plus his fair share; the other holder keeps hers.
    function testFuzz_M1_flashDepositTakesNothingFromAnUnrecordedGain(uint256 gain, uint256 flash) public {
        _deposit(alice, 999_400e6);
        _deposit(bob, 199_600e6);
        _advanceBlock();
        _rebalance(_targets3(480_000e6, 480_000e6, 300e6), sid);
        _rebalance(_targets1(_s(2), 120_000e6), sid);
        _advanceBlock();
        gain = bound(gain, 1e6, 50_000e6);
        flash = bound(flash, 1e6, 100_000_000e6);
        strategies[1].simulateGain(gain);
        uint256 aliceFair = _fairValue(alice);
        uint256 bobFair = _fairValue(bob);
        uint256 out = _roundTrip(bob, flash);
        assertLe(out, flash + bobFair, "the flash deposit earns nothing");
        assertGe(_fairValue(alice) + 1, aliceFair, "the other holder keeps her share of the gain");
    }

    /// @dev A gain is recognised at most at the gain rate, so it cannot be captured in the block it appears, and all
    /// of it in time.
    function test_M1_gainIsRecognisedAtTheGainRate() public {
        // Anything that values the vault records it: from here, growth is measured.
        vault.realizeLoss(_s(1));
        uint256 before = vault.totalAssets();
        strategies[0].simulateGain(30e6);
        assertEq(vault.totalAssets(), before, "not in the block it appears");
        vm.warp(block.timestamp + 1 days);
        uint256 allowed = before * ConstantsLib.DEFAULT_GAIN_RATE_BPS * 1 days / (ConstantsLib.BPS * 365 days);
        assertApproxEqAbs(vault.totalAssets(), before + allowed, 1, "a day's worth at the rate");
        vm.warp(block.timestamp + 60 days);
        assertApproxEqAbs(vault.totalAssets(), before + 30e6, 1, "all of it once the rate allows");
    }

    /// @dev A deposit during an unrecorded 5% loss buys in at live value, not above it.
    function test_M1_depositDuringUnrecordedLossPaysLiveValue() public {
        strategies[0].simulateLoss(15e6);
        address carol = makeAddr("carol");
        _fund(carol, 1_000e6);
        vm.prank(carol);
        vault.deposit(1_000e6, carol);
        assertGe(_fairValue(carol) + 1, 1_000e6, "carol's shares are worth what she paid");
        assertLe(_fairValue(carol), 1_000e6 + 1, "and no more");
    }

    /// @dev An exit's price does not depend on whether idle covers it: during an unrecorded 5% loss, a small exit
    /// (idle) and a large one (strategies) are paid at the same live price; the holders who stay keep their value.
    function test_M1_exitPriceDoesNotDependOnIdle() public {
        strategies[0].simulateLoss(15e6);
        uint256 small = vault.balanceOf(alice) / 60;
        vm.prank(alice);
        uint256 smallOut = vault.redeem(small, alice, alice);
        uint256 aliceFair = _fairValue(alice);
        uint256 large = vault.balanceOf(bob);
        vm.prank(bob);
        uint256 largeOut = vault.redeem(large, bob, bob);
        assertApproxEqRel(smallOut * 1e18 / small, largeOut * 1e18 / large, 1e12, "same price per share");
        assertGe(_fairValue(alice) + 2, aliceFair, "the loss is not left to alice");
    }

    /// @dev A front-run deposit in the victim's block changes neither the victim's exit price nor makes
    /// withdraw(maxWithdraw) revert.
    function test_M1_frontRunDepositDoesNotMoveTheVictimsExit() public {
        strategies[2].simulateLoss(9e6);
        uint256 expected = vault.previewRedeem(vault.balanceOf(bob));
        _fund(alice, 50_000e6);
        vm.prank(alice);
        vault.deposit(50_000e6, alice);
        uint256 max = vault.maxWithdraw(bob);
        assertApproxEqAbs(max, expected, 1, "the front-run leaves bob's price alone");
        vm.prank(bob);
        vault.withdraw(max, bob, bob);
        assertEq(asset.balanceOf(bob), max, "withdraw(maxWithdraw) pays in full");
    }

    /// @dev Property: whatever gains and losses the strategies carry unrecorded, no deposit-and-exit sequence within
    /// a block returns more than it put in.
    function testFuzz_M1_noRoundTripProfitWithinABlock(int256 d0, int256 d1, int256 d2, uint256 assets, bool byWithdraw)
        public
    {
        int256[3] memory moves = [d0, d1, d2];
        for (uint256 i; i < 3; ++i) {
            int256 m = bound(moves[i], -100e6, 100e6);
            if (m > 0) strategies[i].simulateGain(uint256(m));
            if (m < 0) strategies[i].simulateLoss(uint256(-m));
        }
        assets = bound(assets, 1, 1_000_000e6);
        address flasher = makeAddr("flasher");
        _fund(flasher, assets);
        vm.startPrank(flasher);
        vault.deposit(assets, flasher);
        uint256 out;
        if (byWithdraw) {
            out = vault.maxWithdraw(flasher);
            vault.withdraw(out, flasher, flasher);
        } else {
            out = vault.redeem(vault.balanceOf(flasher), flasher, flasher);
        }
        vm.stopPrank();
        assertLe(out, assets, "no round trip profit");
        _assertNoPhantom("after the round trip");
    }

    // ================================================================ M-2 flash deposit around the agent's rebalance

    /// @dev The agent deposits 1,000 and raises strategy 2 to 1,000 (50% of the inflated 2,000): the cap is measured
    /// without the block's deposit.
    function test_M2_sameBlockDepositDoesNotWidenCaps() public {
        _fund(agent, 1_000e6);
        vm.prank(agent);
        vault.deposit(1_000e6, agent);
        assertEq(vault.inflowInBlock(), 1_000e6, "the block's inflow");
        vm.prank(agent);
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.RelativeCapExceeded.selector, _s(2), uint256(1_000e6), uint256(500e6))
        );
        vault.rebalance(_targets1(_s(2), 1_000e6), sid, INTENT);
    }

    /// @dev Nor the idle buffer: idle the block's deposits brought does not count toward it.
    function test_M2_sameBlockDepositDoesNotCountTowardTheBuffer() public {
        _fund(agent, 1_000e6);
        vm.prank(agent);
        vault.deposit(1_000e6, agent);
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.IdleBufferBreached.selector, uint256(0), uint256(100e6)));
        vault.rebalance(_targets2(_s(0), 500e6, _s(1), 500e6), sid, INTENT);
    }

    /// @dev In a later block the deposit is real money and counts.
    function test_M2_depositCountsFromTheNextBlock() public {
        _fund(agent, 1_000e6);
        vm.prank(agent);
        vault.deposit(1_000e6, agent);
        _advanceBlock();
        _rebalance(_targets1(_s(2), 1_000e6), sid);
        assertEq(vault.allocation(_s(2)), 1_000e6, "50% of a real 2,000");
    }

    // ================================================================ M-3 malformed return data

    /// @dev A strategy whose views revert, return short data, a return-data bomb or burn their gas: exits beyond
    /// idle, max*, previews, realizeLoss and rebalances of the others keep working; removal reports the strategy.
    function test_M3_malformedViewsNeverBlockExits() public {
        for (uint8 m = 1; m <= 4; ++m) {
            uint256 snap = vm.snapshotState();
            (HostileViewStrategy h,) = _hostileWith300();
            HostileViewStrategy.Mode mode = HostileViewStrategy.Mode(m);
            h.setModes(mode, mode, mode, mode);

            assertLe(vault.totalAssets(), _liveValue(), "valuation falls back to the book");
            vault.previewRedeem(1e12);
            vault.previewWithdraw(1e6);
            uint256 max = vault.maxWithdraw(bob);
            assertEq(vault.maxRedeem(bob), vault.balanceOf(bob), "bob's whole position is redeemable without h");
            vault.realizeLoss(address(h));
            uint256 gasBefore = gasleft();
            vm.prank(bob);
            vault.withdraw(max, bob, bob);
            assertLt(gasBefore - gasleft(), 4_000_000, "one bad strategy costs an exit a bounded amount of gas");
            _rebalance(_targets1(_s(1), 250e6), sid);

            vm.prank(governance);
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotEmpty.selector, address(h), uint256(0)));
            vault.removeStrategy(address(h));
            vm.revertToState(snap);
        }
    }

    /// @dev A caller that forwards too little gas cannot make a healthy strategy look broken.
    function test_M3_tooLittleGasRevertsInsteadOfBlamingTheStrategy() public {
        (HostileViewStrategy h,) = _hostileWith300();
        h.setModes(
            HostileViewStrategy.Mode.Normal,
            HostileViewStrategy.Mode.BurnGas,
            HostileViewStrategy.Mode.Normal,
            HostileViewStrategy.Mode.Normal
        );
        (bool ok, bytes memory ret) = address(vault).call{gas: 300_000}(abi.encodeCall(IERC4626.totalAssets, ()));
        assertFalse(ok, "not enough gas for the strategy's view cap");
        assertEq(ret, abi.encodeWithSelector(ErrorsLib.InsufficientGas.selector), "says so");
    }

    // ================================================================ M-5 vault-wide exposure ramp

    /// @dev Two strategies listed in one proposal at 50% each: the second is refused, whatever the per-strategy caps.
    function test_M5_newExposureIsRampedVaultWide() public {
        HostileViewStrategy a = new HostileViewStrategy(asset);
        HostileViewStrategy b = new HostileViewStrategy(asset);
        vm.startPrank(governance);
        vault.addStrategy(address(a), ABS_CAP, 5_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.ChangeTooLarge.selector, uint256(5_000), uint256(0), block.timestamp + 7 days
            )
        );
        vault.addStrategy(address(b), ABS_CAP, 5_000);
        // A lowered buffer is new exposure too.
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, uint256(0), uint256(1_000), block.timestamp + 1.4 days)
        );
        vault.setIdleBuffer(0);
        vm.stopPrank();
        assertEq(vault.rampRoom().exposureBps, 0, "budget spent");
    }

    // ================================================================ Low-Medium: shared liquidity

    /// @dev Two strategies on one pool with 100 of cash: max* must not promise 200, and withdraw(maxWithdraw) works.
    function test_LowMed_sharedLiquidityMaxWithdrawNeverOverPromises() public {
        CashPool pool = new CashPool(IERC20(address(asset)));
        SharedCashStrategy a = new SharedCashStrategy(IERC20(address(asset)), pool);
        SharedCashStrategy b = new SharedCashStrategy(IERC20(address(asset)), pool);
        vm.prank(governance);
        vault.addStrategy(address(a), ABS_CAP, 5_000);
        _advanceBlock();
        vm.warp(block.timestamp + 7 days);
        vm.prank(governance);
        vault.addStrategy(address(b), ABS_CAP, 5_000);
        vm.startPrank(governance);
        vault.setLiquidityGroup(address(a), 1);
        vault.setLiquidityGroup(address(b), 1);
        vm.stopPrank();
        ISessionManager.SessionParams memory p = _params();
        p.scope = (1 << vault.strategyCount()) - 1;
        uint256 id = _grant(p);
        // Everything into the pool: 450 through a, 450 through b; a borrower leaves 100 of cash.
        ITreasuryVault.Allocation[] memory t = new ITreasuryVault.Allocation[](5);
        t[0] = ITreasuryVault.Allocation(_s(0), 0);
        t[1] = ITreasuryVault.Allocation(_s(1), 0);
        t[2] = ITreasuryVault.Allocation(_s(2), 0);
        t[3] = ITreasuryVault.Allocation(address(a), 450e6);
        t[4] = ITreasuryVault.Allocation(address(b), 450e6);
        _rebalance(t, id);
        vm.prank(makeAddr("borrower"));
        pool.borrow(800e6);
        assertEq(pool.cash(), 100e6);

        uint256 max = vault.maxWithdraw(alice);
        assertEq(max, 200e6, "idle 100 + the pool's 100, counted once");
        vm.prank(alice);
        vault.withdraw(max, alice, alice);
    }

    // ================================================================ Low 1 drawdown guard

    /// @dev A 0.45%-fee strategy whose fee goes to an accomplice drains within every per-call and daily limit; the
    /// drawdown guard stops raising moves once the share price is the limit below its high-water mark, still lets the
    /// agent move money back to idle, and governance's reset lets agents act again.
    function test_Low1_drawdownGuardStopsASlowDrain() public {
        FeeStrategy fee = new FeeStrategy(IERC20(address(asset)), 45, makeAddr("accomplice"));
        uint256 id = _listWithSession(address(fee));
        vm.prank(guardian);
        vault.setMaxDrawdown(200);
        _rebalance(_targets2(_s(0), 0, _s(1), 0), id);
        uint256 mark = vault.highWaterMark();
        bytes memory refused;
        for (uint256 day; day < 30 && refused.length == 0; ++day) {
            vm.warp(block.timestamp + 1 days);
            for (uint256 k; k < 2 && refused.length == 0; ++k) {
                _advanceBlock();
                vm.prank(agent);
                (bool ok, bytes memory ret) = address(vault).call(
                    abi.encodeCall(ITreasuryVault.rebalance, (_targets1(address(fee), 400e6), id, INTENT))
                );
                if (!ok) {
                    refused = ret;
                    break;
                }
                _advanceBlock();
                _rebalance(_targets1(address(fee), 0), id);
            }
        }
        assertEq(bytes4(refused), ErrorsLib.DrawdownLimitReached.selector, "the guard stops the drain");
        uint256 price = vault.convertToAssets(10 ** vault.decimals());
        assertGe(price, mark - mark * 200 / 10_000 - mark * 50 / 10_000, "at most the limit and one call's loss");

        // Governance resets the mark: raising moves pass again.
        vm.prank(governance);
        vault.resetHighWaterMark();
        _advanceBlock();
        _rebalance(_targets1(address(fee), 400e6), id);
    }

    /// @dev While the guard holds, a call that raises nothing and loses nothing (de-risking) still passes.
    function test_Low1_drawdownGuardLetsAgentsDeRisk() public {
        vm.prank(guardian);
        vault.setMaxDrawdown(100);
        strategies[0].simulateLoss(30e6);
        _advanceBlock();
        vm.prank(agent);
        (bool ok, bytes memory ret) =
            address(vault).call(abi.encodeCall(ITreasuryVault.rebalance, (_targets1(_s(1), 302e6), sid, INTENT)));
        assertFalse(ok, "a raising move is refused");
        assertEq(bytes4(ret), ErrorsLib.DrawdownLimitReached.selector, "by the drawdown guard");
        _rebalance(_targets1(_s(0), 0), sid);
        assertEq(vault.allocation(_s(0)), 0, "moved to idle");
    }

    // ================================================================ Low 2 loss epoch carry-over

    /// @dev Changing the loss-epoch length keeps the loss already taken in the current epoch.
    function test_Low2_changingTheLossEpochCarriesTheLoss() public {
        FeeStrategy fee = new FeeStrategy(IERC20(address(asset)), 100, makeAddr("accomplice"));
        uint256 id = _listWithSession(address(fee));
        _rebalance(_targets2(_s(0), 0, address(fee), 300e6), id);
        uint256 taken = vault.epochLoss().lossInEpoch;
        assertGt(taken, 0, "a loss was taken");
        vm.prank(governance);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS, 2 days);
        assertEq(vault.epochLoss().lossInEpoch, taken, "carried into the new epoch");
    }

    // ================================================================ Low 3 rolling ramps

    /// @dev Two full loosening steps can never land one second apart; the budget refills linearly.
    function test_Low3_rampIsRolling() public {
        vm.warp(1_800_000_000 - 1);
        vm.prank(governance);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 25, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH);
        vm.warp(block.timestamp + 1);
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.ChangeTooLarge.selector,
                uint256(MAX_LOSS_PER_CALL_BPS + 50),
                uint256(MAX_LOSS_PER_CALL_BPS + 25),
                block.timestamp + 7 days
            )
        );
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 50, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH);
        vm.warp(block.timestamp + 3.5 days);
        assertEq(vault.rampRoom().lossPerCallBps, 12, "half refilled after half the period");
        vm.prank(governance);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 25 + 12, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH);
    }

    // ================================================================ Low 6 dust does not block removal

    /// @dev A 1-wei share donation after the strategy was emptied does not block removal.
    function test_Low6_oneWeiShareDonationDoesNotBlockRemoval() public {
        _rebalance(_targets1(_s(0), 0), sid);
        address donor = makeAddr("donor");
        asset.mint(donor, 1);
        vm.startPrank(donor);
        asset.approve(_s(0), 1);
        strategies[0].deposit(1, address(vault));
        vm.stopPrank();
        vm.prank(governance);
        vault.removeStrategy(_s(0));
        assertFalse(vault.strategyConfig(_s(0)).listed, "delisted");
        _assertNoPhantom("after removal");
    }

    // ================================================================ Low 7 one roles registry

    /// @dev The vault's roles are the SessionManager's: one handover moves every power at once.
    function test_Low7_oneRolesRegistry() public {
        address next = makeAddr("next governance");
        vm.prank(governance);
        sessions.setGovernance(next);
        _acceptGovernance(next);
        assertEq(vault.governance(), next, "the vault follows");
        address[] memory queue = vault.withdrawQueue();
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, governance));
        vault.setWithdrawQueue(queue);
        vm.prank(next);
        vault.setWithdrawQueue(queue);
    }

    function _acceptGovernance(address next) internal {
        (bool ok,) = address(sessions).call(abi.encodeWithSignature("pendingGovernance()"));
        if (!ok) return;
        vm.prank(next);
        (ok,) = address(sessions).call(abi.encodeWithSignature("acceptGovernance()"));
        assertTrue(ok, "the new governance accepts");
    }

    // ================================================================ Low 8 preview never disagrees

    /// @dev Where rebalance reverts StrategyWithdrawLimited (views broken), previewRebalance says exactly that.
    function test_Low8_previewGivesTheCallsErrorWhenViewsBreak() public {
        strategies[0].setViewsBroken(true);
        bytes memory expected =
            abi.encodeWithSelector(ErrorsLib.StrategyWithdrawLimited.selector, _s(0), uint256(100e6), uint256(0));
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(_targets1(_s(0), 200e6), sid, agent);
        assertEq(p.reason, expected, "preview");
        vm.prank(agent);
        vm.expectRevert(expected);
        vault.rebalance(_targets1(_s(0), 200e6), sid, INTENT);
    }

    // ================================================================ extras

    /// @dev A rebalance with a deadline executes before it and reverts after it, whatever sat in the mempool.
    function test_Extra_rebalanceBeforeItsDeadline() public {
        uint256 deadline = block.timestamp + 60;
        vm.prank(agent);
        vault.rebalanceBefore(_targets1(_s(0), 250e6), sid, INTENT, deadline);
        assertEq(vault.allocation(_s(0)), 250e6, "executed in time");
        vm.warp(deadline + 1);
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.DeadlinePassed.selector, deadline));
        vault.rebalanceBefore(_targets1(_s(0), 200e6), sid, INTENT, deadline);
    }
}
