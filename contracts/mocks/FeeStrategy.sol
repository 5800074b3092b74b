// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeeStrategy
/// @notice Test-only strategy ERC-4626 vault that keeps an entry fee on every deposit and sends it to a fee recipient,
/// so a depositor's position is worth less than it paid (a lossy move for the treasury's loss limits).
/// @dev The fee is `assets * entryFeeBps / 10_000`, rounded up, taken out of the deposited assets. `previewDeposit`
/// and `previewMint` account for it, as ERC-4626 requires.
contract FeeStrategy is ERC4626 {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;

    /// @notice Entry fee, in bps of the assets deposited.
    uint256 public entryFeeBps;

    /// @notice Thrown when an entry fee of 100% or more is set.
    error FeeTooHigh(uint256 entryFeeBps);
    /// @notice Where entry fees go.
    address public immutable feeRecipient;

    constructor(IERC20 asset_, uint256 entryFeeBps_, address feeRecipient_)
        ERC20("Fee strategy", "fSTRAT")
        ERC4626(asset_)
    {
        if (entryFeeBps_ >= BPS) revert FeeTooHigh(entryFeeBps_);
        entryFeeBps = entryFeeBps_;
        feeRecipient = feeRecipient_;
    }

    /// @notice Sets the entry fee, in bps.
    function setEntryFeeBps(uint256 entryFeeBps_) external {
        if (entryFeeBps_ >= BPS) revert FeeTooHigh(entryFeeBps_);
        entryFeeBps = entryFeeBps_;
    }

    /// @notice Fee kept on a deposit of `assets`, in assets.
    function entryFee(uint256 assets) public view returns (uint256) {
        return assets.mulDiv(entryFeeBps, BPS, Math.Rounding.Ceil);
    }

    function previewDeposit(uint256 assets) public view override returns (uint256) {
        return super.previewDeposit(assets - entryFee(assets));
    }

    function previewMint(uint256 shares) public view override returns (uint256) {
        // Gross up the net assets so that gross - entryFee(gross) >= net.
        return super.previewMint(shares).mulDiv(BPS, BPS - entryFeeBps, Math.Rounding.Ceil);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        uint256 fee = entryFee(assets);
        if (fee != 0) SafeERC20.safeTransfer(IERC20(asset()), feeRecipient, fee);
    }
}
