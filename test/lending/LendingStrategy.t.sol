// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {LendingBase} from "./LendingBase.t.sol";

/// @notice The treasury with a curated lending vault as its strategy: interest, exits within the markets' liquidity,
/// bad debt written down, a full strategy and a lent-out one refused with precise errors and met within the agent's
/// margin, a full exit despite a rounding-short `maxRedeem`, and delisting.
contract LendingStrategyTest is LendingBase {
    address internal member = makeAddr("member");

    uint256 internal sessionId;
    address internal strategy;

    uint128 internal constant DEPOSIT = 1_000_000e6;

    function setUp() public override {
        super.setUp();
        ITreasuryVault.Bounds memory bounds = _defaultBounds();
        bounds.idleBufferBps = 500; // 5%
        _deployTreasury(IERC20(address(usdc)), "Treasury USDC", "tUSDC", bounds);
        strategy = address(curated);
        vm.prank(governance);
        vault.addStrategy(strategy, DEPOSIT, 9_000); // 90%
        _deposit(member, IERC4626(address(vault)), DEPOSIT);
        ISessionManager.SessionParams memory p = _sessionParams(1);
        p.maxVolumePerCall = DEPOSIT;
        p.maxVolumePerEpoch = 4 * DEPOSIT;
        sessionId = _grant(p);
        // Deposits count from the next block.
        _advance(12);
    }


    function test_rebalance_intoTheCuratedVault_earnsItsInterest() public {
        _rebalanceTo(300_000e6);
        assertApproxEqAbs(vault.allocation(strategy), 300_000e6, 1, "allocated");
        uint256 totalBefore = vault.totalAssets();
        _advance(7 days);
        uint256 value = curated.previewRedeem(curated.balanceOf(address(vault)));
        assertGt(value, 300_000e6, "the position earned interest");
        assertGt(vault.totalAssets(), totalBefore, "and the treasury with it");
    }

    function test_withdraw_exitsUpToTheMarketsLiquidity() public {
        _rebalanceTo(300_000e6);
        _setUtilization(0, WAD); // the treasury's money sits in market 0: its borrowers take every unit
        uint256 max = vault.maxWithdraw(member);
        assertEq(max, vault.idle(), "only idle is withdrawable: the strategy lets nothing go");
        vm.prank(member);
        vault.withdraw(max, member, member);
        assertEq(usdc.balanceOf(member), max, "withdraw(maxWithdraw) pays");
    }

    function test_realizeLoss_marksBadDebtDown() public {
        _rebalanceTo(300_000e6);
        _advance(12);
        uint256 before = curated.previewRedeem(curated.balanceOf(address(vault)));
        _realizeBadDebt(0, 50_000e6);
        vault.realizeLoss(strategy);
        uint256 booked = vault.allocation(strategy);
        assertLt(booked, before, "the position is booked at its value after the bad debt");
        assertEq(booked, curated.previewRedeem(curated.balanceOf(address(vault))), "at its live value");
    }

    // ---------------------------------------------------------------- what a DAO met with real curated vaults

    /// @dev (a) The agent reads the strategy's cap room at block N and plans a deposit leg of exactly that; the preview
    /// at N says ok. One block later interest has eaten a little of the room: the call reverts whole with the vault's
    /// own `StrategyDepositLimited(strategy, requested, available)` (the strategy is full, not broken; before, the
    /// strategy's `AllCapsReached()` came back inside `StrategyCallFailed`). The agent keeps a margin under the room
    /// (its `safetyMarginBps`, 5 bps by default): that leg lands a block later.
    function test_rebalance_depositLegAtTheCapRoom_refusedPreciselyOneBlockLater_landsWithinTheMargin() public {
        vm.startPrank(curator);
        curated.setCap(0, 700_000e6);
        curated.setCap(1, 200_000e6);
        vm.stopPrank();
        uint256 room = curated.maxDeposit(address(vault));
        assertApproxEqAbs(room, 300_000e6, 1e6, "the strategy's cap room at block N");
        assertTrue(vault.previewRebalance(_targets(room), sessionId, agent).ok, "the preview at block N: ok");
        ITreasuryVault.RebalancePreview memory over = vault.previewRebalance(_targets(room + 1), sessionId, agent);
        assertEq(
            over.reason,
            abi.encodeWithSelector(ErrorsLib.StrategyDepositLimited.selector, strategy, room + 1, room),
            "the preview names the room"
        );

        _advance(12);
        uint256 roomNow = curated.maxDeposit(address(vault));
        assertLt(roomNow, room, "interest ate some of the room");
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StrategyDepositLimited.selector, strategy, room, roomNow));
        vault.rebalance(_targets(room), sessionId, keccak256("a"));

        uint256 withMargin = room - (room * 5) / 10_000;
        vm.prank(agent);
        vault.rebalance(_targets(withMargin), sessionId, keccak256("a"));
        assertApproxEqAbs(vault.allocation(strategy), withMargin, 1, "booked at what the shares redeem for");
    }

    /// @dev (b) The strategy's money sits in a market whose borrowers left little liquidity. A withdrawal leg of exactly
    /// `maxWithdraw` at block N passes the preview; one block later the position earned interest, so the same target
    /// asks for more than the liquidity: `StrategyWithdrawLimited(strategy, requested, available)`, which the agent
    /// plans again from (it no longer quarantines the strategy). Within the agent's margin (5 bps of what can be
    /// withdrawn, and one unit) it lands.
    function test_rebalance_withdrawLegAtTheWithdrawableAmount_refusedOneBlockLater_landsWithinTheMargin() public {
        _rebalanceTo(400_000e6);
        _setUtilization(0, 0.95e18);
        _advance(12);
        uint256 value = curated.previewRedeem(curated.balanceOf(address(vault)));
        uint256 withdrawable = curated.maxWithdraw(address(vault));
        assertLt(withdrawable, value / 2, "limited by the market's liquidity");
        assertTrue(vault.previewRebalance(_targets(value - withdrawable), sessionId, agent).ok, "block N: ok");

        _advance(12);
        uint256 valueNow = curated.previewRedeem(curated.balanceOf(address(vault)));
        uint256 withdrawableNow = curated.maxWithdraw(address(vault));
        assertGt(valueNow - (value - withdrawable), withdrawableNow, "the same target now asks for more than it lets go");
        vm.prank(agent);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.StrategyWithdrawLimited.selector, strategy, valueNow - (value - withdrawable), withdrawableNow
            )
        );
        vault.rebalance(_targets(value - withdrawable), sessionId, keccak256("b"));

        uint256 take = withdrawable - (withdrawable * 5) / 10_000 - 1;
        uint256 idleBefore = vault.idle();
        vm.prank(agent);
        vault.rebalance(_targets(value - take), sessionId, keccak256("b"));
        assertApproxEqAbs(vault.idle() - idleBefore, valueNow - (value - take), 1, "what the target left came out");
    }

    /// @dev (c) Borrowers repaid: the strategy is fully liquid, but its share price is not exact, so its `maxRedeem`
    /// sits ~1e12 share units below the treasury's balance. A target of 0 redeems `maxRedeem`, leaving shares worth
    /// nothing, and governance can then delist the disabled strategy.
    function test_rebalance_targetZeroExitsAFullyLiquidStrategy() public {
        _rebalanceTo(300_000e6);
        _advance(1 days);
        _setUtilization(0, 0);
        _setUtilization(1, 0);
        uint256 shares = curated.balanceOf(address(vault));
        uint256 value = curated.previewRedeem(shares);
        assertEq(curated.maxWithdraw(address(vault)), value, "fully liquid");
        assertLt(curated.maxRedeem(address(vault)), shares, "maxRedeem rounds below the balance");

        uint256 idleBefore = vault.idle();
        vm.prank(agent);
        vault.rebalance(_targets(0), sessionId, keccak256("c"));
        assertEq(vault.allocation(strategy), 0, "nothing booked in the strategy");
        assertEq(curated.previewRedeem(curated.balanceOf(address(vault))), 0, "what is left is worth nothing");
        assertApproxEqAbs(vault.idle() - idleBefore, value, 1, "its value came back to idle");

        vm.prank(guardian);
        vault.setStrategyEnabled(strategy, false);
        vm.prank(governance);
        vault.removeStrategy(strategy);
        assertFalse(vault.strategyConfig(strategy).listed, "delisted");
    }

    // ---------------------------------------------------------------- delisting (works today)

    /// @dev The guardian disables the strategy and governance delists it while its money is still in: with the
    /// markets fully liquid, `removeStrategy` pulls the position out (what `maxRedeem` leaves is worth nothing).
    function test_removeStrategy_afterDisabling_pullsAFullyLiquidPositionAndDelists() public {
        _rebalanceTo(300_000e6);
        _advance(1 days);
        _setUtilization(0, 0);
        _setUtilization(1, 0);
        uint256 value = curated.previewRedeem(curated.balanceOf(address(vault)));
        uint256 idleBefore = vault.idle();

        vm.prank(guardian);
        vault.setStrategyEnabled(strategy, false);
        vm.prank(governance);
        vault.removeStrategy(strategy);
        assertFalse(vault.strategyConfig(strategy).listed, "delisted");
        assertApproxEqAbs(vault.idle() - idleBefore, value, 1, "its value came back to idle");
    }

    /// @dev While borrowers hold the liquidity the position cannot come out, and delisting would write it off:
    /// `removeStrategy` refuses, naming the shares still held.
    function test_RevertWhen_removeStrategy_whileBorrowersHoldTheLiquidity() public {
        _rebalanceTo(300_000e6);
        _setUtilization(0, WAD);
        uint256 shares = curated.balanceOf(address(vault));
        vm.prank(guardian);
        vault.setStrategyEnabled(strategy, false);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSignature("StrategyNotEmpty(address,uint256)", strategy, shares));
        vault.removeStrategy(strategy);
    }

    // ---------------------------------------------------------------- helpers

    function _targets(uint256 assets) internal view returns (ITreasuryVault.Allocation[] memory t) {
        t = new ITreasuryVault.Allocation[](1);
        t[0] = ITreasuryVault.Allocation(strategy, assets);
    }

    function _rebalanceTo(uint256 assets) internal {
        vm.prank(agent);
        vault.rebalance(_targets(assets), sessionId, keccak256("setup"));
    }
}
