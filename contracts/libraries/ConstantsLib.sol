// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ConstantsLib
/// @notice Protocol-wide constants. Each states its unit.
library ConstantsLib {
    /// @dev Denominator of every basis-point figure. 10_000 bps = 100%.
    uint256 internal constant BPS = 10_000;

    /// @dev Extra decimals of vault shares over the asset (virtual shares against inflation attacks).
    uint8 internal constant DECIMALS_OFFSET = 6;

    /// @dev Most strategies listed at once in one vault.
    uint256 internal constant MAX_LISTED_STRATEGIES = 64;

    /// @dev Strategy indices ever assigned by one vault: a session scope is a 256-bit mask over them.
    uint256 internal constant MAX_STRATEGY_INDEX = 256;

    /// @dev Longest session anyone can grant, governance included: 365 days. Nothing is granted forever.
    uint256 internal constant MAX_SESSION_DURATION = 365 days;

    /// @dev Shortest and longest session epoch (the window of the per-epoch limits).
    uint256 internal constant MIN_EPOCH_LENGTH = 1 minutes;
    uint256 internal constant MAX_EPOCH_LENGTH = 30 days;

    /// @dev Highest per-call loss limit governance may set: 500 bps = 5% of total assets.
    uint256 internal constant MAX_LOSS_PER_CALL_BPS = 500;

    /// @dev Highest per-epoch loss budget governance may set: 1_000 bps = 10% of total assets.
    uint256 internal constant MAX_EPOCH_LOSS_BPS = 1_000;

    /// @dev Bounded change: the window over which a risk-increasing parameter may move only so far from where it stood
    /// at the window's start (its reference). Risk-reducing changes are never limited.
    uint256 internal constant RAMP_PERIOD = 7 days;

    /// @dev Most a strategy's relative cap may rise above its reference in one ramp period: 5,000 bps = 50 points.
    /// A new strategy's reference is 0.
    uint256 internal constant MAX_RELATIVE_CAP_RAISE_BPS = 5_000;

    /// @dev Most the idle buffer may fall below its reference in one ramp period: 5,000 bps = 50 points.
    uint256 internal constant MAX_IDLE_BUFFER_CUT_BPS = 5_000;

    /// @dev Most the per-call loss limit may rise above its reference in one ramp period: 25 bps.
    uint256 internal constant MAX_LOSS_PER_CALL_RAISE_BPS = 25;

    /// @dev Most the epoch loss budget may rise above its reference in one ramp period: 100 bps.
    uint256 internal constant MAX_EPOCH_LOSS_RAISE_BPS = 100;

    /// @dev The loss epoch may shrink to no less than reference / 2 in one ramp period (a shorter epoch refills the
    /// budget faster).
    uint256 internal constant MIN_LOSS_EPOCH_SHRINK_DIVISOR = 2;

    /// @dev Budget of a vault's session duration ceiling per ramp period (RampLib): 10,000 bps = one doubling. A raise
    /// spends its size in bps of the ceiling it starts from, or of MIN_DURATION_CEILING_STEP when that is larger.
    uint256 internal constant MAX_DURATION_CEILING_RAISE_BPS = 10_000;

    /// @dev Smallest base a duration ceiling raise is measured against: from 0 (or any ceiling up to 7 days), one full
    /// budget raises the ceiling by 7 days.
    uint256 internal constant MIN_DURATION_CEILING_STEP = 7 days;

    /// @dev Most sessions one agent may hold at once (granted, not revoked, not expired), over every vault: bounds the
    /// gas of a grant (which sums the agent's active sessions) and of the lens.
    uint256 internal constant MAX_ACTIVE_SESSIONS = 32;

    /// @dev Shortest and longest loss-budget epoch of a vault.
    uint256 internal constant MIN_LOSS_EPOCH = 1 hours;
    uint256 internal constant MAX_LOSS_EPOCH = 30 days;
}
