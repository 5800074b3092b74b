// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ConstantsLib} from "./ConstantsLib.sol";
import {ErrorsLib} from "./ErrorsLib.sol";

/// @title RampLib
/// @notice Bounded change, one mechanism for every risk-increasing parameter (caps, idle buffer, loss limits, session
/// ceilings): a rolling budget. Each loosening spends `amount` from a budget of `limit` per `RAMP_PERIOD`; what was
/// spent refills linearly over the period. So a full step needs a full period to refill, whatever the calendar: two
/// full steps can never land one second apart, and the loosening over any window of length RAMP_PERIOD is at most
/// 2 x limit (at most limit + limit x elapsed / RAMP_PERIOD over a shorter one). Risk-reducing changes spend nothing.
library RampLib {
    /// @notice A rolling budget: what was spent, as of `updatedAt`. One storage slot.
    struct Ramp {
        uint40 updatedAt;
        uint216 used;
    }

    /// @notice The part of the budget still spent now (what `used` decays to after refilling since `updatedAt`).
    function usedNow(Ramp memory r, uint256 limit) internal view returns (uint256) {
        uint256 refill = limit * (block.timestamp - r.updatedAt) / ConstantsLib.RAMP_PERIOD;
        return r.used > refill ? r.used - refill : 0;
    }

    /// @notice How much may still be spent now.
    function room(Ramp memory r, uint256 limit) internal view returns (uint256) {
        uint256 used = usedNow(r, limit);
        return limit > used ? limit - used : 0;
    }

    /// @notice The earliest time `amount` fits the budget (now if it fits; never, as type(uint256).max, if it exceeds
    /// the whole budget).
    function readyAt(Ramp memory r, uint256 amount, uint256 limit) internal view returns (uint256) {
        if (amount > limit) return type(uint256).max;
        uint256 used = usedNow(r, limit);
        if (used + amount <= limit) return block.timestamp;
        // Rounding: up, so the budget has refilled enough at the time given.
        uint256 wait = ((used + amount - limit) * ConstantsLib.RAMP_PERIOD + limit - 1) / limit;
        return block.timestamp + wait;
    }

    /// @notice Spends `amount` of a loosening that moves a parameter to `value` (upward when `raise`), both in the
    /// budget's unit, or reverts with `ChangeTooLarge(value, furthest value allowed now, readyAt)`.
    function spend(Ramp storage r, uint256 amount, uint256 limit, uint256 value, bool raise) internal {
        (bool spent, uint256 left, uint256 ready) = trySpend(r, amount, limit);
        if (spent) return;
        uint256 furthest = raise ? value - amount + left : value + amount - left;
        revert ErrorsLib.ChangeTooLarge(value, furthest, ready);
    }

    /// @notice Spends `amount` when it fits the room left now. Otherwise spends nothing and returns `spent == false`,
    /// the room left and when `amount` fits (`readyAt`), so a caller whose parameter is not in the budget's unit can
    /// state the furthest value allowed now in its own.
    function trySpend(Ramp storage r, uint256 amount, uint256 limit)
        internal
        returns (bool spent, uint256 left, uint256 ready)
    {
        if (amount == 0) return (true, 0, 0);
        Ramp memory m = r;
        uint256 used = usedNow(m, limit);
        if (used + amount > limit) return (false, limit > used ? limit - used : 0, readyAt(m, amount, limit));
        // Safe: used + amount <= limit, and every limit fits in 216 bits; timestamps fit in 40 bits.
        r.updatedAt = uint40(block.timestamp);
        r.used = uint216(used + amount);
        return (true, 0, 0);
    }
}
