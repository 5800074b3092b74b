// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AttackBase} from "./AttackBase.t.sol";
import {TreasuryVaultAdmin} from "../../contracts/vault/TreasuryVaultAdmin.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";
import {MockERC1271Signer} from "../../contracts/mocks/MockERC1271Signer.sol";

/// @notice The step-up: a rebalance whose volume is above a governance-set threshold needs an EIP-712 co-signature from
/// a policy key with a deadline; below it the session acts alone. A stolen or prompt-injected agent key then moves at
/// most the threshold per call without a second key. Fixture (AttackBase): 300e6 in each of three strategies, 100e6
/// idle; threshold 100e6.
contract StepUpTest is AttackBase {
    uint128 internal constant THRESHOLD = 100e6;
    bytes32 internal constant TYPEHASH = keccak256(
        "CoSignature(address vault,uint256 sessionId,address agent,bytes32 targetsHash,bytes32 intentHash,uint256 deadline)"
    );

    uint256 internal policyKey;
    address internal policySigner;

    function setUp() public override {
        super.setUp();
        (policySigner, policyKey) = makeAddrAndKey("policy");
        vm.prank(governance);
        vault.setStepUp(THRESHOLD, policySigner);
    }

    // ---------------------------------------------------------------- helpers

    function _digest(
        address v,
        ITreasuryVault.Allocation[] memory t,
        uint256 id,
        address who,
        bytes32 intent,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("TreasuryVault"),
                keccak256("1"),
                block.chainid,
                v
            )
        );
        bytes32 structHash = keccak256(abi.encode(TYPEHASH, v, id, who, keccak256(abi.encode(t)), intent, deadline));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _cosign(ITreasuryVault.Allocation[] memory t, uint256 id, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        return _sign(policyKey, _digest(address(vault), t, id, agent, INTENT, deadline));
    }

    function _tryCosigned(
        address caller,
        ITreasuryVault.Allocation[] memory t,
        uint256 id,
        uint256 deadline,
        bytes memory signature
    ) internal returns (bool ok, bytes memory ret) {
        vm.prank(caller);
        (ok, ret) = address(vault).call(
            abi.encodeCall(ITreasuryVault.rebalanceCosigned, (t, id, INTENT, deadline, signature))
        );
    }

    /// @dev A move of volume 2 x `amount`: `amount` from strategy 0 to strategy 1.
    function _move(uint256 amount) internal view returns (ITreasuryVault.Allocation[] memory) {
        return _targets3(300e6 - amount, 300e6 + amount, 300e6);
    }

    // ================================================================ the attack

    /// @notice Without a step-up a stolen agent key moves as much as its session allows in one call: the scenario
    /// fails without the feature.
    function test_withoutStepUp_aStolenKeyMovesEverythingAlone() public {
        vm.prank(governance);
        vault.setStepUp(0, address(0));
        (bool ok,) = _tryRebalance(agent, _move(200e6), sid);
        assertTrue(ok, "400e6 of volume, no second key");
    }

    /// @notice With it, the same call is refused with the volume and the threshold; the preview predicts it.
    function test_RevertWhen_aboveTheThresholdAlone() public {
        _assertRebalanceReverts(
            _move(200e6), sid, abi.encodeWithSelector(ErrorsLib.CoSignatureRequired.selector, 400e6, THRESHOLD)
        );
    }

    function test_rebalance_atTheThresholdActsAlone_oneAboveNeedsTheCoSignature() public {
        (bool ok,) = _tryRebalance(agent, _move(50e6), sid);
        assertTrue(ok, "volume exactly the threshold");
        vm.warp(block.timestamp + 1);
        ITreasuryVault.Allocation[] memory t = _targets3(200e6 - 1, 400e6 + 1, 300e6);
        _assertRebalanceReverts(
            t, sid, abi.encodeWithSelector(ErrorsLib.CoSignatureRequired.selector, THRESHOLD + 2, THRESHOLD)
        );
    }

    function test_rebalanceCosigned_passesAboveTheThreshold_emits() public {
        ITreasuryVault.Allocation[] memory t = _move(200e6);
        uint256 deadline = block.timestamp + 60;
        bytes32 digest = _digest(address(vault), t, sid, agent, INTENT, deadline);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.CoSignatureAccepted(digest, sid, policySigner);
        (bool ok,) = _tryCosigned(agent, t, sid, deadline, _sign(policyKey, digest));
        assertTrue(ok, "co-signed");
        assertEq(vault.allocation(_s(1)), 500e6, "moved");
        _assertConsistent("after the co-signed move");
    }

    /// @notice The session is checked before the threshold: a key without a live session learns nothing of it.
    function test_RevertWhen_sessionExpired_beforeTheStepUp() public {
        vm.warp(block.timestamp + 31 days);
        (bool ok, bytes memory ret) = _tryRebalance(agent, _move(200e6), sid);
        assertFalse(ok, "refused");
        assertEq(bytes4(ret), ErrorsLib.SessionExpired.selector, "the session's error, not the step-up's");
    }

    // ================================================================ what a co-signature covers

    function test_RevertWhen_coSignatureReplayed() public {
        ITreasuryVault.Allocation[] memory t = _move(200e6);
        uint256 deadline = block.timestamp + 60;
        bytes memory sig = _cosign(t, sid, deadline);
        (bool ok,) = _tryCosigned(agent, t, sid, deadline, sig);
        assertTrue(ok, "first use");
        vm.warp(block.timestamp + 1);
        bytes32 digest = _digest(address(vault), t, sid, agent, INTENT, deadline);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.CoSignatureUsed.selector, digest));
        vm.prank(agent);
        vault.rebalanceCosigned(t, sid, INTENT, deadline, sig);
    }

    function test_RevertWhen_coSignatureExpired() public {
        ITreasuryVault.Allocation[] memory t = _move(200e6);
        uint256 deadline = block.timestamp + 60;
        bytes memory sig = _cosign(t, sid, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.DeadlinePassed.selector, deadline));
        vm.prank(agent);
        vault.rebalanceCosigned(t, sid, INTENT, deadline, sig);
    }

    function test_RevertWhen_wrongSigner() public {
        ITreasuryVault.Allocation[] memory t = _move(200e6);
        uint256 deadline = block.timestamp + 60;
        (, uint256 impostorKey) = makeAddrAndKey("impostor");
        bytes32 digest = _digest(address(vault), t, sid, agent, INTENT, deadline);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.CoSignatureInvalid.selector, policySigner, digest));
        vm.prank(agent);
        vault.rebalanceCosigned(t, sid, INTENT, deadline, _sign(impostorKey, digest));
    }

    function test_RevertWhen_targetsChanged() public {
        uint256 deadline = block.timestamp + 60;
        bytes memory sig = _cosign(_move(200e6), sid, deadline);
        (bool ok, bytes memory ret) = _tryCosigned(agent, _move(250e6), sid, deadline, sig);
        assertFalse(ok, "other targets refused");
        assertEq(bytes4(ret), ErrorsLib.CoSignatureInvalid.selector, "invalid for the targets sent");
    }

    function test_RevertWhen_anotherAgentUsesIt() public {
        address other = makeAddr("otherAgent");
        ISessionManager.SessionParams memory p = _params();
        p.agent = other;
        uint256 otherId = _grant(p);
        ITreasuryVault.Allocation[] memory t = _move(200e6);
        uint256 deadline = block.timestamp + 60;
        // Signed for `other`'s session but for the agent's key, then for the agent's session: neither fits `other`.
        bytes memory sig = _sign(policyKey, _digest(address(vault), t, otherId, agent, INTENT, deadline));
        (bool ok, bytes memory ret) = _tryCosigned(other, t, otherId, deadline, sig);
        assertFalse(ok, "signed for another agent");
        assertEq(bytes4(ret), ErrorsLib.CoSignatureInvalid.selector, "invalid for this caller");
        (ok, ret) = _tryCosigned(other, t, otherId, deadline, _cosign(t, sid, deadline));
        assertFalse(ok, "signed for another session");
        assertEq(bytes4(ret), ErrorsLib.CoSignatureInvalid.selector, "invalid for this session");
    }

    function test_RevertWhen_signedForAnotherVault() public {
        ITreasuryVault.Allocation[] memory t = _move(200e6);
        uint256 deadline = block.timestamp + 60;
        bytes memory sig = _sign(policyKey, _digest(makeAddr("otherVault"), t, sid, agent, INTENT, deadline));
        (bool ok, bytes memory ret) = _tryCosigned(agent, t, sid, deadline, sig);
        assertFalse(ok, "signed for another vault");
        assertEq(bytes4(ret), ErrorsLib.CoSignatureInvalid.selector, "invalid here");
    }

    /// @notice A contract policy signer (a risk multisig) co-signs through ERC-1271.
    function test_rebalanceCosigned_erc1271Signer() public {
        (address owner, uint256 ownerKey) = makeAddrAndKey("multisigOwner");
        MockERC1271Signer multisig = new MockERC1271Signer(owner);
        vm.prank(governance);
        vault.setStepUp(THRESHOLD, address(multisig));
        ITreasuryVault.Allocation[] memory t = _move(200e6);
        uint256 deadline = block.timestamp + 60;
        bytes32 digest = _digest(address(vault), t, sid, agent, INTENT, deadline);
        (bool ok,) = _tryCosigned(agent, t, sid, deadline, _sign(policyKey, digest));
        assertFalse(ok, "the old EOA's signature no longer counts");
        (ok,) = _tryCosigned(agent, t, sid, deadline, _sign(ownerKey, digest));
        assertTrue(ok, "the multisig's ERC-1271 answer counts");
    }

    /// @notice The admin module's check runs only in the vault's context.
    function test_RevertWhen_adminCalledDirectly() public {
        address admin = address(adminModule);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.OnlyVault.selector, address(this)));
        TreasuryVaultAdmin(admin).useCoSignature(bytes32(0), sid, agent, INTENT, block.timestamp, "");
    }

    // ================================================================ who sets it

    function test_setStepUp_guardianLowersWithTheSameSigner_emits() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StepUpSet(THRESHOLD / 2, policySigner, guardian);
        vm.prank(guardian);
        vault.setStepUp(THRESHOLD / 2, policySigner);
        (uint128 threshold, address signer) = vault.stepUp();
        assertEq(threshold, THRESHOLD / 2, "lowered");
        assertEq(signer, policySigner, "same signer");
    }

    function test_RevertWhen_guardianLoosensOrChangesTheSigner() public {
        vm.startPrank(guardian);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        vault.setStepUp(THRESHOLD + 1, policySigner);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        vault.setStepUp(0, policySigner);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        vault.setStepUp(THRESHOLD / 2, makeAddr("guardiansFriend"));
        vm.stopPrank();
    }

    function test_RevertWhen_thresholdWithoutSigner() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StepUpWithoutSigner.selector, THRESHOLD));
        vm.prank(governance);
        vault.setStepUp(THRESHOLD, address(0));
    }

    function test_RevertWhen_strangerSetsTheStepUp() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, alice));
        vm.prank(alice);
        vault.setStepUp(1, policySigner);
    }

    // ================================================================ fuzz

    /// @notice For any move, the agent alone passes exactly when the volume is at most the threshold, the preview
    /// agrees, and with the co-signature it passes either way.
    function testFuzz_rebalance_needsTheCoSignatureExactlyAboveTheThreshold(uint256 amount, uint128 threshold) public {
        amount = bound(amount, 1, 200e6);
        threshold = uint128(bound(threshold, 1, 500e6));
        vm.prank(governance);
        vault.setStepUp(threshold, policySigner);
        ITreasuryVault.Allocation[] memory t = _move(amount);
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(t, sid, agent);
        (bool ok,) = _tryRebalance(agent, t, sid);
        assertEq(ok, 2 * amount <= threshold, "alone exactly up to the threshold");
        assertEq(p.ok, ok, "the preview agrees");
        if (!ok) {
            uint256 deadline = block.timestamp + 60;
            (ok,) = _tryCosigned(agent, t, sid, deadline, _cosign(t, sid, deadline));
            assertTrue(ok, "co-signed passes");
        }
    }
}
