// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title TreasuryVotes
/// @notice A fixed-supply ERC20Votes governance token for local networks and tests. An existing DAO uses its own.
contract TreasuryVotes is ERC20, ERC20Permit, ERC20Votes {
    /// @param holder Receives the whole supply.
    /// @param supply Total supply, in wei.
    constructor(address holder, uint256 supply) ERC20("Treasury Votes", "TVOTE") ERC20Permit("Treasury Votes") {
        _mint(holder, supply);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
