// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeeOnTransferToken
/// @notice Test-only asset that burns a fee out of every transfer, so the receiver gets less than was sent (a
/// fee-on-transfer token, or USDT with its fee switch on). Mints are free of fee.
contract FeeOnTransferToken is ERC20 {
    uint256 internal constant BPS = 10_000;

    /// @notice Fee burnt out of every transfer, in bps of the amount.
    uint256 public feeBps;

    constructor(uint256 feeBps_) ERC20("Fee-on-transfer USD", "fotUSD") {
        feeBps = feeBps_;
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Sets the transfer fee, in bps.
    function setFeeBps(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || feeBps == 0) return super._update(from, to, value);
        uint256 fee = Math.mulDiv(value, feeBps, BPS);
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
