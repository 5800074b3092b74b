// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionManagerBase} from "./SessionManagerBase.t.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice SessionManager unit tests of `consume`: identity, time window, scope and volume, calls, epochs and
/// cooldown, what it records.
contract SessionManagerConsumeTest is SessionManagerBase {
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
            sessions.consume(id, agent, 1, 0, 1e6);
        }
        _assertCounters(id, 0, 0, 0, 0, "no counters");
    }

    function test_RevertWhen_consume_notSessionAgent() public {
        uint256 id = _grantDefault();
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, id, bob));
        vm.prank(address(vault));
        sessions.consume(id, bob, 1, 0, 1e6);
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
        sessions.consume(id, bob, 1, 0, 1e6);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, id, alice));
        vm.prank(alice);
        sessions.consume(id, bob, 1, 0, 1e6);
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
            sessions.consume(id, agent, touched[i], 0, 1e6);
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
            sessions.consume(id, agent, touched[i], 0, 1);
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
}
