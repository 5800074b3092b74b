// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMorpho} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";

import {CuratedLendingVault} from "../../contracts/mocks/lending/CuratedLendingVault.sol";
import {KinkedIrm} from "../../contracts/mocks/lending/KinkedIrm.sol";
import {LendingBase} from "./LendingBase.t.sol";

/// @notice The curated lending vault behaves as real curated vaults do: cap room, liquidity-limited and rounding-short
/// exits, interest every block, fee shares minted on accrual, bad debt passed to holders, and a rate model an
/// allocator can read ahead of its own move.
contract CuratedLendingVaultTest is LendingBase {
    using MorphoBalancesLib for IMorpho;


    // ---------------------------------------------------------------- cap room

    function test_maxDeposit_isTheCapRoomLeft() public view {
        uint256 supplied0 = morpho.expectedSupplyAssets(markets[0], address(curated));
        assertEq(supplied0, 600_000e6, "alice's deposit sits in the first market");
        assertEq(curated.maxDeposit(bob), CAP0 - supplied0 + CAP1, "room under both caps");
        assertEq(curated.maxMint(bob), curated.previewDeposit(curated.maxDeposit(bob)), "maxMint = room in shares");
    }

    function test_deposit_fillsTheMarketsInOrderUpToEachCap() public {
        _deposit(bob, curated, 500_000e6);
        assertEq(morpho.expectedSupplyAssets(markets[0], address(curated)), CAP0, "first market filled to its cap");
        assertEq(morpho.expectedSupplyAssets(markets[1], address(curated)), 100_000e6, "the rest in the second");
    }

    function test_maxDeposit_zeroWhenEveryCapIsFull() public {
        _deposit(bob, curated, curated.maxDeposit(bob));
        assertEq(curated.maxDeposit(bob), 0, "no room");
        assertEq(curated.maxMint(bob), 0, "no room in shares");
    }

    function test_RevertWhen_depositAboveTheCapRoom() public {
        uint256 room = curated.maxDeposit(bob);
        usdc.mint(bob, room + 1);
        vm.startPrank(bob);
        usdc.approve(address(curated), room + 1);
        vm.expectRevert(CuratedLendingVault.AllCapsReached.selector);
        curated.deposit(room + 1, bob);
        vm.stopPrank();
    }

    function test_maxDeposit_shrinksEveryBlockAsInterestAccrues() public {
        uint256 room = curated.maxDeposit(bob);
        uint256 assets = curated.totalAssets();
        _advance(12);
        uint256 earned = curated.totalAssets() - assets;
        assertGt(earned, 0, "one block of interest");
        assertEq(curated.maxDeposit(bob), room - earned, "the room lost what the supply earned");

        // A deposit of the room read one block earlier no longer fits.
        usdc.mint(bob, room);
        vm.startPrank(bob);
        usdc.approve(address(curated), room);
        vm.expectRevert(CuratedLendingVault.AllCapsReached.selector);
        curated.deposit(room, bob);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- exits

    function test_maxWithdraw_limitedByTheMarketsLiquidity() public {
        // Alice's 600k sit in market 0, whose borrowers left 200k (80% of 1M borrowed).
        assertApproxEqAbs(_liquidity(0), 200_000e6, 1, "market 0 liquidity");
        assertEq(curated.maxWithdraw(alice), _liquidity(0), "maxWithdraw = market 0's liquidity");
        assertEq(curated.maxRedeem(alice), curated.convertToShares(_liquidity(0)), "maxRedeem = that in shares");

        _setUtilization(0, WAD);
        assertEq(curated.maxWithdraw(alice), 0, "market 0 at 100% utilization: nothing to withdraw");
        assertEq(curated.maxRedeem(alice), 0, "nor to redeem");
    }

    function test_RevertWhen_withdrawAboveTheLiquidity() public {
        uint256 max = curated.maxWithdraw(alice);
        vm.prank(alice);
        vm.expectRevert(CuratedLendingVault.NotEnoughLiquidity.selector);
        curated.withdraw(max + 1, alice, alice);

        vm.prank(alice);
        curated.withdraw(max, alice, alice);
        assertEq(usdc.balanceOf(alice), max, "withdraw(maxWithdraw) pays in full");
        assertEq(_liquidity(0), 0, "market 0 drained");
    }

    function test_maxRedeem_belowBalanceEvenWithFullLiquidity() public {
        _advance(7 days);
        // Borrowers repay everything: every market is fully liquid.
        _setUtilization(0, 0);
        _setUtilization(1, 0);
        uint256 balance = curated.balanceOf(alice);
        assertEq(curated.maxWithdraw(alice), curated.previewRedeem(balance), "not limited by liquidity");
        uint256 maxRedeem = curated.maxRedeem(alice);
        assertLt(maxRedeem, balance, "maxRedeem short of the balance: the price is not exact");
        assertLe(balance - maxRedeem, 1e12 + 1e11, "by at most ~1e12 share units (one asset unit)");
        assertEq(curated.previewRedeem(balance - maxRedeem), 0, "the shares left over are worth nothing");

        // The vault redeems the whole balance all the same.
        vm.prank(alice);
        curated.redeem(balance, alice, alice);
        assertEq(curated.balanceOf(alice), 0, "fully out");
    }

    // ---------------------------------------------------------------- interest and fees

    function test_totalAssets_accruesEveryBlock() public {
        uint256 last = curated.totalAssets();
        for (uint256 i; i < 3; ++i) {
            _advance(1);
            uint256 now_ = curated.totalAssets();
            assertGt(now_, last, "one more second of interest, no transaction needed");
            last = now_;
        }
        morpho.accrueInterest(markets[0]);
        morpho.accrueInterest(markets[1]);
        assertEq(curated.totalAssets(), last, "Morpho's accrual lands on the expected balances");
    }

    function test_fee_sharesMintedToTheRecipientOnAccrual() public {
        _advance(30 days);
        uint256 interest = curated.totalAssets() - curated.lastTotalAssets();
        uint256 supplyBefore = curated.totalSupply();
        uint256 naivePrice = curated.totalAssets() * 1e18 / supplyBefore;
        assertLt(curated.convertToAssets(1e18), naivePrice, "the fee not minted yet already prices the shares");

        uint256 bobShares = _deposit(bob, curated, 1_000e6);
        uint256 feeShares = curated.balanceOf(feeRecipient);
        assertGt(feeShares, 0, "fee shares minted on the deposit's accrual");
        assertEq(curated.totalSupply(), supplyBefore + feeShares + bobShares, "totalSupply() read before was short");
        assertApproxEqAbs(curated.previewRedeem(feeShares), interest * VAULT_FEE / WAD, 2, "worth 10% of the interest");
    }

    function test_previewRedeem_pricesAsTheNextCallPays() public {
        _advance(30 days);
        uint256 shares = curated.balanceOf(alice) / 10;
        uint256 preview = curated.previewRedeem(shares);
        vm.prank(alice);
        uint256 paid = curated.redeem(shares, alice, alice);
        assertEq(paid, preview, "preview = redeem, fee shares included");
    }

    function test_badDebt_lowersTotalAssets() public {
        _advance(1 days);
        _deposit(bob, curated, 1e6); // an accrual: the fee so far is taken
        uint256 before = curated.totalAssets();
        uint256 priceBefore = curated.convertToAssets(1e18);
        uint256 share = morpho.expectedSupplyAssets(markets[0], address(curated)) * WAD
            / morpho.expectedTotalSupplyAssets(markets[0]);

        uint256 badDebt = _realizeBadDebt(0, 20_000e6);
        assertGt(badDebt, 5_000e6, "the liquidation left bad debt");
        assertApproxEqAbs(before - curated.totalAssets(), badDebt * share / WAD, 2, "the vault's share of it");
        assertLt(curated.convertToAssets(1e18), priceBefore, "holders take the loss");

        uint256 feeShares = curated.balanceOf(feeRecipient);
        _deposit(bob, curated, 1e6);
        assertEq(curated.balanceOf(feeRecipient), feeShares, "no fee on a loss");
    }

    // ---------------------------------------------------------------- what an allocator reads

    function test_marketState_describesTheMarket() public view {
        CuratedLendingVault.MarketState memory s = curated.marketState(0);
        assertEq(s.cap, CAP0, "cap");
        assertEq(s.vaultSupplyAssets, 600_000e6, "vault supply");
        assertEq(s.totalSupplyAssets, 1_000_000e6, "market supply");
        assertApproxEqAbs(s.totalBorrowAssets, 800_000e6, 1, "market borrow");
        assertEq(s.liquidity, s.totalSupplyAssets - s.totalBorrowAssets, "liquidity");
        assertApproxEqAbs(s.utilization, START_UTILIZATION, 1e6, "utilization");
        assertEq(s.borrowRate, irm.rateAt(s.utilization), "borrow rate off the curve");
        assertEq(s.supplyRate, s.borrowRate * s.utilization / WAD, "supply rate (no market fee)");
        assertEq(s.curve.kink, 0.9e18, "curve kink");
    }

    function test_rateAfter_predictsTheEffectOfAMove() public view {
        uint256 now_ = curated.rateAfter(0);
        assertEq(now_, curated.marketState(0).supplyRate * (WAD - VAULT_FEE) / WAD, "all in market 0, after fee");
        assertLt(curated.rateAfter(100_000e6), now_, "a deposit lowers utilization and the rate");
        assertGt(curated.rateAfter(-100_000e6), now_, "a withdrawal raises them");
    }

    function test_rateAfter_matchesTheRateAfterTheMove() public {
        uint256 predicted = curated.rateAfter(300_000e6);
        _deposit(bob, curated, 300_000e6);
        assertApproxEqRel(curated.rateAfter(0), predicted, 1e12, "prediction = rate after the deposit");
    }

    function test_rateAt_isAKinkedLine() public view {
        uint256 year = 365 days;
        assertEq(irm.rateAt(0), uint256(0.005e18) / year, "base rate at 0%");
        assertApproxEqAbs(irm.rateAt(0.9e18) * year, 0.05e18, 1e9, "5% a year at the kink");
        assertApproxEqAbs(irm.rateAt(WAD) * year, 0.5e18, 1e9, "50% a year at 100%");
        assertEq(irm.rateAt(2 * WAD), irm.rateAt(WAD), "utilization above 1 counts as 1");
    }

    function testFuzz_rateAt_neverFallsWithUtilization(uint256 a, uint256 b) public view {
        a = bound(a, 0, WAD);
        b = bound(b, a, WAD);
        assertLe(irm.rateAt(a), irm.rateAt(b), "monotone");
    }

    function test_RevertWhen_kinkOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(KinkedIrm.KinkOutOfRange.selector, WAD));
        new KinkedIrm(0, 0.05e18, 0.5e18, WAD);
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_deposit_capRoomIsExact(uint256 assets, uint256 elapsed) public {
        _advance(bound(elapsed, 1, 365 days));
        assets = bound(assets, 1, 2_000_000e6);
        uint256 room = curated.maxDeposit(bob);
        usdc.mint(bob, assets);
        vm.startPrank(bob);
        usdc.approve(address(curated), assets);
        if (assets > room) vm.expectRevert(CuratedLendingVault.AllCapsReached.selector);
        curated.deposit(assets, bob);
        vm.stopPrank();
    }

    function testFuzz_exits_maxRedeemAndMaxWithdrawHold(uint256 assets, uint256 elapsed, uint256 utilization) public {
        assets = bound(assets, 1e6, 800_000e6);
        _deposit(bob, curated, assets);
        _advance(bound(elapsed, 1, 365 days));
        _setUtilization(0, bound(utilization, 0, WAD));
        _setUtilization(1, bound(utilization, 0, WAD));

        uint256 balance = curated.balanceOf(bob);
        uint256 maxRedeem = curated.maxRedeem(bob);
        uint256 maxWithdraw = curated.maxWithdraw(bob);
        assertLe(maxRedeem, balance, "maxRedeem never above the balance");
        assertLe(curated.previewRedeem(maxRedeem), maxWithdraw, "maxRedeem worth at most maxWithdraw");

        uint256 snapshot = vm.snapshotState();
        vm.prank(bob);
        assertLe(curated.withdraw(maxWithdraw, bob, bob), balance, "withdraw(maxWithdraw) succeeds");
        assertEq(usdc.balanceOf(bob), maxWithdraw, "and pays it in full");
        vm.revertToState(snapshot);
        uint256 preview = curated.previewRedeem(maxRedeem);
        vm.prank(bob);
        assertEq(curated.redeem(maxRedeem, bob, bob), preview, "redeem(maxRedeem) pays its preview");
    }
}
