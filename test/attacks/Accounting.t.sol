// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AttackBase} from "./AttackBase.t.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {MockStrategy} from "../../contracts/mocks/MockStrategy.sol";

/// @notice Attack classes on the vault's accounting: 1 inflation/donation on an empty vault, 2 rounding direction on
/// every entry and exit, 3 donation to or manipulation of a strategy, 6 total assets <= idle + live positions through
/// any sequence, 7 exiting ahead of an unrealised strategy loss. (Also: TreasuryVault.Exits.t.sol's first-depositor and
/// donation tests, and the preview-agreement fuzz tests there.)
contract AccountingAttacksTest is AttackBase {
    using Math for uint256;

    address internal attacker = makeAddr("attacker");
    address internal victim = makeAddr("victim");

    /// @dev Share price as a fraction: (total assets + 1) / (supply + 10**6), OpenZeppelin's virtual offset.
    function _price() internal view returns (uint256 num, uint256 den) {
        return (vault.totalAssets() + 1, vault.totalSupply() + 1e6);
    }

    /// @dev The share price did not fall (n1/d1 >= n0/d0).
    function _assertPriceNotDown(uint256 n0, uint256 d0, string memory what) internal view {
        (uint256 n1, uint256 d1) = _price();
        assertGe(n1 * d0, n0 * d1, string.concat(what, ": share price did not fall"));
    }

    // ================================================================ 1. inflation / donation on an empty vault

    /// @dev The first depositor seeds a fresh vault (6 or 18 decimals), donates straight to it, and waits for a
    /// victim: the donation is never counted (idle is accounted), the victim keeps its deposit, the attacker loses
    /// its donation.
    function testFuzz_attack01_inflationOnEmptyVault_donationIgnored(
        uint256 seed,
        uint256 donation,
        uint256 victimAssets,
        bool eighteenDecimals
    ) public {
        _deploy(eighteenDecimals ? 18 : 6, 3);
        uint256 unit = 10 ** asset.decimals();
        seed = bound(seed, 1, 1_000 * unit);
        donation = bound(donation, 1, 10_000_000 * unit);
        victimAssets = bound(victimAssets, 1, 10_000_000 * unit);

        _deposit(attacker, seed);
        asset.mint(attacker, donation);
        vm.prank(attacker);
        asset.transfer(address(vault), donation);
        assertEq(vault.totalAssets(), seed, "donation not counted");

        uint256 shares = _deposit(victim, victimAssets);
        assertGt(shares, 0, "victim minted shares");
        assertEq(_redeem(victim, shares), victimAssets, "victim redeems all it put in");
        uint256 attackerShares = vault.balanceOf(attacker);
        assertLe(_redeem(attacker, attackerShares), seed, "attacker gets back at most its seed");
    }

    /// @dev The same attack through a strategy, where a donation does count once the gain rate has let it in: the
    /// attacker seeds, the agent allocates, the attacker donates to the strategy and waits until it is recognised. The
    /// 10**6 virtual shares take almost all of the donation, so the victim loses at most one share's worth and the
    /// attacker loses money.
    function testFuzz_attack01_inflationThroughStrategyDonation_unprofitable(
        uint256 seed,
        uint256 donation,
        uint256 victimAssets
    ) public {
        _deploy(6, 3);
        seed = bound(seed, 10, 1_000e6);
        donation = bound(donation, 1, 10_000_000e6);
        victimAssets = bound(victimAssets, 1, 10_000_000e6);
        sid = _grantDefault();

        _deposit(attacker, seed);
        _nextBlock();
        _rebalance(_targets1(_s(0), seed / 2), sid);
        strategies[0].simulateGain(donation); // the attacker's donation to the strategy
        _recogniseGains();
        (uint256 num, uint256 den) = _price();
        uint256 spent = seed + donation;

        uint256 shares = _deposit(victim, victimAssets);
        uint256 victimOut = _redeem(victim, shares);
        assertLe(victimAssets - victimOut, num / den + 2, "victim loses at most one share's worth");
        uint256 attackerShares = vault.balanceOf(attacker);
        assertLt(_redeem(attacker, attackerShares), spent, "attacker loses money");
    }

    // ================================================================ 2. rounding direction

    /// @dev At a share price away from 1 (a recognised gain), each entry and exit rounds against the user: the share
    /// price never falls, a round trip never returns more than it cost, and each result is exactly the floor or
    /// ceiling OpenZeppelin's formula says. Exits larger than idle go through the strategies.
    function testFuzz_attack02_roundingFavoursTheVault(uint256 gain, uint256 amount, uint8 op) public {
        gain = bound(gain, 1, 333e6);
        strategies[0].simulateGain(gain);
        _recogniseGains(); // price now (1000e6 + gain) / 1e15
        amount = bound(amount, 1, 500e6);
        (uint256 n0, uint256 d0) = _price();

        op = op % 4;
        if (op == 0) {
            uint256 shares = _deposit(victim, amount);
            assertEq(shares, amount.mulDiv(d0, n0), "deposit: shares rounded down");
            _assertPriceNotDown(n0, d0, "deposit");
            assertLe(_redeem(victim, shares), amount, "deposit then redeem: no profit");
        } else if (op == 1) {
            uint256 shares = amount * 1e6;
            uint256 cost = vault.previewMint(shares);
            assertEq(cost, shares.mulDiv(n0, d0, Math.Rounding.Ceil), "mint: assets rounded up");
            asset.mint(victim, cost);
            vm.startPrank(victim);
            asset.approve(address(vault), cost);
            assertEq(vault.mint(shares, victim), cost, "mint charged the preview");
            vm.stopPrank();
            _assertPriceNotDown(n0, d0, "mint");
            assertLe(_redeem(victim, shares), cost, "mint then redeem: no profit");
        } else if (op == 2) {
            uint256 burnt = _withdraw(bob, amount / 2 + 1);
            assertEq(burnt, (amount / 2 + 1).mulDiv(d0, n0, Math.Rounding.Ceil), "withdraw: shares rounded up");
            _assertPriceNotDown(n0, d0, "withdraw");
            uint256 back = _deposit(bob, amount / 2 + 1);
            assertLe(back, burnt, "withdraw then deposit back: no extra shares");
        } else {
            uint256 shares = (amount / 2 + 1) * 1e6;
            uint256 got = _redeem(bob, shares);
            assertEq(got, shares.mulDiv(n0, d0), "redeem: assets rounded down");
            _assertPriceNotDown(n0, d0, "redeem");
            assertGe(vault.previewMint(shares), got, "minting the shares back costs at least what they paid");
        }
        _assertConsistent("after the entry or exit");
    }

    /// @dev Asking more than one holds reverts with OpenZeppelin's own errors, whichever path would have served it.
    function test_attack02_exitAboveBalanceReverts() public {
        uint256 max = vault.previewRedeem(vault.balanceOf(bob));
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSignature("ERC4626ExceededMaxWithdraw(address,uint256,uint256)", bob, max + 1, max)
        );
        vault.withdraw(max + 1, bob, bob);
        uint256 shares = vault.balanceOf(bob);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSignature("ERC4626ExceededMaxRedeem(address,uint256,uint256)", bob, shares + 1, shares)
        );
        vault.redeem(shares + 1, bob, bob);
    }

    // ================================================================ 3. donation to / manipulation of a strategy

    /// @dev A holder donates to a strategy the vault holds all of, and waits until the gain rate has let it in: it gets
    /// back only its share of its own donation.
    function testFuzz_attack03_donationToStrategyUnprofitable(uint256 deposit, uint256 donation) public {
        deposit = bound(deposit, 1e6, 10_000_000e6);
        donation = bound(donation, 1, 10_000_000e6);
        _deposit(attacker, deposit);
        strategies[0].simulateGain(donation); // the attacker's donation
        _recogniseGains();
        uint256 shares = vault.balanceOf(attacker);
        uint256 out = _redeem(attacker, shares);
        assertLt(out, deposit + donation, "attacker ends with less than it spent");
        assertLe(
            out - Math.min(out, deposit),
            donation.mulDiv(deposit, 1_000e6 + deposit) + 1,
            "at most its pro-rata share of its own donation"
        );
    }

    /// @dev A strategy's first-depositor attack against the vault: someone seeds an empty strategy with 1 wei and
    /// donates, so the vault's deposit would mint next to no shares. The loss check sees the position is worth far
    /// less than paid and refuses, and the preview says so.
    function test_attack03_strategyInflationFrontRunCaughtByLossCheck() public {
        MockStrategy fresh = new MockStrategy(asset, "fresh");
        uint256 id = _listWithSession(address(fresh));
        asset.mint(attacker, 100e6 + 1);
        vm.startPrank(attacker);
        asset.approve(address(fresh), 1);
        fresh.deposit(1, attacker);
        asset.transfer(address(fresh), 100e6);
        vm.stopPrank();

        ITreasuryVault.Allocation[] memory t = _targets2(_s(2), 250e6, address(fresh), 50e6);
        (bool ok, bytes memory ret) = _tryRebalance(agent, t, id);
        assertFalse(ok, "deposit into the inflated strategy refused");
        assertEq(bytes4(ret), ErrorsLib.LossExceedsCallLimit.selector, "by the per-call loss limit");
        assertEq(vault.previewRebalance(t, id, agent).reason, ret, "preview agrees");
        assertEq(fresh.balanceOf(address(vault)), 0, "vault holds no shares of it");
    }

    /// @dev A deposit made just before a gain is booked shares in none of it within its block (a rebalance never
    /// raises recorded total assets, and gains enter at the gain rate only as time passes); held on, it earns its
    /// pro-rata share of what is recognised while it is held, like any other holder.
    function test_attack03_depositAheadOfGainCapturesNothingInItsBlock() public {
        strategies[0].simulateGain(30e6); // yield not yet recognised
        uint256 shares = _deposit(attacker, 1_000e6);
        _rebalance(_targets1(_s(0), _positionValue(_s(0))), sid); // the agent touches the strategy in the same block
        uint256 snap = vm.snapshotState();
        assertLe(_redeem(attacker, shares), 1_000e6, "nothing of the gain within the block");
        vm.revertToState(snap);

        vm.warp(block.timestamp + 7 days);
        uint256 recognised = vault.totalAssets() - 2_000e6;
        assertGt(recognised, 0, "part of the gain recognised over the week");
        assertLt(recognised, 30e6, "not all of it");
        uint256 profit = _redeem(attacker, shares) - 1_000e6;
        assertLe(profit, recognised.mulDiv(1_000e6, 2_000e6) + 1, "at most its share of what was recognised");
    }

    // ================================================================ 6. totals consistent through any sequence

    /// @dev Sixteen random steps (deposits, exits, rebalances, gains, losses, write-downs, donations, blocked and
    /// broken strategies, time), some in one block, some in the next: after each, total assets <= idle + the live value
    /// of the positions (book values where views fail), totalAllocated = the sum of book values, idle is covered by
    /// the balance, no allowance is left, and maxWithdraw can be taken. (The invariant suite in
    /// test/invariant runs the same properties with a stateful handler.)
    function testFuzz_attack06_totalsConsistentThroughAnySequence(uint256 seed) public {
        address[3] memory users = [alice, bob, victim];
        for (uint256 step; step < 16; ++step) {
            seed = uint256(keccak256(abi.encode(seed, step)));
            uint256 op = seed % 10;
            address user = users[(seed >> 8) % 3];
            MockStrategy s = strategies[(seed >> 16) % 3];
            uint256 amount = (seed >> 32) % 300e6 + 1;
            if ((seed >> 120) % 2 == 0) _nextBlock();
            if (op == 0) {
                _deposit(user, amount);
            } else if (op == 1) {
                uint256 max = vault.maxWithdraw(user);
                if (max != 0) _withdraw(user, amount % max + 1);
            } else if (op == 2) {
                uint256 max = vault.maxRedeem(user);
                if (max != 0) _redeem(user, (amount * 1e6) % max + 1);
            } else if (op == 3) {
                uint256 a = (seed >> 64) % 400e6;
                _tryRebalance(agent, _targets2(address(s), a, _s((seed >> 16) % 3 == 0 ? 1 : 0), amount), sid);
            } else if (op == 4) {
                s.simulateGain(amount / 10);
            } else if (op == 5) {
                s.simulateLoss(Math.min(amount / 10, asset.balanceOf(address(s)) / 2));
            } else if (op == 6) {
                vault.realizeLoss(address(s));
            } else if (op == 7) {
                asset.mint(address(vault), amount / 10); // donation to the vault
            } else if (op == 8) {
                if ((seed >> 80) % 2 == 0) s.setBlocked(!s.blocked());
                else s.setViewsBroken(!s.viewsBroken());
            } else {
                vm.warp(block.timestamp + (seed >> 96) % 2 days);
            }
            _assertConsistent("after a step");
            uint256 maxOut = vault.maxWithdraw(user);
            if (maxOut != 0) {
                uint256 snap = vm.snapshotState();
                _withdraw(user, maxOut);
                vm.revertToState(snap);
            }
        }
    }

    // ================================================================ 7. exiting ahead of an unrealised loss

    /// @dev Every exit values the strategies live, so one that needs the strategies is priced after the loss.
    function test_attack07_exitThroughStrategiesPricedAfterLoss() public {
        strategies[0].simulateLoss(150e6); // not yet written down
        uint256 shares = vault.balanceOf(bob);
        assertApproxEqAbs(vault.previewRedeem(shares), 340e6, 1, "preview: 40% of 850e6");
        assertApproxEqAbs(_redeem(bob, shares), 340e6, 1, "bob bears his 40% of the loss");
        assertApproxEqAbs(vault.totalAssets(), 510e6, 1, "alice's 60% of 850e6 left");
        _assertConsistent("after the exit");
    }

    /// @dev Anyone (a keeper, the guardian, the agent) writes the loss down at once; an exit from idle after that is
    /// priced on it.
    function test_attack07_realizeLossBeforeIdleExit() public {
        strategies[0].simulateLoss(150e6);
        vm.prank(makeAddr("keeper"));
        vault.realizeLoss(_s(0));
        uint256 shares = vault.balanceOf(bob) / 10; // 40e6 before the loss, served from idle
        assertApproxEqAbs(_redeem(bob, shares), 34e6, 1, "priced after the loss");
    }

    /// @dev Before anyone writes the loss down, an exit served from idle is priced after it too: every exit values
    /// the strategies live, so early leavers take nothing beyond their due (rounding aside).
    function testFuzz_attack07_idleExitAheadOfLossPricedAfterIt(uint256 loss, uint256 fraction) public {
        loss = bound(loss, 1e6, 300e6);
        strategies[0].simulateLoss(loss);
        uint256 bobShares = vault.balanceOf(bob);
        uint256 shares = bound(fraction, 1, bobShares);
        uint256 fair = shares.mulDiv(1_000e6 - loss + 1, vault.totalSupply() + 1e6);

        uint256 got = _redeem(bob, shares);
        assertGe(got + 1, fair, "never less than the fair price");
        assertLe(got, fair, "never more than the fair price, from idle or not");
        vault.realizeLoss(_s(0));
        _assertConsistent("after write-down");
    }

    /// @dev Known limit (the vault's VALUATION: a position whose views fail counts at its book value): nobody can
    /// write down a strategy whose views revert, so exits keep pricing it at its book value.
    function test_attack07_limit_brokenViewsKeepLastMark() public {
        strategies[0].simulateLoss(150e6);
        strategies[0].setViewsBroken(true);
        vault.realizeLoss(_s(0));
        assertEq(vault.allocation(_s(0)), 300e6, "still at its last mark");
        assertEq(vault.previewRedeem(vault.balanceOf(bob)), 400e6, "exits priced on it");
    }
}
