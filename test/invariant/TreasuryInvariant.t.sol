// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";

import {BaseTest} from "../Base.t.sol";
import {IRiskGroups} from "../../contracts/interfaces/IRiskGroups.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {TreasuryHandler, BurningFeeStrategy} from "./TreasuryHandler.sol";

/// @notice The INVARIANTS stated in the TreasuryVault and SessionManager headers, held across random sequences of
/// deposits, mints, withdrawals and redemptions by three users, deposit-and-exit round trips within one block, agent
/// rebalances through sessions (accepted and rejected), forbidden agent calls, strategy profit, loss and liquidity
/// changes, strategy views breaking, donations, caps tightened and restored (within the exposure budget), the
/// drawdown guard reset, sessions granted and revoked, agents paused and unpaused, new blocks and time passing.
/// @dev Hardhat hands the invariant runner only the artifacts of the test files it builds, and targeting the handler
/// needs the handler's: name both files when running this one alone,
/// `pnpm exec hardhat test solidity test/invariant/TreasuryInvariant.t.sol test/invariant/TreasuryHandler.sol`
/// (the whole suite, `pnpm exec hardhat test solidity`, needs nothing more).
abstract contract TreasuryInvariantTest is BaseTest {
    TreasuryHandler internal handler;
    address internal carol = makeAddr("carol");
    address internal agent2 = makeAddr("agent2");

    function _assetDecimals() internal pure virtual returns (uint8);

    function setUp() public override {
        vm.warp(1_700_000_000);
        _deploy(_assetDecimals(), 3);
        uint256 unit = 10 ** _assetDecimals();

        // A fourth strategy that charges an entry fee, so rebalances into it lose value.
        BurningFeeStrategy fee = new BurningFeeStrategy(asset, "Fee strategy");
        vm.prank(governance);
        vault.addStrategy(address(fee), ABS_CAP, REL_CAP_BPS);
        strategies.push(fee);

        // Caps in the asset's own units: tight absolute, tight relative, loose, and small for the fee strategy.
        uint128[4] memory absCaps =
            [uint128(5_000_000 * unit), uint128(50_000_000 * unit), uint128(1e9 * unit), uint128(3_000_000 * unit)];
        uint16[4] memory relCaps = [uint16(5_000), uint16(4_000), uint16(3_000), uint16(2_500)];
        for (uint256 i; i < strategies.length; ++i) {
            vm.prank(governance);
            vault.setCaps(address(strategies[i]), absCaps[i], relCaps[i]);
        }
        // Strategies 0 and 1 share a risk group capped at 70% (their own caps: 50% and 40%), so it binds at times.
        vm.startPrank(governance);
        IRiskGroups(address(vault)).setRiskGroupCap(0, uint128(40_000_000 * unit), 7_000);
        IRiskGroups(address(vault)).setRiskGroups(address(strategies[0]), 1);
        IRiskGroups(address(vault)).setRiskGroups(address(strategies[1]), 1);
        vm.stopPrank();
        // An epoch loss budget just above the per-call limit (0.6% against 0.5%), so two lossy rebalances in a day
        // can reach it.
        vm.prank(governance);
        vault.setLossLimits(MAX_LOSS_PER_CALL_BPS, 60, LOSS_EPOCH);
        _deposit(alice, 1_000_000 * unit);
        _nextBlock();

        address[] memory actors = new address[](3);
        (actors[0], actors[1], actors[2]) = (alice, bob, carol);
        address[] memory agents = new address[](2);
        (agents[0], agents[1]) = (agent, agent2);
        handler = new TreasuryHandler(vault, sessions, strategies, actors, agents);

        // One broad session for the first agent, one narrow session (strategy 0 only) for the second.
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 20 days);
        // Limits in reach of a few rebalances, so the per-call and per-epoch volume checks bind.
        p.maxVolumePerCall = uint128(2_000_000 * unit);
        p.maxVolumePerEpoch = uint128(3_000_000 * unit);
        p.epochLength = 6 hours;
        p.maxCallsPerEpoch = 10;
        handler.grant(p);
        p.agent = agent2;
        p.scope = 1;
        p.minInterval = 10 minutes;
        handler.grant(p);

        // Agent rebalances weigh most (random targets three times, investing idle, churning the fee strategy): most
        // invariants are about them.
        bytes4[] memory selectors = new bytes4[](32);
        selectors[0] = TreasuryHandler.deposit.selector;
        selectors[1] = TreasuryHandler.mint.selector;
        selectors[2] = TreasuryHandler.withdraw.selector;
        selectors[3] = TreasuryHandler.redeem.selector;
        selectors[4] = TreasuryHandler.withdrawMaxWhileAgentsPaused.selector;
        selectors[5] = TreasuryHandler.donate.selector;
        selectors[6] = TreasuryHandler.realizeLoss.selector;
        selectors[7] = TreasuryHandler.rebalance.selector;
        selectors[8] = TreasuryHandler.rebalance.selector;
        selectors[9] = TreasuryHandler.rebalance.selector;
        selectors[10] = TreasuryHandler.invest.selector;
        selectors[11] = TreasuryHandler.rebalanceForbidden.selector;
        selectors[12] = TreasuryHandler.grantSession.selector;
        selectors[13] = TreasuryHandler.revokeSession.selector;
        selectors[14] = TreasuryHandler.pauseAgents.selector;
        selectors[15] = TreasuryHandler.unpauseAgents.selector;
        selectors[16] = TreasuryHandler.lowerCaps.selector;
        selectors[17] = TreasuryHandler.restoreCaps.selector;
        selectors[18] = TreasuryHandler.strategyGain.selector;
        selectors[19] = TreasuryHandler.strategyLoss.selector;
        selectors[20] = TreasuryHandler.setStrategyLiquidity.selector;
        selectors[21] = TreasuryHandler.warp.selector;
        selectors[22] = TreasuryHandler.deposit.selector;
        selectors[23] = TreasuryHandler.setEntryFee.selector;
        selectors[24] = TreasuryHandler.churnFeeStrategy.selector;
        selectors[25] = TreasuryHandler.roundTrip.selector;
        selectors[26] = TreasuryHandler.setViewsBroken.selector;
        selectors[27] = TreasuryHandler.resetHighWaterMark.selector;
        selectors[28] = TreasuryHandler.nextBlock.selector;
        selectors[29] = TreasuryHandler.nextBlock.selector;
        selectors[30] = TreasuryHandler.setDeadManSwitch.selector;
        selectors[31] = TreasuryHandler.deRisk.selector;
        targetSelector(StdInvariant.FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    // ================================================================ accounting

    /// @notice totalAssets <= idle + the live value of every listed position (its book value while its views fail):
    /// the vault never counts more than it could redeem; totalAllocated is the sum of the book values.
    function invariant_totalAssetsWithinLiveValue() public view {
        uint256 sum;
        for (uint256 i; i < vault.strategyCount(); ++i) {
            address s = vault.strategyAt(i);
            if (vault.strategyConfig(s).listed) sum += vault.allocation(s);
        }
        assertEq(vault.totalAllocated(), sum, "totalAllocated == sum of book values");
        assertLe(vault.totalAssets(), handler.liveTotal(), "totalAssets <= idle + live value of the positions");
    }

    /// @notice No deposit followed by an exit within the same block returns more than it put in, even when a strategy
    /// gains in between (gains enter total assets only as time passes).
    function invariant_noFreeRoundTripWithinABlock() public view {
        assertEq(handler.ghost_freeRoundTrips(), 0, "a same-block round trip returned more than it put in");
    }

    /// @notice Idle is backed by the vault's own balance; the rest of the balance is exactly what was donated.
    function invariant_idleBackedByBalance() public view {
        uint256 balance = asset.balanceOf(address(vault));
        assertLe(vault.idle(), balance, "idle <= asset balance of the vault");
        assertEq(balance - vault.idle(), handler.ghost_donations(), "balance above idle == donations");
    }

    /// @notice Users together never take out more than they paid in plus what strategies earned: exits are paid from
    /// accounted money only, never from donations or from value the vault does not have.
    function invariant_exitsBackedByDepositsAndGains() public view {
        assertLe(
            handler.ghost_withdrawnAssets(),
            handler.ghost_depositedAssets() + handler.ghost_strategyGains(),
            "withdrawn <= deposited + strategy gains"
        );
    }

    /// @notice The vault keeps no allowance to any strategy between transactions.
    function invariant_noAllowanceToStrategies() public view {
        for (uint256 i; i < strategies.length; ++i) {
            assertEq(asset.allowance(address(vault), address(strategies[i])), 0, "no allowance left to a strategy");
        }
    }

    // ================================================================ rebalance bounds

    /// @notice No strategy raised by an accepted rebalance was above its absolute or relative cap right after it
    /// (the relative cap of total assets without the block's deposits).
    function invariant_raisedStrategiesWithinCaps() public view {
        assertEq(handler.ghost_capBreaches(), 0, "raised strategy above a cap after a rebalance");
    }

    /// @notice Every risk group of a strategy raised by an accepted rebalance held, over all its listed members, at most
    /// the tighter of its caps right after it (the relative cap of total assets without the block's deposits).
    function invariant_raisedRiskGroupsWithinCaps() public view {
        assertEq(handler.ghost_riskGroupBreaches(), 0, "risk group above its cap after raising a member");
    }

    /// @notice An accepted rebalance that lowered idle left it at or above the buffer (both without the block's
    /// deposits).
    function invariant_idleBufferHeldAfterRebalance() public view {
        assertEq(handler.ghost_bufferBreaches(), 0, "rebalance lowered idle below the buffer");
    }

    /// @notice No accepted rebalance lost more than the per-call limit or took its loss epoch past the budget.
    function invariant_rebalanceLossWithinLimits() public view {
        assertEq(handler.ghost_lossLimitBreaches(), 0, "rebalance loss past the per-call limit or epoch budget");
    }

    /// @notice The dead-man's switch only lowers exposure: no `deRisk` raised a position, lowered idle, moved more
    /// than the rule's share of total assets or lost more than the per-call limit.
    function invariant_deRiskOnlyLowersExposure() public view {
        assertEq(handler.ghost_deRiskBreaches(), 0, "deRisk raised exposure or passed its bounds");
    }

    /// @notice No accepted rebalance that raised a strategy or lost value left the share price more than
    /// maxDrawdownBps below the high-water mark.
    function invariant_drawdownGuardHeld() public view {
        assertEq(handler.ghost_drawdownBreaches(), 0, "risk-taking rebalance below the drawdown floor");
    }

    // ================================================================ sessions

    /// @notice No rebalance by a wrong agent, or with an expired, not yet started, revoked, paused or out-of-scope
    /// session, ever succeeded.
    function invariant_noForbiddenRebalanceSucceeded() public view {
        assertEq(handler.ghost_forbiddenSuccesses(), 0, "forbidden rebalance succeeded");
    }

    /// @notice No session was charged more than its own loss allowance (the handler also counts, among the session
    /// limit breaches below, a session that lost more than its allowance through accepted rebalances, and a rebalance
    /// revoked for its allowance that lost anything; a reduce-only session's raise is a forbidden rebalance).
    function invariant_sessionLossWithinAllowance() public view {
        for (uint256 i; i < handler.sessionCount(); ++i) {
            ISessionManager.Session memory s = sessions.getSession(handler.sessionIds(i));
            if (s.maxLoss != 0) assertLe(s.lossUsed, s.maxLoss, "charged within the session's allowance");
        }
    }

    /// @notice The volume a session manager records for a session's current epoch never exceeds the session's
    /// maxVolumePerEpoch, and equals the volume of the accepted rebalances the handler saw in that epoch.
    function invariant_sessionEpochVolumeWithinLimit() public view {
        for (uint256 i; i < handler.sessionCount(); ++i) {
            uint256 id = handler.sessionIds(i);
            ISessionManager.Session memory s = sessions.getSession(id);
            assertLe(s.volumeInEpoch, s.maxVolumePerEpoch, "recorded epoch volume <= maxVolumePerEpoch");
            if (s.lastCallAt != 0) {
                assertEq(s.volumeInEpoch, handler.ghost_epochVolume(id, s.epoch), "recorded epoch volume == seen");
                assertEq(s.callsInEpoch, handler.ghost_epochCalls(id, s.epoch), "recorded epoch calls == seen");
                assertEq(s.lastCallAt, handler.ghost_lastCallAt(id), "recorded last call == seen");
            } else {
                assertEq(handler.ghost_sessionVolume(id), 0, "unused session has no accepted rebalance");
            }
        }
        assertEq(handler.ghost_sessionLimitBreaches(), 0, "rebalance past a session's volume, calls or interval");
    }

    // ================================================================ exits

    /// @notice With agents paused, every user can take out `maxWithdraw` (idle plus what strategies release) in one
    /// call and is paid exactly that; the same held for every exit the handler made.
    function invariant_exitsHonouredWhileAgentsPaused() public {
        assertEq(handler.ghost_exitFailures(), 0, "an exit within maxWithdraw/maxRedeem failed");
        for (uint256 i; i < handler.actorCount(); ++i) {
            address actor = handler.actorAt(i);
            uint256 snapshot = vm.snapshotState();
            if (!sessions.agentsPaused()) {
                vm.prank(guardian);
                sessions.pauseAgents();
            }
            uint256 max = vault.maxWithdraw(actor);
            uint256 balanceBefore = asset.balanceOf(actor);
            bool ok = true;
            if (max != 0) {
                vm.prank(actor);
                try vault.withdraw(max, actor, actor) {} catch {
                    ok = false;
                }
            }
            uint256 received = asset.balanceOf(actor) - balanceBefore;
            vm.revertToStateAndDelete(snapshot);
            assertTrue(ok, "maxWithdraw can be withdrawn with agents paused");
            assertEq(received, max, "withdrawing maxWithdraw pays it in full");
        }
    }
}

/// @notice The invariant suite over a 6-decimal asset.
contract TreasuryInvariant6Test is TreasuryInvariantTest {
    function _assetDecimals() internal pure override returns (uint8) {
        return 6;
    }
}

/// @notice The invariant suite over an 18-decimal asset.
contract TreasuryInvariant18Test is TreasuryInvariantTest {
    function _assetDecimals() internal pure override returns (uint8) {
        return 18;
    }
}
