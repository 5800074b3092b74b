// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISessionManager} from "../interfaces/ISessionManager.sol";
import {GovernanceRoles} from "../governance/GovernanceRoles.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";
import {RampLib} from "../libraries/RampLib.sol";

/// @title SessionManager
/// @notice Grants agents time-, scope- and rate-bound permissions to rebalance treasury vaults.
///
/// ROLES
/// - governance (Timelock): grants any session within the protocol maxima, sets per-vault ceilings and the session
///   admin, revokes, pauses and unpauses agents.
/// - session admin (operator multisig): grants only within the vault's ceilings, revokes, moves a session to a new
///   agent key (`rotateAgent`, within the ceilings for that key). The ceilings bind per agent:
///   the sum of the per-call limits, and the sum of the per-epoch limits, of the agent's active sessions for the vault
///   (whoever granted them, the new one included) stay within the vault's `maxVolumePerCall` and `maxVolumePerEpoch`.
///   Per-call limits are summed too, since parallel sessions can be used in the same block. Sessions count from grant
///   until they expire or are revoked, before their `validAfter` included.
/// - guardian (multisig): pauses agents, revokes. Cannot grant or unpause.
/// - agent: uses its sessions through the vault; may revoke (forfeit) its own sessions.
/// - vault: the only caller of `consume` for the sessions granted for it.
///
/// TIMELOCKS
/// - Every governance change goes through governance's own delay; pause and revoke apply in the same block.
/// - Bounded change (RampLib): raising a vault's duration ceiling spends the raise, in bps of the ceiling it starts
///   from (at least MIN_DURATION_CEILING_STEP), from a budget of MAX_DURATION_CEILING_RAISE_BPS (one doubling) that
///   refills linearly over RAMP_PERIOD. Two full steps never land less than a period apart; split steps compound to at
///   most e (~2.72x) per period's refill. Lowering spends nothing and refunds nothing. Volume ceilings are governance's
///   alone and apply at once.
///
/// INVARIANTS
/// - Ids run from 1 upward and are never reused; a re-grant starts with fresh counters.
/// - No session lasts longer than MAX_SESSION_DURATION, and none granted by the session admin passes its ceilings;
///   right after a session admin's grant, the agent's active sessions for the vault sum within the volume ceilings.
/// - An agent never holds more than MAX_ACTIVE_SESSIONS active sessions for one vault (any number of vaults).
///   `activeSessionsOf(agent, vault)` lists exactly the agent's granted, unrevoked, unexpired sessions for the vault;
///   the stored index drops revoked ones at once and expired ones at the agent's next grant or revocation there.
/// - `consume` succeeds only for the session's vault and agent, inside [validAfter, validUntil), unrevoked, unpaused,
///   within scope, raising nothing for a reduce-only session, within per-call volume, per-epoch volume, calls per
///   epoch and minimum interval.
/// - A session's charged loss never exceeds its own allowance (`maxLoss`, when set): the vault charges each
///   rebalance's loss after its moves, and a rebalance that would pass the allowance is undone and the session revoked.
/// - Rotation moves a session to a new agent whole: same id, expiry, scope, limits and counters; the old agent's index
///   loses it in the same call.
contract SessionManager is ISessionManager, GovernanceRoles {
    /// @inheritdoc ISessionManager
    address public sessionAdmin;
    /// @inheritdoc ISessionManager
    bool public agentsPaused;
    /// @inheritdoc ISessionManager
    uint256 public sessionCount;

    /// @dev A session's counters after a call.
    struct Counters {
        uint32 epoch;
        uint128 volumeInEpoch;
        uint16 callsInEpoch;
    }

    mapping(uint256 sessionId => Session) internal _sessions;
    /// @dev Every session ever granted to an agent, oldest first (history; the lens does not read it).
    mapping(address agent => uint256[]) internal _sessionsOf;
    /// @dev The agent's sessions for a vault not revoked and not yet pruned as expired, in no order (swap-and-pop).
    mapping(address agent => mapping(address vault => uint256[])) internal _activeOf;
    /// @dev 1 + the session's position in its agent's `_activeOf` for its vault; 0 when it is not there.
    mapping(uint256 sessionId => uint256) internal _activeSlot;
    mapping(address vault => Ceilings) internal _ceilings;
    /// @dev A vault's rolling budget for raising its duration ceiling, in bps (see TIMELOCKS).
    mapping(address vault => RampLib.Ramp) internal _durationRamp;

    constructor(address governance_, address guardian_, address sessionAdmin_)
        GovernanceRoles(governance_, guardian_)
    {
        sessionAdmin = sessionAdmin_;
        emit EventsLib.SessionAdminSet(address(0), sessionAdmin_);
    }

    // ---------------------------------------------------------------- grant and revoke

    /// @inheritdoc ISessionManager
    function grant(SessionParams calldata p) external returns (uint256 sessionId) {
        bool byGovernance = _requireGranter();
        if (
            p.agent == address(0) || p.vault == address(0) || p.scope == 0 || p.maxVolumePerCall == 0
                || p.maxVolumePerCall > p.maxVolumePerEpoch || p.maxCallsPerEpoch == 0 || p.validUntil <= p.validAfter
                || p.validUntil <= block.timestamp
        ) revert ErrorsLib.InvalidSessionParams();
        if (p.epochLength < ConstantsLib.MIN_EPOCH_LENGTH || p.epochLength > ConstantsLib.MAX_EPOCH_LENGTH) {
            revert ErrorsLib.BoundOutOfRange(
                p.epochLength, ConstantsLib.MIN_EPOCH_LENGTH, ConstantsLib.MAX_EPOCH_LENGTH
            );
        }

        // Duration counts from now to validUntil: a window opening in the past is not a free extension, and one opening
        // in the future cannot be granted further ahead than the ceiling.
        uint256 duration = p.validUntil - block.timestamp;
        uint256 maxDuration = ConstantsLib.MAX_SESSION_DURATION;
        Ceilings memory c = _ceilings[p.vault];
        if (!byGovernance) {
            if (c.maxDuration < maxDuration) maxDuration = c.maxDuration;
            if (p.maxVolumePerCall > c.maxVolumePerCall) {
                revert ErrorsLib.VolumeAboveCeiling(p.maxVolumePerCall, c.maxVolumePerCall);
            }
            if (p.maxVolumePerEpoch > c.maxVolumePerEpoch) {
                revert ErrorsLib.VolumeAboveCeiling(p.maxVolumePerEpoch, c.maxVolumePerEpoch);
            }
        }
        if (duration > maxDuration) revert ErrorsLib.DurationAboveCeiling(duration, maxDuration);
        _checkAgentTotals(p.agent, p.vault, p.maxVolumePerCall, p.maxVolumePerEpoch, byGovernance, c);

        sessionId = ++sessionCount;
        Session storage s = _sessions[sessionId];
        s.agent = p.agent;
        s.validAfter = p.validAfter;
        s.validUntil = p.validUntil;
        s.vault = p.vault;
        s.epochLength = p.epochLength;
        s.minInterval = p.minInterval;
        s.maxCallsPerEpoch = p.maxCallsPerEpoch;
        s.maxVolumePerCall = p.maxVolumePerCall;
        s.maxVolumePerEpoch = p.maxVolumePerEpoch;
        s.scope = p.scope;
        s.maxLoss = p.maxLoss;
        s.reduceOnly = p.reduceOnly;
        _addActive(p.agent, p.vault, sessionId);

        emit EventsLib.SessionGranted(sessionId, msg.sender, p);
    }

    /// @inheritdoc ISessionManager
    function rotateAgent(uint256 sessionId, address newAgent) external {
        bool byGovernance = _requireGranter();
        Session storage s = _sessions[sessionId];
        address agent = s.agent;
        if (agent == address(0)) revert ErrorsLib.UnknownSession(sessionId);
        if (s.revoked) revert ErrorsLib.SessionRevoked(sessionId);
        if (block.timestamp >= s.validUntil) revert ErrorsLib.SessionExpired(sessionId, s.validUntil);
        if (newAgent == address(0) || newAgent == agent) revert ErrorsLib.InvalidRotation(sessionId, newAgent);
        address vault = s.vault;
        _removeActive(agent, vault, _activeSlot[sessionId] - 1);
        // The new agent takes the session as if granted it now: its count, and the session admin's ceilings.
        _checkAgentTotals(
            newAgent, vault, s.maxVolumePerCall, s.maxVolumePerEpoch, byGovernance, _ceilings[vault]
        );
        s.agent = newAgent;
        _addActive(newAgent, vault, sessionId);
        emit EventsLib.SessionAgentRotated(sessionId, agent, newAgent, msg.sender);
    }

    /// @dev Grants and rotations: governance, or the session admin when one is set (`NotGranter` otherwise). Returns
    /// whether the caller is governance, whose calls the session admin's ceilings do not bind.
    function _requireGranter() internal view returns (bool byGovernance) {
        byGovernance = msg.sender == governance;
        if (!byGovernance && (msg.sender != sessionAdmin || msg.sender == address(0))) {
            revert ErrorsLib.NotGranter(msg.sender);
        }
    }

    /// @inheritdoc ISessionManager
    function revoke(uint256 sessionId) external {
        Session storage s = _sessions[sessionId];
        if (s.agent == address(0)) revert ErrorsLib.UnknownSession(sessionId);
        if (
            msg.sender != governance && msg.sender != guardian && msg.sender != s.agent
                && (msg.sender != sessionAdmin || msg.sender == address(0))
        ) revert ErrorsLib.NotRevoker(sessionId, msg.sender);
        // Revoking a revoked session changes nothing and does not revert, so the brake never fails: an agent that
        // forfeits its session first cannot make the guardian's revocation (or a batch holding it) revert.
        if (s.revoked) return;
        _revoke(sessionId, s);
    }

    /// @dev Marks the session revoked and drops it from its agent's active index (pruning the expired ones too).
    function _revoke(uint256 sessionId, Session storage s) internal {
        s.revoked = true;
        address agent = s.agent;
        address vault = s.vault;
        uint256 slot = _activeSlot[sessionId];
        if (slot != 0) _removeActive(agent, vault, slot - 1);
        _pruneAndSum(agent, vault);
        emit EventsLib.SessionRevoked(sessionId, msg.sender);
    }

    /// @dev Prunes the agent's active index, then checks the agent's count of active sessions and, for the session
    /// admin, the sums of the volume limits of its active sessions for the vault, the new one (`perCallAdded`,
    /// `perEpochAdded`) included.
    function _checkAgentTotals(
        address agent,
        address vault,
        uint256 perCallAdded,
        uint256 perEpochAdded,
        bool byGovernance,
        Ceilings memory c
    ) internal {
        (uint256 count, uint256 perCall, uint256 perEpoch) = _pruneAndSum(agent, vault);
        if (count >= ConstantsLib.MAX_ACTIVE_SESSIONS) {
            revert ErrorsLib.TooManyActiveSessions(agent, ConstantsLib.MAX_ACTIVE_SESSIONS);
        }
        if (byGovernance) return;
        // Parallel sessions for the same vault add up: together they stay within the ceilings.
        if (perCall + perCallAdded > c.maxVolumePerCall) {
            revert ErrorsLib.AgentCallVolumeAboveCeiling(agent, perCall, perCallAdded, c.maxVolumePerCall);
        }
        if (perEpoch + perEpochAdded > c.maxVolumePerEpoch) {
            revert ErrorsLib.AgentEpochVolumeAboveCeiling(agent, perEpoch, perEpochAdded, c.maxVolumePerEpoch);
        }
    }

    /// @dev Adds a session to its agent's history and active index for `vault`.
    function _addActive(address agent, address vault, uint256 sessionId) internal {
        _sessionsOf[agent].push(sessionId);
        uint256[] storage list = _activeOf[agent][vault];
        list.push(sessionId);
        // Safe: the list is at most MAX_ACTIVE_SESSIONS long after the push.
        _activeSlot[sessionId] = list.length;
    }

    /// @dev Drops the agent's expired sessions for `vault` from its active index, and sums what is left: the number
    /// of sessions and their per-call and per-epoch volume limits. At most MAX_ACTIVE_SESSIONS reads, however many
    /// vaults the agent serves.
    function _pruneAndSum(address agent, address vault)
        internal
        returns (uint256 count, uint256 perCall, uint256 perEpoch)
    {
        uint256[] storage list = _activeOf[agent][vault];
        uint256 i;
        while (i < list.length) {
            Session storage s = _sessions[list[i]];
            if (block.timestamp >= s.validUntil) {
                // The last entry moves into position i, which is read again.
                _removeActive(agent, vault, i);
                continue;
            }
            perCall += s.maxVolumePerCall;
            perEpoch += s.maxVolumePerEpoch;
            ++i;
        }
        count = list.length;
    }

    /// @dev Removes the entry at `position` of the agent's active index for `vault` (swap-and-pop).
    function _removeActive(address agent, address vault, uint256 position) internal {
        uint256[] storage list = _activeOf[agent][vault];
        uint256 removed = list[position];
        uint256 last = list[list.length - 1];
        if (last != removed) {
            list[position] = last;
            _activeSlot[last] = position + 1;
        }
        list.pop();
        delete _activeSlot[removed];
    }

    // ---------------------------------------------------------------- pause and configuration

    /// @inheritdoc ISessionManager
    function pauseAgents() external onlyGuardianOrGovernance {
        agentsPaused = true;
        emit EventsLib.AgentsPausedSet(true, msg.sender);
    }

    /// @inheritdoc ISessionManager
    function unpauseAgents() external onlyGovernance {
        agentsPaused = false;
        emit EventsLib.AgentsPausedSet(false, msg.sender);
    }

    /// @inheritdoc ISessionManager
    function setCeilings(address vault, Ceilings calldata c) external onlyGovernance {
        if (vault == address(0)) revert ErrorsLib.ZeroAddress();
        if (c.maxDuration > ConstantsLib.MAX_SESSION_DURATION) {
            revert ErrorsLib.BoundOutOfRange(c.maxDuration, 0, ConstantsLib.MAX_SESSION_DURATION);
        }
        if (c.maxVolumePerCall > c.maxVolumePerEpoch) {
            revert ErrorsLib.BoundOutOfRange(c.maxVolumePerCall, 0, c.maxVolumePerEpoch);
        }
        // Bounded change (see TIMELOCKS): only a raise of the duration ceiling spends from the vault's budget.
        uint256 current = _ceilings[vault].maxDuration;
        if (c.maxDuration > current) {
            uint256 base = _durationBase(current);
            uint256 limit = ConstantsLib.MAX_DURATION_CEILING_RAISE_BPS;
            // Rounding: up, so no raise is free. Safe from overflow: durations are at most 365 days.
            uint256 amount = ((c.maxDuration - current) * ConstantsLib.BPS + base - 1) / base;
            (bool spent, uint256 room, uint256 readyAt) = RampLib.trySpend(_durationRamp[vault], amount, limit);
            // The room is in bps of `base`: the furthest ceiling allowed now is stated in seconds.
            if (!spent) {
                revert ErrorsLib.ChangeTooLarge(c.maxDuration, current + room * base / ConstantsLib.BPS, readyAt);
            }
        }
        _ceilings[vault] = c;
        emit EventsLib.CeilingsSet(vault, c.maxDuration, c.maxVolumePerCall, c.maxVolumePerEpoch);
    }

    /// @inheritdoc ISessionManager
    function setSessionAdmin(address admin) external onlyGovernance {
        emit EventsLib.SessionAdminSet(sessionAdmin, admin);
        sessionAdmin = admin;
    }

    // ---------------------------------------------------------------- consumption

    /// @inheritdoc ISessionManager
    function consume(uint256 sessionId, address agent, uint256 touchedMask, uint256 raisedMask, uint256 volume)
        external
    {
        (bytes memory reason, Counters memory next) =
            _check(sessionId, agent, msg.sender, touchedMask, raisedMask, volume);
        if (reason.length != 0) {
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
        Session storage s = _sessions[sessionId];
        // Safe: block.timestamp < validUntil < 2**40 (checked by _check).
        uint40 now40 = uint40(block.timestamp);
        s.volumeInEpoch = next.volumeInEpoch;
        s.epoch = next.epoch;
        s.callsInEpoch = next.callsInEpoch;
        s.lastCallAt = now40;
        emit EventsLib.SessionConsumed(sessionId, volume, next.epoch, next.volumeInEpoch, next.callsInEpoch, now40);
    }

    /// @inheritdoc ISessionManager
    function chargeLoss(uint256 sessionId, uint256 loss) external {
        Session storage s = _sessions[sessionId];
        if (s.vault != msg.sender) revert ErrorsLib.NotSessionVault(sessionId, msg.sender);
        uint256 maxLoss = s.maxLoss;
        if (maxLoss == 0) return;
        uint256 used = s.lossUsed + loss;
        if (used > maxLoss) revert ErrorsLib.SessionLossBudgetExceeded(sessionId, loss, maxLoss - s.lossUsed);
        // Safe: used <= maxLoss, a uint128.
        s.lossUsed = uint128(used);
    }

    /// @inheritdoc ISessionManager
    function revokeOverLossBudget(uint256 sessionId, uint256 loss) external {
        Session storage s = _sessions[sessionId];
        if (s.vault != msg.sender) revert ErrorsLib.NotSessionVault(sessionId, msg.sender);
        uint256 maxLoss = s.maxLoss;
        uint256 used = s.lossUsed + loss;
        if (maxLoss == 0 || used <= maxLoss) revert ErrorsLib.SessionLossWithinBudget(sessionId, loss);
        emit EventsLib.SessionLossBudgetSpent(sessionId, used, maxLoss);
        if (!s.revoked) _revoke(sessionId, s);
    }

    /// @inheritdoc ISessionManager
    function check(
        uint256 sessionId,
        address agent,
        address vault,
        uint256 touchedMask,
        uint256 raisedMask,
        uint256 volume
    ) external view returns (bytes memory reason) {
        (reason,) = _check(sessionId, agent, vault, touchedMask, raisedMask, volume);
    }

    /// @dev Every session check, in a fixed order; returns the error `consume` reverts with (empty if none) and the
    /// session's counters after the call.
    function _check(
        uint256 sessionId,
        address agent,
        address vault,
        uint256 touchedMask,
        uint256 raisedMask,
        uint256 volume
    ) internal view returns (bytes memory reason, Counters memory next) {
        Session memory s = _checkedFields(sessionId);
        if (s.agent == address(0)) return (abi.encodeWithSelector(ErrorsLib.UnknownSession.selector, sessionId), next);
        if (s.vault != vault) {
            return (abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, sessionId, vault), next);
        }
        if (s.agent != agent) {
            return (abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, sessionId, agent), next);
        }
        if (s.revoked) return (abi.encodeWithSelector(ErrorsLib.SessionRevoked.selector, sessionId), next);
        if (agentsPaused) return (abi.encodeWithSelector(ErrorsLib.AgentsPaused.selector), next);
        if (block.timestamp < s.validAfter) {
            return (abi.encodeWithSelector(ErrorsLib.SessionNotStarted.selector, sessionId, s.validAfter), next);
        }
        if (block.timestamp >= s.validUntil) {
            return (abi.encodeWithSelector(ErrorsLib.SessionExpired.selector, sessionId, s.validUntil), next);
        }
        uint256 outOfScope = touchedMask & ~s.scope;
        if (outOfScope != 0) {
            return (abi.encodeWithSelector(ErrorsLib.OutOfScope.selector, sessionId, outOfScope), next);
        }
        if (s.reduceOnly && raisedMask != 0) {
            return (abi.encodeWithSelector(ErrorsLib.ReduceOnlySession.selector, sessionId, raisedMask), next);
        }
        if (volume > s.maxVolumePerCall) {
            return (
                abi.encodeWithSelector(
                    ErrorsLib.VolumeExceedsCallLimit.selector, sessionId, volume, s.maxVolumePerCall
                ),
                next
            );
        }
        return _checkRate(sessionId, s, volume);
    }

    /// @dev The fields of a session `_check` reads: its first five slots. The loss allowance (the sixth) is left zero
    /// here: only `chargeLoss` reads it, and only when a call loses, so a call that loses nothing does not pay a cold
    /// read of it.
    function _checkedFields(uint256 sessionId) internal view returns (Session memory s) {
        Session storage stored = _sessions[sessionId];
        s.agent = stored.agent;
        s.validAfter = stored.validAfter;
        s.validUntil = stored.validUntil;
        s.revoked = stored.revoked;
        s.vault = stored.vault;
        s.epochLength = stored.epochLength;
        s.minInterval = stored.minInterval;
        s.maxCallsPerEpoch = stored.maxCallsPerEpoch;
        s.reduceOnly = stored.reduceOnly;
        s.maxVolumePerCall = stored.maxVolumePerCall;
        s.maxVolumePerEpoch = stored.maxVolumePerEpoch;
        s.volumeInEpoch = stored.volumeInEpoch;
        s.epoch = stored.epoch;
        s.callsInEpoch = stored.callsInEpoch;
        s.lastCallAt = stored.lastCallAt;
        s.scope = stored.scope;
    }

    /// @dev The per-epoch volume, calls-per-epoch and minimum-interval checks.
    function _checkRate(uint256 sessionId, Session memory s, uint256 volume)
        internal
        view
        returns (bytes memory reason, Counters memory next)
    {
        // Safe: now - validAfter < 2**40 (validAfter <= now) and epochLength >= MIN_EPOCH_LENGTH = 60, so the epoch
        // index stays below 2**32 for about 8,000 years.
        uint32 epoch = uint32((block.timestamp - s.validAfter) / s.epochLength);
        bool sameEpoch = epoch == s.epoch && s.lastCallAt != 0;
        uint256 newVolume = (sameEpoch ? uint256(s.volumeInEpoch) : 0) + volume;
        if (newVolume > s.maxVolumePerEpoch) {
            return (
                abi.encodeWithSelector(
                    ErrorsLib.VolumeExceedsEpochLimit.selector, sessionId, newVolume, s.maxVolumePerEpoch
                ),
                next
            );
        }
        uint256 calls = sameEpoch ? s.callsInEpoch : 0;
        if (calls >= s.maxCallsPerEpoch) {
            return (abi.encodeWithSelector(ErrorsLib.TooManyCalls.selector, sessionId, s.maxCallsPerEpoch), next);
        }
        if (s.lastCallAt != 0 && block.timestamp < uint256(s.lastCallAt) + s.minInterval) {
            return (
                abi.encodeWithSelector(
                    ErrorsLib.CooldownActive.selector, sessionId, uint256(s.lastCallAt) + s.minInterval
                ),
                next
            );
        }
        next.epoch = epoch;
        // Safe: newVolume <= maxVolumePerEpoch < 2**128; calls < maxCallsPerEpoch <= type(uint16).max.
        next.volumeInEpoch = uint128(newVolume);
        next.callsInEpoch = uint16(calls + 1);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISessionManager
    function getSession(uint256 sessionId) external view returns (Session memory) {
        return _sessions[sessionId];
    }

    /// @inheritdoc ISessionManager
    function remaining(uint256 sessionId) external view returns (Remaining memory r) {
        Session storage s = _sessions[sessionId];
        uint256 validUntil = s.validUntil;
        // Unknown, revoked and expired sessions have nothing left; a pause keeps the figures but makes it inactive.
        if (s.agent == address(0) || s.revoked || block.timestamp >= validUntil) return r;
        r.timeLeft = validUntil - block.timestamp;
        uint256 validAfter = s.validAfter;
        uint256 used;
        uint256 calls;
        uint256 epochStart = validAfter;
        if (block.timestamp >= validAfter) {
            uint256 epoch = (block.timestamp - validAfter) / s.epochLength;
            epochStart = validAfter + epoch * s.epochLength;
            if (epoch == s.epoch && s.lastCallAt != 0) {
                used = s.volumeInEpoch;
                calls = s.callsInEpoch;
            }
        }
        r.active = !agentsPaused && block.timestamp >= validAfter;
        r.volumeInEpoch = s.maxVolumePerEpoch - used;
        r.volumePerCall = r.volumeInEpoch < s.maxVolumePerCall ? r.volumeInEpoch : s.maxVolumePerCall;
        r.callsInEpoch = s.maxCallsPerEpoch - calls;
        r.epochEndsAt = _min(epochStart + s.epochLength, validUntil);
        uint256 next = s.lastCallAt == 0 ? validAfter : uint256(s.lastCallAt) + s.minInterval;
        if (next < block.timestamp) next = block.timestamp;
        // With the epoch's calls or volume used up, the next call waits for the next epoch.
        if (r.callsInEpoch == 0 || r.volumeInEpoch == 0) next = _max(next, epochStart + s.epochLength);
        // No call is possible at or after validUntil: report validUntil as "never".
        r.nextCallAt = _min(next, validUntil);
        r.lossLeft = s.maxLoss == 0 ? type(uint256).max : s.maxLoss - s.lossUsed;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _max(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a : b;
    }

    /// @inheritdoc ISessionManager
    function sessionsOf(address agent) external view returns (uint256[] memory) {
        return _sessionsOf[agent];
    }

    /// @inheritdoc ISessionManager
    function activeSessionsOf(address agent, address vault) external view returns (uint256[] memory ids) {
        uint256[] storage list = _activeOf[agent][vault];
        ids = new uint256[](list.length);
        uint256 n;
        for (uint256 i; i < list.length; ++i) {
            uint256 id = list[i];
            // Expired entries wait in the index for the agent's next grant or revocation: skip them.
            if (block.timestamp >= _sessions[id].validUntil) continue;
            // Insertion sort, oldest first: at most MAX_ACTIVE_SESSIONS entries.
            uint256 j = n++;
            while (j != 0 && ids[j - 1] > id) {
                ids[j] = ids[j - 1];
                --j;
            }
            ids[j] = id;
        }
        // Safe: n <= list.length; shrink the array to the active sessions.
        assembly ("memory-safe") {
            mstore(ids, n)
        }
    }

    /// @inheritdoc ISessionManager
    function durationCeilingLimit(address vault) external view returns (uint256) {
        uint256 current = _ceilings[vault].maxDuration;
        uint256 base = _durationBase(current);
        uint256 room = RampLib.room(_durationRamp[vault], ConstantsLib.MAX_DURATION_CEILING_RAISE_BPS);
        return _min(current + room * base / ConstantsLib.BPS, ConstantsLib.MAX_SESSION_DURATION);
    }

    /// @dev What a raise of the duration ceiling from `current` is measured against, in seconds.
    function _durationBase(uint256 current) private pure returns (uint256) {
        return _max(current, ConstantsLib.MIN_DURATION_CEILING_STEP);
    }

    /// @inheritdoc ISessionManager
    function ceilings(address vault) external view returns (Ceilings memory) {
        return _ceilings[vault];
    }
}
