// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ErrorsLib} from "../libraries/ErrorsLib.sol";

/// @title TreasuryRouter
/// @notice Slippage-protected entries and exits for any ERC-4626 vault (ERC-5143 style): each call reverts
/// `SlippageExceeded` unless the caller gets at least (or pays at most) what it named. Stateless: it holds no funds
/// and no allowance between transactions.
/// @dev Entries: approve the router for the asset. Exits: approve the router for the vault's shares; the router calls
/// the vault's exit with the caller as owner, so the vault spends the router's share allowance from the caller.
contract TreasuryRouter {
    using SafeERC20 for IERC20;

    /// @notice Deposits `assets` for `receiver`; reverts unless at least `minShares` are minted.
    function deposit(IERC4626 vault, uint256 assets, address receiver, uint256 minShares)
        external
        returns (uint256 shares)
    {
        IERC20 asset = IERC20(vault.asset());
        asset.safeTransferFrom(msg.sender, address(this), assets);
        asset.forceApprove(address(vault), assets);
        shares = vault.deposit(assets, receiver);
        if (shares < minShares) revert ErrorsLib.SlippageExceeded(shares, minShares);
    }

    /// @notice Mints `shares` for `receiver`; reverts unless it costs at most `maxAssets`.
    function mint(IERC4626 vault, uint256 shares, address receiver, uint256 maxAssets)
        external
        returns (uint256 assets)
    {
        IERC20 asset = IERC20(vault.asset());
        assets = vault.previewMint(shares);
        if (assets > maxAssets) revert ErrorsLib.SlippageExceeded(assets, maxAssets);
        asset.safeTransferFrom(msg.sender, address(this), assets);
        asset.forceApprove(address(vault), assets);
        uint256 paid = vault.mint(shares, receiver);
        if (paid > maxAssets) revert ErrorsLib.SlippageExceeded(paid, maxAssets);
        // Whatever the vault did not take goes back, and no allowance is left behind.
        asset.forceApprove(address(vault), 0);
        if (assets > paid) asset.safeTransfer(msg.sender, assets - paid);
    }

    /// @notice Withdraws `assets` of the caller's position to `receiver`; reverts unless at most `maxShares` burn.
    function withdraw(IERC4626 vault, uint256 assets, address receiver, uint256 maxShares)
        external
        returns (uint256 shares)
    {
        shares = vault.withdraw(assets, receiver, msg.sender);
        if (shares > maxShares) revert ErrorsLib.SlippageExceeded(shares, maxShares);
    }

    /// @notice Redeems `shares` of the caller to `receiver`; reverts unless at least `minAssets` are paid.
    function redeem(IERC4626 vault, uint256 shares, address receiver, uint256 minAssets)
        external
        returns (uint256 assets)
    {
        assets = vault.redeem(shares, receiver, msg.sender);
        if (assets < minAssets) revert ErrorsLib.SlippageExceeded(assets, minAssets);
    }
}
