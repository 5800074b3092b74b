// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernanceRoles} from "./IGovernanceRoles.sol";

/// @title ISessionManager
/// @notice Time-, scope- and rate-bound permissions for agents to rebalance treasury vaults.
/// @dev A session lets one agent call `rebalance` on one vault, over a scope of that vault's strategies, between
/// `validAfter` (inclusive) and `validUntil` (exclusive), within per-call and per-epoch volume limits, a number of
/// calls per epoch and a minimum interval between calls. Epochs are fixed windows of `epochLength` seconds counted
/// from `validAfter`.
interface ISessionManager is IGovernanceRoles {
    /// @notice What a grant fixes. Volumes are in the vault's asset units.
    struct SessionParams {
        address agent;
        address vault;
        /// Bit i set = the vault's strategy with index i may be touched.
        uint256 scope;
        uint40 validAfter;
        uint40 validUntil;
        uint128 maxVolumePerCall;
        uint128 maxVolumePerEpoch;
        uint32 epochLength;
        uint32 minInterval;
        uint16 maxCallsPerEpoch;
        /// The session's own loss allowance over its life, in assets (0: none of its own; the vault's loss limits
        /// still bind). A rebalance that would pass it is undone and the session revoked.
        uint128 maxLoss;
        /// Only lowers exposure: every leg moves money from a strategy into idle, none raises a strategy.
        bool reduceOnly;
    }

    /// @notice A session as stored: its parameters and its counters. Laid out in six storage slots.
    struct Session {
        // slot 0
        address agent;
        uint40 validAfter;
        uint40 validUntil;
        bool revoked;
        // slot 1
        address vault;
        uint32 epochLength;
        uint32 minInterval;
        uint16 maxCallsPerEpoch;
        bool reduceOnly;
        // slot 2
        uint128 maxVolumePerCall;
        uint128 maxVolumePerEpoch;
        // slot 3: counters, written by `consume`
        uint128 volumeInEpoch;
        uint32 epoch;
        uint16 callsInEpoch;
        uint40 lastCallAt;
        // slot 4
        uint256 scope;
        // slot 5: the loss allowance, and the loss charged by `chargeLoss`
        uint128 maxLoss;
        uint128 lossUsed;
    }

    /// @notice Limits governance sets on what the session admin may grant for one vault.
    struct Ceilings {
        uint40 maxDuration;
        uint128 maxVolumePerCall;
        uint128 maxVolumePerEpoch;
    }

    /// @notice What a session has left right now. All zero for unknown, revoked and expired sessions; a pause keeps
    /// the figures and clears `active`.
    struct Remaining {
        /// Whether a call could pass the time and pause checks now (started, not expired, not revoked, not paused).
        bool active;
        /// Seconds until `validUntil`.
        uint256 timeLeft;
        /// Largest volume one call may move now (per-call limit, capped by what the epoch has left).
        uint256 volumePerCall;
        /// Volume left in the current epoch.
        uint256 volumeInEpoch;
        /// Calls left in the current epoch.
        uint256 callsInEpoch;
        /// Earliest time of the next call (start, cooldown or next epoch); `validUntil` means no further call.
        uint256 nextCallAt;
        /// End of the current epoch, capped at `validUntil`.
        uint256 epochEndsAt;
        /// Loss the session may still take (`maxLoss - lossUsed`); type(uint256).max for a session without its own
        /// allowance.
        uint256 lossLeft;
    }

    /// @notice The session admin (an operator multisig): grants within ceilings, revokes.
    function sessionAdmin() external view returns (address);

    /// @notice Whether every agent is paused.
    function agentsPaused() external view returns (bool);

    /// @notice Number of sessions ever granted; ids run from 1 to this number and are never reused.
    function sessionCount() external view returns (uint256);

    /// @notice Grants a session. Governance may grant anything within protocol maxima; the session admin only within
    /// the vault's ceilings, which bind per agent: the per-call limits, and the per-epoch limits, of the agent's active
    /// sessions for the vault, this one included, must each sum within the ceiling. Either way the agent may hold at
    /// most MAX_ACTIVE_SESSIONS active sessions. Prunes the agent's expired sessions from its active index.
    /// @return sessionId The new session's id.
    function grant(SessionParams calldata params) external returns (uint256 sessionId);

