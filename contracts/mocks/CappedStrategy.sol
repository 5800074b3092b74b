// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MockStrategy} from "./MockStrategy.sol";
import {MockERC20} from "./MockERC20.sol";

/// @title CappedStrategy
/// @notice Test-only strategy with two habits of curated lending vaults: a supply cap (`maxDeposit` is the room left;
/// a deposit above it reverts `AllCapsReached()`, the strategy's own error) and a `maxRedeem` that rounds a few
/// shares below the balance even with full liquidity.
contract CappedStrategy is MockStrategy {
    /// @notice Thrown by deposit and mint above the room left under the supply cap.
    error AllCapsReached();

    /// @notice Most assets the strategy holds; type(uint256).max = no cap.
    uint256 public supplyCap = type(uint256).max;
    /// @notice Shares `maxRedeem` leaves out of an owner's balance.
    uint256 public redeemShortBy;

    constructor(MockERC20 asset_, string memory name_) MockStrategy(asset_, name_) {}

    function setSupplyCap(uint256 cap) external {
        supplyCap = cap;
    }

    function setRedeemShortBy(uint256 shares) external {
        redeemShortBy = shares;
    }

    function maxDeposit(address) public view override returns (uint256) {
        uint256 held = totalAssets();
        return supplyCap > held ? supplyCap - held : 0;
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 shares = super.maxRedeem(owner);
        return shares > redeemShortBy ? shares - redeemShortBy : 0;
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(super.maxWithdraw(owner), previewRedeem(maxRedeem(owner)));
    }

    function deposit(uint256 assets, address receiver) public override returns (uint256) {
        if (assets > maxDeposit(receiver)) revert AllCapsReached();
        return super.deposit(assets, receiver);
    }
}
