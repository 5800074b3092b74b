// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {BaseTest} from "./Base.t.sol";
import {ITreasuryVault} from "../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../contracts/libraries/EventsLib.sol";
import {MockStrategy} from "../contracts/mocks/MockStrategy.sol";
import {ReentrantStrategy} from "../contracts/mocks/ReentrantStrategy.sol";

/// @notice Deposits and user exits: priced on live values (losses at once, gains at the gain rate), idle first, then
/// strategies in withdraw-queue order without marking the others; broken strategies skipped; limits and previews;
/// loss write-downs of book values; donations and the first-depositor attack; re-entrancy.
/// Fixture: alice 600e6, bob 400e6, 300e6 in each of the three strategies, 100e6 idle.
contract TreasuryVaultExitsTest is BaseTest {
    uint256 internal sid;
    ReentrantStrategy internal rs;

    function setUp() public override {
        super.setUp();
        _deposit(alice, 600e6);
        _deposit(bob, 400e6);
        _nextBlock();
        sid = _grantDefault();
        _rebalance(_targets3(300e6, 300e6, 300e6), sid);
        assertEq(vault.idle(), 100e6, "fixture: idle");
        assertEq(vault.totalAssets(), 1_000e6, "fixture: total");
    }

    // ================================================================ helpers

    function _s(uint256 i) internal view returns (address) {
        return address(strategies[i]);
    }

    function _strategyShares() internal view returns (uint256[3] memory shares) {
        for (uint256 i; i < 3; ++i) {
            shares[i] = strategies[i].balanceOf(address(vault));
        }
    }

    function _countVaultLogs(Vm.Log[] memory logs, bytes32 topic0) internal view returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(vault) && logs[i].topics[0] == topic0) ++n;
        }
    }

    /// @dev Lists a ReentrantStrategy (index 3), grants a session covering it, puts `assets` in it, and moves it to
    /// the front of the withdraw queue.
    function _listReentrant(uint256 assets) internal returns (uint256 id) {
        rs = new ReentrantStrategy(IERC20(address(asset)));
        vm.prank(governance);
        vault.addStrategy(address(rs), ABS_CAP, REL_CAP_BPS);
        ISessionManager.SessionParams memory p = _params();
        p.scope = 0xF;
        id = _grant(p);
        if (assets != 0) {
            // Room from strategy 2, so the idle buffer holds.
            ITreasuryVault.Allocation[] memory t = new ITreasuryVault.Allocation[](2);
            t[0] = ITreasuryVault.Allocation(_s(2), 300e6 - assets);
            t[1] = ITreasuryVault.Allocation(address(rs), assets);
            _rebalance(t, id);
        }
        address[] memory q = new address[](4);
        (q[0], q[1], q[2], q[3]) = (address(rs), _s(0), _s(1), _s(2));
        vm.prank(governance);
        vault.setWithdrawQueue(q);
    }

    function _reentrancyError() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
    }

    /// @dev A rebalance leg into a re-entering strategy: the guard's refusal, wrapped with the strategy's address.
    function _legReentrancyError() internal view returns (bytes memory) {
        return abi.encodeWithSelector(ErrorsLib.StrategyCallFailed.selector, address(rs), _reentrancyError());
    }

    // ================================================================ deposits

    function test_deposit_addsToIdleOnly() public {
        uint256[3] memory sharesBefore = _strategyShares();
        uint256 expectedShares = vault.previewDeposit(50e6);
        uint256 shares = _deposit(bob, 50e6);
        assertEq(shares, expectedShares, "shares as previewed");
        assertEq(vault.idle(), 150e6, "idle up by the deposit");
        assertEq(vault.totalAssets(), 1_050e6, "total up by the deposit");
        uint256[3] memory sharesAfter = _strategyShares();
        for (uint256 i; i < 3; ++i) {
            assertEq(sharesAfter[i], sharesBefore[i], "no strategy touched");
        }
    }

    function test_mint_addsToIdle() public {
        uint256 assets = vault.previewMint(1e12);
        asset.mint(bob, assets);
        vm.startPrank(bob);
        asset.approve(address(vault), assets);
        uint256 paid = vault.mint(1e12, bob);
        vm.stopPrank();
        assertEq(paid, assets, "paid as previewed");
        assertEq(vault.idle(), 100e6 + assets, "idle up by the assets paid");
    }

    // ================================================================ withdrawals

    function test_withdraw_servedFromIdleTouchesNoStrategy() public {
        strategies[0].simulateGain(30e6); // would be marked if the exit touched strategies
        uint256[3] memory sharesBefore = _strategyShares();
        vm.recordLogs();
        _withdraw(alice, 50e6);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(asset.balanceOf(alice), 50e6, "alice paid");
        assertEq(vault.idle(), 50e6, "paid from idle");
        uint256[3] memory sharesAfter = _strategyShares();
        for (uint256 i; i < 3; ++i) {
            assertEq(sharesAfter[i], sharesBefore[i], "strategy shares unchanged");
        }
        assertEq(vault.allocation(_s(0)), 300e6, "gain not marked");
        assertEq(_countVaultLogs(logs, EventsLib.StrategyMarked.selector), 0, "no mark");
        assertEq(_countVaultLogs(logs, EventsLib.StrategyPulled.selector), 0, "no pull");
    }

    function test_withdraw_pullsStrategiesInQueueOrder() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(0), 300e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(1), 50e6);
        _withdraw(alice, 450e6);

        assertEq(asset.balanceOf(alice), 450e6, "alice paid");
        assertEq(vault.idle(), 0, "idle used first");
        assertEq(vault.allocation(_s(0)), 0, "first in queue emptied");
        assertEq(vault.allocation(_s(1)), 250e6, "second in queue pays the rest");
        assertEq(vault.allocation(_s(2)), 300e6, "third untouched");
        assertEq(vault.totalAssets(), 550e6, "total down by the exit");
    }

    function test_withdraw_followsGovernanceQueue() public {
        address[] memory q = new address[](3);
        (q[0], q[1], q[2]) = (_s(2), _s(0), _s(1));
        vm.prank(governance);
        vault.setWithdrawQueue(q);

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(2), 300e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(0), 50e6);
        _withdraw(alice, 450e6);
        assertEq(vault.allocation(_s(1)), 300e6, "last in queue untouched");
    }

    /// @dev Exits value the vault live and mark nothing they do not pull: a loss counts at once, a gain (here no more
    /// than the loss) only up to the recorded total; only the pulled strategies' book values move.
    function test_withdraw_pricedLiveWithoutMarking() public {
        strategies[1].simulateGain(30e6);
        strategies[2].simulateLoss(30e6);
        assertApproxEqAbs(
            vault.totalAssets(), 1_000e6, 1, "gain and loss net out against the recorded total (strategy rounding)"
        );
        uint256 expectedShares = vault.previewWithdraw(450e6);
        uint256 sharesBefore = vault.balanceOf(alice);

        vm.recordLogs();
        uint256 shares = _withdraw(alice, 450e6);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(shares, expectedShares, "priced on live values, as previewed");
        assertEq(sharesBefore - vault.balanceOf(alice), shares, "shares burned");
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(vault) || logs[i].topics[0] != EventsLib.StrategyMarked.selector) continue;
            assertTrue(_markedStrategy(logs[i]) != _s(2), "the unpulled strategy's loss is not marked");
        }
        assertEq(vault.allocation(_s(0)), 0, "first in queue pulled empty");
        assertEq(vault.allocation(_s(1)), 250e6, "book of the second: pulled 50e6, gain not marked");
        assertEq(vault.allocation(_s(2)), 300e6, "book of the third unchanged: its loss is not marked");
        assertApproxEqAbs(vault.totalAssets(), 550e6, 1, "total down by the exit");
        uint256 live = vault.idle();
        for (uint256 i; i < 3; ++i) {
            live += strategies[i].previewRedeem(strategies[i].balanceOf(address(vault)));
        }
        assertLe(vault.totalAssets(), live, "total assets <= idle + live value of the positions");
    }

    function _markedStrategy(Vm.Log memory log) internal pure returns (address) {
        return address(uint160(uint256(log.topics[1])));
    }

    function test_withdraw_skipsBlockedStrategy() public {
        strategies[0].setBlocked(true);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(1), 300e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(2), 50e6);
        _withdraw(alice, 450e6);
        assertEq(asset.balanceOf(alice), 450e6, "alice paid by the others");
        assertEq(strategies[0].balanceOf(address(vault)), 300e6, "blocked strategy untouched");
        assertEq(vault.allocation(_s(0)), 300e6, "blocked allocation kept");
    }

    function test_withdraw_strategyWithBrokenViewsKeepsItsValueAndOthersPay() public {
        strategies[0].setViewsBroken(true);
        assertEq(vault.previewRedeem(vault.balanceOf(alice)), 600e6, "previews still price alice's shares");
        assertEq(vault.maxWithdraw(alice), 600e6, "alice can take her whole position");
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(1), 300e6);
        _withdraw(alice, 450e6);
        assertEq(asset.balanceOf(alice), 450e6, "alice paid by idle and the other strategies");
        assertEq(vault.allocation(_s(0)), 300e6, "broken strategy keeps its book value");
        assertEq(vault.totalAssets(), vault.idle() + _sumAllocations(), "the broken strategy counts at its book value");
        // What is left to withdraw: strategy 2's 250e6; the broken strategy's 300e6 is not counted as liquid.
        assertEq(vault.maxWithdraw(bob), 250e6, "liquidity counts only the strategies that answer");
    }

    function test_withdraw_takesWhatCappedStrategyReleases() public {
        strategies[0].setWithdrawCap(100e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(0), 100e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(1), 250e6);
        _withdraw(alice, 450e6);
        assertEq(vault.allocation(_s(0)), 200e6, "capped strategy paid its cap");
    }

    function test_RevertWhen_withdraw_liquidityInsufficient() public {
        for (uint256 i; i < 3; ++i) {
            strategies[i].setBlocked(true);
        }
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, 450e6, 100e6));
        _withdraw(alice, 450e6);
    }

    function test_RevertWhen_withdraw_liquidityInsufficientAfterPartialPull() public {
        strategies[1].setBlocked(true);
        strategies[2].setBlocked(true);
        // Strategy 0 pays 300e6; 50e6 are still missing.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, 450e6, 400e6));
        _withdraw(alice, 450e6);
    }

    function test_RevertWhen_redeem_liquidityInsufficient() public {
        for (uint256 i; i < 3; ++i) {
            strategies[i].setBlocked(true);
        }
        uint256 shares = vault.balanceOf(alice);
        uint256 assets = vault.previewRedeem(shares);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, assets, 100e6));
        _redeem(alice, shares);
    }

    // ================================================================ limits

    function test_maxWithdraw_unlimitedLiquidity() public view {
        assertEq(vault.maxWithdraw(alice), vault.previewRedeem(vault.balanceOf(alice)), "alice: her whole position");
        assertEq(vault.maxRedeem(alice), vault.balanceOf(alice), "alice: all her shares");
        assertEq(vault.maxWithdraw(bob), vault.previewRedeem(vault.balanceOf(bob)), "bob: his whole position");
    }

    function test_maxWithdraw_reflectsStrategyWithdrawCaps() public {
        for (uint256 i; i < 3; ++i) {
            strategies[i].setWithdrawCap(50e6);
        }
        // 100e6 idle + 3 x 50e6.
        assertEq(vault.maxWithdraw(alice), 250e6, "alice limited by liquidity");
        assertEq(vault.maxWithdraw(bob), 250e6, "bob limited by liquidity");
        uint256 maxShares = vault.maxRedeem(alice);
        assertLt(maxShares, vault.balanceOf(alice), "not all of alice's shares");
        assertLe(vault.previewRedeem(maxShares), 250e6, "max redeem within liquidity");

        uint256 snap = vm.snapshotState();
        _withdraw(alice, 250e6);
        assertEq(asset.balanceOf(alice), 250e6, "max withdraw is withdrawable");
        vm.revertToState(snap);

        uint256 expected = vault.previewRedeem(maxShares);
        assertEq(_redeem(alice, maxShares), expected, "max redeem is redeemable");
        vm.revertToState(snap);

        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, 250e6 + 1, 250e6));
        _withdraw(alice, 250e6 + 1);
    }

    function test_maxWithdraw_excludesBlockedStrategies() public {
        strategies[0].setBlocked(true);
        strategies[1].setBlocked(true);
        assertEq(vault.maxWithdraw(alice), 400e6, "idle plus strategy 2");
        assertEq(vault.maxWithdraw(bob), 400e6, "bob's whole position fits");
        assertLt(vault.maxRedeem(alice), vault.balanceOf(alice), "alice cannot redeem all");
        assertEq(vault.maxRedeem(bob), vault.balanceOf(bob), "bob can redeem all");
    }

    /// @dev Whatever the strategies' liquidity, gains and losses: maxWithdraw and maxRedeem can be taken in full.
    function testFuzz_maxWithdraw_isWithdrawable(
        uint256 cap0,
        uint256 cap1,
        uint256 cap2,
        uint8 blockedMask,
        uint256 gain,
        uint256 loss
    ) public {
        strategies[0].setWithdrawCap(bound(cap0, 0, 400e6));
        strategies[1].setWithdrawCap(bound(cap1, 0, 400e6));
        strategies[2].setWithdrawCap(bound(cap2, 0, 400e6));
        for (uint256 i; i < 3; ++i) {
            if (blockedMask & (1 << i) != 0) strategies[i].setBlocked(true);
        }
        gain = bound(gain, 0, 100e6);
        if (gain != 0) strategies[1].simulateGain(gain);
        loss = bound(loss, 0, 300e6);
        if (loss != 0) strategies[0].simulateLoss(loss);

        uint256 maxAssets = vault.maxWithdraw(alice);
        uint256 maxShares = vault.maxRedeem(alice);
        uint256 snap = vm.snapshotState();
        if (maxAssets != 0) {
            _withdraw(alice, maxAssets);
            assertEq(asset.balanceOf(alice), maxAssets, "max withdraw paid in full");
        }
        vm.revertToState(snap);
        if (maxShares != 0) {
            uint256 expected = vault.previewRedeem(maxShares);
            assertEq(_redeem(alice, maxShares), expected, "max redeem paid as previewed");
        }
    }

    // ================================================================ agent pause

    function test_withdraw_notBlockedByAgentPause() public {
        vm.prank(guardian);
        sessions.pauseAgents();
        assertTrue(sessions.agentsPaused(), "agents paused");

        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.AgentsPaused.selector));
        _rebalance(_targets1(_s(0), 0), sid);

        _withdraw(alice, 450e6); // pulls from strategies
        assertEq(asset.balanceOf(alice), 450e6, "withdraw while paused");
        uint256 shares = vault.balanceOf(bob);
        uint256 expected = vault.previewRedeem(shares);
        assertEq(_redeem(bob, shares), expected, "redeem while paused");
        assertEq(asset.balanceOf(bob), expected, "bob paid");
        assertEq(vault.balanceOf(bob), 0, "bob out");
    }

    // ================================================================ previews

    function test_previewRedeem_matchesRedeemAfterLoss() public {
        strategies[0].simulateLoss(30e6);
        uint256 shares = vault.balanceOf(alice);
        uint256 expected = vault.previewRedeem(shares);
        assertLt(expected, 600e6 - 17e6, "preview reflects the loss not yet written down");
        assertEq(_redeem(alice, shares), expected, "redeem returns the preview");
        assertEq(asset.balanceOf(alice), expected, "alice receives the preview");
    }

    /// @dev A gain is not recognised in the block it appears: previews and exits see it only as the gain rate lets
    /// it in over time (25% a year by default), and the exit pays what the preview said.
    function test_previewRedeem_matchesRedeemWhileGainIsRecognised() public {
        strategies[2].simulateGain(50e6);
        uint256 shares = vault.balanceOf(bob);
        assertEq(vault.previewRedeem(shares), 400e6, "no part of the gain at once");
        vm.warp(block.timestamp + 30 days);
        uint256 ceiling = 1_000e6 + Math.mulDiv(1_000e6, uint256(vault.gainRateBps()) * 30 days, 10_000 * 365 days);
        assertEq(vault.totalAssets(), ceiling, "total assets grow at the gain rate");
        uint256 expected = vault.previewRedeem(shares);
        assertGt(expected, 400e6 + 8e6, "preview reflects the part of the gain recognised");
        assertLt(expected, 400e6 + 20e6, "but not the whole gain");
        assertEq(_redeem(bob, shares), expected, "redeem returns the preview");
        assertEq(asset.balanceOf(bob), expected, "bob receives the preview");
    }

    function test_previewWithdraw_matchesWithdrawAfterLoss() public {
        strategies[0].simulateLoss(30e6);
        uint256 expected = vault.previewWithdraw(450e6);
        uint256 before = vault.balanceOf(alice);
        assertEq(_withdraw(alice, 450e6), expected, "withdraw burns the preview");
        assertEq(before - vault.balanceOf(alice), expected, "shares burned");
        assertEq(asset.balanceOf(alice), 450e6, "alice receives the assets");
    }

    function test_previewWithdraw_matchesWithdrawAfterGain() public {
        strategies[1].simulateGain(40e6);
        uint256 expected = vault.previewWithdraw(350e6);
        uint256 before = vault.balanceOf(bob);
        assertEq(_withdraw(bob, 350e6), expected, "withdraw burns the preview");
        assertEq(before - vault.balanceOf(bob), expected, "shares burned");
    }

    /// @dev An exit served from idle is priced on accounted values (O(1)), and the previews say so.
    function test_previewRedeem_matchesRedeemServedFromIdle() public {
        strategies[0].simulateLoss(30e6);
        uint256 shares = vault.balanceOf(alice) / 10;
        uint256 expected = vault.previewRedeem(shares);
        assertEq(expected, vault.convertToAssets(shares), "priced on accounted values");
        assertEq(_redeem(alice, shares), expected, "redeem returns the preview");
        uint256 expectedShares = vault.previewWithdraw(10e6);
        assertEq(_withdraw(alice, 10e6), expectedShares, "withdraw burns the preview");
    }

    function testFuzz_previewRedeem_matchesRedeem(uint256 fraction, uint256 gain, uint256 loss, bool useBob)
        public
    {
        address user = useBob ? bob : alice;
        gain = bound(gain, 0, 100e6);
        if (gain != 0) strategies[1].simulateGain(gain);
        loss = bound(loss, 0, 300e6);
        if (loss != 0) strategies[0].simulateLoss(loss);
        uint256 shares = bound(fraction, 0, vault.balanceOf(user));
        uint256 expected = vault.previewRedeem(shares);
        assertEq(_redeem(user, shares), expected, "redeem returns the preview");
        assertEq(asset.balanceOf(user), expected, "user receives the preview");
    }

    function testFuzz_previewWithdraw_matchesWithdraw(uint256 assets, uint256 gain, uint256 loss) public {
        gain = bound(gain, 0, 100e6);
        if (gain != 0) strategies[1].simulateGain(gain);
        loss = bound(loss, 0, 300e6);
        if (loss != 0) strategies[0].simulateLoss(loss);
        assets = bound(assets, 0, vault.maxWithdraw(alice));
        uint256 expected = vault.previewWithdraw(assets);
        uint256 before = vault.balanceOf(alice);
        assertEq(_withdraw(alice, assets), expected, "withdraw burns the preview");
        assertEq(before - vault.balanceOf(alice), expected, "shares burned");
        assertEq(asset.balanceOf(alice), assets, "assets paid");
    }

    // ================================================================ realizeLoss

    /// @dev A loss shows in total assets at once; realizing it writes the book value down and moves no price.
    function test_realizeLoss_writesDownBookOfLossAlreadyShown() public {
        uint256 priceBefore = vault.convertToAssets(1e12);
        strategies[0].simulateLoss(30e6);
        uint256 value = strategies[0].previewRedeem(strategies[0].balanceOf(address(vault)));
        assertEq(vault.totalAssets(), 700e6 + value, "the loss shows at once");
        uint256 priceAfterLoss = vault.convertToAssets(1e12);
        assertLt(priceAfterLoss, priceBefore, "share price down at once");
        address keeper = makeAddr("keeper");

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyMarked(_s(0), 300e6, value);
        vm.prank(keeper);
        vault.realizeLoss(_s(0));

        assertEq(vault.allocation(_s(0)), value, "book value written down");
        assertEq(vault.totalAssets(), 700e6 + value, "total unchanged by the write-down");
        assertEq(vault.convertToAssets(1e12), priceAfterLoss, "share price unchanged by the write-down");
    }

    function test_realizeLoss_ignoresGain() public {
        strategies[1].simulateGain(30e6);
        vm.recordLogs();
        vault.realizeLoss(_s(1));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(vault.allocation(_s(1)), 300e6, "gain not marked");
        assertEq(vault.totalAssets(), 1_000e6, "total unchanged");
        assertEq(_countVaultLogs(logs, EventsLib.StrategyMarked.selector), 0, "no mark event");
    }

    function test_RevertWhen_realizeLoss_strategyNotListed() public {
        MockStrategy stray = new MockStrategy(asset, "stray");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, address(stray)));
        vault.realizeLoss(address(stray));
    }

    // ================================================================ donations and inflation

    function test_donation_changesNeitherTotalAssetsNorPrice() public {
        uint256 total = vault.totalAssets();
        uint256 price = vault.convertToAssets(1e12);
        uint256 bobValue = vault.previewRedeem(vault.balanceOf(bob));
        asset.mint(address(vault), 500e6);

        assertEq(vault.totalAssets(), total, "total assets unchanged");
        assertEq(vault.idle(), 100e6, "idle unchanged");
        assertEq(vault.convertToAssets(1e12), price, "share price unchanged");
        assertEq(vault.previewRedeem(vault.balanceOf(bob)), bobValue, "bob's value unchanged");
        uint256 shares = vault.balanceOf(bob);
        assertEq(_redeem(bob, shares), bobValue, "bob redeems his value, not the donation");
    }

    function test_deposit_firstDepositorInflationAttackFails() public {
        _deploy(6, 3); // a fresh, empty vault
        address attacker = makeAddr("attacker");
        address victim = makeAddr("victim");
        _deposit(attacker, 1);
        asset.mint(attacker, 1_000_000e6);
        vm.prank(attacker);
        asset.transfer(address(vault), 1_000_000e6);

        uint256 shares = _deposit(victim, 1_000e6);
        assertGt(shares, 0, "victim minted shares");
        uint256 victimValue = vault.previewRedeem(shares);
        assertGe(victimValue, 1_000e6 - 1, "victim keeps ~all of the deposit");
        assertEq(_redeem(victim, shares), victimValue, "victim redeems it");

        uint256 attackerShares = vault.balanceOf(attacker);
        assertLe(vault.previewRedeem(attackerShares), 1, "attacker gets back at most its wei");
    }

    // ================================================================ re-entrancy

    function test_RevertWhen_strategyReentersDepositDuringRebalance() public {
        uint256 id = _listReentrant(0);
        rs.arm(address(vault), ReentrantStrategy.Reentry.Deposit, ReentrantStrategy.Reentry.None, true, id);
        vm.expectRevert(_legReentrancyError());
        _rebalance(_targets1(address(rs), 50e6), id);
    }

    function test_RevertWhen_strategyReentersWithdrawDuringRebalance() public {
        uint256 id = _listReentrant(0);
        rs.arm(address(vault), ReentrantStrategy.Reentry.Withdraw, ReentrantStrategy.Reentry.None, true, id);
        vm.expectRevert(_legReentrancyError());
        _rebalance(_targets1(address(rs), 50e6), id);
    }

    function test_RevertWhen_strategyReentersRebalanceDuringRebalance() public {
        uint256 id = _listReentrant(0);
        rs.arm(address(vault), ReentrantStrategy.Reentry.Rebalance, ReentrantStrategy.Reentry.None, true, id);
        vm.expectRevert(_legReentrancyError());
        _rebalance(_targets1(address(rs), 50e6), id);
    }

    function test_RevertWhen_strategyReentersOnRebalanceWithdrawalLeg() public {
        uint256 id = _listReentrant(100e6);
        rs.arm(address(vault), ReentrantStrategy.Reentry.None, ReentrantStrategy.Reentry.Deposit, true, id);
        vm.expectRevert(_legReentrancyError());
        _rebalance(_targets1(address(rs), 0), id); // redeem leg

        rs.arm(address(vault), ReentrantStrategy.Reentry.None, ReentrantStrategy.Reentry.Rebalance, true, id);
        vm.expectRevert(_legReentrancyError());
        _rebalance(_targets1(address(rs), 40e6), id); // withdraw leg
        assertEq(vault.allocation(address(rs)), 100e6, "position unchanged");
    }

    function _assertUserExitRejectsReentry(ReentrantStrategy.Reentry reentry) internal {
        uint256 id = _listReentrant(100e6);
        rs.arm(address(vault), ReentrantStrategy.Reentry.None, reentry, false, id);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(address(rs), 100e6);
        _withdraw(alice, 200e6);
        assertEq(rs.reentryAttempts(), 1, "strategy tried to re-enter");
        assertFalse(rs.reentrySucceeded(), "re-entry failed");
        assertEq(rs.lastReentryError(), _reentrancyError(), "rejected by the re-entrancy guard");
        assertEq(asset.balanceOf(alice), 200e6, "exit completed");
    }

    function test_withdraw_rejectsReentrantDeposit() public {
        _assertUserExitRejectsReentry(ReentrantStrategy.Reentry.Deposit);
    }

    function test_withdraw_rejectsReentrantWithdraw() public {
        _assertUserExitRejectsReentry(ReentrantStrategy.Reentry.Withdraw);
    }

    function test_withdraw_rejectsReentrantRebalance() public {
        _assertUserExitRejectsReentry(ReentrantStrategy.Reentry.Rebalance);
    }

    /// @dev When the strategy's own withdraw reverts (its re-entry failed and it bubbles), the exit skips it.
    function test_withdraw_skipsStrategyRevertingOnReentry() public {
        uint256 id = _listReentrant(100e6);
        rs.arm(address(vault), ReentrantStrategy.Reentry.None, ReentrantStrategy.Reentry.Withdraw, true, id);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyPulled(_s(0), 50e6);
        _withdraw(alice, 150e6);
        assertEq(rs.balanceOf(address(vault)), 100e6, "re-entering strategy skipped");
        assertEq(asset.balanceOf(alice), 150e6, "others paid");
    }

    function test_RevertWhen_onlyLiquidityIsReentrantStrategy() public {
        uint256 id = _listReentrant(100e6);
        for (uint256 i; i < 3; ++i) {
            strategies[i].setBlocked(true);
        }
        rs.arm(address(vault), ReentrantStrategy.Reentry.None, ReentrantStrategy.Reentry.Deposit, true, id);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, 150e6, 100e6));
        _withdraw(alice, 150e6);
    }
}
