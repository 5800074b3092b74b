// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AttackBase} from "./attacks/AttackBase.t.sol";
import {BaseTest} from "./Base.t.sol";
import {TreasuryLens} from "../contracts/lens/TreasuryLens.sol";
import {ITreasuryLens} from "../contracts/interfaces/ITreasuryLens.sol";
import {ITreasuryVault} from "../contracts/interfaces/ITreasuryVault.sol";
import {IRiskGroups} from "../contracts/interfaces/IRiskGroups.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../contracts/libraries/EventsLib.sol";

/// @notice Shared setup of the risk-group tests: the AttackBase fixture (alice 600e6, bob 400e6; 300e6 in each of
/// three strategies, own caps 1,000,000e6 and 50%; 100e6 idle), with risk group 0 ("one underlying") capped before the
/// first deposit (setting up spends no ramp) at 700e6 and 7,000 bps, and strategies 0 and 1 tagged with it when
/// `_tagged()` says so. The group then holds 600e6.
abstract contract RiskGroupsBase is AttackBase {
    uint8 internal constant GROUP = 0;

    function setUp() public virtual override {
        BaseTest.setUp();
        _setGroupCap(governance, GROUP, 700e6, 7_000);
        if (_tagged()) {
            _tag(governance, _s(0), 1);
            _tag(governance, _s(1), 1);
        }
        _fundFixture();
    }

    function _tagged() internal pure virtual returns (bool) {
        return true;
    }

    function _rg() internal view returns (IRiskGroups) {
        return IRiskGroups(address(vault));
    }

    function _setGroupCap(address caller, uint8 id, uint128 absoluteCap, uint16 relativeCapBps) internal {
        vm.prank(caller);
        _rg().setRiskGroupCap(id, absoluteCap, relativeCapBps);
    }

    function _tag(address caller, address strategy, uint32 mask) internal {
        vm.prank(caller);
        _rg().setRiskGroups(strategy, mask);
    }

    function _groupExceeded(uint8 id, uint256 value, uint256 cap) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ErrorsLib.RiskGroupCapExceeded.selector, id, value, cap);
    }

    /// @dev The rebalance passes, and `previewRebalance` said so first.
    function _assertRebalancePasses(ITreasuryVault.Allocation[] memory t) internal {
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(t, sid, agent);
        assertTrue(p.ok, "preview: passes");
        (bool ok,) = _tryRebalance(agent, t, sid);
        assertTrue(ok, "rebalance passes");
    }
}

/// @notice Attack: two strategies on the same underlying (say, two lending markets on one collateral), each well
/// under its own 50% cap, together hold 90% of the treasury. Strategy caps alone cannot see it.
contract RiskGroupsAttackWithoutTagsTest is RiskGroupsBase {
    function _tagged() internal pure override returns (bool) {
        return false;
    }

    /// @notice Without the group tags the concentration passes: 450e6 + 450e6 of 1,000e6 on one underlying.
    function test_concentration_passesWithoutRiskGroups() public {
        _assertRebalancePasses(_targets3(450e6, 450e6, 0));
        assertEq(vault.allocation(_s(0)) + vault.allocation(_s(1)), 900e6, "90% on one underlying");
    }
}

contract RiskGroupsAttackTest is RiskGroupsBase {
    /// @notice With both strategies tagged, the same call is refused: the group may hold 700e6 together.
    function test_RevertWhen_concentration_pastTheGroupCap() public {
        _assertRebalanceReverts(_targets3(450e6, 450e6, 0), sid, _groupExceeded(GROUP, 900e6, 700e6));
        assertEq(vault.allocation(_s(0)) + vault.allocation(_s(1)), 600e6, "nothing moved");
    }
}

