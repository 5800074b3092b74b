// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./Base.t.sol";
import {SessionManager} from "../contracts/session/SessionManager.sol";
import {ISessionManager} from "../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../contracts/libraries/EventsLib.sol";

/// @notice Unit tests of SessionManager: grant, revoke, pause, configuration, consume, check and remaining.
/// @dev `consume` is always called as the session's vault (`vm.prank(address(vault))`), as TreasuryVault does.
contract SessionManagerTest is BaseTest {
    uint256 internal constant MAX_DURATION = ConstantsLib.MAX_SESSION_DURATION; // 365 days
    uint256 internal constant MIN_EPOCH = ConstantsLib.MIN_EPOCH_LENGTH; // 1 minute
    uint256 internal constant MAX_EPOCH = ConstantsLib.MAX_EPOCH_LENGTH; // 30 days

    /// @dev Limits of the "tight" session used by the consume tests (asset units, 6 decimals).
    uint128 internal constant PER_CALL = 1_000e6;
    uint128 internal constant PER_EPOCH = 2_500e6;
    uint16 internal constant CALLS = 3;
    uint32 internal constant EPOCH = 1 days;

    /// @dev Scope of the tight session: strategies 0 and 2.
    uint256 internal constant SCOPE = 0x5; // bits 0 and 2

    // ================================================================ helpers

    /// @dev A session for `agent` on the vault that opens in one hour and lasts ten days, with small limits.
    function _tightParams() internal view returns (ISessionManager.SessionParams memory p) {
        p = _params();
        p.scope = SCOPE;
        p.validAfter = uint40(block.timestamp + 1 hours);
        p.validUntil = uint40(block.timestamp + 10 days);
        p.maxVolumePerCall = PER_CALL;
        p.maxVolumePerEpoch = PER_EPOCH;
        p.epochLength = EPOCH;
        p.minInterval = 0;
        p.maxCallsPerEpoch = CALLS;
    }

    /// @dev Grants the tight session and warps to its start.
    function _grantTightStarted() internal returns (uint256 id, ISessionManager.SessionParams memory p) {
        p = _tightParams();
        id = _grant(p);
        vm.warp(p.validAfter);
    }

    function _setCeilings(address vault_, uint40 maxDuration, uint128 perCall, uint128 perEpoch) internal {
        vm.prank(governance);
        sessions.setCeilings(
            vault_,
            ISessionManager.Ceilings({maxDuration: maxDuration, maxVolumePerCall: perCall, maxVolumePerEpoch: perEpoch})
        );
    }

    /// @dev Raises the duration ceiling to `maxDuration` one ramp period at a time (at most doubling per period).
    function _rampCeilingsTo(address vault_, uint40 maxDuration, uint128 perCall, uint128 perEpoch) internal {
        uint256 current = sessions.ceilings(vault_).maxDuration;
        while (current < maxDuration) {
            vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
            uint256 step = current * 2 < ConstantsLib.MIN_DURATION_CEILING_STEP
                ? ConstantsLib.MIN_DURATION_CEILING_STEP
                : current * 2;
            current = step < maxDuration ? step : maxDuration;
            _setCeilings(vault_, uint40(current), perCall, perEpoch);
        }
    }

    function _adminGrant(ISessionManager.SessionParams memory p) internal returns (uint256 id) {
        vm.prank(sessionAdmin);
        id = sessions.grant(p);
    }

    /// @dev Consumes `volume` on strategy 0 as the vault for `agent`.
    function _consume(uint256 id, uint256 volume) internal {
        vm.prank(address(vault));
        sessions.consume(id, agent, 1, volume);
    }

    /// @dev Calls `consume` from `caller` with a low-level call and returns its revert data (empty on success).
    function _consumeData(address caller, uint256 id, address agent_, uint256 mask, uint256 volume)
        internal
        returns (bool ok, bytes memory data)
    {
        vm.prank(caller);
        (ok, data) = address(sessions).call(abi.encodeCall(ISessionManager.consume, (id, agent_, mask, volume)));
    }

    function _expectConsumeRevert(uint256 id, uint256 volume, bytes memory reason) internal {
        vm.expectRevert(reason);
        _consume(id, volume);
    }

    function _assertCounters(
        uint256 id,
        uint256 epoch,
        uint256 volumeInEpoch,
        uint256 callsInEpoch,
        uint256 lastCallAt,
        string memory label
    ) internal view {
        ISessionManager.Session memory s = sessions.getSession(id);
        assertEq(s.epoch, epoch, string.concat(label, ": epoch"));
        assertEq(s.volumeInEpoch, volumeInEpoch, string.concat(label, ": volumeInEpoch"));
        assertEq(s.callsInEpoch, callsInEpoch, string.concat(label, ": callsInEpoch"));
        assertEq(s.lastCallAt, lastCallAt, string.concat(label, ": lastCallAt"));
    }

    function _assertSessionMatches(uint256 id, ISessionManager.SessionParams memory p) internal view {
        ISessionManager.Session memory s = sessions.getSession(id);
        assertEq(s.agent, p.agent, "stored agent");
        assertEq(s.vault, p.vault, "stored vault");
        assertEq(s.scope, p.scope, "stored scope");
        assertEq(s.validAfter, p.validAfter, "stored validAfter");
        assertEq(s.validUntil, p.validUntil, "stored validUntil");
        assertEq(s.maxVolumePerCall, p.maxVolumePerCall, "stored maxVolumePerCall");
        assertEq(s.maxVolumePerEpoch, p.maxVolumePerEpoch, "stored maxVolumePerEpoch");
        assertEq(s.epochLength, p.epochLength, "stored epochLength");
        assertEq(s.minInterval, p.minInterval, "stored minInterval");
        assertEq(s.maxCallsPerEpoch, p.maxCallsPerEpoch, "stored maxCallsPerEpoch");
        assertFalse(s.revoked, "stored revoked");
    }

    function _expectGrantRevert(address caller, ISessionManager.SessionParams memory p, bytes memory reason)
        internal
    {
        uint256 countBefore = sessions.sessionCount();
        vm.expectRevert(reason);
        vm.prank(caller);
        sessions.grant(p);
        assertEq(sessions.sessionCount(), countBefore, "no session recorded");
    }

    function _expectInvalidParams(ISessionManager.SessionParams memory p) internal {
        _expectGrantRevert(governance, p, abi.encodeWithSelector(ErrorsLib.InvalidSessionParams.selector));
    }

    function _err(bytes4 selector, uint256 id) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, id);
    }

    // ================================================================ construction

    function test_constructor_setsRoles() public view {
        assertEq(sessions.governance(), governance, "governance");
        assertEq(sessions.guardian(), guardian, "guardian");
        assertEq(sessions.sessionAdmin(), sessionAdmin, "sessionAdmin");
        assertFalse(sessions.agentsPaused(), "not paused");
        assertEq(sessions.sessionCount(), 0, "no sessions");
    }

    function test_constructor_emitsRoleEvents() public {
        vm.expectEmit(true, true, false, true);
        emit EventsLib.GovernanceSet(address(0), governance);
        vm.expectEmit(true, true, false, true);
        emit EventsLib.GuardianSet(address(0), guardian);
        vm.expectEmit(true, true, false, true);
        emit EventsLib.SessionAdminSet(address(0), sessionAdmin);
        SessionManager fresh = new SessionManager(governance, guardian, sessionAdmin);
        assertEq(fresh.sessionAdmin(), sessionAdmin, "sessionAdmin");
    }

    function test_constructor_zeroSessionAdminAllowed() public {
        SessionManager fresh = new SessionManager(governance, guardian, address(0));
        assertEq(fresh.sessionAdmin(), address(0), "no session admin");
    }

    function test_RevertWhen_constructor_zeroGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        new SessionManager(address(0), guardian, sessionAdmin);
    }

    function test_RevertWhen_constructor_zeroGuardian() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        new SessionManager(governance, address(0), sessionAdmin);
    }

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
        sessions.consume(first, agent, 1, 100e6);
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
            maxCallsPerEpoch: 7
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
            maxCallsPerEpoch: 2
        });
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionGranted(2, sessionAdmin, p);
        uint256 id = _adminGrant(p);
        assertEq(id, 2, "id");
    }

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

    // ================================================================ configuration: ceilings

    function test_setCeilings_byGovernance() public {
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.CeilingsSet(address(vault), 7 days, 10_000e6, 50_000e6);
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.Ceilings memory c = sessions.ceilings(address(vault));
        assertEq(c.maxDuration, 7 days, "maxDuration");
        assertEq(c.maxVolumePerCall, 10_000e6, "maxVolumePerCall");
        assertEq(c.maxVolumePerEpoch, 50_000e6, "maxVolumePerEpoch");
        assertEq(sessions.ceilings(alice).maxDuration, 0, "other vault unaffected");
    }

    function test_setCeilings_maxDurationAtProtocolMax() public {
        _rampCeilingsTo(address(vault), uint40(MAX_DURATION), 1, 1);
        assertEq(sessions.ceilings(address(vault)).maxDuration, MAX_DURATION, "maxDuration at protocol max");
    }

    function test_RevertWhen_setCeilings_maxDurationAboveProtocolMax() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, MAX_DURATION + 1, 0, MAX_DURATION));
        _setCeilings(address(vault), uint40(MAX_DURATION + 1), 1, 1);
        assertEq(sessions.ceilings(address(vault)).maxDuration, 0, "unchanged");
    }

    function test_RevertWhen_setCeilings_zeroVault() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        _setCeilings(address(0), 1 days, 1, 1);
        assertEq(sessions.ceilings(address(0)).maxDuration, 0, "unchanged");
    }

    function test_RevertWhen_setCeilings_callerNotGovernance() public {
        ISessionManager.Ceilings memory c =
            ISessionManager.Ceilings({maxDuration: 1 days, maxVolumePerCall: 1, maxVolumePerEpoch: 1});
        address[3] memory callers = [guardian, sessionAdmin, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, callers[i]));
            vm.prank(callers[i]);
            sessions.setCeilings(address(vault), c);
        }
        assertEq(sessions.ceilings(address(vault)).maxDuration, 0, "unchanged");
    }

    // ================================================================ configuration: roles

    function test_setSessionAdmin_byGovernance() public {
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionAdminSet(sessionAdmin, bob);
        vm.prank(governance);
        sessions.setSessionAdmin(bob);
        assertEq(sessions.sessionAdmin(), bob, "new admin");

        // The new admin grants within ceilings; the former one no longer can.
        _setCeilings(address(vault), 7 days, 10_000e6, 50_000e6);
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 7 days);
        p.maxVolumePerCall = 10_000e6;
        p.maxVolumePerEpoch = 50_000e6;
        vm.prank(bob);
        assertEq(sessions.grant(p), 1, "new admin grants");
        _expectGrantRevert(sessionAdmin, p, abi.encodeWithSelector(ErrorsLib.NotGranter.selector, sessionAdmin));
    }

    function test_setSessionAdmin_toZero() public {
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionAdminSet(sessionAdmin, address(0));
        vm.prank(governance);
        sessions.setSessionAdmin(address(0));
        assertEq(sessions.sessionAdmin(), address(0), "no admin");
    }

    function test_RevertWhen_setSessionAdmin_callerNotGovernance() public {
        address[3] memory callers = [guardian, sessionAdmin, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, callers[i]));
            vm.prank(callers[i]);
            sessions.setSessionAdmin(bob);
        }
        assertEq(sessions.sessionAdmin(), sessionAdmin, "unchanged");
    }

    function test_setGovernance_byGovernance() public {
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.GovernanceProposed(governance, bob);
        vm.prank(governance);
        sessions.setGovernance(bob);
        assertEq(sessions.pendingGovernance(), bob, "bob pending");
        assertEq(sessions.governance(), governance, "proposing hands over nothing yet");

        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.GovernanceSet(governance, bob);
        vm.prank(bob);
        sessions.acceptGovernance();
        assertEq(sessions.governance(), bob, "new governance");
        assertEq(sessions.pendingGovernance(), address(0), "nothing pending");

        // The former governance lost every power; the new one has them.
        _expectGrantRevert(governance, _params(), abi.encodeWithSelector(ErrorsLib.NotGranter.selector, governance));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, governance));
        vm.prank(governance);
        sessions.setSessionAdmin(alice);
        vm.prank(bob);
        assertEq(sessions.grant(_params()), 1, "new governance grants");
    }

    /// @dev Handing governance to an address that cannot act (a typo, a contract without the calls) used to lose it
    /// for good in one call; now nothing changes until the proposed address itself accepts.
    function test_Low7_governanceHandoverNeedsAcceptance() public {
        address typo = makeAddr("typo");
        vm.prank(governance);
        sessions.setGovernance(typo);
        assertEq(sessions.governance(), governance, "governance kept until accepted");
        // The current governance keeps every power and replaces the proposal.
        vm.prank(governance);
        sessions.setSessionAdmin(alice);
        vm.prank(governance);
        sessions.setGovernance(bob);
        assertEq(sessions.pendingGovernance(), bob, "proposal replaced");
        // Nobody but the pending address accepts: not the replaced one, not governance, not the guardian.
        address[3] memory callers = [typo, governance, guardian];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotPendingGovernance.selector, callers[i], bob));
            vm.prank(callers[i]);
            sessions.acceptGovernance();
        }
        vm.prank(bob);
        sessions.acceptGovernance();
        assertEq(sessions.governance(), bob, "accepted");
        // Accepting twice is not possible: nothing is pending any more.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotPendingGovernance.selector, bob, address(0)));
        vm.prank(bob);
        sessions.acceptGovernance();
    }

    function test_setGovernance_zeroAddressCancels() public {
        vm.prank(governance);
        sessions.setGovernance(bob);
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.GovernanceProposed(governance, address(0));
        vm.prank(governance);
        sessions.setGovernance(address(0));
        assertEq(sessions.pendingGovernance(), address(0), "cancelled");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotPendingGovernance.selector, bob, address(0)));
        vm.prank(bob);
        sessions.acceptGovernance();
        assertEq(sessions.governance(), governance, "unchanged");
    }

    function test_RevertWhen_acceptGovernance_nothingPending() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotPendingGovernance.selector, address(0), address(0)));
        vm.prank(address(0));
        sessions.acceptGovernance();
        assertEq(sessions.governance(), governance, "unchanged");
    }

    function test_RevertWhen_setGovernance_callerNotGovernance() public {
        address[3] memory callers = [guardian, sessionAdmin, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, callers[i]));
            vm.prank(callers[i]);
            sessions.setGovernance(callers[i]);
        }
        assertEq(sessions.governance(), governance, "unchanged");
        assertEq(sessions.pendingGovernance(), address(0), "nothing pending");
    }

    function test_setGuardian_byGovernance() public {
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.GuardianSet(guardian, bob);
        vm.prank(governance);
        sessions.setGuardian(bob);
        assertEq(sessions.guardian(), bob, "new guardian");

        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, guardian));
        vm.prank(guardian);
        sessions.pauseAgents();
        vm.prank(bob);
        sessions.pauseAgents();
        assertTrue(sessions.agentsPaused(), "new guardian pauses");
    }

    function test_RevertWhen_setGuardian_zeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        vm.prank(governance);
        sessions.setGuardian(address(0));
        assertEq(sessions.guardian(), guardian, "unchanged");
    }

    function test_RevertWhen_setGuardian_callerNotGovernance() public {
        address[3] memory callers = [guardian, sessionAdmin, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, callers[i]));
            vm.prank(callers[i]);
            sessions.setGuardian(bob);
        }
        assertEq(sessions.guardian(), guardian, "unchanged");
    }

    // ================================================================ consume: identity

    function test_RevertWhen_consume_unknownSession() public {
        _grantDefault();
        _expectConsumeRevert(0, 1e6, _err(ErrorsLib.UnknownSession.selector, 0));
        _expectConsumeRevert(2, 1e6, _err(ErrorsLib.UnknownSession.selector, 2));
        assertEq(sessions.getSession(2).agent, address(0), "nothing created");
    }

    function test_RevertWhen_consume_notSessionVault() public {
        uint256 id = _grantDefault();
        address[3] memory callers = [alice, agent, governance];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, id, callers[i]));
            vm.prank(callers[i]);
            sessions.consume(id, agent, 1, 1e6);
        }
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }

    function test_RevertWhen_consume_notSessionAgent() public {
        uint256 id = _grantDefault();
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, id, bob));
        vm.prank(address(vault));
        sessions.consume(id, bob, 1, 1e6);
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }

    function test_consume_checkOrder() public {
        // Identity first, then revocation, then pause, then time.
        uint256 id = _grant(_tightParams()); // not started yet
        vm.prank(guardian);
        sessions.pauseAgents();
        _expectConsumeRevert(id, 1e6, abi.encodeWithSelector(ErrorsLib.AgentsPaused.selector));
        vm.prank(governance);
        sessions.revoke(id);
        _expectConsumeRevert(id, 1e6, _err(ErrorsLib.SessionRevoked.selector, id));
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, id, bob));
        vm.prank(address(vault));
        sessions.consume(id, bob, 1, 1e6);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, id, alice));
        vm.prank(alice);
        sessions.consume(id, bob, 1, 1e6);
        assertTrue(sessions.getSession(id).revoked, "revoked");
    }

    // ================================================================ consume: time window

    function test_RevertWhen_consume_beforeValidAfter() public {
        ISessionManager.SessionParams memory p = _tightParams();
        uint256 id = _grant(p);
        vm.warp(p.validAfter - 1);
        _expectConsumeRevert(
            id, 1e6, abi.encodeWithSelector(ErrorsLib.SessionNotStarted.selector, id, uint256(p.validAfter))
        );
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }

    function test_consume_atValidAfter() public {
        ISessionManager.SessionParams memory p = _tightParams();
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        _consume(id, 1e6);
        _assertCounters(id, 0, 1e6, 1, p.validAfter, "first call at validAfter");
    }

    function test_RevertWhen_consume_atValidUntil() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        vm.warp(p.validUntil);
        _expectConsumeRevert(
            id, 1e6, abi.encodeWithSelector(ErrorsLib.SessionExpired.selector, id, uint256(p.validUntil))
        );
        vm.warp(uint256(p.validUntil) + 365 days);
        _expectConsumeRevert(
            id, 1e6, abi.encodeWithSelector(ErrorsLib.SessionExpired.selector, id, uint256(p.validUntil))
        );
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }

    function test_consume_oneSecondBeforeValidUntil() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        vm.warp(p.validUntil - 1);
        _consume(id, 1e6);
        uint256 epoch = (uint256(p.validUntil) - 1 - p.validAfter) / EPOCH;
        _assertCounters(id, epoch, 1e6, 1, p.validUntil - 1, "last second");
    }

    function test_consume_validAfterInPast() public {
        // A session whose window opened before the grant: epochs still count from validAfter.
        ISessionManager.SessionParams memory p = _params();
        p.validAfter = uint40(block.timestamp - 2 days - 1 hours);
        p.validUntil = uint40(block.timestamp + 1 days);
        uint256 id = _grant(p);
        _consume(id, 1e6);
        _assertCounters(id, 2, 1e6, 1, block.timestamp, "third epoch");
    }

    // ================================================================ consume: scope and volume

    function test_RevertWhen_consume_outOfScope() public {
        (uint256 id,) = _grantTightStarted(); // scope 0x5
        uint256[3] memory touched = [uint256(0x7), uint256(0xa), (uint256(1) << 255) | 1];
        uint256[3] memory outside = [uint256(0x2), uint256(0xa), uint256(1) << 255];
        for (uint256 i; i < touched.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ErrorsLib.OutOfScope.selector, id, outside[i]));
            vm.prank(address(vault));
            sessions.consume(id, agent, touched[i], 1e6);
        }
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }

    function test_consume_withinScope() public {
        ISessionManager.SessionParams memory p = _params(); // 100 calls per epoch
        p.scope = SCOPE;
        uint256 id = _grant(p);
        uint256[4] memory touched = [uint256(0), uint256(0x1), uint256(0x4), uint256(0x5)];
        for (uint256 i; i < touched.length; ++i) {
            vm.prank(address(vault));
            sessions.consume(id, agent, touched[i], 1);
        }
        _assertCounters(id, 0, 4, 4, block.timestamp, "four in-scope calls");
    }

    function test_RevertWhen_consume_volumeAboveCallLimit() public {
        (uint256 id,) = _grantTightStarted();
        _expectConsumeRevert(
            id,
            PER_CALL + 1,
            abi.encodeWithSelector(ErrorsLib.VolumeExceedsCallLimit.selector, id, PER_CALL + 1, PER_CALL)
        );
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }

    function test_consume_volumeAtCallLimit() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        _consume(id, PER_CALL);
        _assertCounters(id, 0, PER_CALL, 1, p.validAfter, "per-call limit");
    }

    function test_consume_zeroVolumeCountsAsCall() public {
        (uint256 id,) = _grantTightStarted();
        _consume(id, 0);
        _assertCounters(id, 0, 0, 1, block.timestamp, "zero-volume call counted");
    }

    function test_RevertWhen_consume_volumeAboveEpochLimit() public {
        (uint256 id,) = _grantTightStarted(); // 1_000 per call, 2_500 per epoch
        _consume(id, PER_CALL);
        _consume(id, PER_CALL);
        _expectConsumeRevert(
            id,
            PER_EPOCH - 2 * PER_CALL + 1,
            abi.encodeWithSelector(ErrorsLib.VolumeExceedsEpochLimit.selector, id, PER_EPOCH + 1, PER_EPOCH)
        );
        _assertCounters(id, 0, 2 * PER_CALL, 2, block.timestamp, "unchanged by the failed call");
    }

    function test_consume_volumeAtEpochLimit() public {
        (uint256 id,) = _grantTightStarted();
        _consume(id, PER_CALL);
        _consume(id, PER_CALL);
        _consume(id, PER_EPOCH - 2 * PER_CALL);
        _assertCounters(id, 0, PER_EPOCH, 3, block.timestamp, "epoch limit reached exactly");
    }

    // ================================================================ consume: calls, epochs, cooldown

    function test_RevertWhen_consume_tooManyCalls() public {
        (uint256 id,) = _grantTightStarted(); // 3 calls per epoch
        for (uint256 i; i < CALLS; ++i) {
            _consume(id, 1);
        }
        _expectConsumeRevert(id, 1, abi.encodeWithSelector(ErrorsLib.TooManyCalls.selector, id, uint256(CALLS)));
        _assertCounters(id, 0, CALLS, CALLS, block.timestamp, "unchanged by the failed call");
    }

    function test_consume_sameEpochOneSecondBeforeRollover() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        for (uint256 i; i < CALLS; ++i) {
            _consume(id, 1);
        }
        vm.warp(uint256(p.validAfter) + EPOCH - 1);
        _expectConsumeRevert(id, 1, abi.encodeWithSelector(ErrorsLib.TooManyCalls.selector, id, uint256(CALLS)));
        _assertCounters(id, 0, CALLS, CALLS, p.validAfter, "still epoch 0");
    }

    function test_consume_epochRolloverResetsCalls() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        for (uint256 i; i < CALLS; ++i) {
            _consume(id, 1);
        }
        vm.warp(uint256(p.validAfter) + EPOCH);
        _consume(id, 7);
        _assertCounters(id, 1, 7, 1, uint256(p.validAfter) + EPOCH, "epoch 1 starts fresh");
    }

    function test_consume_epochRolloverResetsVolume() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        _consume(id, PER_CALL);
        _consume(id, PER_CALL);
        vm.warp(uint256(p.validAfter) + EPOCH - 1);
        _expectConsumeRevert(
            id,
            PER_CALL,
            abi.encodeWithSelector(ErrorsLib.VolumeExceedsEpochLimit.selector, id, 3 * PER_CALL, PER_EPOCH)
        );
        vm.warp(uint256(p.validAfter) + EPOCH);
        _consume(id, PER_CALL);
        _consume(id, PER_CALL);
        _assertCounters(id, 1, 2 * PER_CALL, 2, uint256(p.validAfter) + EPOCH, "epoch 1 volume fresh");
    }

    function test_consume_epochRolloverAfterSkippedEpochs() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        _consume(id, PER_CALL);
        vm.warp(uint256(p.validAfter) + 3 * EPOCH + 5 hours);
        _consume(id, 5);
        _assertCounters(id, 3, 5, 1, block.timestamp, "epoch 3");
    }

    function test_RevertWhen_consume_cooldownActive() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 30 minutes;
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        _consume(id, 1e6);
        uint256 lastCall = block.timestamp;
        uint256 nextCallAt = lastCall + 30 minutes;

        _expectConsumeRevert(id, 1e6, abi.encodeWithSelector(ErrorsLib.CooldownActive.selector, id, nextCallAt));
        vm.warp(nextCallAt - 1);
        _expectConsumeRevert(id, 1e6, abi.encodeWithSelector(ErrorsLib.CooldownActive.selector, id, nextCallAt));
        _assertCounters(id, 0, 1e6, 1, lastCall, "unchanged by the failed calls");
    }

    function test_consume_atCooldownEnd() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 30 minutes;
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        _consume(id, 1e6);
        vm.warp(uint256(p.validAfter) + 30 minutes);
        _consume(id, 1e6);
        _assertCounters(id, 0, 2e6, 2, uint256(p.validAfter) + 30 minutes, "second call at cooldown end");
    }

    function test_RevertWhen_consume_cooldownSpansEpochBoundary() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 2 hours;
        uint256 id = _grant(p);
        uint256 lastCall = uint256(p.validAfter) + EPOCH - 1 hours;
        vm.warp(lastCall);
        _consume(id, 1e6);
        vm.warp(uint256(p.validAfter) + EPOCH); // a new epoch, but the cooldown still runs
        _expectConsumeRevert(
            id, 1e6, abi.encodeWithSelector(ErrorsLib.CooldownActive.selector, id, lastCall + 2 hours)
        );
        vm.warp(lastCall + 2 hours);
        _consume(id, 1e6);
        _assertCounters(id, 1, 1e6, 1, lastCall + 2 hours, "epoch 1 after the cooldown");
    }

    // ================================================================ consume: records and event

    function test_consume_emitsSessionConsumed() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        _consume(id, 300e6);
        vm.warp(uint256(p.validAfter) + 2 * EPOCH + 1 hours);
        _consume(id, 200e6);
        vm.warp(block.timestamp + 10 minutes);
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionConsumed(id, 400e6, 2, 600e6, 2, uint40(block.timestamp));
        _consume(id, 400e6);
        _assertCounters(id, 2, 600e6, 2, block.timestamp, "counters match the event");
    }

    /// @dev Calls consume as the vault, expects it to fail and the session's counters to be unchanged.
    function _assertFailedConsumeChangesNothing(uint256 id, address agent_, uint256 mask, uint256 volume) internal {
        ISessionManager.Session memory before = sessions.getSession(id);
        (bool ok,) = _consumeData(address(vault), id, agent_, mask, volume);
        assertFalse(ok, "consume fails");
        ISessionManager.Session memory afterFail = sessions.getSession(id);
        assertEq(afterFail.volumeInEpoch, before.volumeInEpoch, "volumeInEpoch unchanged");
        assertEq(afterFail.callsInEpoch, before.callsInEpoch, "callsInEpoch unchanged");
        assertEq(afterFail.epoch, before.epoch, "epoch unchanged");
        assertEq(afterFail.lastCallAt, before.lastCallAt, "lastCallAt unchanged");
    }

    function test_consume_failedCallsChangeNothing() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 10 minutes;
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        _consume(id, PER_CALL);

        _assertFailedConsumeChangesNothing(id, agent, 1, 1); // cooldown
        vm.warp(block.timestamp + 10 minutes);
        _assertFailedConsumeChangesNothing(id, agent, 1, PER_CALL + 1); // per-call volume
        _assertFailedConsumeChangesNothing(id, agent, 0x2, 1); // scope
        _assertFailedConsumeChangesNothing(id, bob, 1, 1); // agent
        _consume(id, PER_CALL);
        vm.warp(block.timestamp + 10 minutes);
        _assertFailedConsumeChangesNothing(id, agent, 1, PER_EPOCH - 2 * PER_CALL + 1); // epoch volume
        _consume(id, 0);
        vm.warp(block.timestamp + 10 minutes);
        _assertFailedConsumeChangesNothing(id, agent, 1, 0); // calls
        _assertCounters(id, 0, 2 * PER_CALL, CALLS, block.timestamp - 10 minutes, "only the passing calls count");
    }

    // ================================================================ check

    function test_check_emptyWhenConsumeWouldPass() public {
        (uint256 id,) = _grantTightStarted();
        bytes memory reason = sessions.check(id, agent, address(vault), 1, PER_CALL);
        assertEq(reason.length, 0, "empty reason");
        (bool ok, bytes memory data) = _consumeData(address(vault), id, agent, 1, PER_CALL);
        assertTrue(ok, "consume passes");
        assertEq(data.length, 0, "no return data");
    }

    function test_check_doesNotRecord() public {
        (uint256 id,) = _grantTightStarted();
        for (uint256 i; i < 2 * CALLS; ++i) {
            assertEq(sessions.check(id, agent, address(vault), 1, PER_CALL).length, 0, "still passes");
        }
        _assertCounters(id, 0, 0, 0, 0, "nothing recorded");
    }

    /// @dev Asserts check(...) equals the revert data of consume(...) from `vault_`, and equals `expected`.
    function _assertCheckMatches(
        uint256 id,
        address agent_,
        address vault_,
        uint256 mask,
        uint256 volume,
        bytes memory expected,
        string memory label
    ) internal {
        bytes memory reason = sessions.check(id, agent_, vault_, mask, volume);
        (bool ok, bytes memory data) = _consumeData(vault_, id, agent_, mask, volume);
        assertFalse(ok, string.concat(label, ": consume reverts"));
        assertEq(reason, data, string.concat(label, ": check equals consume revert data"));
        assertEq(reason, expected, string.concat(label, ": expected error"));
    }

    function test_check_matchesConsumeRevertData_identityAndState() public {
        ISessionManager.SessionParams memory p = _tightParams();
        uint256 id = _grant(p);
        address v = address(vault);

        _assertCheckMatches(id + 1, agent, v, 1, 1, _err(ErrorsLib.UnknownSession.selector, id + 1), "unknown");
        _assertCheckMatches(
            id, agent, alice, 1, 1, abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, id, alice), "vault"
        );
        _assertCheckMatches(
            id, bob, v, 1, 1, abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, id, bob), "agent"
        );
        _assertCheckMatches(
            id,
            agent,
            v,
            1,
            1,
            abi.encodeWithSelector(ErrorsLib.SessionNotStarted.selector, id, uint256(p.validAfter)),
            "not started"
        );
        vm.warp(p.validUntil);
        _assertCheckMatches(
            id,
            agent,
            v,
            1,
            1,
            abi.encodeWithSelector(ErrorsLib.SessionExpired.selector, id, uint256(p.validUntil)),
            "expired"
        );
        vm.warp(p.validAfter);
        vm.prank(guardian);
        sessions.pauseAgents();
        _assertCheckMatches(id, agent, v, 1, 1, abi.encodeWithSelector(ErrorsLib.AgentsPaused.selector), "paused");
        vm.prank(governance);
        sessions.revoke(id);
        _assertCheckMatches(id, agent, v, 1, 1, _err(ErrorsLib.SessionRevoked.selector, id), "revoked");
    }

    function test_check_matchesConsumeRevertData_limits() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        address v = address(vault);
        vm.warp(p.validAfter);

        _assertCheckMatches(
            id, agent, v, 0x3, 1, abi.encodeWithSelector(ErrorsLib.OutOfScope.selector, id, uint256(0x2)), "scope"
        );
        _assertCheckMatches(
            id,
            agent,
            v,
            1,
            PER_CALL + 1,
            abi.encodeWithSelector(ErrorsLib.VolumeExceedsCallLimit.selector, id, PER_CALL + 1, PER_CALL),
            "per call"
        );

        _consume(id, PER_CALL);
        _assertCheckMatches(
            id,
            agent,
            v,
            1,
            1,
            abi.encodeWithSelector(ErrorsLib.CooldownActive.selector, id, uint256(p.validAfter) + 1 hours),
            "cooldown"
        );
        vm.warp(block.timestamp + 1 hours);
        _consume(id, PER_CALL);
        vm.warp(block.timestamp + 1 hours);
        _assertCheckMatches(
            id,
            agent,
            v,
            1,
            PER_EPOCH - 2 * PER_CALL + 1,
            abi.encodeWithSelector(ErrorsLib.VolumeExceedsEpochLimit.selector, id, PER_EPOCH + 1, PER_EPOCH),
            "per epoch"
        );
        _consume(id, 1);
        vm.warp(block.timestamp + 1 hours);
        _assertCheckMatches(
            id, agent, v, 1, 1, abi.encodeWithSelector(ErrorsLib.TooManyCalls.selector, id, uint256(CALLS)), "calls"
        );
    }

    function testFuzz_check_matchesConsume(uint256 warpBy, uint256 mask, uint256 volume, uint8 priorCalls) public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        priorCalls = uint8(bound(priorCalls, 0, CALLS));
        for (uint256 i; i < priorCalls; ++i) {
            _consume(id, 800e6);
            vm.warp(block.timestamp + 1 hours);
        }
        vm.warp(block.timestamp + bound(warpBy, 0, 11 days));
        mask = bound(mask, 0, 7);
        volume = bound(volume, 0, 2 * PER_CALL);

        bytes memory reason = sessions.check(id, agent, address(vault), mask, volume);
        (bool ok, bytes memory data) = _consumeData(address(vault), id, agent, mask, volume);
        assertEq(ok, reason.length == 0, "consume passes exactly when check is empty");
        if (!ok) assertEq(reason, data, "check equals consume revert data");
    }

    // ================================================================ remaining

    function test_remaining_unknownSession() public view {
        ISessionManager.Remaining memory r = sessions.remaining(1);
        assertFalse(r.active, "inactive");
        assertEq(r.timeLeft, 0, "timeLeft");
        assertEq(r.volumePerCall, 0, "volumePerCall");
        assertEq(r.volumeInEpoch, 0, "volumeInEpoch");
        assertEq(r.callsInEpoch, 0, "callsInEpoch");
        assertEq(r.nextCallAt, 0, "nextCallAt");
        assertEq(r.epochEndsAt, 0, "epochEndsAt");
    }

    function test_remaining_beforeStart() public {
        ISessionManager.SessionParams memory p = _tightParams();
        uint256 id = _grant(p);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertFalse(r.active, "inactive before start");
        assertEq(r.timeLeft, uint256(p.validUntil) - block.timestamp, "timeLeft");
        assertEq(r.volumePerCall, PER_CALL, "volumePerCall");
        assertEq(r.volumeInEpoch, PER_EPOCH, "volumeInEpoch");
        assertEq(r.callsInEpoch, CALLS, "callsInEpoch");
        assertEq(r.nextCallAt, p.validAfter, "nextCallAt = validAfter");
        assertEq(r.epochEndsAt, uint256(p.validAfter) + EPOCH, "first epoch end");
    }

    function test_remaining_atStartBeforeAnyCall() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertTrue(r.active, "active");
        assertEq(r.volumePerCall, PER_CALL, "volumePerCall");
        assertEq(r.volumeInEpoch, PER_EPOCH, "volumeInEpoch");
        assertEq(r.callsInEpoch, CALLS, "callsInEpoch");
        assertEq(r.nextCallAt, block.timestamp, "first call needs no cooldown");
    }

    function test_remaining_midEpochAfterConsume() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        uint256 callAt = uint256(p.validAfter) + 2 hours;
        vm.warp(callAt);
        _consume(id, 700e6);

        vm.warp(callAt + 30 minutes);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertTrue(r.active, "active");
        assertEq(r.timeLeft, uint256(p.validUntil) - block.timestamp, "timeLeft");
        assertEq(r.volumeInEpoch, PER_EPOCH - 700e6, "volumeInEpoch");
        assertEq(r.volumePerCall, PER_CALL, "volumePerCall capped by the per-call limit");
        assertEq(r.callsInEpoch, CALLS - 1, "callsInEpoch");
        assertEq(r.nextCallAt, callAt + 1 hours, "nextCallAt after the cooldown");
        assertEq(r.epochEndsAt, uint256(p.validAfter) + EPOCH, "epochEndsAt");
    }

    function test_remaining_volumePerCallCappedByEpochLeft() public {
        ISessionManager.SessionParams memory p = _tightParams();
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        vm.warp(p.validAfter);
        _consume(id, 700e6);
        vm.warp(block.timestamp + 1 hours);
        _consume(id, PER_CALL);
        vm.warp(block.timestamp + 2 hours); // cooldown over

        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertEq(r.volumeInEpoch, PER_EPOCH - 1_700e6, "volumeInEpoch");
        assertEq(r.volumePerCall, PER_EPOCH - 1_700e6, "volumePerCall capped by what the epoch has left");
        assertEq(r.callsInEpoch, CALLS - 2, "callsInEpoch");
        assertEq(r.nextCallAt, block.timestamp, "nextCallAt is now once the cooldown is over");
    }

    function test_remaining_nextEpochResets() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        _consume(id, PER_CALL);
        _consume(id, PER_CALL);
        vm.warp(uint256(p.validAfter) + EPOCH + 3 hours);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertEq(r.volumeInEpoch, PER_EPOCH, "volumeInEpoch reset");
        assertEq(r.volumePerCall, PER_CALL, "volumePerCall reset");
        assertEq(r.callsInEpoch, CALLS, "callsInEpoch reset");
        assertEq(r.epochEndsAt, uint256(p.validAfter) + 2 * EPOCH, "second epoch end");
    }

    function test_remaining_afterExpiry() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        _consume(id, PER_CALL);
        vm.warp(p.validUntil);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertFalse(r.active, "inactive at validUntil");
        assertEq(r.timeLeft, 0, "timeLeft");
        assertEq(r.volumePerCall, 0, "volumePerCall");
        assertEq(r.volumeInEpoch, 0, "volumeInEpoch");
        assertEq(r.callsInEpoch, 0, "callsInEpoch");
        assertEq(r.nextCallAt, 0, "nextCallAt");
        assertEq(r.epochEndsAt, 0, "epochEndsAt");
    }

    function test_remaining_oneSecondBeforeExpiry() public {
        (uint256 id, ISessionManager.SessionParams memory p) = _grantTightStarted();
        vm.warp(p.validUntil - 1);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertTrue(r.active, "active in the last second");
        assertEq(r.timeLeft, 1, "one second left");
    }

    function test_remaining_whenPaused() public {
        (uint256 id,) = _grantTightStarted();
        _consume(id, 100e6);
        vm.prank(guardian);
        sessions.pauseAgents();
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertFalse(r.active, "inactive when paused");
        assertEq(r.volumeInEpoch, PER_EPOCH - 100e6, "volume left still reported");
        vm.prank(governance);
        sessions.unpauseAgents();
        assertTrue(sessions.remaining(id).active, "active after unpause");
    }

    function test_remaining_whenRevoked() public {
        (uint256 id,) = _grantTightStarted();
        vm.prank(agent);
        sessions.revoke(id);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertFalse(r.active, "inactive when revoked");
        assertEq(r.timeLeft, 0, "no time left when revoked");
        assertEq(r.volumeInEpoch, 0, "no epoch volume when revoked");
        assertEq(r.volumePerCall, 0, "no call volume when revoked");
        assertEq(r.callsInEpoch, 0, "no calls when revoked");
    }

    function test_remaining_callsUsedUpWaitsForNextEpoch() public {
        ISessionManager.SessionParams memory p = _params();
        p.maxCallsPerEpoch = 1;
        uint256 id = _grant(p);
        vm.prank(address(vault));
        sessions.consume(id, agent, 1, 1e6);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertEq(r.callsInEpoch, 0, "no calls left this epoch");
        assertEq(r.nextCallAt, uint256(p.validAfter) + p.epochLength, "next call at the next epoch");
        assertEq(r.epochEndsAt, uint256(p.validAfter) + p.epochLength, "epoch end");
    }

    function test_remaining_epochEndAndNextCallCappedAtValidUntil() public {
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 1 hours); // shorter than the 1-day epoch
        p.maxCallsPerEpoch = 1;
        uint256 id = _grant(p);
        vm.prank(address(vault));
        sessions.consume(id, agent, 1, 1e6);
        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertEq(r.epochEndsAt, p.validUntil, "epoch end capped at validUntil");
        assertEq(r.nextCallAt, p.validUntil, "no further call: nextCallAt = validUntil");
    }

    function test_RevertWhen_setCeilings_durationRaisedPastRampStep() public {
        // From nothing, the first full step reaches 7 days (10,000 bps of the 7-day minimum base).
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 7 days + 1, 7 days, type(uint256).max)
        );
        sessions.setCeilings(address(vault), ISessionManager.Ceilings(7 days + 1, 1, 1));
        _setCeilings(address(vault), 7 days, 1, 1);
        assertEq(sessions.durationCeilingLimit(address(vault)), 7 days, "budget spent");
        // Lowering is never limited, but spends nothing back: raising again waits for the budget to refill.
        _setCeilings(address(vault), 1 days, 1, 1);
        // 6 days of a 7-day base = 8,572 bps (rounded up); they refill in 8,572 / 10,000 of a period.
        uint256 readyAt = block.timestamp + (8_572 * ConstantsLib.RAMP_PERIOD + 9_999) / 10_000;
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 7 days, 1 days, readyAt));
        sessions.setCeilings(address(vault), ISessionManager.Ceilings(7 days, 1, 1));
        // A full period later, the budget is full again: one doubling of the 7 days.
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        _setCeilings(address(vault), 7 days, 1, 1);
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        assertEq(sessions.durationCeilingLimit(address(vault)), 14 days, "one doubling allowed");
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 14 days + 1, 14 days, type(uint256).max)
        );
        sessions.setCeilings(address(vault), ISessionManager.Ceilings(14 days + 1, 1, 1));
        _setCeilings(address(vault), 14 days, 1, 1);
        assertEq(sessions.ceilings(address(vault)).maxDuration, 14 days, "doubled");
    }

    /// @dev The anchored 7-day window let governance land two full steps one second apart (the last second of one
    /// window, the first of the next). The rolling budget needs a full period to refill between two full steps.
    function test_Low3_durationCeilingFullStepsNeverOneSecondApart() public {
        _rampCeilingsTo(address(vault), 7 days, 1, 1);
        // A period later, a call that raises nothing (it opened a new anchored window, referenced at 7 days).
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        _setCeilings(address(vault), 7 days, 2, 2);
        // The last second of that window: a full doubling.
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD - 1);
        _setCeilings(address(vault), 14 days, 1, 1);
        // One second later (a new window under the old scheme): a second doubling is refused.
        vm.warp(block.timestamp + 1);
        assertEq(sessions.durationCeilingLimit(address(vault)), 14 days, "a second's refill rounds down to nothing");
        // The whole budget is back a full period after the step (rounded up by the second of refill lost above).
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.ChangeTooLarge.selector, 28 days, 14 days, block.timestamp + ConstantsLib.RAMP_PERIOD
            )
        );
        sessions.setCeilings(address(vault), ISessionManager.Ceilings(28 days, 1, 1));
        // Half a period later, half a doubling; a full period after the step, the whole one.
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD / 2 - 1);
        assertEq(sessions.durationCeilingLimit(address(vault)), 21 days, "half refilled");
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD / 2);
        _setCeilings(address(vault), 28 days, 1, 1);
        assertEq(sessions.ceilings(address(vault)).maxDuration, 28 days, "second doubling a period later");
    }

    function testFuzz_setCeilings_durationAtMostDoublesPerPeriodPlusRefill(uint256 seed) public {
        // Any sequence of raises: over one ramp period the ceiling grows by at most e (split steps compound) of the
        // base, and never by more than two full steps' worth over a period when each step is a full doubling.
        _rampCeilingsTo(address(vault), 7 days, 1, 1);
        vm.warp(block.timestamp + ConstantsLib.RAMP_PERIOD);
        uint256 start = sessions.ceilings(address(vault)).maxDuration;
        uint256 t0 = block.timestamp;
        for (uint256 i; i < 8; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            vm.warp(t0 + (ConstantsLib.RAMP_PERIOD - 1) * (i + 1) / 8);
            uint256 limit = sessions.durationCeilingLimit(address(vault));
            uint256 current = sessions.ceilings(address(vault)).maxDuration;
            if (limit <= current) continue;
            uint256 next = bound(seed, current + 1, limit);
            _setCeilings(address(vault), uint40(next), 1, 1);
        }
        // Budget 1 per period plus what refills within it (< 1): growth factor below e^2 < 7.39 in the worst split.
        assertLt(sessions.ceilings(address(vault)).maxDuration, start * 739 / 100, "bounded growth in one period");
    }

    function test_RevertWhen_setCeilings_perCallAbovePerEpoch() public {
        ISessionManager.Ceilings memory c = ISessionManager.Ceilings(7 days, 2e6, 1e6);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 2e6, 0, 1e6));
        sessions.setCeilings(address(vault), c);
    }
}
