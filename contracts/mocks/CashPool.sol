// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title CashPool
/// @notice Test-only pool of cash several strategies lend into (one market behind two vaults): what one of them pays
/// out, the others can no longer pay. A borrower can take cash out of it (utilization).
contract CashPool {
    using SafeERC20 for IERC20;

    IERC20 public immutable asset;
    /// @notice Assets lent out (owed back to the pool, counted in the strategies' value).
    uint256 public borrowed;

    constructor(IERC20 asset_) {
        asset = asset_;
    }

    /// @notice Cash available now.
    function cash() public view returns (uint256) {
        return asset.balanceOf(address(this));
    }

    /// @notice Sends `assets` of cash to `to` (any strategy of the pool; test-only, no access control).
    function pay(address to, uint256 assets) external {
        asset.safeTransfer(to, assets);
    }

    /// @notice A borrower takes `assets` of cash (still owed: the strategies' value does not change).
    function borrow(uint256 assets) external {
        borrowed += assets;
        asset.safeTransfer(msg.sender, assets);
    }
}
