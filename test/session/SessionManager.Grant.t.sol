// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionManagerBase} from "./SessionManagerBase.t.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice SessionManager unit tests of `grant`: who may grant, parameter validation, ids, the active-session index
/// and the event.
contract SessionManagerGrantTest is SessionManagerBase {
    // ================================================================ grant: granters

    function test_grant_byGovernance() public {
        ISessionManager.SessionParams memory p = _params();
        uint256 id = _grant(p);
        assertEq(id, 1, "first id");
        assertEq(sessions.sessionCount(), 1, "sessionCount");
        _assertSessionMatches(id, p);
        _assertCounters(id, 0, 0, 0, 0, "fresh session");
    }

    function test_grant_bySessionAdminWithinCeilings() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 3 days);
        p.maxVolumePerCall = 5_000e6;
        p.maxVolumePerEpoch = 20_000e6;
        uint256 id = _adminGrant(p);
        assertEq(id, 1, "id");
        _assertSessionMatches(id, p);
    }

    function test_grant_bySessionAdminAtExactCeilings() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days);
        p.maxVolumePerCall = 10_000e6;
        p.maxVolumePerEpoch = 50_000e6;
        uint256 id = _adminGrant(p);
        _assertSessionMatches(id, p);
    }

    function test_RevertWhen_grant_sessionAdminAboveDurationCeiling() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days + 1);
        p.maxVolumePerCall = 10_000e6;
        p.maxVolumePerEpoch = 50_000e6;
        _expectGrantRevert(
            sessionAdmin, p, abi.encodeWithSelector(ErrorsLib.DurationAboveCeiling.selector, 7 days + 1, 7 days)
        );
    }

    function test_RevertWhen_grant_sessionAdminAbovePerCallCeiling() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days);
        p.maxVolumePerCall = 10_000e6 + 1;
        p.maxVolumePerEpoch = 50_000e6;
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.VolumeAboveCeiling.selector, uint256(10_000e6 + 1), uint256(10_000e6))
        );
    }

    function test_RevertWhen_grant_sessionAdminAbovePerEpochCeiling() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days);
        p.maxVolumePerCall = 10_000e6;
        p.maxVolumePerEpoch = 50_000e6 + 1;
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.VolumeAboveCeiling.selector, uint256(50_000e6 + 1), uint256(50_000e6))
        );
    }

    function test_RevertWhen_grant_sessionAdminWithoutCeilings() public {
        ISessionManager.SessionParams memory p = _params();
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.VolumeAboveCeiling.selector, uint256(p.maxVolumePerCall), uint256(0))
        );
    }

    function test_RevertWhen_grant_sessionAdminUsesCeilingsOfAnotherVault() public {
        // Ceilings are per vault: generous ceilings on another vault do not let the admin grant on this one.
        _setCeilings(alice, 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 1 days);
        p.maxVolumePerCall = 1_000e6;
        p.maxVolumePerEpoch = 1_000e6;
        _expectGrantRevert(
            sessionAdmin, p, abi.encodeWithSelector(ErrorsLib.VolumeAboveCeiling.selector, uint256(1_000e6), 0)
        );
    }

    function test_grant_sessionAdminDurationCountsFromNowNotFutureValidAfter() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = 10_000e6;
        p.maxVolumePerEpoch = 50_000e6;
        p.validAfter = uint40(block.timestamp + 2 days);
        p.validUntil = uint40(block.timestamp + 7 days); // 5 days of window, 7 days from now: at the ceiling
        uint256 id = _adminGrant(p);
        _assertSessionMatches(id, p);

        // A 7-day window opening in 2 days ends 9 days from now: above a 7-day ceiling, so no granting far ahead.
        p.validUntil = uint40(block.timestamp + 9 days);
        _expectGrantRevert(
            sessionAdmin, p, abi.encodeWithSelector(ErrorsLib.DurationAboveCeiling.selector, 9 days, 7 days)
        );
    }

    function test_grant_governanceIgnoresCeilings() public {
        _setCeilings(address(vault), 1 days, 1e6, 1e6);
        ISessionManager.SessionParams memory p = _params(); // 30 days, 1M per call: far above the ceilings
        uint256 id = _grant(p);
        _assertSessionMatches(id, p);
    }

    /// @dev Ceilings bound each grant alone, so the session admin gave one agent 3 x the epoch ceiling through three
    /// parallel sessions for the same vault. The sums over the agent's active sessions now stay within the ceilings.
    function test_Low4_ceilingsBindPerAgentAcrossParallelSessions() public {
        _setCeilings(address(vault), 7 days, 100e6, 100e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days);
        p.maxVolumePerCall = 100e6;
        p.maxVolumePerEpoch = 100e6;
        uint256 first = _adminGrant(p);
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.AgentCallVolumeAboveCeiling.selector, agent, 100e6, 100e6, 100e6)
        );
        // One unit more is one unit too many.
        p.maxVolumePerCall = 1;
        p.maxVolumePerEpoch = 1;
        _expectGrantRevert(
            sessionAdmin, p, abi.encodeWithSelector(ErrorsLib.AgentCallVolumeAboveCeiling.selector, agent, 100e6, 1, 100e6)
        );
        // What the agent can move in an epoch is the ceiling, not a multiple of it.
        vm.prank(address(vault));
        sessions.consume(first, agent, 1, 0, 100e6);
        assertEq(sessions.remaining(first).volumeInEpoch, 0, "the epoch's ceiling used up");
    }

    function test_Low4_epochCeilingBindsPerAgentApartFromPerCall() public {
        _setCeilings(address(vault), 7 days, 100e6, 300e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days);
        p.maxVolumePerCall = 50e6;
        p.maxVolumePerEpoch = 200e6;
        _adminGrant(p);
        p.maxVolumePerEpoch = 150e6;
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.AgentEpochVolumeAboveCeiling.selector, agent, 200e6, 150e6, 300e6)
        );
        // Split within both sums: two sessions of 50 per call and 200 + 100 per epoch fit exactly.
        p.maxVolumePerEpoch = 100e6;
        _adminGrant(p);
        assertEq(sessions.activeSessionsOf(agent, _params().vault).length, 2, "two parallel sessions within the ceilings");
    }

    function test_Low4_agentTotalsCountOnlyActiveSessionsOfThisVaultAndAgent() public {
        _setCeilings(address(vault), 7 days, 100e6, 100e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 1 days);
        p.maxVolumePerCall = 100e6;
        p.maxVolumePerEpoch = 100e6;
        uint256 expiring = _adminGrant(p);
        // Another agent, and the same agent on another vault, have their own totals.
        p.agent = bob;
        _adminGrant(p);
        p.agent = agent;
        _setCeilings(alice, 7 days, 100e6, 100e6);
        p.vault = alice;
        _adminGrant(p);
        p.vault = address(vault);
        // An expired session no longer counts.
        vm.warp(block.timestamp + 1 days);
        p.validUntil = uint40(block.timestamp + 1 days);
        uint256 next = _adminGrant(p);
        assertEq(sessions.remaining(expiring).timeLeft, 0, "the first one expired");
        // A revoked session no longer counts.
        vm.prank(sessionAdmin);
        sessions.revoke(next);
        _adminGrant(p);
        // A session not yet started counts: it will run in parallel.
        p.validAfter = uint40(block.timestamp + 1 hours);
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.AgentCallVolumeAboveCeiling.selector, agent, 100e6, 100e6, 100e6)
        );
    }

    function test_Low4_governanceSessionsCountForTheSessionAdminButNotForGovernance() public {
        _setCeilings(address(vault), 7 days, 100e6, 100e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days);
        p.maxVolumePerCall = 60e6;
        p.maxVolumePerEpoch = 60e6;
        _grant(p);
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.AgentCallVolumeAboveCeiling.selector, agent, 60e6, 60e6, 100e6)
        );
        // Governance grants within the protocol maxima only.
        _grant(p);
        assertEq(sessions.activeSessionsOf(agent, _params().vault).length, 2, "governance adds above the ceilings");
    }

    function test_grant_governanceExactlyMaxDuration() public {
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + MAX_DURATION);
        uint256 id = _grant(p);
        _assertSessionMatches(id, p);
    }

    function test_RevertWhen_grant_governanceAboveMaxDuration() public {
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + MAX_DURATION + 1);
        _expectGrantRevert(
            governance,
            p,
            abi.encodeWithSelector(ErrorsLib.DurationAboveCeiling.selector, MAX_DURATION + 1, MAX_DURATION)
        );
    }

    function test_RevertWhen_grant_sessionAdminCeilingAtProtocolMax() public {
        // A ceiling equal to the protocol maximum still caps the admin at 365 days.
        _rampCeilingsTo(address(vault), uint40(MAX_DURATION), 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = 10_000e6;
        p.maxVolumePerEpoch = 50_000e6;
        p.validUntil = uint40(block.timestamp + MAX_DURATION);
        _adminGrant(p);
        p.validUntil += 1;
        _expectGrantRevert(
            sessionAdmin,
            p,
            abi.encodeWithSelector(ErrorsLib.DurationAboveCeiling.selector, MAX_DURATION + 1, MAX_DURATION)
        );
    }

    function test_grant_durationCountsFromNowWhenValidAfterFuture() public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp + 10 days);
        p.validUntil = uint40(block.timestamp + MAX_DURATION); // 355 days of window, 365 days from now
        uint256 id = _grant(p);
        _assertSessionMatches(id, p);

        p.validUntil += 1;
        _expectGrantRevert(
            governance,
            p,
            abi.encodeWithSelector(ErrorsLib.DurationAboveCeiling.selector, MAX_DURATION + 1, MAX_DURATION)
        );
    }

    function test_grant_durationCountsFromNowWhenValidAfterPast() public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp - 100 days);
        p.validUntil = uint40(block.timestamp + MAX_DURATION); // window of 465 days, 365 of them still ahead
        uint256 id = _grant(p);
        _assertSessionMatches(id, p);

        p.validUntil += 1;
        _expectGrantRevert(
            governance,
            p,
            abi.encodeWithSelector(ErrorsLib.DurationAboveCeiling.selector, MAX_DURATION + 1, MAX_DURATION)
        );
    }

    function test_RevertWhen_grant_callerNotGranter() public {
        ISessionManager.SessionParams memory p = _params();
        address[4] memory callers = [alice, guardian, agent, address(vault)];
        for (uint256 i; i < callers.length; ++i) {
            _expectGrantRevert(callers[i], p, abi.encodeWithSelector(ErrorsLib.NotGranter.selector, callers[i]));
        }
    }

    function test_RevertWhen_grant_sessionAdminSetToZero() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        vm.prank(governance);
        sessions.setSessionAdmin(address(0));

        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 1 days);
        p.maxVolumePerCall = 1_000e6;
        p.maxVolumePerEpoch = 1_000e6;
        _expectGrantRevert(sessionAdmin, p, abi.encodeWithSelector(ErrorsLib.NotGranter.selector, sessionAdmin));
        _expectGrantRevert(address(0), p, abi.encodeWithSelector(ErrorsLib.NotGranter.selector, address(0)));
    }

    // ================================================================ grant: parameter validation

    function test_RevertWhen_grant_zeroAgent() public {
        ISessionManager.SessionParams memory p = _params();
        p.agent = address(0);
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_zeroVault() public {
        ISessionManager.SessionParams memory p = _params();
        p.vault = address(0);
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_zeroScope() public {
        ISessionManager.SessionParams memory p = _params();
        p.scope = 0;
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_zeroVolumePerCall() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = 0;
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_perCallAbovePerEpoch() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = p.maxVolumePerEpoch + 1;
        _expectInvalidParams(p);
    }

    function test_grant_perCallEqualToPerEpoch() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = p.maxVolumePerEpoch;
        uint256 id = _grant(p);
        _assertSessionMatches(id, p);
    }

    function test_RevertWhen_grant_zeroCalls() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxCallsPerEpoch = 0;
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_validUntilEqualsValidAfter() public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp + 1 days);
        p.validUntil = p.validAfter;
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_validUntilBeforeValidAfter() public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp + 2 days);
        p.validUntil = uint40(block.timestamp + 1 days);
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_validUntilEqualsNow() public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp - 1 days);
        p.validUntil = uint40(block.timestamp);
        _expectInvalidParams(p);
    }

    function test_RevertWhen_grant_validUntilInPast() public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp - 2 days);
        p.validUntil = uint40(block.timestamp - 1 days);
        _expectInvalidParams(p);
    }

    function test_grant_validUntilOneSecondAhead() public {
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp - 1 days);
        p.validUntil = uint40(block.timestamp + 1);
        uint256 id = _grant(p);
        _assertSessionMatches(id, p);
    }

    function test_RevertWhen_grant_epochLengthBelowMin() public {
        ISessionManager.SessionParams memory p = _params();
        p.epochLength = uint32(MIN_EPOCH - 1);
        _expectGrantRevert(
            governance,
            p,
            abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, MIN_EPOCH - 1, MIN_EPOCH, MAX_EPOCH)
        );
    }

    function test_RevertWhen_grant_epochLengthAboveMax() public {
        ISessionManager.SessionParams memory p = _params();
        p.epochLength = uint32(MAX_EPOCH + 1);
        _expectGrantRevert(
            governance,
            p,
            abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, MAX_EPOCH + 1, MIN_EPOCH, MAX_EPOCH)
        );
    }

    function test_grant_epochLengthAtMin() public {
        ISessionManager.SessionParams memory p = _params();
        p.epochLength = uint32(MIN_EPOCH);
        uint256 id = _grant(p);
        assertEq(sessions.getSession(id).epochLength, MIN_EPOCH, "epochLength at min");
    }

    function test_grant_epochLengthAtMax() public {
        ISessionManager.SessionParams memory p = _params();
        p.epochLength = uint32(MAX_EPOCH);
        uint256 id = _grant(p);
        assertEq(sessions.getSession(id).epochLength, MAX_EPOCH, "epochLength at max");
    }

    // ================================================================ grant: ids, listing, event

    function test_grant_idsStartAtOneAndIncrease() public {
        assertEq(_grantDefault(), 1, "first id");
        assertEq(_grantDefault(), 2, "second id");
        assertEq(_grantDefault(), 3, "third id");
        assertEq(sessions.sessionCount(), 3, "sessionCount");
    }

    function test_grant_idNotReusedAfterRevoke() public {
        uint256 first = _grantDefault();
        uint256 second = _grantDefault();
        vm.prank(governance);
        sessions.revoke(second);
        uint256 third = _grantDefault();
        assertEq(first, 1, "first id");
        assertEq(second, 2, "second id");
        assertEq(third, 3, "id after revoke is new");
        assertTrue(sessions.getSession(second).revoked, "revoked session stays revoked");
        assertFalse(sessions.getSession(third).revoked, "new session not revoked");
    }

    function test_sessionsOf_listsIdsPerAgent() public {
        ISessionManager.SessionParams memory pBob = _params();
        pBob.agent = bob;
        _grantDefault(); // 1: agent
        _grant(pBob); // 2: bob
        _grantDefault(); // 3: agent
        vm.prank(governance);
        sessions.revoke(3);

        uint256[] memory ofAgent = sessions.sessionsOf(agent);
        uint256[] memory ofBob = sessions.sessionsOf(bob);
        assertEq(ofAgent.length, 2, "agent has two sessions");
        assertEq(ofAgent[0], 1, "agent first");
        assertEq(ofAgent[1], 3, "agent second (revoked, still listed)");
        assertEq(ofBob.length, 1, "bob has one session");
        assertEq(ofBob[0], 2, "bob's session");
        assertEq(sessions.sessionsOf(alice).length, 0, "alice has none");
    }

    function test_activeSessionsOf_listsUnrevokedUnexpiredOldestFirst() public {
        ISessionManager.SessionParams memory p = _params();
        uint256 a = _grant(p);
        p.validUntil = uint40(block.timestamp + 1 hours);
        uint256 short = _grant(p);
        uint256 b = _grant(_params());
        uint256 c = _grant(_params());
        p = _params();
        p.validAfter = uint40(block.timestamp + 1 days); // not started yet: active all the same
        uint256 d = _grant(p);
        vm.prank(guardian);
        sessions.revoke(b); // swap-and-pop moves the last entry into b's place
        vm.warp(block.timestamp + 1 hours); // `short` expires (still in the index until the next grant or revoke)

        uint256[] memory ids = sessions.activeSessionsOf(agent, _params().vault);
        assertEq(ids.length, 3, "three active");
        assertEq(ids[0], a, "oldest first");
        assertEq(ids[1], c, "then c");
        assertEq(ids[2], d, "then d");
        assertEq(sessions.sessionsOf(agent).length, 5, "history keeps all five");
        assertEq(short, 2, "short was granted second");
        assertEq(sessions.activeSessionsOf(bob, _params().vault).length, 0, "bob has none");
    }

    function test_activeSessionsOf_revokingTwiceAndExpiredRevokeKeepIndexConsistent() public {
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 1 hours);
        uint256 a = _grant(p);
        uint256 b = _grant(_params());
        vm.warp(block.timestamp + 1 hours);
        // Revoking an expired session, then the same again, then another: nothing is removed twice.
        vm.prank(agent);
        sessions.revoke(a);
        vm.prank(agent);
        sessions.revoke(a);
        uint256 c = _grant(_params());
        vm.prank(agent);
        sessions.revoke(b);
        uint256[] memory ids = sessions.activeSessionsOf(agent, _params().vault);
        assertEq(ids.length, 1, "one left");
        assertEq(ids[0], c, "c");
    }

    function test_RevertWhen_grant_tooManyActiveSessions() public {
        uint256 max = ConstantsLib.MAX_ACTIVE_SESSIONS;
        for (uint256 i; i < max; ++i) {
            _grant(_params());
        }
        _expectGrantRevert(
            governance, _params(), abi.encodeWithSelector(ErrorsLib.TooManyActiveSessions.selector, agent, max)
        );
        // Revoking one makes room; expired ones make room at the next grant.
        vm.prank(agent);
        sessions.revoke(1);
        _grant(_params());
        vm.warp(block.timestamp + 30 days);
        _grant(_params());
        assertEq(sessions.activeSessionsOf(agent, _params().vault).length, 1, "expired ones pruned");
    }

    /// @dev The cap is per vault: one agent key may serve any number of vaults, one session each.
    function test_grant_oneAgentServesManyVaults() public {
        uint256 vaults = ConstantsLib.MAX_ACTIVE_SESSIONS + 8;
        for (uint256 i; i < vaults; ++i) {
            ISessionManager.SessionParams memory p = _params();
            p.vault = address(uint160(0x1000 + i));
            _grant(p);
        }
        assertEq(sessions.activeSessionsOf(agent, address(uint160(0x1000))).length, 1, "one for each vault");
        assertEq(sessions.activeSessionsOf(agent, _params().vault).length, 0, "none for the fixture's vault");
    }

    function test_grant_emitsSessionGrantedByGovernance() public {
        ISessionManager.SessionParams memory p = ISessionManager.SessionParams({
            agent: agent,
            vault: address(vault),
            scope: 0x6,
            validAfter: uint40(block.timestamp + 2 hours),
            validUntil: uint40(block.timestamp + 20 days),
            maxVolumePerCall: 123e6,
            maxVolumePerEpoch: 456e6,
            epochLength: 6 hours,
            minInterval: 15 minutes,
            maxCallsPerEpoch: 7,
            maxLoss: 0,
            reduceOnly: false
        });
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionGranted(1, governance, p);
        uint256 id = _grant(p);
        assertEq(id, 1, "id");
    }

    function test_grant_emitsSessionGrantedBySessionAdmin() public {
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        _grantDefault(); // id 1, so the admin's grant is id 2
        ISessionManager.SessionParams memory p = ISessionManager.SessionParams({
            agent: bob,
            vault: address(vault),
            scope: 0x1,
            validAfter: uint40(block.timestamp),
            validUntil: uint40(block.timestamp + 7 days),
            maxVolumePerCall: 10_000e6,
            maxVolumePerEpoch: 50_000e6,
            epochLength: 1 hours,
            minInterval: 1 minutes,
            maxCallsPerEpoch: 2,
            maxLoss: 0,
            reduceOnly: false
        });
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionGranted(2, sessionAdmin, p);
        uint256 id = _adminGrant(p);
        assertEq(id, 2, "id");
    }
}
