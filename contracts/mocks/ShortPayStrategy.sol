// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ShortPayStrategy
/// @notice Test-only hostile strategy ERC-4626 vault that breaks the amounts ERC-4626 promises: a withdrawal burns
/// the shares for the assets asked but pays less (the rest goes to a sink, lost to every holder), and a deposit
/// pulls less than the depositor approved and mints shares for what it pulled only.
contract ShortPayStrategy is ERC4626 {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;
    /// @notice Where the part of a withdrawal kept back goes.
    address public constant SINK = address(0xdEaD);

    /// @notice Part of every withdrawal kept back, in bps.
    uint256 public payShortBps;
    /// @notice Part of every deposit not pulled, in bps.
    uint256 public pullShortBps;

    constructor(IERC20 asset_) ERC20("Short-pay strategy", "spSTRAT") ERC4626(asset_) {}

    /// @notice Sets the part of every withdrawal kept back, in bps.
    function setPayShortBps(uint256 bps) external {
        payShortBps = bps;
    }

    /// @notice Sets the part of every deposit not pulled, in bps.
    function setPullShortBps(uint256 bps) external {
        pullShortBps = bps;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256) internal override {
        uint256 pulled = assets - assets.mulDiv(pullShortBps, BPS);
        uint256 shares = previewDeposit(pulled);
        SafeERC20.safeTransferFrom(IERC20(asset()), caller, address(this), pulled);
        _mint(receiver, shares);
        emit Deposit(caller, receiver, pulled, shares);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        uint256 paid = assets - assets.mulDiv(payShortBps, BPS);
        SafeERC20.safeTransfer(IERC20(asset()), receiver, paid);
        if (assets != paid) SafeERC20.safeTransfer(IERC20(asset()), SINK, assets - paid);
        emit Withdraw(caller, receiver, owner, paid, shares);
    }
}
