// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "../Base.t.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";

/// @notice Shared fixture of the SessionManager unit tests: the "tight" session's limits and the helpers to grant,
/// consume and compare sessions.
/// @dev `consume` is always called as the session's vault (`vm.prank(address(vault))`), as TreasuryVault does.
abstract contract SessionManagerBase is BaseTest {
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
        sessions.consume(id, agent, 1, 0, volume);
    }

    /// @dev Calls `consume` from `caller` with a low-level call and returns its revert data (empty on success).
    function _consumeData(address caller, uint256 id, address agent_, uint256 mask, uint256 volume)
        internal
        returns (bool ok, bytes memory data)
    {
        vm.prank(caller);
        (ok, data) = address(sessions).call(abi.encodeCall(ISessionManager.consume, (id, agent_, mask, 0, volume)));
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
}
