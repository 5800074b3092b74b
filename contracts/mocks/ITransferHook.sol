// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ITransferHook
/// @notice Test-only: what a HookToken calls on a registered sender or receiver (like ERC-777's tokensToSend and
/// tokensReceived).
interface ITransferHook {
    /// @notice Called before tokens leave a registered sender and after they reach a registered receiver.
    function onTokenTransfer(address from, address to, uint256 amount) external;
}
