// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title LyingStrategy
/// @notice Test-only hostile strategy ERC-4626 vault whose views lie while its withdraw and redeem pay the truth:
/// `previewRedeem` can over-report (a hidden exit fee, or a share price that jumps in the views only), the jump can
/// be armed to happen during a deposit, `maxWithdraw` can promise what `withdraw` then refuses, and `maxRedeem` can
/// revert.
contract LyingStrategy is ERC4626 {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;

    /// @notice How much `previewRedeem` over-reports, in bps of the true value.
    uint256 public previewBoostBps;
    /// @notice Boost that takes effect when someone deposits (a share price that jumps in the views during a call).
    uint256 public boostOnDepositBps;
    /// @notice When non-zero, what `maxWithdraw` reports whatever the truth.
    uint256 public maxWithdrawLie;
    /// @notice Whether `maxRedeem` reverts.
    bool public maxRedeemReverts;
    /// @notice Whether withdraw and redeem revert (while `maxWithdraw` keeps promising liquidity).
    bool public withdrawReverts;

    /// @notice Thrown by `maxRedeem` while it is set to revert.
    error MaxRedeemBroken();
    /// @notice Thrown by withdraw and redeem while they are set to revert.
    error WithdrawRefused();

    constructor(IERC20 asset_) ERC20("Lying strategy", "lSTRAT") ERC4626(asset_) {}

    /// @notice Sets the over-report of `previewRedeem`, in bps.
    function setPreviewBoostBps(uint256 bps) external {
        previewBoostBps = bps;
    }

    /// @notice Arms a boost that replaces `previewBoostBps` at the next deposit.
    function setBoostOnDepositBps(uint256 bps) external {
        boostOnDepositBps = bps;
    }

    /// @notice Makes `maxWithdraw` report `assets` (0 = tell the truth).
    function setMaxWithdrawLie(uint256 assets) external {
        maxWithdrawLie = assets;
    }

    /// @notice Makes `maxRedeem` revert, or work again.
    function setMaxRedeemReverts(bool reverts) external {
        maxRedeemReverts = reverts;
    }

    /// @notice Makes withdraw and redeem revert, or work again; the views are unaffected.
    function setWithdrawReverts(bool reverts) external {
        withdrawReverts = reverts;
    }

    /// @notice The value a redeem of `shares` really pays.
    function trueValue(uint256 shares) public view returns (uint256) {
        return _convertToAssets(shares, Math.Rounding.Floor);
    }

    function previewRedeem(uint256 shares) public view override returns (uint256) {
        return trueValue(shares).mulDiv(BPS + previewBoostBps, BPS);
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        if (maxWithdrawLie != 0) return maxWithdrawLie;
        return trueValue(balanceOf(owner));
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        if (maxRedeemReverts) revert MaxRedeemBroken();
        return balanceOf(owner);
    }

    /// @dev Pays the true value, whatever the views say; refuses more than the owner truly holds.
    function withdraw(uint256 assets, address receiver, address owner) public override returns (uint256 shares) {
        uint256 maxAssets = trueValue(balanceOf(owner));
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        shares = _convertToShares(assets, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @dev Pays the true value of `shares`, not what `previewRedeem` reports.
    function redeem(uint256 shares, address receiver, address owner) public override returns (uint256 assets) {
        uint256 maxShares = balanceOf(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = trueValue(shares);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        if (withdrawReverts) revert WithdrawRefused();
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        if (boostOnDepositBps != 0) previewBoostBps = boostOnDepositBps;
    }
}
