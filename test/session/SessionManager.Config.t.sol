// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionManagerBase} from "./SessionManagerBase.t.sol";
import {SessionManager} from "../../contracts/session/SessionManager.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice SessionManager unit tests: construction, ceilings and roles.
contract SessionManagerConfigTest is SessionManagerBase {
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
}
