// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CashPool} from "./CashPool.sol";

/// @title SharedCashStrategy
/// @notice Test-only ERC-4626 strategy that keeps its assets in a CashPool shared with other strategies: each one's
/// `maxWithdraw` is honest on its own (its position, capped by the pool's cash), but two of them together promise the
/// same cash twice.
contract SharedCashStrategy is ERC4626 {
    using SafeERC20 for IERC20;

    CashPool public immutable pool;
    /// @notice Assets this strategy has in the pool (cash or lent out).
    uint256 public inPool;

    constructor(IERC20 asset_, CashPool pool_) ERC20("Shared cash strategy", "scS") ERC4626(asset_) {
        pool = pool_;
    }

    function totalAssets() public view override returns (uint256) {
        return inPool;
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(super.maxWithdraw(owner), pool.cash());
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        return Math.min(super.maxRedeem(owner), _convertToShares(pool.cash(), Math.Rounding.Floor));
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        inPool += assets;
        IERC20(asset()).safeTransfer(address(pool), assets);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        inPool -= assets;
        pool.pay(address(this), assets);
        super._withdraw(caller, receiver, owner, assets, shares);
    }
}
