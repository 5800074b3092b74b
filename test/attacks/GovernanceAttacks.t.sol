// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../helpers/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {TreasuryVotes} from "../../contracts/governance/TreasuryVotes.sol";
import {TreasuryTimelock} from "../../contracts/governance/TreasuryTimelock.sol";
import {TreasuryGovernor} from "../../contracts/governance/TreasuryGovernor.sol";

/// @notice Attack classes 10 and 11 against the governance stack, wired as deploy/modules/Governance.ts wires it (only
/// the Governor proposes and cancels, anyone executes a ready operation, no admin left): an agent's key cannot reach
/// the Timelock or the Governor, and the one thing in the stack that is signed off-chain, the votes token's permit,
/// cannot be replayed on another deployment, another chain or twice.
contract GovernanceAttacksTest is Test {
    uint256 internal constant OWNER_KEY = 0xA11CE;
    address internal owner = vm.addr(OWNER_KEY);
    address internal agent = makeAddr("agent");

    TreasuryVotes internal votes;
    TreasuryTimelock internal timelock;
    TreasuryGovernor internal governor;

    function setUp() public {
        votes = new TreasuryVotes(owner, 1_000_000e18);
        vm.prank(owner);
        votes.delegate(owner);
        timelock = new TreasuryTimelock(1 hours, new address[](0), new address[](1), address(this));
        governor = new TreasuryGovernor(votes, timelock, 1, 50, 1e18, 4);
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));
        vm.roll(block.number + 1);
    }

    function _proposal()
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory data, string memory text)
    {
        targets = new address[](1);
        values = new uint256[](1);
        data = new bytes[](1);
        targets[0] = address(timelock);
        data[0] = abi.encodeCall(TimelockController.updateDelay, (0));
        text = "drop the delay";
    }

    // ================================================================ 11. the Timelock and the Governor

    function test_attack11_agentCannotUseTheTimelock() public {
        bytes memory call = abi.encodeCall(TimelockController.updateDelay, (0));
        bytes32 proposer = timelock.PROPOSER_ROLE();
        vm.startPrank(agent);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, agent, proposer)
        );
        timelock.schedule(address(timelock), 0, call, 0, 0, 1 hours);

        bytes32 id = timelock.hashOperation(address(timelock), 0, call, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, agent, timelock.CANCELLER_ROLE()
            )
        );
        timelock.cancel(id);

        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, agent));
        timelock.updateDelay(0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, agent, timelock.DEFAULT_ADMIN_ROLE()
            )
        );
        timelock.grantRole(proposer, agent);

        // Anyone may execute, but only what governance queued and the delay released.
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        timelock.execute(address(timelock), 0, call, 0, 0);
        vm.stopPrank();
        assertEq(timelock.getMinDelay(), 1 hours, "delay unchanged");
    }

    function test_attack11_agentCannotProposeOrCancelThroughTheGovernor() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory data, string memory text) = _proposal();
        vm.prank(agent);
        vm.expectRevert(
            abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, agent, 0, 1e18)
        );
        governor.propose(targets, values, data, text);

        vm.prank(owner);
        uint256 id = governor.propose(targets, values, data, text);
        assertTrue(governor.proposalNeedsQueuing(id), "every proposal goes through the Timelock");
        bytes32 descriptionHash = keccak256(bytes(text));
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorUnableToCancel.selector, id, agent));
        governor.cancel(targets, values, data, descriptionHash);

        vm.prank(owner);
        governor.cancel(targets, values, data, descriptionHash);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Canceled), "only its proposer cancels");
    }

    // ================================================================ 10. replay of a signature

    function _permitDigest(TreasuryVotes token, uint256 nonce) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                agent,
                1e18,
                nonce,
                block.timestamp + 1 days
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function _permit(TreasuryVotes token, uint8 v, bytes32 r, bytes32 s) internal {
        token.permit(owner, agent, 1e18, block.timestamp + 1 days, v, r, s);
    }

    /// @dev A permit is bound to its token (deployment), its chain and its nonce: replayed anywhere else it
    /// recovers another signer.
    function test_attack10_votesPermitCannotBeReplayed() public {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(OWNER_KEY, _permitDigest(votes, 0));
        _permit(votes, v, r, s);
        assertEq(votes.allowance(owner, agent), 1e18, "the permit worked once");
        assertEq(votes.nonces(owner), 1, "nonce used");

        vm.expectPartialRevert(ERC20Permit.ERC2612InvalidSigner.selector);
        _permit(votes, v, r, s); // replayed on the same token

        TreasuryVotes other = new TreasuryVotes(owner, 1e18);
        vm.expectPartialRevert(ERC20Permit.ERC2612InvalidSigner.selector);
        _permit(other, v, r, s); // on another deployment

        (v, r, s) = vm.sign(OWNER_KEY, _permitDigest(votes, 1));
        vm.chainId(block.chainid + 1);
        vm.expectPartialRevert(ERC20Permit.ERC2612InvalidSigner.selector);
        _permit(votes, v, r, s); // on a fork with another chain id
    }
}
