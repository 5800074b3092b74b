// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MockERC20} from "./MockERC20.sol";

/// @title HostileViewStrategy
/// @notice Test-only strategy whose views fail in the ways ERC-4626 integrations meet: each of balanceOf,
/// previewRedeem, maxWithdraw and maxRedeem can revert, return short data, return a garbage bomb, burn all its gas, or
/// call back into the vault; previewRedeem can fail only above a number of shares (short liquidity), and any mode can
/// arm itself only after the next deposit or withdrawal. Deposits and withdrawals themselves keep working.
contract HostileViewStrategy is ERC4626 {
    /// @notice How a view answers.
    enum Mode {
        Normal,
        Revert,
        Short,
        Bomb,
        BurnGas,
        Reenter
    }

    /// @notice Thrown by a view in `Revert` mode.
    error ViewRefused();

    Mode public balanceOfMode;
    Mode public previewRedeemMode;
    Mode public maxWithdrawMode;
    Mode public maxRedeemMode;
    /// @notice previewRedeem reverts for more shares than this (type(uint256).max: never).
    uint256 public previewRedeemLimit = type(uint256).max;
    /// @notice The vault `Reenter` calls back into.
    address public vault;
    /// @notice Modes applied by the next deposit or withdrawal (armed with `armAfterMove`).
    Mode[4] internal _pending;
    bool internal _armed;

    constructor(MockERC20 asset_) ERC20("Hostile view strategy", "hvS") ERC4626(IERC20(address(asset_))) {}

    /// @notice Sets every view's mode at once.
    function setModes(Mode balanceOf_, Mode previewRedeem_, Mode maxWithdraw_, Mode maxRedeem_) external {
        balanceOfMode = balanceOf_;
        previewRedeemMode = previewRedeem_;
        maxWithdrawMode = maxWithdraw_;
        maxRedeemMode = maxRedeem_;
    }

    /// @notice The given modes take effect right after the next deposit or withdrawal (views that fail only after the
    /// move).
    function armAfterMove(Mode balanceOf_, Mode previewRedeem_, Mode maxWithdraw_, Mode maxRedeem_) external {
        _pending = [balanceOf_, previewRedeem_, maxWithdraw_, maxRedeem_];
        _armed = true;
    }

    function setPreviewRedeemLimit(uint256 shares) external {
        previewRedeemLimit = shares;
    }

    function setVault(address vault_) external {
        vault = vault_;
    }

    /// @notice Adds `assets` of yield.
    function simulateGain(uint256 assets) external {
        MockERC20(asset()).mint(address(this), assets);
    }

    /// @notice Removes `assets`: every holder's share price falls.
    function simulateLoss(uint256 assets) external {
        MockERC20(asset()).burn(address(this), assets);
    }

    /// @notice Shares `account` really holds (not through the hostile view).
    function sharesHeld(address account) external view returns (uint256) {
        return super.balanceOf(account);
    }

    /// @notice What `account`'s shares are really worth.
    function trueValue(address account) external view returns (uint256) {
        return _convertToAssets(super.balanceOf(account), Math.Rounding.Floor);
    }

    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        _misbehave(balanceOfMode);
        return super.balanceOf(account);
    }

    function previewRedeem(uint256 shares) public view override returns (uint256) {
        _misbehave(previewRedeemMode);
        if (shares > previewRedeemLimit) revert ViewRefused();
        return super.previewRedeem(shares);
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        _misbehave(maxWithdrawMode);
        return _convertToAssets(super.balanceOf(owner), Math.Rounding.Floor);
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        _misbehave(maxRedeemMode);
        return super.balanceOf(owner);
    }

    // Deposits and withdrawals work whatever the views do: they never go through the hostile views.
    function withdraw(uint256 assets, address receiver, address owner) public override returns (uint256 shares) {
        shares = _convertToShares(assets, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    function redeem(uint256 shares, address receiver, address owner) public override returns (uint256 assets) {
        assets = _convertToAssets(shares, Math.Rounding.Floor);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        _arm();
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        if (super.balanceOf(owner) < shares) revert ViewRefused();
        super._withdraw(caller, receiver, owner, assets, shares);
        _arm();
    }

    function _arm() internal {
        if (!_armed) return;
        _armed = false;
        balanceOfMode = _pending[0];
        previewRedeemMode = _pending[1];
        maxWithdrawMode = _pending[2];
        maxRedeemMode = _pending[3];
    }

    function _misbehave(Mode mode) internal view {
        if (mode == Mode.Normal) return;
        if (mode == Mode.Revert) revert ViewRefused();
        if (mode == Mode.Reenter) {
            // A view that asks the vault for its value, which asks this view again.
            IERC4626(vault).totalAssets();
            return;
        }
        assembly ("memory-safe") {
            switch mode
            // Short: 16 bytes where a word is expected.
            case 2 { return(0, 16) }
            // Bomb: a megabyte of return data.
            case 3 { return(0, 1000000) }
            // BurnGas: loop until out of gas.
            default { for {} 1 {} {} }
        }
    }
}
