// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionManagerBase} from "./SessionManagerBase.t.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice SessionManager unit tests: revoke and the agent pause.
contract SessionManagerRevokeTest is SessionManagerBase {
    // ================================================================ revoke

    function _assertRevokeBy(address by) internal {
        uint256 id = _grantDefault();
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionRevoked(id, by);
        vm.prank(by);
        sessions.revoke(id);
        assertTrue(sessions.getSession(id).revoked, "revoked");
    }

    function test_revoke_byGovernance() public {
        _assertRevokeBy(governance);
    }

    function test_revoke_byGuardian() public {
        _assertRevokeBy(guardian);
    }

    function test_revoke_bySessionAdmin() public {
        _assertRevokeBy(sessionAdmin);
    }

    function test_revoke_byAgent() public {
        _assertRevokeBy(agent);
    }

    function test_RevertWhen_revoke_callerNotRevoker() public {
        uint256 id = _grantDefault();
        ISessionManager.SessionParams memory pBob = _params();
        pBob.agent = bob;
        _grant(pBob); // bob is an agent too, but not of session `id`
        address[3] memory callers = [alice, bob, address(vault)];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotRevoker.selector, id, callers[i]));
            vm.prank(callers[i]);
            sessions.revoke(id);
        }
        assertFalse(sessions.getSession(id).revoked, "still live");
    }

    function test_RevertWhen_revoke_byFormerSessionAdmin() public {
        uint256 id = _grantDefault();
        vm.prank(governance);
        sessions.setSessionAdmin(address(0));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotRevoker.selector, id, sessionAdmin));
        vm.prank(sessionAdmin);
        sessions.revoke(id);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotRevoker.selector, id, address(0)));
        vm.prank(address(0));
        sessions.revoke(id);
        assertFalse(sessions.getSession(id).revoked, "still live");
    }

    function test_RevertWhen_revoke_unknownSession() public {
        _grantDefault();
        vm.expectRevert(_err(ErrorsLib.UnknownSession.selector, 0));
        vm.prank(governance);
        sessions.revoke(0);
        vm.expectRevert(_err(ErrorsLib.UnknownSession.selector, 2));
        vm.prank(governance);
        sessions.revoke(2);
        assertFalse(sessions.getSession(1).revoked, "session 1 untouched");
    }

    /// @dev A second revocation changes nothing and emits nothing, but never reverts: the brake always succeeds.
    function test_revoke_alreadyRevokedIsNoOp() public {
        uint256 id = _grantDefault();
        vm.prank(agent);
        sessions.revoke(id);
        vm.recordLogs();
        vm.prank(guardian);
        sessions.revoke(id);
        assertEq(vm.getRecordedLogs().length, 0, "no second SessionRevoked event");
        assertTrue(sessions.getSession(id).revoked, "still revoked");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotRevoker.selector, id, bob));
        vm.prank(bob);
        sessions.revoke(id);
    }

    function test_RevertWhen_consume_sessionRevoked() public {
        uint256 id = _grantDefault();
        _consume(id, 1e6);
        vm.prank(agent);
        sessions.revoke(id);
        _expectConsumeRevert(id, 1e6, _err(ErrorsLib.SessionRevoked.selector, id));
        _assertCounters(id, 0, 1e6, 1, block.timestamp, "counters kept");
    }

    function test_grant_regrantAfterRevokeHasFreshCounters() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 1 hours;
        uint256 first = _grant(p);
        vm.warp(p.validAfter);
        _consume(first, PER_CALL);
        vm.warp(block.timestamp + 1 hours);
        _consume(first, PER_CALL);
        uint256 lastCall = block.timestamp;
        _assertCounters(first, 0, 2 * PER_CALL, 2, lastCall, "first session used");

        vm.prank(agent);
        sessions.revoke(first);
        uint256 second = _grant(p);
        assertEq(second, first + 1, "new id");
        _assertCounters(second, 0, 0, 0, 0, "fresh counters");

        // No cooldown, full per-epoch volume and all calls: nothing is inherited from the first session.
        _consume(second, PER_CALL);
        assertEq(sessions.remaining(second).callsInEpoch, CALLS - 1, "calls left on the new session");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.CooldownActive.selector, second, lastCall + 1 hours));
        _consume(second, 0);
        _assertCounters(second, 0, PER_CALL, 1, lastCall, "one call on the new session");
    }

    // ================================================================ pause

    function test_pauseAgents_byGuardian() public {
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.AgentsPausedSet(true, guardian);
        vm.prank(guardian);
        sessions.pauseAgents();
        assertTrue(sessions.agentsPaused(), "paused");
    }

    function test_pauseAgents_byGovernance() public {
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.AgentsPausedSet(true, governance);
        vm.prank(governance);
        sessions.pauseAgents();
        assertTrue(sessions.agentsPaused(), "paused");
    }

    function test_RevertWhen_pauseAgents_callerNotGuardianOrGovernance() public {
        address[3] memory callers = [alice, sessionAdmin, agent];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, callers[i]));
            vm.prank(callers[i]);
            sessions.pauseAgents();
        }
        assertFalse(sessions.agentsPaused(), "not paused");
    }

    function test_unpauseAgents_byGovernance() public {
        uint256 id = _grantDefault();
        vm.prank(guardian);
        sessions.pauseAgents();
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.AgentsPausedSet(false, governance);
        vm.prank(governance);
        sessions.unpauseAgents();
        assertFalse(sessions.agentsPaused(), "unpaused");
        _consume(id, 1e6);
        _assertCounters(id, 0, 1e6, 1, block.timestamp, "consume works again");
    }

    function test_RevertWhen_unpauseAgents_byGuardian() public {
        vm.prank(guardian);
        sessions.pauseAgents();
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, guardian));
        vm.prank(guardian);
        sessions.unpauseAgents();
        assertTrue(sessions.agentsPaused(), "still paused");
    }

    function test_RevertWhen_unpauseAgents_bySessionAdmin() public {
        vm.prank(guardian);
        sessions.pauseAgents();
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, sessionAdmin));
        vm.prank(sessionAdmin);
        sessions.unpauseAgents();
        assertTrue(sessions.agentsPaused(), "still paused");
    }

    function test_RevertWhen_consume_agentsPaused() public {
        uint256 id = _grantDefault();
        vm.prank(guardian);
        sessions.pauseAgents();
        _expectConsumeRevert(id, 1e6, abi.encodeWithSelector(ErrorsLib.AgentsPaused.selector));
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }
}
