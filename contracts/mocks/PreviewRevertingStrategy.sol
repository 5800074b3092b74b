// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title PreviewRevertingStrategy
/// @notice Test-only strategy ERC-4626 vault whose `previewRedeem` can be made to revert while `withdraw`,
/// `maxWithdraw` and `maxRedeem` keep working: the vault then counts the position at its book value, and a partial
/// withdrawal still goes through (a full redeem, which previews, does not).
contract PreviewRevertingStrategy is ERC4626 {
    /// @notice Thrown by `previewRedeem` while it is set to revert.
    error PreviewBroken();

    /// @notice Whether `previewRedeem` reverts.
    bool public previewReverts;

    constructor(IERC20 asset_) ERC20("Preview-reverting strategy", "pSTRAT") ERC4626(asset_) {}

    /// @notice Makes `previewRedeem` revert, or work again.
    function setPreviewReverts(bool reverts) external {
        previewReverts = reverts;
    }

    function previewRedeem(uint256 shares) public view override returns (uint256) {
        if (previewReverts) revert PreviewBroken();
        return super.previewRedeem(shares);
    }
}
