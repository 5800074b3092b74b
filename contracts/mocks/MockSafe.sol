// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MockSafe
/// @notice Test-only stand-in for a Safe multisig as the treasury's governance: the views a Safe answers
/// (`getOwners`, `getThreshold`, `nonce`, `VERSION`) and a one-owner execution path for the calls of a Safe
/// Transaction Builder batch. Not a multisig: any one owner executes.
contract MockSafe {
    /// @notice Safe's own version string, as the Safe app reads it.
    string public constant VERSION = "1.4.1";

    address[] internal _owners;
    uint256 public nonce;

    /// @notice A call was executed by an owner.
    event Executed(address indexed to, uint256 value, bytes data);

    error NotOwner(address caller);
    error CallFailed(address to, bytes reason);

    constructor(address[] memory owners_) {
        _owners = owners_;
    }

    function getOwners() external view returns (address[] memory) {
        return _owners;
    }

    function getThreshold() external pure returns (uint256) {
        return 1;
    }

    /// @notice Executes one call as the Safe; owners only.
    function exec(address to, uint256 value, bytes calldata data) external returns (bytes memory result) {
        bool owner;
        for (uint256 i = 0; i < _owners.length; i++) {
            if (_owners[i] == msg.sender) owner = true;
        }
        if (!owner) revert NotOwner(msg.sender);
        nonce++;
        bool ok;
        (ok, result) = to.call{value: value}(data);
        if (!ok) revert CallFailed(to, result);
        emit Executed(to, value, data);
    }
}
