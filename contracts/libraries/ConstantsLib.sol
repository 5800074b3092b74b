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

    /// @dev Risk ids a vault can tag strategies with (0..31): a strategy's risk groups are a 32-bit mask over them.
    uint256 internal constant MAX_RISK_GROUPS = 32;

    /// @dev Longest session anyone can grant, governance included: 365 days. Nothing is granted forever.
    uint256 internal constant MAX_SESSION_DURATION = 365 days;

    /// @dev Shortest and longest session epoch (the window of the per-epoch limits).
    uint256 internal constant MIN_EPOCH_LENGTH = 1 minutes;
    uint256 internal constant MAX_EPOCH_LENGTH = 30 days;

    /// @dev Highest per-call loss limit governance may set: 500 bps = 5% of total assets.
    uint256 internal constant MAX_LOSS_PER_CALL_BPS = 500;

    /// @dev Highest per-epoch loss budget governance may set: 1_000 bps = 10% of total assets.
    uint256 internal constant MAX_EPOCH_LOSS_BPS = 1_000;

    /// @dev Bounded change: the period over which each rolling budget of loosening refills (RampLib). Risk-reducing
    /// changes are never limited.
    uint256 internal constant RAMP_PERIOD = 7 days;

    /// @dev Most the per-call loss limit may rise above its reference in one ramp period: 25 bps.
    uint256 internal constant MAX_LOSS_PER_CALL_RAISE_BPS = 25;

    /// @dev Most the epoch loss budget may rise above its reference in one ramp period: 100 bps.
    uint256 internal constant MAX_EPOCH_LOSS_RAISE_BPS = 100;

    /// @dev Budget of a vault's session duration ceiling per ramp period (RampLib): 10,000 bps = one doubling. A raise
    /// spends its size in bps of the ceiling it starts from, or of MIN_DURATION_CEILING_STEP when that is larger.
    uint256 internal constant MAX_DURATION_CEILING_RAISE_BPS = 10_000;

    /// @dev Smallest base a duration ceiling raise is measured against: from 0 (or any ceiling up to 7 days), one full
    /// budget raises the ceiling by 7 days.
    uint256 internal constant MIN_DURATION_CEILING_STEP = 7 days;

    /// @dev Most sessions one agent may hold at once (granted, not revoked, not expired) for one vault: bounds the gas
    /// of a grant (which sums the agent's active sessions for the vault) and of the lens. One agent may serve any
    /// number of vaults.
    uint256 internal constant MAX_ACTIVE_SESSIONS = 32;

    /// @dev Gas each view call into a strategy may use (balanceOf, previewRedeem, maxWithdraw, maxRedeem, asset). A
    /// strategy must answer its views within it; one that does not counts as failed (its book value is used).
    uint256 internal constant STRATEGY_VIEW_GAS = 500_000;

    /// @dev Gas a user exit gives each strategy withdrawal it tries: a strategy that burns more is skipped.
    uint256 internal constant STRATEGY_PULL_GAS = 1_500_000;

    /// @dev Most bytes of a strategy's revert data the vault copies (into StrategyCallFailed).
    uint256 internal constant MAX_REVERT_DATA = 1_024;

    /// @dev Vault-wide bounded change of exposure: the relative caps of newly listed strategies, raises of relative
    /// caps and cuts of the idle buffer together spend one rolling budget of 5,000 bps per RAMP_PERIOD (RampLib).
    uint256 internal constant MAX_EXPOSURE_RAISE_BPS = 5_000;

    /// @dev The loss epoch may shrink by at most 5,000 bps of its length (halve) per RAMP_PERIOD (rolling budget).
    uint256 internal constant MAX_LOSS_EPOCH_SHRINK_BPS = 5_000;

    /// @dev Highest rate at which recorded total assets may grow, in bps a year: gains above it are recognised over
    /// time, not in the block they appear (a flash depositor cannot capture them). 20,000 bps = 200% a year.
    uint256 internal constant MAX_GAIN_RATE_BPS = 20_000;

    /// @dev Default gain rate of a new vault: 2,500 bps = 25% a year.
    uint16 internal constant DEFAULT_GAIN_RATE_BPS = 2_500;

    /// @dev Drawdown guard: rebalances stop while the share price is more than this many bps below its high-water
    /// mark, until governance resets the mark. Default 1,000 bps = 10%; the guardian may lower it, governance raise it
    /// within MAX_DRAWDOWN_BPS.
    uint16 internal constant DEFAULT_MAX_DRAWDOWN_BPS = 1_000;
    uint256 internal constant MAX_DRAWDOWN_BPS = 5_000;

    /// @dev A strategy may be delisted while the value it still holds (after redeeming what it lets go) is at most
    /// total assets / DUST_DIVISOR (1 ppm); that value is written off.
    uint256 internal constant DUST_DIVISOR = 1_000_000;

    /// @dev Seconds in a year, for annual rates.
    uint256 internal constant YEAR = 365 days;

    /// @dev Shortest and longest loss-budget epoch of a vault.
    uint256 internal constant MIN_LOSS_EPOCH = 1 hours;
    uint256 internal constant MAX_LOSS_EPOCH = 30 days;

    /// @dev Share-price rate bound: a strategy's price mark is `convertToAssets(PRICE_UNIT)`, in assets for 1e18 of
    /// its shares (a constant share amount, so a mark compares like with like whatever the strategy's decimals).
    uint256 internal constant PRICE_UNIT = 1e18;

    /// @dev Highest share-price rate bound governance may set: 10,000 bps (100%) a day.
    uint256 internal constant MAX_PRICE_RATE_BPS = 10_000;

    /// @dev Seconds in a day, for the share-price rate bound (bps a day).
    uint256 internal constant DAY = 1 days;
}
