// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MockERC20} from "./MockERC20.sol";

/// @title PausableMockERC20
/// @notice Test-only token its issuer can pause, like USDC: while paused every transfer reverts `EnforcedPause()`.
/// Open mint, burn, pause and unpause.
contract PausableMockERC20 is MockERC20, Pausable {
    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    function pause() external {
        _pause();
    }

    function unpause() external {
        _unpause();
    }

    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        super._update(from, to, value);
    }
}
