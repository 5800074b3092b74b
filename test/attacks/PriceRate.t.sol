// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AttackBase} from "./AttackBase.t.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";

/// @notice Share-price rate bound: a strategy whose share price is pumped (a donation) or crashes between marks is
/// frozen to exit-only on chain until governance clears it. Without the bound an agent (a stolen or prompt-injected
/// key, or one fooled by the pumped price) keeps raising it. Fixture (AttackBase): alice 600e6, bob 400e6; 300e6 in
/// each of three strategies (price 1e18 per PRICE_UNIT), 100e6 idle.
contract PriceRateTest is AttackBase {
    uint16 internal constant RATE = 100; // 1% a day

    function _turnOn() internal {
        vm.prank(governance);
        vault.setMaxPriceRate(RATE);
        vm.warp(block.timestamp + 1 hours);
    }

    /// @dev The strategy's price as the vault marks it.
    function _price(uint256 i) internal view returns (uint256) {
        return IERC4626(_s(i)).convertToAssets(ConstantsLib.PRICE_UNIT);
    }

    function test_addStrategy_marksThePrice() public view {
        ITreasuryVault.PriceMark memory m = vault.priceMark(_s(0));
        assertEq(m.price, 1e18, "marked at listing");
        assertEq(m.at, 1_700_000_000, "when listed");
        assertFalse(m.frozen, "not frozen");
        assertEq(vault.maxPriceRateBps(), 0, "off by default");
    }

    /// @notice The scenario without the bound: strategy 0's price is pumped 10% by a donation, and the agent keeps
    /// raising it (here to 450e6) at the pumped price.
    function test_pumpedStrategy_withoutTheBound_agentKeepsRaisingIt() public {
        vm.warp(block.timestamp + 1 hours);
        strategies[0].simulateGain(30e6);
        _rebalance(_targets3(0, 300e6, 300e6), sid);
        _rebalance(_targets3(0, 300e6, 300e6), sid);
        _rebalance(_targets1(_s(0), 100e6), sid);
        assertApproxEqAbs(vault.allocation(_s(0)), 100e6, 1, "raised again after the pump");
        assertFalse(vault.priceMark(_s(0)).frozen, "nothing froze it");
    }

    /// @notice With the bound: the pumped strategy cannot be raised (the preview says the same), anyone freezes it on
    /// chain, it stays exit-only, and governance's clearance re-marks it at the new price.
    function test_pumpedStrategy_frozenOnChain_untilGovernanceClearsIt() public {
        _turnOn();
        strategies[0].simulateGain(30e6);
        uint256 pumped = _price(0);
        assertApproxEqRel(pumped, 1.1e18, 1e9, "10% pump");

        bytes memory frozen = abi.encodeWithSelector(ErrorsLib.StrategyFrozen.selector, _s(0), 1e18, pumped);
        _assertRebalanceReverts(_targets1(_s(0), 400e6), sid, frozen);

        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyFrozen(_s(0), 1e18, pumped);
        vm.prank(alice);
        vault.markStrategy(_s(0));
        ITreasuryVault.PriceMark memory m = vault.priceMark(_s(0));
        assertTrue(m.frozen, "frozen on chain");
        assertEq(m.price, 1e18, "the mark stays");

        // Still frozen weeks later (the mark no longer moves), whoever marks it.
        vm.warp(block.timestamp + 20 days);
        vault.markStrategy(_s(0));
        _assertRebalanceReverts(
            _targets1(_s(0), 400e6), sid, abi.encodeWithSelector(ErrorsLib.StrategyFrozen.selector, _s(0), 1e18, pumped)
        );
        // Exit-only: a lowering leg passes.
        _rebalance(_targets1(_s(0), 100e6), sid);
        assertTrue(vault.priceMark(_s(0)).frozen, "still frozen after the exit");

        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGovernance.selector, guardian));
        vm.prank(guardian);
        vault.clearFreeze(_s(0));

        pumped = _price(0);
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.FreezeCleared(_s(0), pumped, governance);
        vm.prank(governance);
        vault.clearFreeze(_s(0));
        m = vault.priceMark(_s(0));
        assertFalse(m.frozen, "cleared");
        assertEq(m.price, pumped, "re-marked at the current price");
        assertEq(m.at, block.timestamp, "now");
        _rebalance(_targets1(_s(0), 200e6), sid);
        assertApproxEqAbs(vault.allocation(_s(0)), 200e6, 1, "raised again after the clearance");
        _assertConsistent("after the clearance");
    }

    /// @notice A crash freezes too: the lowering leg that takes money out passes and persists the freeze.
    function test_crashedStrategy_lowered_andTheFreezePersists() public {
        _turnOn();
        strategies[1].simulateLoss(60e6);
        uint256 crashed = _price(1);
        _assertRebalanceReverts(
            _targets1(_s(1), 300e6), sid, abi.encodeWithSelector(ErrorsLib.StrategyFrozen.selector, _s(1), 1e18, crashed)
        );
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.StrategyFrozen(_s(1), 1e18, crashed);
        _rebalance(_targets1(_s(1), 0), sid);
        assertTrue(vault.priceMark(_s(1)).frozen, "the lowering leg persisted the freeze");
        assertEq(vault.allocation(_s(1)), 0, "exited");
    }

    /// @notice A move within the bound passes and re-marks; a rebalance that touches a strategy carries its mark.
    function test_moveWithinTheBound_passesAndRemarks() public {
        _turnOn();
        vault.markStrategy(_s(0));
        vm.warp(block.timestamp + 1 days);
        strategies[0].simulateGain(2.9e6); // < 1% of 300e6
        uint256 priceBefore = _price(0);
        _rebalance(_targets2(_s(1), 250e6, _s(0), 350e6), sid);
        ITreasuryVault.PriceMark memory m = vault.priceMark(_s(0));
        assertFalse(m.frozen, "within the bound");
        assertEq(m.price, priceBefore, "re-marked by the rebalance at the price before its moves");
        assertEq(m.at, block.timestamp, "at the rebalance");
    }

    /// @notice Marking every block cannot walk the price faster than the rate: a pump of 1% spread over an hour's
    /// blocks, marked each block, freezes the strategy (1% a day allows about 0.04% an hour).
    function test_markEveryBlock_cannotWalkThePriceFasterThanTheRate() public {
        _turnOn();
        vault.markStrategy(_s(0));
        bool froze;
        for (uint256 i; i < 300 && !froze; ++i) {
            vm.warp(block.timestamp + 12);
            strategies[0].simulateGain(10_000); // +1e6 over 300 blocks: 1% of 300e6 (but 0.0033% a block)
            vault.markStrategy(_s(0));
            froze = vault.priceMark(_s(0)).frozen;
        }
        assertTrue(froze, "frozen before the walk ends");
    }

    /// @notice A strategy whose price view fails is not frozen by this rule, and its mark is not updated.
    function test_failedPriceView_neitherFreezesNorMarks() public {
        _turnOn();
        vm.mockCallRevert(
            _s(2), abi.encodeCall(IERC4626.convertToAssets, (ConstantsLib.PRICE_UNIT)), abi.encode("broken")
        );
        strategies[2].simulateGain(100e6);
        vault.markStrategy(_s(2));
        ITreasuryVault.PriceMark memory m = vault.priceMark(_s(2));
        assertFalse(m.frozen, "not frozen");
        assertEq(m.at, 1_700_000_000, "not re-marked");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.PriceViewFailed.selector, _s(2)));
        vm.prank(governance);
        vault.clearFreeze(_s(2));
    }

    /// @notice Switching the bound off lifts the freezes' effect (governance, through its timelock); the guardian may
    /// only switch it on or lower it.
    function test_setMaxPriceRate_roles() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit EventsLib.MaxPriceRateSet(500, guardian);
        vm.prank(guardian);
        vault.setMaxPriceRate(500);
        vm.startPrank(guardian);
        vault.setMaxPriceRate(RATE);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        vault.setMaxPriceRate(RATE + 1);
        vm.expectRevert(ErrorsLib.GuardianCannotLoosen.selector);
        vault.setMaxPriceRate(0);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.NotGuardianOrGovernance.selector, alice));
        vm.prank(alice);
        vault.setMaxPriceRate(50);
        vm.startPrank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.BoundOutOfRange.selector, 10_001, 0, ConstantsLib.MAX_PRICE_RATE_BPS)
        );
        vault.setMaxPriceRate(10_001);
        vault.setMaxPriceRate(0);
        vm.stopPrank();
        assertEq(vault.maxPriceRateBps(), 0, "off");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, alice));
        vault.markStrategy(alice);
    }

    /// @notice The bound freezes exactly the moves beyond mark x rate x elapsed / (BPS x 1 day), rounded up, + 1.
    function testFuzz_markStrategy_freezesExactlyBeyondTheBound(uint16 rate, uint32 elapsed, uint256 gain, bool up)
        public
    {
        rate = uint16(bound(rate, 1, ConstantsLib.MAX_PRICE_RATE_BPS));
        elapsed = uint32(bound(elapsed, 1, 30 days));
        gain = bound(gain, 0, up ? 300e6 : 299e6);
        vm.prank(governance);
        vault.setMaxPriceRate(rate);
        vault.markStrategy(_s(0));
        uint256 markPrice = vault.priceMark(_s(0)).price;
        vm.warp(block.timestamp + elapsed);
        if (up) strategies[0].simulateGain(gain);
        else strategies[0].simulateLoss(gain);
        uint256 price = _price(0);
        uint256 allowed = Math.mulDiv(
            markPrice, uint256(rate) * elapsed, ConstantsLib.BPS * ConstantsLib.DAY, Math.Rounding.Ceil
        ) + 1;
        uint256 move = price > markPrice ? price - markPrice : markPrice - price;
        vault.markStrategy(_s(0));
        ITreasuryVault.PriceMark memory m = vault.priceMark(_s(0));
        assertEq(m.frozen, move > allowed, "frozen iff beyond the bound");
        assertEq(m.price, move > allowed ? markPrice : price, "mark stays when frozen, moves otherwise");
    }
}
