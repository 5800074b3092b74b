// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title PlainERC4626
/// @notice Test-only baseline: OpenZeppelin's ERC4626 with nothing added, to compare user-path gas against.
contract PlainERC4626 is ERC4626 {
    constructor(IERC20 asset_) ERC20("Plain vault", "PLAIN") ERC4626(asset_) {}
}
