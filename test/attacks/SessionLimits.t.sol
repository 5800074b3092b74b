// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AttackBase} from "./AttackBase.t.sol";
import {FeeStrategy} from "../../contracts/mocks/FeeStrategy.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice The limits a session carries beyond scope and rate, attacked through the vault: its own loss allowance
/// (a stolen or prompt-injected key loses at most that, and is revoked when it tries for more), reduce-only keepers
/// (can only take money out of strategies), and key rotation (the old key loses the session at once).
/// Fixture (AttackBase): alice 600e6, bob 400e6, 300e6 in each of three strategies, 100e6 idle; a FeeStrategy (1%
/// entry fee) listed as index 3 makes every deposit into it a loss of 1%.
contract SessionLimitsTest is AttackBase {
    uint16 internal constant FEE_BPS = 100;
    uint128 internal constant ALLOWANCE = 2e6;

    FeeStrategy internal feeStrategy;
    address internal keeper = makeAddr("keeper");
    address internal newKey = makeAddr("newKey");

    function setUp() public override {
        super.setUp();
        feeStrategy = new FeeStrategy(IERC20(address(asset)), FEE_BPS, makeAddr("feeSink"));
        vm.prank(governance);
        vault.addStrategy(address(feeStrategy), ABS_CAP, REL_CAP_BPS);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Moves the fixture's strategies down to 100e6 each (idle 700e6), so lossy deposits keep the idle buffer, and
    /// grants a session over all four strategies with its own loss allowance `maxLoss`.
    function _lossySession(uint128 maxLoss) internal returns (uint256 id) {
        _rebalance(_targets3(100e6, 100e6, 100e6), sid);
        ISessionManager.SessionParams memory p = _params();
        p.scope = 0xF;
        p.maxLoss = maxLoss;
        id = _grant(p);
    }

    function _intoFee(uint256 amount) internal view returns (ITreasuryVault.Allocation[] memory) {
        return _targets1(address(feeStrategy), vault.allocation(address(feeStrategy)) + amount);
    }

    function _keeperSession() internal returns (uint256 id) {
        ISessionManager.SessionParams memory p = _params();
        p.agent = keeper;
        p.reduceOnly = true;
        id = _grant(p);
    }

    function _asKeeper(ITreasuryVault.Allocation[] memory t, uint256 id) internal returns (bool ok, bytes memory ret) {
        (ok, ret) = _tryRebalance(keeper, t, id);
    }

    // ================================================================ the session's own loss allowance

    /// @notice The attack the allowance exists for: a stolen key pays entry fees out of the treasury (1% of every
    /// deposit into the fee strategy). Within the allowance each call passes and is charged; the call that would pass it
    /// moves nothing, and the session is revoked in that same call, so the key has lost exactly its allowance.
    function test_stolenKey_losesAtMostItsAllowance_thenItsSessionIsRevoked() public {
        uint256 id = _lossySession(ALLOWANCE);
        uint256 totalBefore = vault.totalAssets();

        (bool ok,) = _tryRebalance(agent, _intoFee(100e6), id);
        assertTrue(ok, "first lossy call within the allowance");
        assertEq(sessions.getSession(id).lossUsed, 1e6, "1% of 100e6 charged");
        assertEq(sessions.remaining(id).lossLeft, 1e6, "1e6 left");
        vm.warp(block.timestamp + 1);
        (ok,) = _tryRebalance(agent, _intoFee(100e6), id);
        assertTrue(ok, "second call spends the allowance exactly");
        assertEq(sessions.remaining(id).lossLeft, 0, "nothing left");
        uint256 totalSpent = vault.totalAssets();
        assertEq(totalBefore - totalSpent, ALLOWANCE, "the treasury lost exactly the allowance");

        // The third call would lose 0.1e6 more: undone, and the session revoked by the vault in the same call.
        vm.warp(block.timestamp + 1);
        uint256 feeBook = vault.allocation(address(feeStrategy));
        uint256 idle = vault.idle();
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionLossBudgetSpent(id, ALLOWANCE + 0.1e6, ALLOWANCE);
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionRevoked(id, address(vault));
        vm.recordLogs();
        (ok,) = _tryRebalance(agent, _intoFee(10e6), id);
        assertTrue(ok, "the call returns: its revocation stands");
        assertEq(vault.totalAssets(), totalSpent, "nothing more lost");
        assertEq(vault.allocation(address(feeStrategy)), feeBook, "nothing moved into the strategy");
        assertEq(vault.idle(), idle, "idle unchanged");
        assertTrue(sessions.getSession(id).revoked, "session revoked");
        assertEq(sessions.getSession(id).lossUsed, ALLOWANCE, "the refused loss is not charged");
        assertEq(sessions.activeSessionsOf(agent, address(vault)).length, 1, "only the default session is left");

        // The key is done with this session, even for moves that lose nothing.
        vm.warp(block.timestamp + 1);
        (ok,) = _tryRebalance(agent, _targets1(_s(0), 200e6), id);
        assertFalse(ok, "revoked session refused");
        _assertConsistent("after the revocation");
    }

    /// @notice Without the allowance the same key goes on losing until the vault's own epoch budget stops it: the
    /// scenario above fails without the feature.
    function test_withoutAnAllowance_theSameKeyLosesMore() public {
        uint256 id = _lossySession(0);
        uint256 totalBefore = vault.totalAssets();
        for (uint256 i; i < 3; ++i) {
            (bool ok,) = _tryRebalance(agent, _intoFee(100e6), id);
            assertTrue(ok, "lossy call passes: only the vault's limits bind");
            vm.warp(block.timestamp + 1);
        }
        assertGt(totalBefore - vault.totalAssets(), ALLOWANCE, "lost more than the allowance would have let it");
        assertFalse(sessions.getSession(id).revoked, "still live");
        assertEq(sessions.remaining(id).lossLeft, type(uint256).max, "no allowance of its own");
    }

    /// @notice The preview reports the refusal without revoking anything, so an honest daemon never sends the call.
    function test_previewRebalance_reportsTheAllowanceAndRevokesNothing() public {
        uint256 id = _lossySession(ALLOWANCE);
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(_intoFee(300e6), id, agent);
        assertFalse(p.ok, "refused");
        assertEq(
            p.reason,
            abi.encodeWithSelector(ErrorsLib.SessionLossBudgetExceeded.selector, id, 3e6, ALLOWANCE),
            "the session's allowance named with the call's loss and what is left"
        );
        assertFalse(sessions.getSession(id).revoked, "a preview revokes nothing");
        assertEq(sessions.remaining(id).lossLeft, ALLOWANCE, "and charges nothing");
    }

    /// @notice A rebalance that loses nothing is never charged, even with nothing left of the allowance.
    function test_lossFreeMoves_needNoAllowance() public {
        uint256 id = _lossySession(1e6);
        (bool ok,) = _tryRebalance(agent, _intoFee(100e6), id);
        assertTrue(ok, "spends the allowance");
        vm.warp(block.timestamp + 1);
        (ok,) = _tryRebalance(agent, _targets2(_s(0), 200e6, _s(1), 400e6), id);
        assertTrue(ok, "a loss-free move still passes");
        assertFalse(sessions.getSession(id).revoked, "not revoked");
    }

    /// @notice Nobody can use the revocation path against someone else's session: another key naming the session is
    /// refused as before, with nothing revoked.
    function test_otherKey_cannotRevokeASessionThroughTheVault() public {
        uint256 id = _lossySession(1);
        (bool ok, bytes memory ret) = _tryRebalance(bob, _intoFee(100e6), id);
        assertFalse(ok, "refused");
        assertEq(ret, abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, id, bob), "not the session's agent");
        assertFalse(sessions.getSession(id).revoked, "nothing revoked");
    }

    /// @notice Only the session's vault charges or revokes through the allowance, and only for a loss that passes it.
    function test_RevertWhen_allowanceEntryPointsCalledByOthers() public {
        uint256 id = _lossySession(ALLOWANCE);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, id, agent));
        vm.prank(agent);
        sessions.chargeLoss(id, 1);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotSessionVault.selector, id, agent));
        vm.prank(agent);
        sessions.revokeOverLossBudget(id, ALLOWANCE + 1);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SessionLossWithinBudget.selector, id, ALLOWANCE));
        vm.prank(address(vault));
        sessions.revokeOverLossBudget(id, ALLOWANCE);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SessionLossWithinBudget.selector, sid, 1e30));
        vm.prank(address(vault));
        sessions.revokeOverLossBudget(sid, 1e30);
    }

    /// @notice Whatever the sequence of lossy moves, what a session is charged never passes its allowance, and the
    /// treasury's loss through it is at most what it was charged.
    function testFuzz_chargedLossNeverPassesTheAllowance(uint128 allowance, uint256 seed) public {
        allowance = uint128(bound(allowance, 1, 5e6));
        uint256 id = _lossySession(allowance);
        uint256 totalBefore = vault.totalAssets();
        for (uint256 i; i < 6; ++i) {
            uint256 amount = bound(uint256(keccak256(abi.encode(seed, i))), 1e6, 150e6);
            _tryRebalance(agent, _intoFee(amount), id);
            vm.warp(block.timestamp + 1);
            ISessionManager.Session memory s = sessions.getSession(id);
            assertLe(s.lossUsed, allowance, "charged within the allowance");
            if (s.revoked) break;
        }
        assertLe(totalBefore - vault.totalAssets(), sessions.getSession(id).lossUsed, "loss <= charged");
    }

    // ================================================================ reduce-only keepers

    /// @notice A reduce-only keeper takes a strategy down to idle (part or all of it) but can never raise one, alone or
    /// beside a reduction, so handing it to a wider set of keepers risks no new exposure.
    function test_reduceOnlyKeeper_deRisks_butCannotRaise() public {
        uint256 id = _keeperSession();
        (bool ok,) = _asKeeper(_targets1(_s(0), 100e6), id);
        assertTrue(ok, "trims strategy 0 into idle");
        vm.warp(block.timestamp + 1);
        (ok,) = _asKeeper(_targets1(_s(1), 0), id);
        assertTrue(ok, "exits strategy 1 entirely");
        assertEq(vault.idle(), 100e6 + 200e6 + 300e6, "all of it in idle");
        vm.warp(block.timestamp + 1);

        (ok,) = _asKeeper(_targets1(_s(2), 301e6), id);
        assertFalse(ok, "raise refused");
        ITreasuryVault.Allocation[] memory mixed = _targets2(_s(0), 0, _s(2), 400e6);
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(mixed, id, keeper);
        bytes memory expected = abi.encodeWithSelector(ErrorsLib.ReduceOnlySession.selector, id, 1 << 2);
        assertEq(p.reason, expected, "preview names the raised strategy");
        bytes memory ret;
        (ok, ret) = _asKeeper(mixed, id);
        assertFalse(ok, "a raise beside a reduction is refused too");
        assertEq(ret, expected, "ReduceOnlySession with the raised strategies' mask");
        _assertConsistent("after the keeper");
    }

    /// @notice The same moves through a session without the flag raise freely: the refusal above is the flag's.
    function test_withoutReduceOnly_theKeeperRaises() public {
        ISessionManager.SessionParams memory p = _params();
        p.agent = keeper;
        uint256 id = _grant(p);
        (bool ok,) = _asKeeper(_targets2(_s(0), 0, _s(2), 400e6), id);
        assertTrue(ok, "the same raise beside a reduction passes");
    }

    // ================================================================ key rotation

    /// @notice A compromised or retired key is replaced in one call: the new key holds the very same session (its
    /// budgets already used, its cooldown, its expiry), and the old key can no longer use it.
    function test_rotation_movesTheSessionWhole_andTheOldKeyIsOut() public {
        ISessionManager.SessionParams memory p = _params();
        p.minInterval = 1 hours;
        uint256 id = _grant(p);
        (bool ok,) = _tryRebalance(agent, _targets1(_s(0), 200e6), id);
        assertTrue(ok, "the old key acts");
        ISessionManager.Remaining memory before = sessions.remaining(id);

        // The session admin rotates within the vault's ceilings for the new key, as for a grant.
        vm.prank(governance);
        sessions.setCeilings(address(vault), ISessionManager.Ceilings(7 days, p.maxVolumePerCall, p.maxVolumePerEpoch));
        vm.expectEmit(true, true, true, true, address(sessions));
        emit EventsLib.SessionAgentRotated(id, agent, newKey, sessionAdmin);
        vm.prank(sessionAdmin);
        sessions.rotateAgent(id, newKey);

        ISessionManager.Remaining memory r = sessions.remaining(id);
        assertEq(r.volumeInEpoch, before.volumeInEpoch, "epoch volume used carries over");
        assertEq(r.callsInEpoch, before.callsInEpoch, "calls used carry over");
        assertEq(r.nextCallAt, before.nextCallAt, "cooldown carries over");
        assertEq(r.timeLeft, before.timeLeft, "same expiry");
        (ok,) = _tryRebalance(newKey, _targets1(_s(0), 100e6), id);
        assertFalse(ok, "the new key waits out the old key's cooldown");

        vm.warp(block.timestamp + 1 hours);
        bytes memory ret;
        (ok, ret) = _tryRebalance(agent, _targets1(_s(0), 100e6), id);
        assertFalse(ok, "the old key is out");
        assertEq(ret, abi.encodeWithSelector(ErrorsLib.NotSessionAgent.selector, id, agent), "NotSessionAgent");
        (ok,) = _tryRebalance(newKey, _targets1(_s(0), 100e6), id);
        assertTrue(ok, "the new key acts");
        assertEq(sessions.activeSessionsOf(newKey, address(vault))[0], id, "listed for the new key");
        assertEq(sessions.activeSessionsOf(agent, address(vault)).length, 1, "the old key keeps only its other session");
    }

    // ================================================================ the admin module

    /// @notice The governance entry points run in the vault's context only: called directly, the vault's admin
    /// contract refuses everything, so nobody can configure it as if it were a vault.
    function test_adminModule_refusesDirectCalls() public {
        address admin = address(adminModule);
        assertGt(admin.code.length, 0, "the vault's admin contract is deployed");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.OnlyVault.selector, governance));
        vm.prank(governance);
        ITreasuryVault(admin).setIdleBuffer(0);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.OnlyVault.selector, governance));
        vm.prank(governance);
        ITreasuryVault(admin).addStrategy(address(feeStrategy), 1, 1);
        // Through the vault the same call works, on the vault's storage.
        vm.prank(governance);
        vault.setIdleBuffer(2_000);
        assertEq(vault.bounds().idleBufferBps, 2_000, "set on the vault");
    }

    /// @notice A contract may preview and then rebalance in one transaction: the preview releases the reentrancy lock
    /// it takes for its simulation.
    function test_previewThenRebalance_inOneTransaction() public {
        ITreasuryVault.Allocation[] memory t = _targets1(_s(0), 250e6);
        assertTrue(vault.previewRebalance(t, sid, agent).ok, "preview ok");
        (bool ok,) = _tryRebalance(agent, t, sid);
        assertTrue(ok, "the rebalance in the same transaction passes");
        _deposit(alice, 1e6);
    }
}