/// @notice The check's edges, the setters and the views.
contract RiskGroupsTest is RiskGroupsBase {
    TreasuryLens internal lens;

    // ---------------------------------------------------------------- the check

    function test_rebalance_exactlyAtTheGroupCap() public {
        _assertRebalancePasses(_targets3(400e6, 300e6, 200e6));
        assertEq(vault.allocation(_s(0)) + vault.allocation(_s(1)), 700e6, "the group at its cap");
    }

    function test_RevertWhen_rebalance_oneAboveTheGroupCap() public {
        _assertRebalanceReverts(_targets3(400e6 + 1, 300e6, 200e6 - 1), sid, _groupExceeded(GROUP, 700e6 + 1, 700e6));
    }

    /// @notice The relative cap binds when it is the tighter: 7,000 bps of 1,000e6 under an absolute cap of 800e6.
    function test_RevertWhen_rebalance_relativeCapBinds() public {
        _setGroupCap(governance, GROUP, 800e6, 7_000);
        _assertRebalanceReverts(_targets3(450e6, 300e6, 150e6), sid, _groupExceeded(GROUP, 750e6, 700e6));
    }

    /// @notice The absolute cap binds when it is the tighter: 650e6 under 7,000 bps.
    function test_RevertWhen_rebalance_absoluteCapBinds() public {
        _setGroupCap(governance, GROUP, 650e6, 7_000);
        _assertRebalancePasses(_targets3(350e6, 300e6, 250e6));
        _assertRebalanceReverts(_targets3(351e6, 300e6, 249e6), sid, _groupExceeded(GROUP, 651e6, 650e6));
    }

    /// @notice A member the call does not touch counts at its value: raising strategy 0 alone to 410e6 puts the group
    /// at 710e6 with strategy 1's untouched 300e6.
    function test_RevertWhen_rebalance_untouchedMemberCounted() public {
        _assertRebalanceReverts(
            _targets2(_s(0), 410e6, _s(2), 190e6), sid, _groupExceeded(GROUP, 710e6, 700e6)
        );
        _assertRebalancePasses(_targets2(_s(0), 400e6, _s(2), 200e6));
    }

    /// @notice An untouched member whose views fail counts at its book value (as the vault values it).
    function test_RevertWhen_rebalance_brokenMemberCountedAtBook() public {
        strategies[1].setViewsBroken(true);
        _assertRebalanceReverts(
            _targets2(_s(0), 410e6, _s(2), 190e6), sid, _groupExceeded(GROUP, 710e6, 700e6)
        );
    }

    /// @notice Caps bind raises only: with the group over its cap (the guardian lowered it to 500e6), a call that
    /// lowers a member or touches only other strategies passes; one that raises a member is refused, even when it
    /// lowers another member by more.
    function test_rebalance_loweringAllowedWhileOver() public {
        _setGroupCap(guardian, GROUP, 500e6, 7_000);
        _assertRebalancePasses(_targets2(_s(0), 250e6, _s(2), 350e6));
        assertEq(vault.allocation(_s(0)) + vault.allocation(_s(1)), 550e6, "still over, lower");
        _assertRebalanceReverts(
            _targets2(_s(0), 260e6, _s(1), 250e6), sid, _groupExceeded(GROUP, 510e6, 500e6)
        );
        _assertRebalancePasses(_targets2(_s(0), 200e6, _s(1), 300e6));
    }

    /// @notice A tagged id whose caps were never set caps at 0: tag after setting the cap.
    function test_RevertWhen_rebalance_groupNeverCapped() public {
        _tag(governance, _s(2), 1 << 5);
        _assertRebalanceReverts(_targets2(_s(2), 350e6, _s(0), 250e6), sid, _groupExceeded(5, 350e6, 0));
        _assertRebalancePasses(_targets2(_s(2), 250e6, _s(0), 350e6));
    }

    /// @notice A strategy in two groups is checked against both, in id order.
    function test_RevertWhen_rebalance_secondGroupOfAStrategy() public {
        _setGroupCap(governance, 3, 320e6, 4_000);
        _tag(governance, _s(0), 1 | (1 << 3));
        _assertRebalanceReverts(_targets2(_s(0), 350e6, _s(2), 250e6), sid, _groupExceeded(3, 350e6, 320e6));
    }

    /// @notice The relative cap is measured without the block's deposits: a same-block deposit does not widen it.
    function test_RevertWhen_rebalance_sameBlockDepositDoesNotWidenTheGroup() public {
        _deposit(alice, 1_000e6);
        _assertRebalanceReverts(_targets3(450e6, 300e6, 150e6), sid, _groupExceeded(GROUP, 750e6, 700e6));
    }

    /// @notice The preview's headroom of a tagged leg is the room left in its group when that is the tightest.
    function test_previewRebalance_headroomIsTheGroupRoom() public {
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(_targets3(350e6, 300e6, 250e6), sid, agent);
        assertTrue(p.ok, "passes");
        assertEq(p.capHeadroom[0], 50e6, "strategy 0: the group's 700e6 less 650e6");
        assertEq(p.capHeadroom[1], 50e6, "strategy 1: the same group");
        assertEq(p.capHeadroom[2], 250e6, "strategy 2: its own 50% less 250e6");
    }

    // ---------------------------------------------------------------- setters

    function test_setRiskGroupCap_emitsAndReads() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.RiskGroupCapSet(7, 123e6, 2_000, governance);
        _setGroupCap(governance, 7, 123e6, 2_000);
        IRiskGroups.RiskGroupCap memory c = _rg().riskGroupCap(7);
        assertEq(c.absoluteCap, 123e6, "absolute cap");
        assertEq(c.relativeCapBps, 2_000, "relative cap");
    }

    function test_setRiskGroups_emitsAndReads() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.RiskGroupsSet(_s(2), 6, governance);
        _tag(governance, _s(2), 6);
        assertEq(vault.strategyConfig(_s(2)).riskGroups, 6, "mask stored with the config");
        assertEq(vault.strategyConfig(_s(2)).relativeCapBps, REL_CAP_BPS, "the rest of the config kept");
    }

    /// @notice The guardian only tightens: lowers caps, adds tags; never raises a cap nor removes a tag.
    function test_guardian_tightensOnly() public {
        _setGroupCap(guardian, GROUP, 600e6, 6_500);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _setGroupCap(guardian, GROUP, 600e6, 6_501);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _setGroupCap(guardian, GROUP, 600e6 + 1, 6_500);
        _tag(guardian, _s(2), 1 | 2);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        _tag(guardian, _s(2), 1);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, agent));
        _setGroupCap(agent, GROUP, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, agent));
        _tag(agent, _s(0), 0);
        _tag(governance, _s(2), 0);
        assertEq(vault.strategyConfig(_s(2)).riskGroups, 0, "governance removes tags");
    }

    /// @notice A relative cap raise after the first deposit spends the vault-wide exposure ramp, like `setCaps`.
    function test_RevertWhen_setRiskGroupCap_raiseBeyondTheRamp() public {
        uint256 room = vault.rampRoom().exposureBps;
        assertEq(room, 5_000, "setting up spent nothing");
        _setGroupCap(governance, 1, 0, 4_000);
        assertEq(vault.rampRoom().exposureBps, 1_000, "the raise spent 4,000 bps");
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.ChangeTooLarge.selector, 2_000, 1_000, block.timestamp + 7 days / 5)
        );
        _setGroupCap(governance, 2, 0, 2_000);
        _setGroupCap(governance, 1, type(uint128).max, 3_000);
        assertEq(vault.rampRoom().exposureBps, 1_000, "lowering refunds nothing; absolute caps spend nothing");
    }

    function test_RevertWhen_setters_outOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 32, 0, 31));
        _setGroupCap(governance, 32, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, 10_000));
        _setGroupCap(governance, 1, 0, 10_001);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, alice));
        _tag(governance, alice, 1);
    }

    // ---------------------------------------------------------------- lens

    function test_lens_reportsGroupsAndUse() public {
        lens = new TreasuryLens();
        ITreasuryLens.Snapshot memory s = lens.snapshot(ITreasuryVault(address(vault)), agent);
        assertEq(s.strategies[0].riskGroups, 1, "strategy 0 tagged");
        assertEq(s.strategies[2].riskGroups, 0, "strategy 2 untagged");
        assertEq(s.riskGroups.length, 1, "one group in use");
        assertEq(s.riskGroups[0].id, GROUP, "its id");
        assertEq(s.riskGroups[0].absoluteCap, 700e6, "its absolute cap");
        assertEq(s.riskGroups[0].relativeCapBps, 7_000, "its relative cap");
        assertEq(s.riskGroups[0].value, 600e6, "its members' value");
    }

    // ---------------------------------------------------------------- fuzz

    /// @notice Any split of 900e6 between the three strategies: the call passes exactly when the group stays within
    /// 700e6 or no member rises (and the strategies' own caps hold), and the preview says the same.
    function testFuzz_rebalance_groupCap(uint256 a0, uint256 a1, uint16 capBps) public {
        capBps = uint16(bound(capBps, 5_000, 7_000));
        _setGroupCap(governance, GROUP, type(uint128).max, capBps);
        a0 = bound(a0, 0, 500e6);
        a1 = bound(a1, 400e6 > a0 ? 400e6 - a0 : 0, 900e6 - a0 < 500e6 ? 900e6 - a0 : 500e6);
        uint256 a2 = 900e6 - a0 - a1;
        ITreasuryVault.Allocation[] memory t = _targets3(a0, a1, a2);
        uint256 cap = uint256(1_000e6) * capBps / 10_000;
        bool raises = a0 > 300e6 || a1 > 300e6;
        bool passes = !raises || a0 + a1 <= cap;
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(t, sid, agent);
        (bool ok, bytes memory ret) = _tryRebalance(agent, t, sid);
        assertEq(ok, passes, "verdict");
        assertEq(p.ok, ok, "preview verdict");
        if (!ok) {
            assertEq(ret, _groupExceeded(GROUP, a0 + a1, cap), "error and figures");
            assertEq(p.reason, ret, "preview error");
        }
    }
}
