// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionManagerBase} from "./SessionManagerBase.t.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";

/// @notice SessionManager unit tests: `check` (the revert data `consume` would produce) and `remaining`.
contract SessionManagerCheckTest is SessionManagerBase {
    // ================================================================ check

    function test_check_emptyWhenConsumeWouldPass() public {
        (uint256 id,) = _grantTightStarted();
        bytes memory reason = sessions.check(id, agent, address(vault), 1, 0, PER_CALL);
        assertEq(reason.length, 0, "empty reason");
        (bool ok, bytes memory data) = _consumeData(address(vault), id, agent, 1, PER_CALL);
        assertTrue(ok, "consume passes");
        assertEq(data.length, 0, "no return data");
    }

    function test_check_doesNotRecord() public {
        (uint256 id,) = _grantTightStarted();
        for (uint256 i; i < 2 * CALLS; ++i) {
            assertEq(sessions.check(id, agent, address(vault), 1, 0, PER_CALL).length, 0, "still passes");
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
        bytes memory reason = sessions.check(id, agent_, vault_, mask, 0, volume);
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

        bytes memory reason = sessions.check(id, agent, address(vault), mask, 0, volume);
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
        sessions.consume(id, agent, 1, 0, 1e6);
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
        sessions.consume(id, agent, 1, 0, 1e6);
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