    /// @notice Revokes a session for good. Callable by governance, guardian, session admin, or the session's agent.
    /// Revoking a session that is already revoked does nothing (no revert, no event), so a revocation always succeeds.
    /// Removes it from the agent's active index, and prunes the agent's expired sessions from it.
    function revoke(uint256 sessionId) external;

    /// @notice Pauses every agent at once. Guardian or governance.
    function pauseAgents() external;

    /// @notice Lifts the agent pause. Governance only.
    function unpauseAgents() external;

    /// @notice Sets the ceilings on what the session admin may grant for `vault`. Governance only. Raising the
    /// duration ceiling spends from the vault's rolling budget (one doubling, or 7 days from below 7 days, per ramp
    /// period); beyond it, reverts `ChangeTooLarge(value, durationCeilingLimit(vault), time the raise fits)`.
    function setCeilings(address vault, Ceilings calldata ceilings) external;

    /// @notice Sets the session admin. Governance only.
    function setSessionAdmin(address admin) external;

    /// @notice Moves an active session to a new agent key, keeping its expiry, scope, limits and everything it has
    /// used (volume, calls, cooldown, loss). Governance, or the session admin within the vault's ceilings for the new
    /// agent (as for a grant). The old key loses the session in the same call.
    function rotateAgent(uint256 sessionId, address newAgent) external;

    /// @notice Checks a rebalance against a session and records its use. Only the session's vault may call it.
    /// @param sessionId The session used.
    /// @param agent The address calling the vault.
    /// @param touchedMask Bit mask of the vault strategy indices the rebalance touches.
    /// @param raisedMask Bit mask of the vault strategy indices the rebalance raises (a reduce-only session: none).
    /// @param volume Sum of the absolute moves of the rebalance, in assets.
    function consume(uint256 sessionId, address agent, uint256 touchedMask, uint256 raisedMask, uint256 volume)
        external;

    /// @notice Charges a rebalance's loss to the session's own allowance. Only the session's vault may call it;
    /// reverts `SessionLossBudgetExceeded` when the allowance would be passed. No-op for a session without one.
    function chargeLoss(uint256 sessionId, uint256 loss) external;

    /// @notice Revokes a session whose allowance `loss` would pass: what the vault does, in the same call, with a
    /// rebalance it undid for `SessionLossBudgetExceeded`. Only the session's vault may call it.
    function revokeOverLossBudget(uint256 sessionId, uint256 loss) external;

    /// @notice What `consume` would say, without recording anything. Empty when it would pass; otherwise the
    /// ABI-encoded custom error `consume` would revert with.
    function check(
        uint256 sessionId,
        address agent,
        address vault,
        uint256 touchedMask,
        uint256 raisedMask,
        uint256 volume
    ) external view returns (bytes memory reason);

    /// @notice The stored session.
    function getSession(uint256 sessionId) external view returns (Session memory);

    /// @notice What a session has left at the current block.
    function remaining(uint256 sessionId) external view returns (Remaining memory);

    /// @notice Ids of every session ever granted to `agent`, oldest first: the whole history, which only grows. To find
    /// the sessions an agent can use, read `activeSessionsOf`.
    function sessionsOf(address agent) external view returns (uint256[] memory);

    /// @notice Ids of the sessions of `agent` for `vault` that are neither revoked nor expired (those not yet started
    /// included), oldest first. At most MAX_ACTIVE_SESSIONS ids; its cost grows neither with history nor with the
    /// number of vaults the agent serves.
    function activeSessionsOf(address agent, address vault) external view returns (uint256[] memory);

    /// @notice The highest duration ceiling governance may set for `vault` now (seconds), given what its rolling budget
    /// has left.
    function durationCeilingLimit(address vault) external view returns (uint256);

    /// @notice The ceilings governance set for `vault`.
    function ceilings(address vault) external view returns (Ceilings memory);
}
