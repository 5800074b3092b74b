// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./Base.t.sol";
import {ITreasuryVault} from "../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../contracts/libraries/ConstantsLib.sol";
import {MockStrategy} from "../contracts/mocks/MockStrategy.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice Fuzzed ERC-4626 round trips and preview rounding on a vault whose money sits mostly in strategies:
/// no free profit, previews round against the user and never promise more than the call delivers, exits larger
/// than idle included. Run once per asset decimals by the concrete contracts at the bottom.
abstract contract TreasuryVaultFuzzTest is BaseTest {
    /// @dev Virtual shares of the vault (OpenZeppelin's `10 ** _decimalsOffset()`).
    uint256 internal constant VIRTUAL_SHARES = 10 ** ConstantsLib.DECIMALS_OFFSET;
    /// @dev Largest profit or loss a strategy takes in one step, in bps of its assets: 2_000 = 20%.
    uint256 internal constant MAX_PNL_BPS = 2_000;
    /// @dev Share of total assets the helpers keep in strategies, in bps: 8_800 = 88%, under the 10% idle buffer.
    uint256 internal constant INVESTED_BPS = 8_800;
    /// @dev Largest amount a fuzzed deposit or seed takes, in whole tokens.
    uint256 internal constant MAX_TOKENS = 1e9;

    address internal carol = makeAddr("carol");

    /// @dev One whole token in asset units.
    uint256 internal unit;
    uint256 internal sessionId;

    function _assetDecimals() internal pure virtual returns (uint8);

    function setUp() public override {
        vm.warp(1_700_000_000);
        _deploy(_assetDecimals(), 3);
        unit = 10 ** _assetDecimals();
        // The fixture's absolute cap is written in 6-decimal units: lift it so only the 50% relative cap binds.
        for (uint256 i; i < strategies.length; ++i) {
            vm.prank(governance);
            vault.setCaps(address(strategies[i]), type(uint128).max, REL_CAP_BPS);
        }
        // Strategy losses of up to 20% must not stop the agent's moves here: the drawdown guard (tested on its own)
        // is widened to its maximum.
        vm.prank(governance);
        vault.setMaxDrawdown(uint16(ConstantsLib.MAX_DRAWDOWN_BPS));
        _grantUnlimitedSession();
    }

    function _grantUnlimitedSession() internal {
        ISessionManager.SessionParams memory p = _params();
        p.maxVolumePerCall = type(uint128).max;
        p.maxVolumePerEpoch = type(uint128).max;
        p.maxCallsPerEpoch = type(uint16).max;
        sessionId = _grant(p);
    }

    // ================================================================ round trips: no free profit

    /// @notice Deposit then redeem every share returns at most the deposit, whether the exit is served from idle or
    /// pulls from strategies, and whether a strategy lost money in between.
    /// @dev The profit or loss before the deposit is recognised first (a loss at once, a profit over time at the gain
    /// rate): a deposit made while an earlier profit is being recognised shares in what is recognised while it is
    /// held (the VALUATION design, not rounding). Within the deposit's block nothing more is recognised.
    function testFuzz_depositRedeem(
        uint256 seedAssets,
        uint256 shape,
        int256 pnlBps,
        uint256 assets,
        uint256 lossAfterBps,
        bool moveIn
    ) public {
        _setUpVault(seedAssets, shape, pnlBps, true);
        assets = bound(assets, 1, MAX_TOKENS * unit);

        uint256 shares = _deposit(bob, assets);
        if (moveIn) _investIdle(_legCount(shape));
        _strategyLoss(shape, lossAfterBps);

        uint256 idleBefore = vault.idle();
        uint256 preview = vault.previewRedeem(shares);
        vm.prank(bob);
        uint256 out = vault.redeem(shares, bob, bob);

        assertLe(out, assets, "deposit then redeem returns no more than was deposited");
        assertEq(asset.balanceOf(bob), out, "redeem pays what it returns");
        assertGe(out, preview, "redeem pays at least previewRedeem");
        if (out > idleBefore) assertEq(vault.idle(), 0, "exit beyond idle empties idle and pulls the rest");
    }

    /// @notice Mint then withdraw: getting back the price of the mint burns every minted share, and withdrawing what
    /// the vault allows then redeeming what is left never returns more than the mint cost. Earlier profit or loss is
    /// recognised first, as in `testFuzz_depositRedeem`.
    function testFuzz_mintWithdraw(
        uint256 seedAssets,
        uint256 shape,
        int256 pnlBps,
        uint256 shares,
        uint256 lossAfterBps,
        bool moveIn
    ) public {
        _setUpVault(seedAssets, shape, pnlBps, true);
        shares = bound(shares, 1, MAX_TOKENS * unit * VIRTUAL_SHARES);

        uint256 paid = _mint(bob, shares);
        if (moveIn) _investIdle(_legCount(shape));
        _strategyLoss(shape, lossAfterBps);

        uint256 withdrawn = Math.min(paid, vault.maxWithdraw(bob));
        if (withdrawn != 0) {
            vm.prank(bob);
            vault.withdraw(withdrawn, bob, bob);
        }
        if (withdrawn == paid) assertEq(vault.balanceOf(bob), 0, "withdrawing the mint price burns every share");

        uint256 left = vault.balanceOf(bob);
        uint256 redeemed;
        if (left != 0) {
            vm.prank(bob);
            redeemed = vault.redeem(left, bob, bob);
        }
        assertLe(withdrawn + redeemed, paid, "mint then exit returns no more than the mint cost");
        assertEq(asset.balanceOf(bob), withdrawn + redeemed, "exits pay what they return");
    }

    /// @notice Redeeming a deposit through two accounts (transfer half the shares away, then both redeem) returns no
    /// more than the deposit: splitting an exit does not beat the rounding.
    function testFuzz_redeem_splitExit(uint256 seedAssets, uint256 shape, int256 pnlBps, uint256 assets) public {
        _setUpVault(seedAssets, shape, pnlBps, true);
        assets = bound(assets, 1, MAX_TOKENS * unit);

        uint256 shares = _deposit(bob, assets);
        _investIdle(_legCount(shape));
        vm.prank(bob);
        vault.transfer(carol, shares / 2);

        uint256 bobShares = vault.balanceOf(bob);
        vm.prank(bob);
        uint256 out = vault.redeem(bobShares, bob, bob);
        uint256 carolShares = vault.balanceOf(carol);
        if (carolShares != 0) {
            vm.prank(carol);
            out += vault.redeem(carolShares, carol, carol);
        }
        assertLe(out, assets, "split exit returns no more than was deposited");
    }

    // ================================================================ previews never promise more than delivered

    /// @notice `deposit` mints at least `previewDeposit` shares and rounds them down, at a share price moved by a
    /// recognised profit or loss and with a fresh one on top (a loss shown at once, a profit not yet recognised).
    function testFuzz_deposit(uint256 seedAssets, uint256 shape, int256 pnlBps, uint256 assets) public {
        _setUpVault(seedAssets, shape, pnlBps, true);
        _strategyPnl(shape, shape >> 8, pnlBps / 2);
        assets = bound(assets, 1, MAX_TOKENS * unit);

        uint256 preview = vault.previewDeposit(assets);
        uint256 idleBefore = vault.idle();
        (uint256 supply, uint256 accounted) = (vault.totalSupply() + VIRTUAL_SHARES, vault.totalAssets() + 1);
        uint256 shares = _deposit(bob, assets);

        assertGe(shares, preview, "deposit mints at least previewDeposit");
        assertLe(shares * accounted, assets * supply, "deposit rounds shares down");
        assertEq(vault.balanceOf(bob), shares, "deposit mints what it returns");
        assertEq(vault.idle(), idleBefore + assets, "deposit adds to idle");
    }

    /// @notice `mint` takes at most `previewMint` assets and rounds them up, at a share price moved by a recognised
    /// profit or loss and with a fresh one on top.
    function testFuzz_mint(uint256 seedAssets, uint256 shape, int256 pnlBps, uint256 shares) public {
        _setUpVault(seedAssets, shape, pnlBps, true);
        _strategyPnl(shape, shape >> 8, pnlBps / 2);
        shares = bound(shares, 1, MAX_TOKENS * unit * VIRTUAL_SHARES);

        uint256 preview = vault.previewMint(shares);
        (uint256 supply, uint256 accounted) = (vault.totalSupply() + VIRTUAL_SHARES, vault.totalAssets() + 1);
        uint256 paid = _mint(bob, shares);

        assertLe(paid, preview, "mint takes at most previewMint");
        assertGe(paid * supply, shares * accounted, "mint rounds assets up");
        assertEq(vault.balanceOf(bob), shares, "mint mints the shares asked for");
        assertEq(asset.balanceOf(bob), preview - paid, "mint pulls what it returns");
    }

    /// @notice `withdraw` burns at most `previewWithdraw` shares and pays exactly the assets asked for, including
    /// exits larger than idle that pull from strategies carrying a fresh profit or loss.
    function testFuzz_withdraw(
        uint256 seedAssets,
        uint256 shape,
        int256 pnlBps,
        uint256 deposited,
        uint256 assets,
        int256 pnlAfterBps
    ) public {
        _setUpVault(seedAssets, shape, pnlBps, true);
        deposited = bound(deposited, unit, MAX_TOKENS * unit);
        _deposit(bob, deposited);
        _investIdle(_legCount(shape));
        _strategyPnl(shape, shape >> 8, pnlAfterBps);

        uint256 max = vault.maxWithdraw(bob);
        vm.assume(max != 0);
        assets = bound(assets, 1, max);

        uint256 preview = vault.previewWithdraw(assets);
        uint256 sharesBefore = vault.balanceOf(bob);
        uint256 idleBefore = vault.idle();
        uint256 inStrategiesBefore = _strategyBalances();
        // Every exit is priced on total assets valued now, whether idle covers it or strategies are pulled.
        uint256 price = vault.totalAssets() + 1;
        assertLe(price, _liveTotal() + 1, "total assets never above idle + live positions");
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        vm.prank(bob);
        uint256 burned = vault.withdraw(assets, bob, bob);

        assertLe(burned, preview, "withdraw burns at most previewWithdraw");
        assertGe(burned * price, assets * supply, "withdraw rounds shares burned up");
        assertEq(sharesBefore - vault.balanceOf(bob), burned, "withdraw burns what it returns");
        assertEq(asset.balanceOf(bob), assets, "withdraw pays the assets asked for");
        if (assets > idleBefore) {
            assertEq(inStrategiesBefore - _strategyBalances(), assets - idleBefore, "exit beyond idle pulls the rest");
        } else {
            assertEq(_strategyBalances(), inStrategiesBefore, "exit within idle leaves strategies alone");
        }
    }

    /// @notice `redeem` pays at least `previewRedeem`, including exits larger than idle that pull from strategies
    /// carrying a fresh profit or loss.
    function testFuzz_redeem(
        uint256 seedAssets,
        uint256 shape,
        int256 pnlBps,
        uint256 deposited,
        uint256 shares,
        int256 pnlAfterBps
    ) public {
        _setUpVault(seedAssets, shape, pnlBps, true);
        deposited = bound(deposited, unit, MAX_TOKENS * unit);
        _deposit(bob, deposited);
        _investIdle(_legCount(shape));
        _strategyPnl(shape, shape >> 8, pnlAfterBps);

        uint256 max = vault.maxRedeem(bob);
        vm.assume(max != 0);
        shares = bound(shares, 1, max);

        uint256 preview = vault.previewRedeem(shares);
        uint256 idleBefore = vault.idle();
        uint256 inStrategiesBefore = _strategyBalances();
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        // Every exit is priced on total assets valued now, whether idle covers it or strategies are pulled.
        uint256 price = vault.totalAssets() + 1;
        vm.prank(bob);
        uint256 out = vault.redeem(shares, bob, bob);

        assertGe(out, preview, "redeem pays at least previewRedeem");
        assertLe(out * supply, shares * price, "redeem rounds assets paid down");
        assertEq(asset.balanceOf(bob), out, "redeem pays what it returns");
        if (out > idleBefore) {
            assertEq(inStrategiesBefore - _strategyBalances(), out - idleBefore, "exit beyond idle pulls the rest");
        }
    }

    /// @notice `maxWithdraw` and `maxRedeem` can be taken in full when a strategy limits or blocks withdrawals, and the
    /// exit stays within what that strategy lets go.
    function testFuzz_maxWithdraw(
        uint256 seedAssets,
        uint256 shape,
        uint256 deposited,
        uint256 liquidityCap,
        bool byRedeem
    ) public {
        _setUpVault(seedAssets, shape, 0, true);
        deposited = bound(deposited, unit, MAX_TOKENS * unit);
        _deposit(bob, deposited);
        _investIdle(_legCount(shape));

        MockStrategy limited = strategies[(shape >> 8) % _legCount(shape)];
        uint256 held = limited.previewRedeem(limited.balanceOf(address(vault)));
        // Anything from no liquidity to all of it; one past that blocks withdrawals outright.
        liquidityCap = bound(liquidityCap, 0, held + 1);
        if (liquidityCap == held + 1) limited.setBlocked(true);
        else limited.setWithdrawCap(liquidityCap);
        uint256 limitedBefore = asset.balanceOf(address(limited));

        if (byRedeem) {
            uint256 max = vault.maxRedeem(bob);
            vm.assume(max != 0);
            uint256 preview = vault.previewRedeem(max);
            vm.prank(bob);
            uint256 out = vault.redeem(max, bob, bob);
            assertGe(out, preview, "maxRedeem redeems and pays at least previewRedeem");
        } else {
            uint256 max = vault.maxWithdraw(bob);
            vm.assume(max != 0);
            vm.prank(bob);
            vault.withdraw(max, bob, bob);
            assertEq(asset.balanceOf(bob), max, "maxWithdraw withdraws in full");
        }
        uint256 limitedOut = limitedBefore - asset.balanceOf(address(limited));
        if (limited.blocked()) assertEq(limitedOut, 0, "blocked strategy released nothing");
        else assertLe(limitedOut, liquidityCap, "limited strategy released at most its cap");
    }

    // ================================================================ previews round against the user

    /// @notice Every preview rounds in the vault's favour against the exact price: total assets valued now, for entries
    /// and exits alike, never above idle plus the live value of the positions.
    function testFuzz_previewRounding(uint256 seedAssets, uint256 shape, int256 pnlBps, uint256 amount) public {
        _setUpVault(seedAssets, shape, pnlBps, false);
        _deposit(bob, bound(amount >> 128, unit, MAX_TOKENS * unit));
        _investIdle(_legCount(shape));
        _strategyPnl(shape, shape >> 8, pnlBps / 2);

        uint256 assets = bound(amount, 1, MAX_TOKENS * unit);
        uint256 shares = bound(amount, 1, MAX_TOKENS * unit * VIRTUAL_SHARES);
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        uint256 accounted = vault.totalAssets() + 1;
        assertLe(accounted, _liveTotal() + 1, "total assets never above idle + live positions");

        // Entries and exits are priced on the same valued total.
        assertLe(vault.previewDeposit(assets) * accounted, assets * supply, "previewDeposit rounds shares down");
        assertGe(vault.previewMint(shares) * supply, shares * accounted, "previewMint rounds assets up");
        assertGt((vault.previewDeposit(assets) + 1) * accounted, assets * supply, "previewDeposit short by < 1 share");

        assertGe(vault.previewWithdraw(assets) * accounted, assets * supply, "previewWithdraw rounds shares up");
        assertLe(vault.previewRedeem(shares) * supply, shares * accounted, "previewRedeem rounds assets down");

        // Round trips through the previews never gain.
        assertLe(vault.previewMint(vault.previewDeposit(assets)), assets, "shares of a deposit cost no more to mint");
        assertGe(vault.previewDeposit(vault.previewMint(shares)), shares, "price of a mint deposits for its shares");
    }

    // ================================================================ helpers

    /// @dev Alice seeds the vault, a session moves 2 or 3 strategies' worth of it out of idle (a block later, so the
    /// caps count her deposit), one strategy gains or loses up to 20%; with `recognise`, a year passes so that a
    /// profit is recognised in full under the gain rate (a loss already shows), and a fresh session is granted.
    function _setUpVault(uint256 seedAssets, uint256 shape, int256 pnlBps, bool recognise) internal {
        seedAssets = bound(seedAssets, unit, MAX_TOKENS * unit);
        _deposit(alice, seedAssets);
        _nextBlock();

        uint256 legs = _legCount(shape);
        uint256[] memory targets = new uint256[](legs);
        for (uint256 i; i < legs; ++i) {
            uint256 weightBps = bound(uint256(keccak256(abi.encode(shape, i))), 500, 9_000 / legs);
            targets[i] = seedAssets * weightBps / ConstantsLib.BPS;
        }
        _rebalanceTo(targets);
        _strategyPnl(shape, shape >> 1, pnlBps);
        if (recognise) {
            vm.warp(block.timestamp + ConstantsLib.YEAR);
            _nextBlock();
            assertEq(vault.totalAssets(), _liveTotal(), "profit or loss recognised in full");
            _grantUnlimitedSession();
        }
    }

    /// @dev Moves idle into the first `legs` strategies, evenly, leaving 12% of total assets idle; a block after the
    /// deposits before it, so the caps count them.
    function _investIdle(uint256 legs) internal {
        _nextBlock();
        // Of total assets as valued (a profit not yet recognised does not widen the caps).
        uint256 each = vault.totalAssets() * INVESTED_BPS / ConstantsLib.BPS / legs;
        uint256[] memory targets = new uint256[](legs);
        for (uint256 i; i < legs; ++i) {
            targets[i] = each;
        }
        _rebalanceTo(targets);
    }

    function _rebalanceTo(uint256[] memory amounts) internal {
        ITreasuryVault.Allocation[] memory t = new ITreasuryVault.Allocation[](amounts.length);
        for (uint256 i; i < amounts.length; ++i) {
            t[i] = ITreasuryVault.Allocation(address(strategies[i]), amounts[i]);
        }
        _rebalance(t, sessionId);
    }

    /// @dev One of the strategies `shape` funds (picked by `pick`) gains or loses up to 20% of its assets (a loss shows at
    /// once, a gain only as the gain rate lets it in).
    function _strategyPnl(uint256 shape, uint256 pick, int256 pnlBps) internal {
        pnlBps = bound(pnlBps, -int256(MAX_PNL_BPS), int256(MAX_PNL_BPS));
        MockStrategy s = strategies[pick % _legCount(shape)];
        uint256 held = s.totalAssets();
        if (pnlBps > 0) s.simulateGain(held * uint256(pnlBps) / ConstantsLib.BPS);
        else if (pnlBps < 0) s.simulateLoss(held * uint256(-pnlBps) / ConstantsLib.BPS);
    }

    /// @dev One of the strategies `shape` funds loses up to 20% of its assets, not written down.
    function _strategyLoss(uint256 shape, uint256 lossBps) internal {
        _strategyPnl(shape, shape >> 16, -int256(bound(lossBps, 0, MAX_PNL_BPS)));
    }

    function _mint(address user, uint256 shares) internal returns (uint256 paid) {
        uint256 cost = vault.previewMint(shares);
        asset.mint(user, cost);
        vm.startPrank(user);
        asset.approve(address(vault), cost);
        paid = vault.mint(shares, user);
        vm.stopPrank();
    }

    function _legCount(uint256 shape) internal pure returns (uint256) {
        return 2 + shape % 2;
    }

    /// @dev Redeemable value of the vault's position in each of the first `count` strategies.
    function _liveValues(uint256 count) internal view returns (uint256[] memory values) {
        values = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            uint256 shares = strategies[i].balanceOf(address(vault));
            values[i] = shares == 0 ? 0 : strategies[i].previewRedeem(shares);
        }
    }

    /// @dev Idle plus every position at its redeemable value now.
    function _liveTotal() internal view returns (uint256 total) {
        total = vault.idle();
        uint256[] memory values = _liveValues(strategies.length);
        for (uint256 i; i < values.length; ++i) {
            total += values[i];
        }
    }

    /// @dev Assets held by all strategies together.
    function _strategyBalances() internal view returns (uint256 sum) {
        for (uint256 i; i < strategies.length; ++i) {
            sum += asset.balanceOf(address(strategies[i]));
        }
    }
}

/// @notice The fuzz suite over a 6-decimal asset (USDC-like).
contract TreasuryVaultFuzz6Test is TreasuryVaultFuzzTest {
    function _assetDecimals() internal pure override returns (uint8) {
        return 6;
    }
}

/// @notice The fuzz suite over an 18-decimal asset (DAI-like).
contract TreasuryVaultFuzz18Test is TreasuryVaultFuzzTest {
    function _assetDecimals() internal pure override returns (uint8) {
        return 18;
    }
}
