// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AttackBase} from "./AttackBase.t.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";
import {MockStrategy} from "../../contracts/mocks/MockStrategy.sol";

/// @notice The withdrawable-liquidity floor: after a rebalance that raises a strategy, idle plus what the strategies
/// let go now must cover a governance-set share of total assets. The idle buffer alone does not prove the strategies
/// can pay out: a curator who keeps lenders in markets at 100% utilization passes every cap and the buffer.
/// Fixture (AttackBase): alice 600e6, bob 400e6, 300e6 in each of three strategies, 100e6 idle (the 10% buffer).
contract LiquidityFloorTest is AttackBase {
    uint16 internal constant FLOOR_BPS = 3_000; // 30%

    function _setFloor(address by, uint16 bps) internal {
        vm.prank(by);
        vault.setLiquidityFloor(bps);
    }

    /// @dev Strategies 0 and 1 become markets at 100% utilization: borrowers took all their cash, nothing leaves.
    function _lockMarkets() internal {
        MockStrategy(_s(0)).setWithdrawCap(0);
        MockStrategy(_s(1)).setWithdrawCap(0);
    }

    /// @dev The move the floor exists for: strategy 2 (liquid) emptied into the two locked markets.
    function _intoLockedMarkets() internal view returns (ITreasuryVault.Allocation[] memory) {
        return _targets3(450e6, 450e6, 0);
    }

    /// @dev Idle plus what every strategy lets go now (no liquidity groups in this fixture).
    function _available() internal view returns (uint256 sum) {
        sum = vault.idle();
        for (uint256 i; i < 3; ++i) {
            sum += MockStrategy(_s(i)).maxWithdraw(address(vault));
        }
    }

    // ================================================================ the attack

    /// @notice Without a floor the move passes every cap and the buffer, and leaves the depositors able to take out
    /// 10% of their money: the scenario fails without the feature.
    function test_withoutFloor_rebalanceLocksTheTreasuryInFullMarkets() public {
        _lockMarkets();
        assertEq(_available(), 400e6, "before: idle and strategy 2 can pay 40%");
        (bool ok,) = _tryRebalance(agent, _intoLockedMarkets(), sid);
        assertTrue(ok, "no floor: the move passes caps and buffer");
        assertEq(_available(), 100e6, "after: only the buffer can leave");
        assertEq(vault.maxWithdraw(alice), 100e6, "alice (600e6) can take out 100e6");
    }

    /// @notice With a 30% floor the same move is refused with the figures, and the preview says so first.
    function test_RevertWhen_rebalanceWouldLockTheTreasury_floorSet() public {
        _setFloor(governance, FLOOR_BPS);
        _lockMarkets();
        _assertRebalanceReverts(
            _intoLockedMarkets(),
            sid,
            abi.encodeWithSelector(ErrorsLib.LiquidityFloorBreached.selector, 100e6, 300e6)
        );
        assertEq(_available(), 400e6, "nothing moved");
        _assertConsistent("after the refusal");
    }

    /// @notice Exactly at the floor passes; one unit below is refused.
    function test_rebalance_atTheFloorPasses_oneBelowReverts() public {
        _setFloor(governance, FLOOR_BPS);
        _lockMarkets();
        // Available after: 400e6 less what goes into the locked strategy 0; required 300e6.
        _assertRebalanceReverts(
            _targets3(400e6 + 1, 300e6, 200e6 - 1),
            sid,
            abi.encodeWithSelector(ErrorsLib.LiquidityFloorBreached.selector, 300e6 - 1, 300e6)
        );
        (bool ok,) = _tryRebalance(agent, _targets3(400e6, 300e6, 200e6), sid);
        assertTrue(ok, "exactly at the floor");
        assertEq(_available(), 300e6, "30% can leave");
    }

    /// @notice De-risking always passes, even while the vault is below its floor.
    function test_rebalance_deRiskingPassesBelowTheFloor() public {
        _lockMarkets();
        (bool ok,) = _tryRebalance(agent, _intoLockedMarkets(), sid);
        assertTrue(ok, "locked in before the floor");
        _setFloor(guardian, FLOOR_BPS);
        MockStrategy(_s(0)).setWithdrawCap(50e6);
        vm.warp(block.timestamp + 1);
        (ok,) = _tryRebalance(agent, _targets1(_s(0), 400e6), sid);
        assertTrue(ok, "moving money back to idle raises nothing: passes below the floor");
        assertEq(vault.idle(), 150e6, "idle rose");
    }

    /// @notice A same-block deposit does not count towards the floor: a flash deposit cannot buy room for a lock-in.
    function test_RevertWhen_sameBlockDepositWouldPayForTheFloor() public {
        _setFloor(governance, FLOOR_BPS);
        _lockMarkets();
        _deposit(bob, 1_000e6);
        // Without the block's deposit: available 100e6 + 1,000e6 - 1,000e6 = 100e6 against 30% of 1,000e6.
        _assertRebalanceReverts(
            _intoLockedMarkets(),
            sid,
            abi.encodeWithSelector(ErrorsLib.LiquidityFloorBreached.selector, 100e6, 300e6)
        );
    }

    // ================================================================ who sets it

    function test_setLiquidityFloor_guardianRaises_emits() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.LiquidityFloorSet(FLOOR_BPS, guardian);
        _setFloor(guardian, FLOOR_BPS);
        assertEq(vault.liquidityFloorBps(), FLOOR_BPS, "floor set");
    }

    function test_RevertWhen_guardianCutsTheFloor() public {
        _setFloor(governance, FLOOR_BPS);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _setFloor(guardian, FLOOR_BPS - 1);
    }

    function test_RevertWhen_strangerSetsTheFloor() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, alice));
        _setFloor(alice, FLOOR_BPS);
    }

    function test_RevertWhen_floorAboveAll() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, 10_000));
        _setFloor(governance, 10_001);
    }

    /// @notice Governance's cut spends the exposure ramp like an idle buffer cut: a full cut beyond the room waits.
    function test_setLiquidityFloor_governanceCutSpendsTheExposureRamp() public {
        _setFloor(guardian, 10_000);
        uint256 room = vault.rampRoom().exposureBps;
        _setFloor(governance, 5_000);
        assertEq(vault.rampRoom().exposureBps, room - 5_000, "the cut spent 5,000 bps of the exposure budget");
        vm.expectPartialRevert(ErrorsLib.ChangeTooLarge.selector);
        _setFloor(governance, 4_999);
    }

    // ================================================================ fuzz

    /// @notice For any floor and any move of strategy 2 into the locked markets, the rebalance passes exactly when
    /// what can leave afterwards covers the floor, and the preview agrees.
    function testFuzz_rebalance_passesExactlyWhenTheFloorHolds(uint16 floorBps, uint256 moved) public {
        floorBps = uint16(bound(floorBps, 1, 10_000));
        moved = bound(moved, 1, 200e6);
        _setFloor(governance, floorBps);
        _lockMarkets();
        ITreasuryVault.Allocation[] memory t = _targets3(300e6 + moved, 300e6, 300e6 - moved);
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(t, sid, agent);
        (bool ok,) = _tryRebalance(agent, t, sid);
        uint256 required = (1_000e6 * uint256(floorBps) + 9_999) / 10_000;
        assertEq(ok, 400e6 - moved >= required, "passes exactly when the floor holds");
        assertEq(p.ok, ok, "the preview agrees");
    }
}
