// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AttackBase} from "./AttackBase.t.sol";
import {TreasuryVault} from "../../contracts/vault/TreasuryVault.sol";
import {SessionManager} from "../../contracts/session/SessionManager.sol";
import {TreasuryLens} from "../../contracts/lens/TreasuryLens.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ITreasuryLens} from "../../contracts/interfaces/ITreasuryLens.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";
import {FeeStrategy} from "../../contracts/mocks/FeeStrategy.sol";
import {LyingStrategy} from "../../contracts/mocks/LyingStrategy.sol";

/// @notice A contract the agent's key controls, forwarding its calls (a smart account, a multicall).
contract Forwarder {
    function forward(address target, bytes calldata data) external returns (bool ok, bytes memory ret) {
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ret) = target.call(data);
    }
}

/// @notice A guardian multisig's batch: every call or none (like Safe's MultiSendCallOnly).
contract GuardianBatch {
    function run(address[] calldata targets, bytes[] calldata data) external {
        for (uint256 i; i < targets.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = targets[i].call(data[i]);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }
}

/// @notice Attack classes on the agent's permissions: 8 griefing inside the limits, 9 expiry edges and timestamps,
/// 10 replay across deployments, 11 scope escape, 12 stale counters after revoke and re-grant, 13 leftover approvals,
/// 14 budget consumed by a failed call, 15 revocation races. Each check's exact error at its edge is unit-tested in
/// TreasuryVault.Rebalance.t.sol and SessionManager.t.sol; these tests attack the combination.
contract AgentAttacksTest is AttackBase {
    using Math for uint256;

    address internal agent2 = makeAddr("agent2");
    address internal feeSink = makeAddr("feeSink");
    FeeStrategy internal fee;

    /// @dev Lists a 1%-entry-fee strategy (index 3); returns a session of `who` covering all four strategies.
    function _listFee(address who) internal returns (uint256 id) {
        fee = new FeeStrategy(IERC20(address(asset)), 100, feeSink);
        vm.prank(governance);
        vault.addStrategy(address(fee), ABS_CAP, REL_CAP_BPS);
        id = _grantFor(who, 0xF);
    }

    function _grantFor(address who, uint256 scope) internal returns (uint256) {
        ISessionManager.SessionParams memory p = _params();
        p.agent = who;
        p.scope = scope;
        return _grant(p);
    }

    function _sessionCounters(uint256 id) internal view returns (uint256 volume, uint256 calls, uint256 lastCallAt) {
        ISessionManager.Session memory s = sessions.getSession(id);
        return (s.volumeInEpoch, s.callsInEpoch, s.lastCallAt);
    }

    // ================================================================ 8. griefing inside the limits

    /// @dev An agent that does nothing but lose money (in and out of a 1%-fee strategy, any sizes, as often as its
    /// session allows within one loss epoch) loses at most the epoch loss budget: 1% of total assets.
    function testFuzz_attack08_lossGriefingBoundedByEpochBudget(uint256 seed) public {
        uint256 id = _listFee(agent);
        _rebalance(_targets1(_s(0), 0), id); // 400e6 idle to play with
        uint256 totalBefore = vault.totalAssets();
        uint256 passed;
        for (uint256 i; i < 24; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            uint256 inFee = vault.allocation(address(fee));
            uint256 target = inFee == 0 ? seed % 300e6 + 1 : 0;
            (bool ok,) = _tryRebalance(agent, _targets1(address(fee), target), id);
            if (ok) ++passed;
        }
        assertGt(passed, 0, "some griefing passed");
        uint256 lost = totalBefore - vault.totalAssets();
        assertLe(lost, totalBefore.mulDiv(EPOCH_LOSS_BUDGET_BPS, 10_000), "lost at most the epoch budget");
        assertEq(lost, vault.epochLoss().lossInEpoch, "every wei lost is booked in the epoch");
        _assertConsistent("after griefing");
    }

    /// @dev The loss budget is the vault's, not a session's: a second session (or agent) finds it spent, and a
    /// revoke and re-grant does not refill it (class 12). Moves that lose nothing still pass; the budget refills at
    /// the next loss epoch.
    function test_attack08_lossBudgetSharedAcrossSessionsAndRegrants() public {
        uint256 id1 = _listFee(agent);
        uint256 id2 = _grantFor(agent2, 0xF);
        _rebalance(_targets2(_s(0), 0, _s(1), 0), id1); // 700e6 idle
        _rebalance(_targets1(address(fee), 500e6), id1); // 5e6 lost
        _rebalance(_targets1(address(fee), 0), id1);
        _rebalance(_targets1(address(fee), 400e6), id1); // 4e6 more: 9e6 of the 9.95e6 budget
        assertEq(vault.epochLoss().lossInEpoch, 9e6, "budget nearly spent");
        ITreasuryVault.Allocation[] memory lossy = _targets1(address(fee), vault.allocation(address(fee)) + 96e6);

        (bool ok, bytes memory ret) = _tryRebalance(agent2, lossy, id2);
        assertFalse(ok, "the other agent's lossy move refused");
        assertEq(
            ret,
            abi.encodeWithSelector(ErrorsLib.LossBudgetExceeded.selector, 9.96e6, 9.91e6),
            "by the shared budget: 1% of 991e6"
        );

        vm.prank(guardian);
        sessions.revoke(id2);
        uint256 id3 = _grantFor(agent2, 0xF);
        (ok, ret) = _tryRebalance(agent2, lossy, id3);
        assertEq(bytes4(ret), ErrorsLib.LossBudgetExceeded.selector, "a re-grant does not refill the budget");

        (ok,) = _tryRebalance(agent2, _targets1(_s(2), 0), id3);
        assertTrue(ok, "a move that loses nothing still passes");

        vm.warp((block.timestamp / LOSS_EPOCH + 1) * LOSS_EPOCH);
        (ok,) = _tryRebalance(agent2, lossy, id3);
        assertTrue(ok, "the budget refills at the next loss epoch");
        assertEq(vault.epochLoss().lossInEpoch, 0.96e6, "the fresh epoch holds the new loss only");
    }

    /// @dev Churn: an agent re-submitting round trips as fast as it can is held to its calls per epoch, its epoch
    /// volume and its minimum interval, whatever it tries.
    function test_attack08_churnBoundedByCallsVolumeAndInterval() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = 100e6;
        p.maxVolumePerEpoch = 250e6;
        p.maxCallsPerEpoch = 4;
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        uint256 passed;
        uint256 moved;
        uint256 lastAt;
        for (uint256 i; i < 92; ++i) {
            vm.warp(block.timestamp + 15 minutes); // tries every 15 minutes for 23 hours
            uint256 target = vault.allocation(_s(0)) == 300e6 ? 250e6 : 300e6;
            (bool ok,) = _tryRebalance(agent, _targets1(_s(0), target), id);
            if (!ok) continue;
            ++passed;
            moved += 50e6;
            if (lastAt != 0) assertGe(block.timestamp - lastAt, 1 hours, "minimum interval held");
            lastAt = block.timestamp;
        }
        assertEq(passed, 4, "four calls in the epoch");
        assertLe(moved, 250e6, "within the epoch volume");
    }

    /// @dev Griefing users: the agent puts as much as the caps allow into one strategy, which then blocks. Users still
    /// reach everything else: at least 1 - relative cap of total assets.
    function test_attack08_allocationIntoAStrategyThatBlocksBoundedByCaps() public {
        _rebalance(_targets3(500e6, 0, 400e6), sid);
        (bool ok, bytes memory ret) = _tryRebalance(agent, _targets3(500e6 + 1, 0, 400e6 - 1), sid);
        assertFalse(ok, "no more than the relative cap");
        assertEq(bytes4(ret), ErrorsLib.RelativeCapExceeded.selector, "relative cap");
        strategies[0].setBlocked(true);
        assertEq(vault.maxWithdraw(alice), 500e6, "idle + the other strategies");
        _withdraw(alice, 500e6);
        _assertConsistent("after the exit");
    }

    // ================================================================ 9. expiry edges and timestamps

    /// @dev Wherever the call lands around a session window, it passes exactly when validAfter <= now < validUntil,
    /// and otherwise fails with the precise error, the preview agreeing.
    function testFuzz_attack09_sessionWindowEdges(uint256 at) public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp + 1 hours);
        p.validUntil = uint40(block.timestamp + 1 hours + 1 days);
        uint256 id = _grant(p);
        at = bound(at, block.timestamp, block.timestamp + 2 days);
        vm.warp(at);
        ITreasuryVault.Allocation[] memory t = _targets1(_s(0), 250e6);
        if (at < p.validAfter) {
            _assertRebalanceReverts(
                t, id, abi.encodeWithSelector(ErrorsLib.SessionNotStarted.selector, id, p.validAfter)
            );
        } else if (at >= p.validUntil) {
            _assertRebalanceReverts(t, id, abi.encodeWithSelector(ErrorsLib.SessionExpired.selector, id, p.validUntil));
        } else {
            assertTrue(vault.previewRebalance(t, id, agent).ok, "preview passes inside the window");
            _rebalance(t, id);
            assertEq(vault.allocation(_s(0)), 250e6, "moved inside the window");
        }
    }

    /// @dev Epochs are fixed windows from validAfter: the epoch volume is spent until the last second of the epoch
    /// and fresh at its first second, and blocks that share a timestamp share an epoch (no reset by block number).
    function test_attack09_epochBoundaryAndSameTimestampBlocks() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = 100e6;
        p.maxVolumePerEpoch = 100e6;
        uint256 id = _grant(p);
        uint256 epochEnd = uint256(p.validAfter) + p.epochLength;
        _rebalance(_targets1(_s(0), 200e6), id);

        vm.roll(block.number + 10); // later blocks, same timestamp
        _assertRebalanceReverts(
            _targets1(_s(0), 199e6),
            id,
            abi.encodeWithSelector(ErrorsLib.VolumeExceedsEpochLimit.selector, id, 101e6, 100e6)
        );
        vm.warp(epochEnd - 1);
        _assertRebalanceReverts(
            _targets1(_s(0), 199e6),
            id,
            abi.encodeWithSelector(ErrorsLib.VolumeExceedsEpochLimit.selector, id, 101e6, 100e6)
        );
        vm.warp(epochEnd);
        _rebalance(_targets1(_s(0), 100e6), id);
        assertEq(sessions.getSession(id).volumeInEpoch, 100e6, "fresh epoch holds only the new call");
    }

    // ================================================================ 10. replay across chains and deployments

    /// @dev The treasury signs nothing off-chain: a session is a record in one SessionManager, bound to one vault.
    /// The same id on another deployment names another session (or none), so the agent's id does nothing there;
    /// a session granted by one manager for another deployment's vault is never consulted by that vault.
    function test_attack10_sessionIdFromAnotherDeploymentDoesNothing() public {
        TreasuryVault vaultA = vault;
        SessionManager sessionsA = sessions;
        _deploy(6, 3); // deployment B: fresh manager and vault, same roles, same agent key
        _deposit(alice, 1_000e6);
        _nextBlock();
        ITreasuryVault.Allocation[] memory t = _targets1(_s(0), 100e6);

        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.UnknownSession.selector, sid));
        vault.rebalance(t, sid, INTENT);

        uint256 other = _grantFor(agent2, 7); // id 1 on B belongs to another agent
        assertEq(other, sid, "same id, another session");
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, sid, agent));
        vault.rebalance(t, sid, INTENT);

        ISessionManager.SessionParams memory p = _params(); // A's manager grants for B's vault
        vm.prank(governance);
        uint256 crossId = sessionsA.grant(p);
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.UnknownSession.selector, crossId));
        vault.rebalance(t, crossId, INTENT);
        assertEq(address(vaultA.sessionManager()), address(sessionsA), "A still bound to its own manager");

        // On a fork (another chain id) nothing signed is involved: the copy of the state is that chain's own.
        vm.chainId(10);
        vm.prank(agent2);
        vault.rebalance(t, other, INTENT);
        assertEq(vault.allocation(_s(0)), 100e6, "B's own session works on B");
    }

    /// @dev A rogue vault pointed at the real manager takes its roles from it, so its deployer (here the agent) does
    /// not govern it; even listed by governance, it cannot consume the real vault's sessions, nor can anyone call
    /// consume directly.
    function test_attack10_rogueVaultCannotConsumeRealSessions() public {
        vm.prank(agent);
        TreasuryVault rogue = _newVault(IERC20(address(asset)), "Rogue", "R", sessions, vault.bounds());
        assertEq(rogue.governance(), governance, "the rogue vault's governance is the manager's");
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, agent));
        rogue.addStrategy(_s(0), ABS_CAP, REL_CAP_BPS);
        vm.prank(governance);
        rogue.addStrategy(_s(0), ABS_CAP, REL_CAP_BPS);
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, sid, address(rogue)));
        rogue.rebalance(_targets1(_s(0), 0), sid, INTENT);
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, sid, agent));
        sessions.consume(sid, agent, 1, 0, 0);
    }

    /// @dev The intent hash is a label, not a nonce: the same calldata sent again is a new call, held to every limit
    /// (here the minimum interval).
    function test_attack10_replayedCalldataIsANewCallHeldToLimits() public {
        ISessionManager.SessionParams memory p = _params();
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        _rebalance(_targets1(_s(0), 250e6), id);
        _assertRebalanceReverts(
            _targets1(_s(0), 250e6),
            id,
            abi.encodeWithSelector(ErrorsLib.CooldownActive.selector, id, block.timestamp + 1 hours)
        );
    }

    /// @dev The lens lists an agent's sessions of the vault asked about only, and skips delisted strategies.
    function test_attack10_lensShowsOnlyThisVaultsSessions() public {
        _rebalance(_targets1(_s(0), 0), sid);
        vm.prank(governance);
        vault.removeStrategy(_s(0));
        TreasuryVault vaultA = vault;
        ISessionManager.SessionParams memory p = _params();
        p.vault = makeAddr("another vault");
        _grant(p);
        TreasuryLens lens = new TreasuryLens();
        ITreasuryLens.Snapshot memory s = lens.snapshot(vaultA, agent);
        assertEq(s.sessions.length, 1, "only the session for this vault");
        assertEq(s.sessions[0].id, sid, "and it is this vault's");
        assertEq(s.strategies.length, 2, "the delisted strategy is skipped");
    }

    // ================================================================ 11. scope escape

    /// @dev The agent's key reaches nothing but `rebalance` through its session: every vault and manager function
    /// that changes bounds, roles, sessions or the pause refuses it.
    function test_attack11_agentCannotCallAdminFunctions() public {
        address[] memory q = vault.withdrawQueue();
        ITreasuryVault.Bounds memory bounds = vault.bounds();
        ITreasuryVault.EpochLoss memory epochLoss = vault.epochLoss();
        ITreasuryVault.RampRoom memory room = vault.rampRoom();
        bytes memory notGov = abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, agent);
        bytes memory notGuard = abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, agent);
        address v = address(vault);
        address m = address(sessions);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.addStrategy, (makeAddr("x"), 1, 1)), notGov);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.removeStrategy, (_s(0))), notGov);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setWithdrawQueue, (q)), notGov);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setCaps, (_s(0), 0, 0)), notGuard);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setStrategyEnabled, (_s(0), false)), notGuard);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setIdleBuffer, (10_000)), notGuard);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setLossLimits, (0, 0, LOSS_EPOCH)), notGuard);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setLiquidityGroup, (_s(0), 1)), notGov);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setGainRate, (20_000)), notGuard);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.setMaxDrawdown, (5_000)), notGuard);
        _expectRefused(v, abi.encodeCall(ITreasuryVault.resetHighWaterMark, ()), notGov);
        // The vault has no role setters: roles live in the SessionManager, refused below.
        _expectRefused(v, abi.encodeWithSignature("setGovernance(address)", agent), "");
        _expectRefused(v, abi.encodeWithSignature("setGuardian(address)", agent), "");
        _expectRefused(
            v,
            abi.encodeCall(ITreasuryVault.pullFromStrategy, (_s(0), 1)),
            abi.encodeWithSelector(ErrorsLib.OnlyVault.selector, agent)
        );
        _expectRefused(
            v,
            abi.encodeCall(ITreasuryVault.executeRebalance, (_targets1(_s(0), 0), sid, agent, bytes32(0), false)),
            abi.encodeWithSelector(ErrorsLib.OnlyVault.selector, agent)
        );
        _expectRefused(
            m,
            abi.encodeCall(ISessionManager.grant, (_params())),
            abi.encodeWithSelector(ErrorsLib.NotGranter.selector, agent)
        );
        _expectRefused(m, abi.encodeCall(ISessionManager.pauseAgents, ()), notGuard);
        _expectRefused(m, abi.encodeCall(ISessionManager.unpauseAgents, ()), notGov);
        _expectRefused(m, abi.encodeCall(ISessionManager.setCeilings, (v, ISessionManager.Ceilings(1, 1, 1))), notGov);
        _expectRefused(m, abi.encodeCall(ISessionManager.setSessionAdmin, (agent)), notGov);
        _expectRefused(m, abi.encodeWithSignature("setGovernance(address)", agent), notGov);
        _expectRefused(m, abi.encodeWithSignature("setGuardian(address)", agent), notGov);
        uint256 other = _grantFor(agent2, 1);
        _expectRefused(
            m,
            abi.encodeCall(ISessionManager.revoke, (other)),
            abi.encodeWithSelector(ErrorsLib.NotRevoker.selector, other, agent)
        );
        _expectRefused(
            m,
            abi.encodeCall(ISessionManager.consume, (sid, agent, 0, 0, 0)),
            abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, sid, agent)
        );
        assertEq(abi.encode(vault.bounds()), abi.encode(bounds), "bounds untouched");
        assertEq(abi.encode(vault.epochLoss()), abi.encode(epochLoss), "loss accounting untouched");
        assertEq(abi.encode(vault.rampRoom()), abi.encode(room), "ramp budgets untouched");
        assertEq(vault.governance(), governance, "governance untouched");
        assertEq(vault.guardian(), guardian, "guardian untouched");
        assertEq(abi.encode(vault.withdrawQueue()), abi.encode(q), "queue untouched");
        assertEq(sessions.sessionCount(), 2, "no session granted");
    }

    function _expectRefused(address target, bytes memory data, bytes memory expected) internal {
        vm.prank(agent);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call(data);
        assertFalse(ok, "refused");
        assertEq(ret, expected, "with the precise error");
    }

    /// @dev Nested calls: a contract the agent controls is not the agent; the session binds the exact caller.
    function test_attack11_nestedCallThroughAForwarderIsNotTheAgent() public {
        Forwarder fwd = new Forwarder();
        vm.prank(agent);
        (bool ok, bytes memory ret) = fwd.forward(
            address(vault), abi.encodeCall(ITreasuryVault.rebalance, (_targets1(_s(0), 250e6), sid, INTENT))
        );
        assertFalse(ok, "refused");
        assertEq(ret, abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, sid, address(fwd)), "not the agent");
    }

    /// @dev Scope bits name strategy indices, never reused: a delisted and re-listed strategy gets a new index, so an
    /// old session's scope does not follow it; a new strategy never inherits an old index.
    function test_attack11_scopeDoesNotFollowARelistedStrategy() public {
        ISessionManager.SessionParams memory p = _params();
        p.scope = 0x7; // strategies 0, 1, 2
        uint256 id = _grant(p);
        _rebalance(_targets1(_s(2), 0), id);
        vm.startPrank(governance);
        vault.removeStrategy(_s(2));
        vault.addStrategy(_s(2), ABS_CAP, REL_CAP_BPS);
        vm.stopPrank();
        assertEq(vault.strategyConfig(_s(2)).index, 3, "re-listed at a new index");
        _assertRebalanceReverts(
            _targets1(_s(2), 100e6), id, abi.encodeWithSelector(ErrorsLib.OutOfScope.selector, id, 1 << 3)
        );
    }

    // ================================================================ 12. stale counters after revoke and re-grant

    /// @dev The revoked id stays dead; the re-grant is a new id with fresh counters and no inherited cooldown; the
    /// vault-wide loss budget is not reset (test_attack08_lossBudgetSharedAcrossSessionsAndRegrants).
    function test_attack12_regrantHasFreshCountersAndOldIdStaysDead() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerEpoch = 1_000e6;
        p.maxVolumePerCall = 1_000e6;
        p.minInterval = 1 hours;
        uint256 old = _grant(p);
        _rebalance(_targets1(_s(0), 0), old); // 300e6 used, cooldown running
        vm.prank(guardian);
        sessions.revoke(old);
        uint256 fresh = _grant(p);
        assertGt(fresh, old, "a new id");
        (uint256 volume, uint256 calls, uint256 lastCallAt) = _sessionCounters(fresh);
        assertEq(volume + calls + lastCallAt, 0, "fresh counters");
        _rebalance(_targets1(_s(0), 300e6), fresh); // same block: no cooldown inherited
        _assertRebalanceReverts(
            _targets1(_s(1), 0), old, abi.encodeWithSelector(ErrorsLib.SessionRevoked.selector, old)
        );
        (volume,,) = _sessionCounters(old);
        assertEq(volume, 300e6, "the old session's counters frozen");
    }

    // ================================================================ 13. leftover approvals

    /// @dev Whatever the legs (into a fee strategy, a strategy that pulls only part of what it was approved, plain
    /// strategies), no allowance to any strategy survives a rebalance, and the vault approves nobody else.
    function testFuzz_attack13_noAllowanceLeftAfterAnyRebalance(uint256 a0, uint256 a1, uint256 a2, uint256 a3)
        public
    {
        uint256 id = _listFee(agent);
        ITreasuryVault.Allocation[] memory t = new ITreasuryVault.Allocation[](4);
        t[0] = ITreasuryVault.Allocation(_s(0), bound(a0, 0, 500e6));
        t[1] = ITreasuryVault.Allocation(_s(1), bound(a1, 0, 500e6));
        t[2] = ITreasuryVault.Allocation(_s(2), bound(a2, 0, 500e6));
        t[3] = ITreasuryVault.Allocation(address(fee), bound(a3, 0, 300e6));
        _tryRebalance(agent, t, id);
        _assertConsistent("after the rebalance");
        assertEq(asset.allowance(address(vault), agent), 0, "no allowance to the agent");
        assertEq(asset.allowance(address(vault), feeSink), 0, "no allowance to anyone else");
    }

    // ================================================================ 14. budget consumed by a call that failed

    /// @dev A leg that reverts after the session was consumed (the strategy refuses the withdrawal) rolls the
    /// consumption back: no volume, no call, no cooldown, no loss booked. (Every other failing check:
    /// TreasuryVault.Rebalance.t.sol's _assertReverts checks the same for each error.)
    function test_attack14_legRevertingAfterConsumeSpendsNoBudget() public {
        LyingStrategy refuser = new LyingStrategy(IERC20(address(asset)));
        uint256 id = _listWithSession(address(refuser));
        _rebalance(_targets2(_s(2), 200e6, address(refuser), 100e6), id);
        refuser.setWithdrawReverts(true);
        ISessionManager.Session memory before = sessions.getSession(id);
        uint128 lossBefore = vault.epochLoss().lossInEpoch;

        vm.warp(block.timestamp + 1);
        (bool ok, bytes memory ret) = _tryRebalance(agent, _targets2(_s(0), 350e6, address(refuser), 50e6), id);
        assertFalse(ok, "the leg reverted");
        assertEq(
            ret,
            abi.encodeWithSelector(
                ErrorsLib.StrategyCallFailed.selector,
                address(refuser),
                abi.encodeWithSelector(LyingStrategy.WithdrawRefused.selector)
            ),
            "naming the strategy, with its error"
        );
        ISessionManager.Session memory afterCall = sessions.getSession(id);
        assertEq(afterCall.volumeInEpoch, before.volumeInEpoch, "no volume spent");
        assertEq(afterCall.callsInEpoch, before.callsInEpoch, "no call spent");
        assertEq(afterCall.lastCallAt, before.lastCallAt, "no cooldown started");
        assertEq(vault.epochLoss().lossInEpoch, lossBefore, "no loss booked");
    }

    // ================================================================ 15. revocation races

    /// @dev In any vault state (strategies blocked, broken, crashed past the drawdown limit; loss budget spent; session
    /// expired; already paused), the guardian's pause succeeds, and the agent's next call in the same block reverts.
    function testFuzz_attack15_pauseAlwaysSucceedsAndWinsTheBlock(uint8 state) public {
        uint256 id = _listFee(agent);
        if (state & 1 != 0) strategies[0].setBlocked(true);
        if (state & 2 != 0) strategies[1].setViewsBroken(true);
        if (state & 8 != 0) {
            _deposit(bob, 600e6);
            _nextBlock();
            _rebalance(_targets1(address(fee), 500e6), id);
            _rebalance(_targets1(address(fee), 0), id);
        }
        // After the churn: a 30% loss first would trip the drawdown guard and stop the churn itself.
        if (state & 4 != 0) strategies[2].simulateLoss(299e6);
        if (state & 16 != 0) {
            vm.prank(guardian);
            sessions.pauseAgents();
        }
        if (state & 32 != 0) vm.warp(block.timestamp + 31 days);
        uint256 blockNumber = block.number;

        vm.prank(guardian);
        sessions.pauseAgents();
        (bool ok, bytes memory ret) = _tryRebalance(agent, _targets1(_s(0), 0), id);
        assertEq(block.number, blockNumber, "same block");
        assertFalse(ok, "the agent's call after the pause reverts");
        assertEq(ret, abi.encodeWithSelector(ErrorsLib.AgentsPaused.selector), "AgentsPaused");
        vm.prank(guardian);
        sessions.revoke(id);
        assertTrue(sessions.getSession(id).revoked, "revoke succeeded too");
    }

    /// @dev Same block: the agent's call passes, the guardian revokes, the agent's next call reverts.
    function test_attack15_revokeInTheSameBlockStopsTheNextCall() public {
        uint256 blockNumber = block.number;
        _rebalance(_targets1(_s(0), 250e6), sid);
        vm.prank(guardian);
        sessions.revoke(sid);
        _assertRebalanceReverts(
            _targets1(_s(0), 200e6), sid, abi.encodeWithSelector(ErrorsLib.SessionRevoked.selector, sid)
        );
        assertEq(block.number, blockNumber, "same block");
    }

    /// @dev The race: a compromised agent sees the guardian's batch (revoke its two sessions, pause) and forfeits one
    /// session first. The batch must still go through; if one revocation reverted, the whole batch would, leaving the
    /// other session live and the agents unpaused.
    function test_attack15_agentForfeitFirstCannotFailTheGuardiansBatch() public {
        uint256 second = _grantDefault();
        GuardianBatch batch = new GuardianBatch();
        vm.prank(governance);
        sessions.setGuardian(address(batch));

        vm.prank(agent);
        sessions.revoke(sid); // front-run: forfeit the first session

        address[] memory targets = new address[](3);
        bytes[] memory data = new bytes[](3);
        (targets[0], targets[1], targets[2]) = (address(sessions), address(sessions), address(sessions));
        data[0] = abi.encodeCall(ISessionManager.revoke, (sid));
        data[1] = abi.encodeCall(ISessionManager.revoke, (second));
        data[2] = abi.encodeCall(ISessionManager.pauseAgents, ());
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionRevoked(second, address(batch));
        batch.run(targets, data);

        assertTrue(sessions.getSession(second).revoked, "second session revoked");
        assertTrue(sessions.agentsPaused(), "agents paused");
        _assertRebalanceReverts(
            _targets1(_s(0), 250e6), second, abi.encodeWithSelector(ErrorsLib.SessionRevoked.selector, second)
        );
    }
}
