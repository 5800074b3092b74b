// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./Base.t.sol";
import {ITreasuryVault} from "../contracts/interfaces/ITreasuryVault.sol";
import {ITreasuryLens} from "../contracts/interfaces/ITreasuryLens.sol";
import {ISessionManager} from "../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../contracts/libraries/EventsLib.sol";
import {TreasuryLens} from "../contracts/lens/TreasuryLens.sol";
import {CappedStrategy} from "../contracts/mocks/CappedStrategy.sol";

/// @notice Strategies that behave like curated lending vaults: a supply cap (`maxDeposit` is the room left) and a
/// `maxRedeem` that rounds below the balance. A deposit leg above the room reverts with the vault's own
/// `StrategyDepositLimited` (preview and call agree), a full exit leaves at most dust, and such a strategy can be
/// delisted. Fixture: alice 1,000e6 idle; the capped strategy is listed fourth (index 3) and in the session's scope.
contract TreasuryVaultMarketsTest is BaseTest {
    CappedStrategy internal capped;
    uint256 internal sid;

    function setUp() public override {
        super.setUp();
        capped = new CappedStrategy(asset, "Capped");
        vm.prank(governance);
        vault.addStrategy(address(capped), ABS_CAP, REL_CAP_BPS);
        _deposit(alice, 1_000e6);
        _nextBlock();
        ISessionManager.SessionParams memory p = _params();
        p.scope |= 1 << 3;
        sid = _grant(p);
    }

    function _to(uint256 assets) internal view returns (ITreasuryVault.Allocation[] memory) {
        return _targets1(address(capped), assets);
    }

    function _tryRebalance(ITreasuryVault.Allocation[] memory t) internal returns (bool ok, bytes memory ret) {
        vm.prank(agent);
        (ok, ret) = address(vault).call(abi.encodeCall(ITreasuryVault.rebalance, (t, sid, bytes32(0))));
    }

    function test_depositLeg_aboveSupplyCapRoom_revertsDepositLimited_asPreviewed() public {
        capped.setSupplyCap(100e6);
        ITreasuryVault.Allocation[] memory t = _to(150e6);
        bytes memory expected =
            abi.encodeWithSelector(ErrorsLib.StrategyDepositLimited.selector, address(capped), 150e6, 100e6);
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(t, sid, agent);
        assertFalse(p.ok, "preview refuses");
        assertEq(p.reason, expected, "preview names the room");
        (bool ok, bytes memory ret) = _tryRebalance(t);
        assertFalse(ok, "rebalance reverts");
        assertEq(ret, expected, "the call reverts as previewed");
        assertEq(vault.idle(), 1_000e6, "idle untouched");
        assertEq(sessions.remaining(sid).volumeInEpoch, _params().maxVolumePerEpoch, "no volume spent");
    }

    function test_depositLeg_upToSupplyCapRoom_passes() public {
        capped.setSupplyCap(100e6);
        assertTrue(vault.previewRebalance(_to(100e6), sid, agent).ok, "preview ok");
        _rebalance(_to(100e6), sid);
        assertEq(vault.allocation(address(capped)), 100e6, "booked");
        assertEq(capped.maxDeposit(address(vault)), 0, "full");
        // Full now: one more unit is refused by the vault's check, not by the strategy.
        (bool ok, bytes memory ret) = _tryRebalance(_to(100e6 + 1));
        assertFalse(ok, "refused");
        assertEq(ret, abi.encodeWithSelector(ErrorsLib.StrategyDepositLimited.selector, address(capped), 1, 0));
    }

    function test_fullExit_roundingShortMaxRedeem_leavesDustAndDelists() public {
        _rebalance(_to(300e6), sid);
        capped.setRedeemShortBy(1);
        assertLt(capped.maxRedeem(address(vault)), capped.balanceOf(address(vault)), "maxRedeem below the balance");
        _nextBlock();
        ITreasuryVault.RebalancePreview memory p = vault.previewRebalance(_to(0), sid, agent);
        assertTrue(p.ok, "a full exit passes the preview");
        _rebalance(_to(0), sid);
        assertEq(capped.balanceOf(address(vault)), 1, "one share of dust stays");
        assertLe(vault.allocation(address(capped)), 1, "booked at the dust's value");
        assertEq(vault.idle(), 1_000e6 - 1, "everything but the dust came back");

        vm.startPrank(governance);
        vault.setStrategyEnabled(address(capped), false);
        vault.removeStrategy(address(capped));
        vm.stopPrank();
        assertFalse(vault.strategyConfig(address(capped)).listed, "delisted");
    }

    function test_fullExit_moreThanDustLeftBehind_revertsWithdrawLimited() public {
        _rebalance(_to(300e6), sid);
        // 1 ppm of 300e6 is 300 units: 302 shares left out is more than dust (1 ppm + 1).
        capped.setRedeemShortBy(302);
        _nextBlock();
        uint256 available = capped.maxWithdraw(address(vault));
        assertEq(available, 300e6 - 302, "fixture: available");
        (bool ok, bytes memory ret) = _tryRebalance(_to(0));
        assertFalse(ok, "refused");
        assertEq(
            ret,
            abi.encodeWithSelector(ErrorsLib.StrategyWithdrawLimited.selector, address(capped), 300e6, available)
        );
        // At the edge: 301 shares (1 ppm + 1) is dust.
        capped.setRedeemShortBy(301);
        _rebalance(_to(0), sid);
        assertEq(capped.balanceOf(address(vault)), 301, "dust left");
    }

    function test_lens_reportsDepositRoomAndDecimals() public {
        capped.setSupplyCap(250e6);
        _rebalance(_to(100e6), sid);
        TreasuryLens lens = new TreasuryLens();
        ITreasuryLens.Snapshot memory s = lens.snapshot(vault, agent);
        ITreasuryLens.StrategyView memory c = s.strategies[3];
        assertEq(c.strategy, address(capped), "index order");
        assertEq(c.depositable, 150e6, "room left under the supply cap");
        assertEq(c.decimals, 6, "share decimals");
        assertTrue(c.viewsOk, "views ok");
        assertEq(s.strategies[0].depositable, type(uint256).max, "an uncapped strategy");
    }
}
