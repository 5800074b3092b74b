// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {MockStrategy} from "./MockStrategy.sol";
import {MockERC20} from "./MockERC20.sol";

/// @title LensHostileStrategy
/// @notice Test-only strategy whose `balanceOf` and `decimals` misbehave on demand, the way a broken or hostile
/// strategy could try to take down a reader: revert, answer fewer than 32 bytes, burn every unit of gas, answer a huge
/// blob, or (decimals) answer a word no uint8 holds.
contract LensHostileStrategy is MockStrategy {
    enum Mode {
        Honest,
        Revert,
        ShortAnswer,
        BurnGas,
        HugeAnswer,
        OutOfRangeWord
    }

    /// @notice Thrown by a view in `Revert` mode.
    error HostileView();

    /// @dev Bytes of the `HugeAnswer` blob: ~200k gas of memory for the strategy to pay, none for a careful caller.
    uint256 internal constant HUGE_ANSWER = 300_000;

    Mode public balanceOfMode;
    Mode public decimalsMode;

    constructor(MockERC20 asset_, string memory name_) MockStrategy(asset_, name_) {}

    /// @notice Sets how `balanceOf` and `decimals` misbehave.
    function setModes(Mode balanceOfMode_, Mode decimalsMode_) external {
        balanceOfMode = balanceOfMode_;
        decimalsMode = decimalsMode_;
    }

    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        _misbehave(balanceOfMode);
        return super.balanceOf(account);
    }

    function decimals() public view override returns (uint8) {
        _misbehave(decimalsMode);
        return super.decimals();
    }

    function _misbehave(Mode mode) internal view {
        if (mode == Mode.Honest) return;
        if (mode == Mode.Revert) revert HostileView();
        if (mode == Mode.BurnGas) {
            // Spins until the call runs out of gas.
            while (gasleft() != 0) {}
        }
        uint256 size = HUGE_ANSWER;
        assembly ("memory-safe") {
            switch mode
            // ShortAnswer: 31 bytes, one short of a word.
            case 2 {
                mstore(0x00, 1)
                return(0x00, 31)
            }
            // HugeAnswer: a first word of 1, then zeros.
            case 4 {
                mstore(0x00, 1)
                return(0x00, size)
            }
            // OutOfRangeWord: a full word no uint8 holds.
            default {
                mstore(0x00, 0x1000)
                return(0x00, 0x20)
            }
        }
    }
}
