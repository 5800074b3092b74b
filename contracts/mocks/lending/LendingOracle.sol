// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";

/// @title LendingOracle
/// @notice Test-only Morpho Blue oracle whose price anyone may set (the lending-market test world moves it to make a
/// borrower liquidatable). One per market, so a crash in one market touches no other.
contract LendingOracle is IOracle {
    /// @notice Emitted when the price changes.
    event PriceSet(uint256 price);

    /// @inheritdoc IOracle
    uint256 public price;

    /// @param price_ Price of one whole collateral token in loan tokens, scaled by 1e36 and adjusted for decimals
    /// (`1e36 x loanUnit / collateralUnit x value`), as IOracle states.
    constructor(uint256 price_) {
        price = price_;
        emit PriceSet(price_);
    }

    /// @notice Sets the price (IOracle's scale).
    function setPrice(uint256 price_) external {
        price = price_;
        emit PriceSet(price_);
    }
}
