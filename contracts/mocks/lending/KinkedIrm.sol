// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IIrm} from "@morpho-org/morpho-blue/src/interfaces/IIrm.sol";
import {MarketParams, Market} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";

/// @title KinkedIrm
/// @notice Test-only interest rate model for Morpho Blue markets (the lending-market test world): a kinked linear
/// curve of utilization, as Compound's and Aave's jump-rate models are.
///
///     utilization u = totalBorrowAssets / totalSupplyAssets            (WAD; 0 with no supply; at most 1)
///     rate(u)       = baseRate + slope1 x min(u, kink) + slope2 x max(u - kink, 0)        (per second, WAD)
///
/// so the rate rises gently up to the kink (the target utilization) and steeply above it. Stateless: the same
/// utilization always gives the same rate, so `rateAt` predicts the rate after a move that changes utilization.
/// A supplier earns `rate(u) x u x (1 - market fee)` per second.
contract KinkedIrm is IIrm {
    /// @notice The curve, every rate per second and scaled by WAD.
    struct Curve {
        uint256 baseRate; // borrow rate at 0% utilization
        uint256 slope1; // added per unit of utilization up to the kink
        uint256 slope2; // added per unit of utilization above the kink
        uint256 kink; // the target utilization (WAD, 0 < kink < WAD)
    }

    /// @notice Thrown by the constructor when the kink is not strictly between 0 and 100% utilization.
    error KinkOutOfRange(uint256 kink);

    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;

    uint256 internal immutable _baseRate;
    uint256 internal immutable _slope1;
    uint256 internal immutable _slope2;
    uint256 internal immutable _kink;

    /// @param baseApr Borrow rate a year at 0% utilization (WAD: 0.01e18 = 1%).
    /// @param aprAtKink Borrow rate a year at the kink (WAD), at least `baseApr`.
    /// @param aprAtFull Borrow rate a year at 100% utilization (WAD), at least `aprAtKink`.
    /// @param kink Target utilization (WAD: 0.9e18 = 90%).
    constructor(uint256 baseApr, uint256 aprAtKink, uint256 aprAtFull, uint256 kink) {
        if (kink == 0 || kink >= WAD) revert KinkOutOfRange(kink);
        _baseRate = baseApr / YEAR;
        // Checked: the rates must not fall with utilization (an underflow reverts).
        _slope1 = (aprAtKink - baseApr) * WAD / kink / YEAR;
        _slope2 = (aprAtFull - aprAtKink) * WAD / (WAD - kink) / YEAR;
        _kink = kink;
    }

    /// @notice The curve's parameters (per second, WAD).
    function curve() external view returns (Curve memory) {
        return Curve(_baseRate, _slope1, _slope2, _kink);
    }

    /// @notice Borrow rate per second (WAD) at `utilization` (WAD; above 1 counts as 1).
    function rateAt(uint256 utilization) public view returns (uint256) {
        if (utilization > WAD) utilization = WAD;
        if (utilization <= _kink) return _baseRate + _slope1 * utilization / WAD;
        return _baseRate + _slope1 * _kink / WAD + _slope2 * (utilization - _kink) / WAD;
    }

    /// @notice Utilization (WAD) of a market's totals.
    function utilizationOf(uint256 totalSupplyAssets, uint256 totalBorrowAssets) public pure returns (uint256) {
        if (totalSupplyAssets == 0) return 0;
        uint256 u = totalBorrowAssets * WAD / totalSupplyAssets;
        return u > WAD ? WAD : u;
    }

    /// @inheritdoc IIrm
    function borrowRate(MarketParams calldata, Market calldata market) external view returns (uint256) {
        return rateAt(utilizationOf(market.totalSupplyAssets, market.totalBorrowAssets));
    }

    /// @inheritdoc IIrm
    function borrowRateView(MarketParams calldata, Market calldata market) external view returns (uint256) {
        return rateAt(utilizationOf(market.totalSupplyAssets, market.totalBorrowAssets));
    }
}
