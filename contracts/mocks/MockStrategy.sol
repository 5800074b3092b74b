// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MockERC20} from "./MockERC20.sol";

/// @title MockStrategy
/// @notice Test-only strategy ERC-4626 vault whose yield and loss tests set, and which can cap or block withdrawals.
contract MockStrategy is ERC4626 {
    /// @notice Thrown by withdraw/redeem while withdrawals are blocked.
    error WithdrawalsBlocked();

    /// @notice Thrown by the views while they are broken.
    error ViewsBroken();

    /// @notice Most assets any owner may withdraw per call; type(uint256).max = no cap.
    uint256 public withdrawCap = type(uint256).max;
    /// @notice Whether withdraw and redeem revert.
    bool public blocked;
    /// @notice Whether previewRedeem, maxWithdraw and maxRedeem revert (a broken or hostile strategy).
    bool public viewsBroken;

    constructor(MockERC20 asset_, string memory name_)
        ERC20(name_, string.concat("s", asset_.symbol()))
        ERC4626(IERC20(address(asset_)))
    {}

    /// @notice Adds `assets` of yield (minted into the strategy).
    function simulateGain(uint256 assets) external {
        MockERC20(asset()).mint(address(this), assets);
    }

    /// @notice Removes `assets` from the strategy (burned): every holder's share price falls.
    function simulateLoss(uint256 assets) external {
        MockERC20(asset()).burn(address(this), assets);
    }

    /// @notice Caps what one withdrawal may take (the strategy's own liquidity limit).
    function setWithdrawCap(uint256 cap) external {
        withdrawCap = cap;
    }

    /// @notice Blocks or unblocks withdrawals.
    function setBlocked(bool blocked_) external {
        blocked = blocked_;
    }

    /// @notice Makes previewRedeem, maxWithdraw and maxRedeem revert, or work again.
    function setViewsBroken(bool broken) external {
        viewsBroken = broken;
    }

    function previewRedeem(uint256 shares) public view override returns (uint256) {
        if (viewsBroken) revert ViewsBroken();
        return super.previewRedeem(shares);
    }

    function maxWithdraw(address owner) public view virtual override returns (uint256) {
        if (viewsBroken) revert ViewsBroken();
        if (blocked) return 0;
        return Math.min(super.maxWithdraw(owner), Math.min(withdrawCap, IERC20(asset()).balanceOf(address(this))));
    }

    function maxRedeem(address owner) public view virtual override returns (uint256) {
        if (viewsBroken) revert ViewsBroken();
        if (blocked) return 0;
        uint256 shares = super.maxRedeem(owner);
        uint256 liquid = Math.min(withdrawCap, IERC20(asset()).balanceOf(address(this)));
        // All shares when the liquid assets cover them: after a loss, converting the liquid assets back to shares
        // rounds below the supply and would forbid the last holder to exit.
        if (previewRedeem(shares) <= liquid) return shares;
        return Math.min(shares, _convertToShares(liquid, Math.Rounding.Floor));
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        if (blocked) revert WithdrawalsBlocked();
        super._withdraw(caller, receiver, owner, assets, shares);
    }
}
