// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ITransferHook} from "./ITransferHook.sol";

/// @title HookToken
/// @notice Test-only asset with transfer hooks: a holder that registers itself is called before its tokens leave
/// and after tokens arrive, so it can re-enter whatever contract moved them.
contract HookToken is ERC20 {
    /// @notice Whether an address asked to be called on its transfers.
    mapping(address holder => bool) public hooked;

    constructor() ERC20("Hook USD", "hkUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Registers (or unregisters) the caller for hooks on its transfers.
    function setHooked(bool on) external {
        hooked[msg.sender] = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (hooked[from]) ITransferHook(from).onTokenTransfer(from, to, value);
        super._update(from, to, value);
        if (hooked[to]) ITransferHook(to).onTokenTransfer(from, to, value);
    }
}
