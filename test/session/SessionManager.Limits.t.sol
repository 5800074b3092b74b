// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionManagerBase} from "./SessionManagerBase.t.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice The SessionManager's reduce-only check, loss allowance accounting and key rotation, called as the vault
/// calls them.
contract SessionManagerLimitsTest is SessionManagerBase {
    address internal newKey = makeAddr("newKey");

    // ================================================================ reduce-only

    function test_consume_reduceOnly_refusesAnyRaise_andCheckAgrees() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.reduceOnly = true;
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        bytes memory expected = abi.encodeWithSelector(ErrorsLib.ReduceOnlySession.selector, id, 4);
        assertEq(sessions.check(id, agent, address(vault), SCOPE, 4, 1), expected, "check names the raised mask");
        vm.expectRevert(expected);
        vm.prank(address(vault));
        sessions.consume(id, agent, SCOPE, 4, 1);
        // Scope is checked first: a raise outside the scope is reported as out of scope.
        assertEq(
            sessions.check(id, agent, address(vault), 2, 2, 1),
            abi.encodeWithSelector(ErrorsLib.OutOfScope.selector, id, 2),
            "scope before reduce-only"
        );
        vm.prank(address(vault));
        sessions.consume(id, agent, SCOPE, 0, PER_CALL);
        assertEq(sessions.getSession(id).callsInEpoch, 1, "a reduction is consumed");
        assertTrue(sessions.getSession(id).reduceOnly, "stored");
    }

    function test_consume_withoutReduceOnly_raisesFreely() public {
        (uint256 id,) = _grantTightStarted();
        vm.prank(address(vault));
        sessions.consume(id, agent, SCOPE, SCOPE, PER_CALL);
        assertEq(sessions.getSession(id).callsInEpoch, 1, "consumed");
    }

    // ================================================================ loss allowance

    function test_chargeLoss_accumulatesUpToTheAllowance() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.maxLoss = 10;
        uint256 id = _grant(p);
        assertEq(sessions.remaining(id).lossLeft, 10, "whole allowance left before the start");
        vm.startPrank(address(vault));
        sessions.chargeLoss(id, 4);
        sessions.chargeLoss(id, 6);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SessionLossBudgetExceeded.selector, id, 1, 0));
        sessions.chargeLoss(id, 1);
        sessions.chargeLoss(id, 0);
        vm.stopPrank();
        assertEq(sessions.getSession(id).lossUsed, 10, "charged");
        assertEq(sessions.remaining(id).lossLeft, 0, "nothing left");
    }

    function test_chargeLoss_noAllowance_isANoOp() public {
        (uint256 id,) = _grantTightStarted();
        vm.prank(address(vault));
        sessions.chargeLoss(id, type(uint256).max);
        assertEq(sessions.getSession(id).lossUsed, 0, "nothing recorded");
        assertEq(sessions.remaining(id).lossLeft, type(uint256).max, "no allowance of its own");
    }

    function test_revokeOverLossBudget_revokesAndReports() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.maxLoss = 10;
        uint256 id = _grant(p);
        vm.prank(address(vault));
        sessions.chargeLoss(id, 7);
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionLossBudgetSpent(id, 11, 10);
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionRevoked(id, address(vault));
        vm.prank(address(vault));
        sessions.revokeOverLossBudget(id, 4);
        assertTrue(sessions.getSession(id).revoked, "revoked");
        assertEq(sessions.activeSessionsOf(agent, address(vault)).length, 0, "out of the active index");
        assertEq(sessions.remaining(id).lossLeft, 0, "a revoked session has nothing left");
    }

    // ================================================================ rotation

    function test_rotateAgent_byGovernance_keepsEverything() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        _consume(id, PER_CALL);
        ISessionManager.Session memory before = sessions.getSession(id);
        vm.prank(governance);
        sessions.rotateAgent(id, newKey);
        ISessionManager.Session memory s = sessions.getSession(id);
        assertEq(s.agent, newKey, "new agent");
        assertEq(s.validUntil, p.validUntil, "same expiry");
        assertEq(s.volumeInEpoch, before.volumeInEpoch, "volume used kept");
        assertEq(s.callsInEpoch, before.callsInEpoch, "calls used kept");
        assertEq(s.lastCallAt, before.lastCallAt, "last call kept");
        assertEq(s.scope, before.scope, "same scope");
        uint256[] memory history = sessions.sessionsOf(newKey);
        assertEq(history[history.length - 1], id, "in the new key's history");
        assertEq(sessions.activeSessionsOf(agent, address(vault)).length, 0, "gone from the old key's index");
        assertEq(sessions.activeSessionsOf(newKey, address(vault))[0], id, "in the new key's index");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, id, agent));
        _consume(id, 1);
        vm.prank(address(vault));
        sessions.consume(id, newKey, 1, 0, PER_CALL);
    }

    function test_RevertWhen_rotateAgent_byOthers() public {
        (uint256 id,) = _grantTightStarted();
        address[3] memory callers = [agent, guardian, newKey];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGranter.selector, callers[i]));
            vm.prank(callers[i]);
            sessions.rotateAgent(id, newKey);
        }
    }

    function test_RevertWhen_rotateAgent_sessionNotLive() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.UnknownSession.selector, id + 1));
        sessions.rotateAgent(id + 1, newKey);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidRotation.selector, id, address(0)));
        sessions.rotateAgent(id, address(0));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidRotation.selector, id, agent));
        sessions.rotateAgent(id, agent);
        vm.warp(p.validUntil);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SessionExpired.selector, id, p.validUntil));
        sessions.rotateAgent(id, newKey);
        uint256 other = sessions.grant(_tightParams());
        sessions.revoke(other);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SessionRevoked.selector, other));
        sessions.rotateAgent(other, newKey);
        vm.stopPrank();
    }

    /// @notice The session admin rotates only within the vault's ceilings for the new key, counting the sessions that
    /// key already holds, as a grant to it would; governance is bound only by the count.
    function test_rotateAgent_bySessionAdmin_withinCeilings() public {
        _rampCeilingsTo(address(vault), 11 days, PER_CALL, PER_EPOCH);
        ISessionManager.SessionParams memory p = _tightParams();
        uint256 id = _adminGrant(p);
        ISessionManager.SessionParams memory q = _tightParams();
        q.agent = newKey;
        q.maxVolumePerCall = 1;
        q.maxVolumePerEpoch = 1;
        _adminGrant(q);
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.AgentCallVolumeAboveCeiling.selector, newKey, 1, PER_CALL, PER_CALL)
        );
        vm.prank(sessionAdmin);
        sessions.rotateAgent(id, newKey);
        address fresh = makeAddr("fresh");
        vm.prank(sessionAdmin);
        sessions.rotateAgent(id, fresh);
        assertEq(sessions.getSession(id).agent, fresh, "rotated within the ceilings");
        vm.prank(governance);
        sessions.rotateAgent(id, newKey);
        assertEq(sessions.activeSessionsOf(newKey, address(vault)).length, 2, "governance passes the ceilings");
    }

    function test_RevertWhen_rotateAgent_newKeyHoldsTooManySessions() public {
        ISessionManager.SessionParams memory p = _tightParams();
        uint256 id = _grant(p);
        p.agent = newKey;
        for (uint256 i; i < ConstantsLib.MAX_ACTIVE_SESSIONS; ++i) {
            _grant(p);
        }
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.TooManyActiveSessions.selector, newKey, ConstantsLib.MAX_ACTIVE_SESSIONS)
        );
        vm.prank(governance);
        sessions.rotateAgent(id, newKey);
    }
}
