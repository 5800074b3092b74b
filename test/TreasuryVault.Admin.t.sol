// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {BaseTest} from "./Base.t.sol";
import {TreasuryVault} from "../contracts/vault/TreasuryVault.sol";
import {TreasuryVaultAdmin} from "../contracts/vault/TreasuryVaultAdmin.sol";
import {SessionManager} from "../contracts/session/SessionManager.sol";
import {ITreasuryVault} from "../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../contracts/libraries/EventsLib.sol";
import {MockERC20} from "../contracts/mocks/MockERC20.sol";
import {MockStrategy} from "../contracts/mocks/MockStrategy.sol";

/// @notice Governance and guardian setters of the vault: who may call them, which way each role may move a bound,
/// range checks at their edges, the events, and `scopeMask`.
contract TreasuryVaultAdminTest is BaseTest {
    // ================================================================ helpers

    function _s(uint256 i) internal view returns (address) {
        return address(strategies[i]);
    }

    function _newStrategy(string memory name) internal returns (MockStrategy) {
        return new MockStrategy(asset, name);
    }

    function _queue3(address a, address b, address c) internal pure returns (address[] memory q) {
        q = new address[](3);
        q[0] = a;
        q[1] = b;
        q[2] = c;
    }

    function _assertQueue(address[] memory expected, string memory label) internal view {
        address[] memory queue = vault.withdrawQueue();
        assertEq(queue.length, expected.length, string.concat(label, ": length"));
        for (uint256 i; i < expected.length; ++i) {
            assertEq(queue[i], expected[i], string.concat(label, ": entry ", vm.toString(i)));
        }
    }

    /// @dev Puts `assets` of alice's deposit into strategy 0 through a default session.
    function _fundStrategy0(uint256 assets) internal {
        _deposit(alice, 1_000e6);
        _nextBlock();
        uint256 id = _grantDefault();
        _rebalance(_targets1(_s(0), assets), id);
    }

    // ================================================================ the admin module

    /// @notice The admin module's code reads the asset and session manager from its own immutables, so a vault given
    /// one made for another asset or another registry would run governance calls against the wrong ones: refused at
    /// deployment, as is a contract that is no admin module at all.
    function test_RevertWhen_adminModuleServesAnotherVault() public {
        ITreasuryVault.Bounds memory b = _defaultBounds();
        MockERC20 other = new MockERC20("Other", "OTH", 6);
        TreasuryVaultAdmin forOtherAsset = new TreasuryVaultAdmin(IERC20(address(other)), sessions);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.AdminModuleMismatch.selector, address(forOtherAsset)));
        new TreasuryVault(IERC20(address(asset)), "T", "T", sessions, b, forOtherAsset);

        SessionManager otherSessions = new SessionManager(governance, guardian, sessionAdmin);
        TreasuryVaultAdmin forOtherSessions = new TreasuryVaultAdmin(IERC20(address(asset)), otherSessions);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.AdminModuleMismatch.selector, address(forOtherSessions)));
        new TreasuryVault(IERC20(address(asset)), "T", "T", sessions, b, forOtherSessions);

        // No `binding()` at all: the call reverts, and so does the deployment.
        vm.expectRevert();
        new TreasuryVault(IERC20(address(asset)), "T", "T", sessions, b, TreasuryVaultAdmin(address(other)));
    }

    /// @notice One module serves any number of vaults over the same asset and registry: it holds nothing, and each
    /// vault's settings stay in that vault's storage.
    function test_adminModule_sharedByTwoVaults_keepsTheirSettingsApart() public {
        TreasuryVault second = new TreasuryVault(IERC20(address(asset)), "T2", "T2", sessions, _defaultBounds(), adminModule);
        (IERC20 boundAsset, ISessionManager boundSessions) = adminModule.binding();
        assertEq(second.adminModule(), address(adminModule), "second vault names the module it runs");
        assertEq(vault.adminModule(), address(adminModule), "first vault names the module it runs");
        assertEq(address(boundAsset), address(asset), "module's asset");
        assertEq(address(boundSessions), address(sessions), "module's registry");
        vm.prank(governance);
        second.setIdleBuffer(4_321);
        assertEq(second.bounds().idleBufferBps, 4_321, "the second vault's setting");
        assertEq(vault.bounds().idleBufferBps, IDLE_BUFFER_BPS, "the first vault's untouched");
    }

    // ================================================================ addStrategy

    function test_addStrategy_listsStrategy() public {
        MockStrategy s = _newStrategy("new");
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyAdded(address(s), 3, 123e6, 2_500);
        vm.prank(governance);
        vault.addStrategy(address(s), 123e6, 2_500);

        ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(address(s));
        assertEq(c.absoluteCap, 123e6, "absolute cap");
        assertEq(c.relativeCapBps, 2_500, "relative cap");
        assertEq(c.index, 3, "next index");
        assertTrue(c.enabled, "enabled");
        assertTrue(c.listed, "listed");
        assertEq(vault.strategyCount(), 4, "strategy count");
        assertEq(vault.strategyAt(3), address(s), "strategy at index 3");
        address[] memory queue = vault.withdrawQueue();
        assertEq(queue.length, 4, "queue length");
        assertEq(queue[3], address(s), "appended to the withdraw queue");
        assertEq(vault.allocation(address(s)), 0, "no allocation");
    }

    function test_addStrategy_relativeCapAtFullBps() public {
        _depositSomething();
        MockStrategy s = _newStrategy("full");
        // A new strategy's relative cap is new exposure: at most 5,000 bps of it per refill of the budget, so a 100%
        // cap is never allowed in one step (readyAt: never) and takes two full refills.
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 10_000, 5_000, type(uint256).max));
        vault.addStrategy(address(s), type(uint128).max, 10_000);
        vm.prank(governance);
        vault.addStrategy(address(s), type(uint128).max, 5_000);
        assertEq(vault.rampRoom().exposureBps, 0, "the listing spent the whole exposure budget");
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        vm.prank(governance);
        vault.setCaps(address(s), type(uint128).max, 10_000);
        assertEq(vault.strategyConfig(address(s)).relativeCapBps, 10_000, "100% relative cap reached");
    }

    /// @dev Before the first deposit there is nobody's money to protect: setting up a new vault spends no budget.
    function test_addStrategy_setUpOfEmptyVaultIsNotRampLimited() public {
        assertEq(vault.totalSupply(), 0, "empty vault");
        MockStrategy s = _newStrategy("full");
        vm.startPrank(governance);
        vault.addStrategy(address(s), type(uint128).max, 10_000);
        vault.setCaps(_s(0), ABS_CAP, 10_000);
        vault.setIdleBuffer(0);
        vault.setLossLimits(500, 1_000, 1 hours);
        vm.stopPrank();
        assertEq(vault.strategyConfig(address(s)).relativeCapBps, 10_000, "listed at 100% at once");
        assertEq(vault.bounds().idleBufferBps, 0, "buffer cut to zero at once");
        ITreasuryVault.RampRoom memory r = vault.rampRoom();
        assertEq(r.exposureBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS, "exposure budget untouched");
        assertEq(r.lossPerCallBps, ConstantsLib.MAX_LOSS_PER_CALL_RAISE_BPS, "per-call budget untouched");
        assertEq(r.epochLossBps, ConstantsLib.MAX_EPOCH_LOSS_RAISE_BPS, "epoch loss budget untouched");
        assertEq(r.lossEpochShrinkBps, ConstantsLib.MAX_LOSS_EPOCH_SHRINK_BPS, "epoch shrink budget untouched");
    }

    // ================================================================ bounded change (ramp)

    /// @dev A first deposit: from now on loosening spends the rolling budgets.
    function _depositSomething() internal {
        _deposit(alice, 1_000e6);
    }

    /// @dev When one more `amount` bps fits a spent-out budget of `limit` per ramp period (RampLib's rounding).
    function _readyAt(uint256 amount, uint256 limit) internal view returns (uint256) {
        return block.timestamp + (amount * ConstantsLib.RAMP_PERIOD + limit - 1) / limit;
    }

    /// @dev Raises the loss limits to the targets, one ramp period per allowed step.
    function _rampLossLimitsTo(uint16 perCall, uint16 budget) internal {
        ITreasuryVault.Bounds memory b = vault.bounds();
        while (b.maxLossPerCallBps < perCall || b.epochLossBudgetBps < budget) {
            vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
            uint256 p = b.maxLossPerCallBps + ConstantsLib.MAX_LOSS_PER_CALL_RAISE_BPS;
            uint256 e = b.epochLossBudgetBps + ConstantsLib.MAX_EPOCH_LOSS_RAISE_BPS;
            vm.prank(governance);
            vault.setLossLimits(
                uint16(p < perCall ? p : perCall), uint16(e < budget ? e : budget), b.lossEpochLength
            );
            b = vault.bounds();
        }
    }

    /// @dev Lowering a cap is never limited and gives nothing back: raising it again spends the budget anew, so
    /// lower-then-raise cycles cannot add exposure faster than the budget refills.
    function test_setCaps_loweringRefundsNoRampBudget() public {
        _depositSomething();
        vm.startPrank(governance);
        vault.setCaps(_s(0), ABS_CAP, REL_CAP_BPS + 5_000); // exactly the budget: 50% -> 100%
        vault.setCaps(_s(0), ABS_CAP, 1_000); // lowering is never limited
        assertEq(vault.rampRoom().exposureBps, 0, "lowering refunds nothing");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 1_001, 1_000, _readyAt(1, 5_000)));
        vault.setCaps(_s(0), ABS_CAP, 1_001);
        vm.stopPrank();
        // The budget refills linearly: half of it after half a period.
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD / 2);
        assertEq(vault.rampRoom().exposureBps, 2_500, "half the budget back after half a period");
        vm.prank(governance);
        vault.setCaps(_s(0), ABS_CAP, 3_500);
        assertEq(vault.strategyConfig(_s(0)).relativeCapBps, 3_500, "raised by what refilled");
    }

    function test_RevertWhen_relativeCapRaisedTwiceInOnePeriodPastStep() public {
        _depositSomething();
        MockStrategy s = _newStrategy("ramp");
        vm.startPrank(governance);
        vault.addStrategy(address(s), ABS_CAP, 3_000);
        vault.setCaps(address(s), ABS_CAP, 5_000); // 0 -> 50% in total: the whole budget, allowed
        // One more bps fits once the budget has refilled by one bps.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 5_001, 5_000, _readyAt(1, 5_000)));
        vault.setCaps(address(s), ABS_CAP, 5_001);
        vm.stopPrank();
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        vm.prank(governance);
        vault.setCaps(address(s), ABS_CAP, 10_000); // a full refill later, another 50 points
        assertEq(vault.strategyConfig(address(s)).relativeCapBps, 10_000, "raised in the next period");
    }

    function test_RevertWhen_governanceCutsIdleBufferPastRampStep() public {
        _depositSomething();
        vm.prank(governance);
        vault.setIdleBuffer(9_000); // raising the buffer tightens: free
        // A cut of 5,001 bps is more than the whole budget: never in one step.
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 3_999, 4_000, type(uint256).max));
        vault.setIdleBuffer(3_999);
        vm.prank(governance);
        vault.setIdleBuffer(4_000);
        assertEq(vault.bounds().idleBufferBps, 4_000, "cut by exactly the step");
    }

    function test_RevertWhen_governanceRaisesLossLimitsPastRampStep() public {
        _depositSomething();
        vm.startPrank(governance);
        // Each raise past its whole budget is never allowed in one step.
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.ChangeTooLarge.selector,
                MAX_LOSS_PER_CALL_BPS + 26,
                MAX_LOSS_PER_CALL_BPS + 25,
                type(uint256).max
            )
        );
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 26, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.ChangeTooLarge.selector,
                EPOCH_LOSS_BUDGET_BPS + 101,
                EPOCH_LOSS_BUDGET_BPS + 100,
                type(uint256).max
            )
        );
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS + 101, LOSS_EPOCH);
        // The epoch's figures are in bps of the current length: 1 day -> 12 hours - 1 s shrinks it by 5,001 bps
        // (rounded up), one more than halving allows.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 5_001, 5_000, type(uint256).max));
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH / 2 - 1);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 25, EPOCH_LOSS_BUDGET_BPS + 100, LOSS_EPOCH / 2);
        // Every budget is spent: the smallest further loosening waits for a refill.
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.ChangeTooLarge.selector, MAX_LOSS_PER_CALL_BPS + 26, MAX_LOSS_PER_CALL_BPS + 25, _readyAt(1, 25)
            )
        );
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 26, EPOCH_LOSS_BUDGET_BPS + 100, LOSS_EPOCH / 2);
        vm.stopPrank();
        ITreasuryVault.Bounds memory b = vault.bounds();
        assertEq(b.maxLossPerCallBps, MAX_LOSS_PER_CALL_BPS + 25, "per-call raised by the step");
        assertEq(b.epochLossBudgetBps, EPOCH_LOSS_BUDGET_BPS + 100, "budget raised by the step");
        assertEq(b.lossEpochLength, LOSS_EPOCH / 2, "epoch halved");
        ITreasuryVault.RampRoom memory r = vault.rampRoom();
        assertEq(r.lossPerCallBps + r.epochLossBps + r.lossEpochShrinkBps, 0, "every loss budget spent");
    }

    /// @dev Listings, relative cap raises and idle buffer cuts share one vault-wide exposure budget: two loosenings of
    /// different kinds cannot each take a full step in the same period.
    function test_RevertWhen_exposureBudgetSharedByListingCapsAndBuffer() public {
        _depositSomething();
        MockStrategy s = _newStrategy("shared");
        vm.startPrank(governance);
        vault.addStrategy(address(s), ABS_CAP, 2_000); // 2,000 bps of new exposure
        vault.setCaps(_s(0), ABS_CAP, REL_CAP_BPS + 2_500); // 2,500 more
        assertEq(vault.rampRoom().exposureBps, 500, "500 bps left");
        // The buffer (1,000 bps) may be cut by the 500 left, not by one bps more.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 499, 500, _readyAt(1, 5_000)));
        vault.setIdleBuffer(499);
        vault.setIdleBuffer(500);
        vm.stopPrank();
        assertEq(vault.rampRoom().exposureBps, 0, "budget spent by three kinds of loosening");
    }

    function test_guardianTighteningIsNeverRampLimited() public {
        vm.startPrank(guardian);
        vault.setCaps(_s(0), 0, 0);
        vault.setIdleBuffer(10_000);
        vault.setLossLimits(0, 0, LOSS_EPOCH);
        vm.stopPrank();
        assertEq(vault.bounds().idleBufferBps, 10_000, "guardian raised the buffer to 100% at once");
        assertEq(vault.strategyConfig(_s(0)).relativeCapBps, 0, "guardian zeroed the cap at once");
    }

    function test_RevertWhen_addStrategy_relativeCapAboveFullBps() public {
        MockStrategy s = _newStrategy("over");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, 10_000));
        vm.prank(governance);
        vault.addStrategy(address(s), ABS_CAP, 10_001);
    }

    function test_RevertWhen_addStrategy_assetMismatch() public {
        MockERC20 other = new MockERC20("Other", "OTH", 6);
        MockStrategy s = new MockStrategy(other, "other");
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.StrategyAssetMismatch.selector, address(s), address(other), address(asset)
            )
        );
        vm.prank(governance);
        vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
    }

    function test_RevertWhen_addStrategy_alreadyListed() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyAlreadyListed.selector, _s(1)));
        vm.prank(governance);
        vault.addStrategy(_s(1), ABS_CAP, REL_CAP_BPS);
    }

    function test_RevertWhen_addStrategy_zeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        vm.prank(governance);
        vault.addStrategy(address(0), ABS_CAP, REL_CAP_BPS);
    }

    function test_RevertWhen_addStrategy_callerNotGovernance() public {
        MockStrategy s = _newStrategy("new");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, guardian));
        vm.prank(guardian);
        vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, alice));
        vm.prank(alice);
        vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
    }

    function test_RevertWhen_addStrategy_64Listed() public {
        for (uint256 i = 3; i < ConstantsLib.MAX_LISTED_STRATEGIES; ++i) {
            MockStrategy s = _newStrategy("fill");
            vm.prank(governance);
            vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
        }
        assertEq(vault.withdrawQueue().length, 64, "64 listed");
        MockStrategy extra = _newStrategy("extra");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.TooManyStrategies.selector, 64));
        vm.prank(governance);
        vault.addStrategy(address(extra), ABS_CAP, REL_CAP_BPS);

        // Delisting one makes room again.
        vm.prank(governance);
        vault.removeStrategy(_s(0));
        vm.prank(governance);
        vault.addStrategy(address(extra), ABS_CAP, REL_CAP_BPS);
        assertEq(vault.withdrawQueue().length, 64, "64 listed again");
        assertEq(vault.strategyConfig(address(extra)).index, 64, "index 64 assigned");
    }

    function test_RevertWhen_addStrategy_256IndicesUsed() public {
        MockStrategy s = _newStrategy("cycled");
        while (vault.strategyCount() < ConstantsLib.MAX_STRATEGY_INDEX) {
            vm.startPrank(governance);
            vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
            vault.removeStrategy(address(s));
            vm.stopPrank();
        }
        assertEq(vault.strategyAt(255), address(s), "index 255 used");
        assertEq(vault.withdrawQueue().length, 3, "only three listed");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.TooManyStrategies.selector, 256));
        vm.prank(governance);
        vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
    }

    function test_addStrategy_relistingAssignsFreshIndex() public {
        vm.startPrank(governance);
        vault.removeStrategy(_s(1));
        vault.addStrategy(_s(1), 5e6, 100);
        vm.stopPrank();
        ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(_s(1));
        assertEq(c.index, 3, "fresh index, never reused");
        assertEq(c.absoluteCap, 5e6, "new caps");
        assertTrue(c.listed && c.enabled, "listed and enabled again");
        address[] memory one = new address[](1);
        one[0] = _s(1);
        assertEq(vault.scopeMask(one), 1 << 3, "scope bit of the new index");
    }

    // ================================================================ removeStrategy

    function test_removeStrategy_delistsEmptyStrategy() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyRemoved(_s(0));
        vm.prank(governance);
        vault.removeStrategy(_s(0));

        ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(_s(0));
        assertFalse(c.listed, "not listed");
        assertFalse(c.enabled, "not enabled");
        assertEq(vault.strategyAt(0), _s(0), "index stays taken");
        assertEq(vault.strategyCount(), 3, "count of indices unchanged");
        address[] memory expected = new address[](2);
        expected[0] = _s(1);
        expected[1] = _s(2);
        _assertQueue(expected, "queue without strategy 0");
    }

    /// @dev Removing a strategy must not reorder the others: the queue is governance's exit order.
    function test_removeStrategy_keepsOrderOfRemainingQueue() public {
        MockStrategy s3 = _newStrategy("s3");
        vm.startPrank(governance);
        vault.addStrategy(address(s3), ABS_CAP, REL_CAP_BPS);
        address[] memory q = new address[](4);
        (q[0], q[1], q[2], q[3]) = (_s(2), _s(0), address(s3), _s(1));
        vault.setWithdrawQueue(q);
        vault.removeStrategy(_s(0));
        vm.stopPrank();
        _assertQueue(_queue3(_s(2), address(s3), _s(1)), "order kept after removal");
    }

    function test_removeStrategy_afterFullExit() public {
        _fundStrategy0(300e6);
        uint256 total = vault.totalAssets();
        _rebalance(_targets1(_s(0), 0), sessions.sessionCount());
        vm.prank(governance);
        vault.removeStrategy(_s(0));
        assertFalse(vault.strategyConfig(_s(0)).listed, "removed once empty");
        assertEq(vault.totalAssets(), total, "total assets unchanged");
        assertEq(vault.totalAllocated(), 0, "nothing allocated");
    }

    /// @dev A strategy that lets its money go is redeemed by `removeStrategy` itself, then delisted.
    function test_removeStrategy_redeemsThenDelists() public {
        _fundStrategy0(300e6);
        uint256 total = vault.totalAssets();
        vm.prank(governance);
        vault.removeStrategy(_s(0));
        assertFalse(vault.strategyConfig(_s(0)).listed, "delisted");
        assertEq(strategies[0].balanceOf(address(vault)), 0, "every share redeemed");
        assertEq(vault.idle(), 1_000e6, "the position is back in idle");
        assertEq(vault.allocation(_s(0)), 0, "no book value left");
        assertEq(vault.totalAssets(), total, "total assets unchanged");
    }

    function test_RevertWhen_removeStrategy_notEmpty() public {
        _fundStrategy0(300e6);
        strategies[0].setBlocked(true); // lets nothing go: 300e6 would be left, far above dust
        uint256 shares = strategies[0].balanceOf(address(vault));
        assertGt(shares, 0, "vault holds shares");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotEmpty.selector, _s(0), shares));
        vm.prank(governance);
        vault.removeStrategy(_s(0));
    }

    /// @dev What is left after redeeming is written off when it is at most 1 ppm of total assets.
    function test_removeStrategy_writesOffDust() public {
        _fundStrategy0(1_000); // 1_000 wei = total assets / 1e6
        strategies[0].setBlocked(true);
        uint256 total = vault.totalAssets();
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyWrittenOff(_s(0), 1_000);
        vm.prank(governance);
        vault.removeStrategy(_s(0));
        assertFalse(vault.strategyConfig(_s(0)).listed, "delisted");
        assertEq(vault.totalAssets(), total - 1_000, "dust written off");
        assertEq(vault.totalAllocated(), 0, "nothing allocated");
    }

    function test_RevertWhen_removeStrategy_valueAboveDust() public {
        _fundStrategy0(1_001); // one wei above total assets / 1e6
        strategies[0].setBlocked(true);
        uint256 shares = strategies[0].balanceOf(address(vault));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotEmpty.selector, _s(0), shares));
        vm.prank(governance);
        vault.removeStrategy(_s(0));
    }

    /// @dev After a total loss the shares redeem for nothing: the strategy is delisted, and the loss it already
    /// showed in total assets stays.
    function test_removeStrategy_afterTotalLoss() public {
        _fundStrategy0(300e6);
        strategies[0].simulateLoss(300e6);
        assertEq(vault.totalAssets(), 700e6, "the loss shows at once");
        vm.prank(governance);
        vault.removeStrategy(_s(0));
        assertFalse(vault.strategyConfig(_s(0)).listed, "delisted");
        assertEq(vault.totalAssets(), 700e6, "total assets unchanged by the removal");
        assertEq(vault.totalAllocated(), 0, "nothing allocated");
    }

    /// @dev A strategy whose views fail cannot show it is empty: it stays listed.
    function test_RevertWhen_removeStrategy_viewsBroken() public {
        _fundStrategy0(300e6);
        strategies[0].setViewsBroken(true);
        strategies[0].setBlocked(true);
        uint256 shares = strategies[0].balanceOf(address(vault));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotEmpty.selector, _s(0), shares));
        vm.prank(governance);
        vault.removeStrategy(_s(0));
    }

    function test_RevertWhen_removeStrategy_notListed() public {
        MockStrategy s = _newStrategy("stray");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, address(s)));
        vm.prank(governance);
        vault.removeStrategy(address(s));
    }

    function test_RevertWhen_removeStrategy_callerNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, guardian));
        vm.prank(guardian);
        vault.removeStrategy(_s(0));
    }

    // ================================================================ setWithdrawQueue

    function test_setWithdrawQueue_acceptsPermutations() public {
        address[] memory reversed = _queue3(_s(2), _s(1), _s(0));
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.WithdrawQueueSet(reversed);
        vm.prank(governance);
        vault.setWithdrawQueue(reversed);
        _assertQueue(reversed, "reversed");

        address[] memory rotated = _queue3(_s(1), _s(2), _s(0));
        vm.prank(governance);
        vault.setWithdrawQueue(rotated);
        _assertQueue(rotated, "rotated");
    }

    function test_RevertWhen_setWithdrawQueue_tooShort() public {
        address[] memory q = new address[](2);
        (q[0], q[1]) = (_s(0), _s(1));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidWithdrawQueue.selector));
        vm.prank(governance);
        vault.setWithdrawQueue(q);
    }

    function test_RevertWhen_setWithdrawQueue_tooLong() public {
        address[] memory q = new address[](4);
        (q[0], q[1], q[2], q[3]) = (_s(0), _s(1), _s(2), _s(0));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidWithdrawQueue.selector));
        vm.prank(governance);
        vault.setWithdrawQueue(q);
    }

    function test_RevertWhen_setWithdrawQueue_duplicate() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidWithdrawQueue.selector));
        vm.prank(governance);
        vault.setWithdrawQueue(_queue3(_s(0), _s(1), _s(1)));
    }

    function test_RevertWhen_setWithdrawQueue_unlistedMember() public {
        MockStrategy stray = _newStrategy("stray");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidWithdrawQueue.selector));
        vm.prank(governance);
        vault.setWithdrawQueue(_queue3(_s(0), _s(1), address(stray)));
    }

    function test_RevertWhen_setWithdrawQueue_removedMember() public {
        vm.prank(governance);
        vault.removeStrategy(_s(2));
        address[] memory q = new address[](2);
        (q[0], q[1]) = (_s(0), _s(2));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidWithdrawQueue.selector));
        vm.prank(governance);
        vault.setWithdrawQueue(q);
    }

    function test_RevertWhen_setWithdrawQueue_callerNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, guardian));
        vm.prank(guardian);
        vault.setWithdrawQueue(_queue3(_s(2), _s(1), _s(0)));
    }

    // ================================================================ setCaps

    function test_setCaps_governanceRaisesAndLowers() public {
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD); // past the listing's first ramp period
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.CapsSet(_s(0), 2_000_000e6, 6_000, governance);
        vm.prank(governance);
        vault.setCaps(_s(0), 2_000_000e6, 6_000);
        ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(_s(0));
        assertEq(c.absoluteCap, 2_000_000e6, "absolute cap raised");
        assertEq(c.relativeCapBps, 6_000, "relative cap raised");

        vm.prank(governance);
        vault.setCaps(_s(0), 0, 0);
        c = vault.strategyConfig(_s(0));
        assertEq(c.absoluteCap, 0, "absolute cap lowered");
        assertEq(c.relativeCapBps, 0, "relative cap lowered");
        assertTrue(c.listed, "still listed");
    }

    function test_RevertWhen_setCaps_relativeAboveFullBps() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, 10_000));
        vm.prank(governance);
        vault.setCaps(_s(0), ABS_CAP, 10_001);
    }

    function test_RevertWhen_setCaps_strategyNotListed() public {
        MockStrategy stray = _newStrategy("stray");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, address(stray)));
        vm.prank(governance);
        vault.setCaps(address(stray), 1, 1);
    }

    function test_setCaps_guardianLowersOrKeeps() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.CapsSet(_s(0), ABS_CAP, REL_CAP_BPS, guardian);
        vm.prank(guardian);
        vault.setCaps(_s(0), ABS_CAP, REL_CAP_BPS);

        vm.prank(guardian);
        vault.setCaps(_s(0), 100e6, 1_000);
        ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(_s(0));
        assertEq(c.absoluteCap, 100e6, "guardian lowered the absolute cap");
        assertEq(c.relativeCapBps, 1_000, "guardian lowered the relative cap");
    }

    function test_RevertWhen_setCaps_guardianRaisesAbsolute() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setCaps(_s(0), ABS_CAP + 1, REL_CAP_BPS);
    }

    function test_RevertWhen_setCaps_guardianRaisesRelative() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setCaps(_s(0), ABS_CAP, REL_CAP_BPS + 1);
    }

    function test_RevertWhen_setCaps_guardianLowersOneRaisesOther() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setCaps(_s(0), 1, REL_CAP_BPS + 1);
    }

    function test_RevertWhen_setCaps_randomCaller() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, alice));
        vm.prank(alice);
        vault.setCaps(_s(0), 1, 1);
    }

    // ================================================================ setStrategyEnabled

    function test_setStrategyEnabled_governanceBothWays() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyEnabledSet(_s(1), false, governance);
        vm.prank(governance);
        vault.setStrategyEnabled(_s(1), false);
        assertFalse(vault.strategyConfig(_s(1)).enabled, "disabled");

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyEnabledSet(_s(1), true, governance);
        vm.prank(governance);
        vault.setStrategyEnabled(_s(1), true);
        assertTrue(vault.strategyConfig(_s(1)).enabled, "enabled again");
    }

    function test_setStrategyEnabled_guardianDisables() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyEnabledSet(_s(1), false, guardian);
        vm.prank(guardian);
        vault.setStrategyEnabled(_s(1), false);
        assertFalse(vault.strategyConfig(_s(1)).enabled, "disabled by the guardian");
    }

    function test_RevertWhen_setStrategyEnabled_guardianEnables() public {
        vm.prank(guardian);
        vault.setStrategyEnabled(_s(1), false);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setStrategyEnabled(_s(1), true);
        // Even a no-op enable is refused.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setStrategyEnabled(_s(0), true);
    }

    function test_RevertWhen_setStrategyEnabled_randomCaller() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, bob));
        vm.prank(bob);
        vault.setStrategyEnabled(_s(1), false);
    }

    function test_RevertWhen_setStrategyEnabled_strategyNotListed() public {
        MockStrategy stray = _newStrategy("stray");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, address(stray)));
        vm.prank(governance);
        vault.setStrategyEnabled(address(stray), false);
    }

    // ================================================================ setIdleBuffer

    function test_setIdleBuffer_governanceAnyValueInRange() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.IdleBufferSet(0, governance);
        vm.prank(governance);
        vault.setIdleBuffer(0);
        assertEq(vault.bounds().idleBufferBps, 0, "lowered to zero");

        vm.prank(governance);
        vault.setIdleBuffer(10_000);
        assertEq(vault.bounds().idleBufferBps, 10_000, "raised to 100%");
    }

    function test_RevertWhen_setIdleBuffer_aboveFullBps() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, 10_000));
        vm.prank(governance);
        vault.setIdleBuffer(10_001);
    }

    function test_setIdleBuffer_guardianRaisesOrKeeps() public {
        vm.prank(guardian);
        vault.setIdleBuffer(IDLE_BUFFER_BPS);
        assertEq(vault.bounds().idleBufferBps, IDLE_BUFFER_BPS, "kept");

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.IdleBufferSet(2_000, guardian);
        vm.prank(guardian);
        vault.setIdleBuffer(2_000);
        assertEq(vault.bounds().idleBufferBps, 2_000, "raised by the guardian");
    }

    function test_RevertWhen_setIdleBuffer_guardianLowers() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setIdleBuffer(IDLE_BUFFER_BPS - 1);
    }

    function test_RevertWhen_setIdleBuffer_guardianAboveFullBps() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, 10_000));
        vm.prank(guardian);
        vault.setIdleBuffer(10_001);
    }

    function test_RevertWhen_setIdleBuffer_randomCaller() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, alice));
        vm.prank(alice);
        vault.setIdleBuffer(5_000);
    }

    // ================================================================ setLossLimits

    function test_setLossLimits_governanceAtUpperEdges() public {
        _depositSomething();
        // Loosening is bounded per ramp period: climb to the protocol maxima one period at a time.
        _rampLossLimitsTo(500, 1_000);
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.LossLimitsSet(500, 1_000, 30 days, governance);
        vm.prank(governance);
        vault.setLossLimits(500, 1_000, 30 days);
        ITreasuryVault.Bounds memory b = vault.bounds();
        assertEq(b.maxLossPerCallBps, 500, "per-call limit at its maximum");
        assertEq(b.epochLossBudgetBps, 1_000, "epoch budget at its maximum");
        assertEq(b.lossEpochLength, 30 days, "epoch length at its maximum");
        ITreasuryVault.EpochLoss memory e = vault.epochLoss();
        assertEq(e.lossEpoch, block.timestamp / 30 days, "new epoch length restarts the loss epoch");
        assertEq(e.lossInEpoch, 0, "fresh loss epoch");
    }

    function test_setLossLimits_governanceAtLowerEdges() public {
        _depositSomething();
        // A shorter loss epoch refills the budget faster: it may halve per ramp period (1 day -> 1 hour in 5).
        uint32[5] memory steps = [uint32(12 hours), 6 hours, 3 hours, 90 minutes, 1 hours];
        for (uint256 i; i < steps.length; ++i) {
            vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
            vm.prank(governance);
            vault.setLossLimits(0, 0, steps[i]);
        }
        ITreasuryVault.Bounds memory b = vault.bounds();
        assertEq(b.maxLossPerCallBps, 0, "per-call limit zero");
        assertEq(b.epochLossBudgetBps, 0, "epoch budget zero");
        assertEq(b.lossEpochLength, 1 hours, "epoch length at its minimum");
    }

    function test_RevertWhen_setLossLimits_perCallAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 501, 0, 500));
        vm.prank(governance);
        vault.setLossLimits(501, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH);
    }

    function test_RevertWhen_setLossLimits_epochBudgetAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 1_001, 0, 1_000));
        vm.prank(governance);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, 1_001, LOSS_EPOCH);
    }

    function test_RevertWhen_setLossLimits_epochLengthBelowMin() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 1 hours - 1, 1 hours, 30 days));
        vm.prank(governance);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS, 1 hours - 1);
    }

    function test_RevertWhen_setLossLimits_epochLengthAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 30 days + 1, 1 hours, 30 days));
        vm.prank(governance);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS, 30 days + 1);
    }

    function test_setLossLimits_guardianLowersOrKeeps() public {
        vm.prank(guardian);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.LossLimitsSet(10, 20, LOSS_EPOCH, guardian);
        vm.prank(guardian);
        vault.setLossLimits(10, 20, LOSS_EPOCH);
        ITreasuryVault.Bounds memory b = vault.bounds();
        assertEq(b.maxLossPerCallBps, 10, "per-call limit lowered");
        assertEq(b.epochLossBudgetBps, 20, "epoch budget lowered");
        assertEq(b.lossEpochLength, LOSS_EPOCH, "epoch length kept");
    }

    function test_RevertWhen_setLossLimits_guardianRaisesPerCall() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS + 1, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH);
    }

    function test_RevertWhen_setLossLimits_guardianRaisesEpochBudget() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setLossLimits(0, EPOCH_LOSS_BUDGET_BPS + 1, LOSS_EPOCH);
    }

    function test_RevertWhen_setLossLimits_guardianChangesEpochLength() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH / 2);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.GuardianCannotLoosen.selector));
        vm.prank(guardian);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, EPOCH_LOSS_BUDGET_BPS, LOSS_EPOCH * 2);
    }

    function test_RevertWhen_setLossLimits_randomCaller() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, bob));
        vm.prank(bob);
        vault.setLossLimits(0, 0, LOSS_EPOCH);
    }

    // ================================================================ roles

    /// @dev One registry: governance is the SessionManager's, so its handover there moves the vault's powers too.
    function test_governance_isTheSessionManagers() public {
        assertEq(vault.governance(), sessions.governance(), "vault governance read from the SessionManager");
        address next = makeAddr("nextGovernance");
        vm.prank(governance);
        sessions.setGovernance(next);
        assertEq(vault.governance(), governance, "nothing handed over before acceptance");
        vm.prank(next);
        sessions.acceptGovernance();
        assertEq(vault.governance(), next, "governance replaced for the vault too");

        MockStrategy s = _newStrategy("new");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, governance));
        vm.prank(governance);
        vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
        vm.prank(next);
        vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
        assertTrue(vault.strategyConfig(address(s)).listed, "new governance lists");
    }

    function test_guardian_isTheSessionManagers() public {
        assertEq(vault.guardian(), sessions.guardian(), "vault guardian read from the SessionManager");
        address next = makeAddr("nextGuardian");
        vm.prank(governance);
        sessions.setGuardian(next);
        assertEq(vault.guardian(), next, "guardian replaced for the vault too");

        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, guardian));
        vm.prank(guardian);
        vault.setStrategyEnabled(_s(0), false);
        vm.prank(next);
        vault.setStrategyEnabled(_s(0), false);
        assertFalse(vault.strategyConfig(_s(0)).enabled, "new guardian disables");
    }

    /// @dev The vault has no role setters of its own: a second registry could drift from the SessionManager's.
    function test_RevertWhen_roleSettersCalledOnVault() public {
        address[2] memory callers = [governance, guardian];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            (bool ok,) = address(vault).call(abi.encodeWithSignature("setGovernance(address)", alice));
            assertFalse(ok, "no setGovernance on the vault");
            vm.prank(callers[i]);
            (ok,) = address(vault).call(abi.encodeWithSignature("setGuardian(address)", alice));
            assertFalse(ok, "no setGuardian on the vault");
        }
        assertEq(vault.governance(), governance, "governance unchanged");
        assertEq(vault.guardian(), guardian, "guardian unchanged");
    }

    // ================================================================ scopeMask

    function test_scopeMask_bitsOfIndices() public view {
        address[] memory two = new address[](2);
        (two[0], two[1]) = (_s(2), _s(0));
        assertEq(vault.scopeMask(two), 0x5, "strategies 0 and 2");
        assertEq(vault.scopeMask(_queue3(_s(0), _s(1), _s(2))), 0x7, "all three");
        (two[0], two[1]) = (_s(1), _s(1));
        assertEq(vault.scopeMask(two), 0x2, "a repeated strategy sets one bit");
        assertEq(vault.scopeMask(new address[](0)), 0, "empty list");
    }

    function test_RevertWhen_scopeMask_strategyNotListed() public {
        vm.prank(governance);
        vault.removeStrategy(_s(1));
        address[] memory one = new address[](1);
        one[0] = _s(1);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, _s(1)));
        vault.scopeMask(one);
    }

    function test_scopeMask_buildsWorkingSessionScope() public {
        _deposit(alice, 1_000e6);
        _nextBlock();
        address[] memory one = new address[](1);
        one[0] = _s(1);
        ISessionManager.SessionParams memory p = _params();
        p.scope = vault.scopeMask(one);
        uint256 id = _grant(p);
        _rebalance(_targets1(_s(1), 100e6), id);
        assertEq(vault.allocation(_s(1)), 100e6, "in-scope strategy moved");
    }

    // ================================================================ constructor

    function test_RevertWhen_constructor_zeroSessionManager() public {
        ITreasuryVault.Bounds memory b = vault.bounds();
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        new TreasuryVault(IERC20(address(asset)), "T", "T", ISessionManager(address(0)), b, adminModule);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        new TreasuryVaultAdmin(IERC20(address(asset)), ISessionManager(address(0)));
    }

    function test_RevertWhen_constructor_boundsOutOfRange() public {
        ITreasuryVault.Bounds memory b = vault.bounds();
        b.lossEpochLength = 0;
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 0, 1 hours, 30 days));
        new TreasuryVault(IERC20(address(asset)), "T", "T", sessions, b, adminModule);
    }
}
