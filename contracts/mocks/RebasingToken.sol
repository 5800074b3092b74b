// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title RebasingToken
/// @notice Test-only asset whose balances all move with a global index (stETH-like): holders keep internal shares,
/// `balanceOf` is shares x index, and `rebase` moves every balance up or down at once.
contract RebasingToken is IERC20, IERC20Metadata {
    uint256 internal constant ONE = 1e18;

    /// @notice Assets per internal share, 18 decimals.
    uint256 public index = ONE;
    uint256 internal _totalShares;
    mapping(address holder => uint256) internal _shares;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @notice Thrown when a holder moves more than its balance, or a spender more than its allowance.
    error InsufficientBalance();

    function name() external pure returns (string memory) {
        return "Rebasing USD";
    }

    function symbol() external pure returns (string memory) {
        return "rbUSD";
    }

    function decimals() external pure returns (uint8) {
        return 6;
    }

    /// @notice Moves every balance by `bps` of itself (10_000 = unchanged, 9_000 = -10%, 11_000 = +10%).
    function rebase(uint256 bps) external {
        index = Math.mulDiv(index, bps, 10_000);
    }

    function mint(address to, uint256 amount) external {
        uint256 shares = Math.mulDiv(amount, ONE, index);
        _shares[to] += shares;
        _totalShares += shares;
        emit Transfer(address(0), to, amount);
    }

    function totalSupply() external view returns (uint256) {
        return Math.mulDiv(_totalShares, index, ONE);
    }

    function balanceOf(address holder) public view returns (uint256) {
        return Math.mulDiv(_shares[holder], index, ONE);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert InsufficientBalance();
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) internal {
        // Shares round up against the sender, so a transfer never pays out more than the sender held.
        uint256 shares = Math.mulDiv(amount, ONE, index, Math.Rounding.Ceil);
        if (_shares[from] < shares) revert InsufficientBalance();
        _shares[from] -= shares;
        _shares[to] += shares;
        emit Transfer(from, to, amount);
    }
}
