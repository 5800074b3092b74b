// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {TreasuryFixture} from "../Base.t.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {PlainERC4626} from "../../contracts/mocks/PlainERC4626.sol";
import {FeeOnTransferToken} from "../../contracts/mocks/FeeOnTransferToken.sol";
import {RebasingToken} from "../../contracts/mocks/RebasingToken.sol";

/// @notice Attack class 5: fee-on-transfer and rebasing assets. The vault supports plain ERC-20 assets only (see
/// SPECIFICATION.md, "Assets the vault supports"); these tests pin what happens with the others. A fee-on-transfer
/// deposit is refused; if a fee is switched on later (USDT's dormant fee switch), accounting stays whole: exits from
/// idle pay the token's fee out of the receiver's amount, a strategy that cannot deliver the full amount is skipped by
/// user exits, and a rebalance counts the fee as loss of the moves. A rebasing asset breaks the accounting of idle:
/// a positive rebase of idle is never counted, a negative one leaves idle above the vault's balance.
contract AssetsTest is TreasuryFixture {
    IERC20 internal token;
    PlainERC4626 internal s0;
    PlainERC4626 internal s1;
    uint256 internal sid;

    function setUp() public {
        vm.warp(1_700_000_000);
    }

    // ---------------------------------------------------------------- fixture over any token

    function _deployOver(IERC20 token_) internal {
        token = token_;
        _deployTreasury(token_, "Treasury", "tT", _defaultBounds());
        s0 = new PlainERC4626(token_);
        s1 = new PlainERC4626(token_);
        vm.startPrank(governance);
        vault.addStrategy(address(s0), 1_000_000e6, 5_000);
        vault.addStrategy(address(s1), 1_000_000e6, 5_000);
        sid = sessions.grant(_sessionParams(3));
        vm.stopPrank();
    }

    function _depositAs(address user, uint256 assets) internal returns (uint256 shares) {
        vm.startPrank(user);
        token.approve(address(vault), assets);
        shares = vault.deposit(assets, user);
        vm.stopPrank();
    }

    function _rebalance(uint256 a0, uint256 a1) internal {
        vm.prank(agent);
        vault.rebalance(_targets2(address(s0), a0, address(s1), a1), sid, bytes32(0));
    }

    function _assertIdleCovered(string memory where) internal view {
        assertLe(vault.idle(), token.balanceOf(address(vault)), string.concat(where, ": idle <= balance"));
        assertEq(
            vault.totalAllocated(),
            vault.allocation(address(s0)) + vault.allocation(address(s1)),
            string.concat(where, ": totalAllocated = sum of allocations")
        );
        assertLe(
            vault.totalAssets(),
            vault.idle() + _positionValue(s0) + _positionValue(s1),
            string.concat(where, ": total <= idle + live positions")
        );
    }

    function _positionValue(PlainERC4626 s) internal view returns (uint256) {
        return s.previewRedeem(s.balanceOf(address(vault)));
    }

    // ================================================================ fee on transfer

    function test_attack05_feeOnTransfer_depositAndMintRefused() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(100); // 1%
        _deployOver(fot);
        fot.mint(alice, 1_000e6);
        vm.startPrank(alice);
        fot.approve(address(vault), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.DepositShortfall.selector, 100e6, 99e6));
        vault.deposit(100e6, alice);
        uint256 shares = vault.previewMint(100e12);
        uint256 assets = vault.previewMint(shares);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.DepositShortfall.selector, assets, assets - assets / 100));
        vault.mint(shares, alice);
        vm.stopPrank();
        assertEq(vault.totalSupply(), 0, "no shares minted");
        assertEq(vault.idle(), 0, "nothing counted");
    }

    /// @dev A 0.3% fee switched on after the treasury is funded (USDT's dormant fee switch): deposits stop; nothing is
    /// mis-counted; exits from idle work (the receiver pays the token's fee); exits that need a strategy skip it (it
    /// cannot deliver the full amount) and fail cleanly; the agent moves money to idle, the fee counted as loss.
    function test_attack05_feeOnTransfer_feeSwitchedOnLater_accountingStaysWhole() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(0);
        _deployOver(fot);
        fot.mint(alice, 600e6);
        fot.mint(bob, 400e6);
        _depositAs(alice, 600e6);
        _depositAs(bob, 400e6);
        _nextBlock();
        _rebalance(450e6, 450e6);
        assertEq(vault.idle(), 100e6, "fixture: idle");

        fot.setFeeBps(30);
        fot.mint(bob, 10e6);
        vm.startPrank(bob);
        fot.approve(address(vault), 10e6);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.DepositShortfall.selector, 10e6, 9.97e6));
        vault.deposit(10e6, bob);
        vm.stopPrank();

        vm.prank(alice);
        vault.withdraw(50e6, alice, alice);
        assertEq(fot.balanceOf(alice), 49.85e6, "alice got 50e6 less the token's fee");
        _assertIdleCovered("after an idle exit");

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, 100e6, 50e6));
        vault.withdraw(100e6, alice, alice);

        _rebalance(350e6, 450e6); // 100e6 out of s0, 99.7e6 arrives
        assertEq(vault.idle(), 149.7e6, "idle grew by what arrived");
        assertEq(vault.epochLoss().lossInEpoch, 0.3e6, "the token's fee is loss of the moves");
        _assertIdleCovered("after the agent's move");

        vm.prank(alice);
        vault.withdraw(100e6, alice, alice);
        _assertIdleCovered("after the second exit");
    }

    // ================================================================ rebasing

    /// @dev A positive rebase: strategies' positions grow and are recognised over time at the gain rate; the vault's
    /// own idle grows too, but idle is accounted, so that growth is never counted (it stays in the vault like a
    /// donation).
    function test_attack05_rebasing_positiveRebaseOfIdleNeverCounted() public {
        RebasingToken rb = new RebasingToken();
        _deployOver(rb);
        rb.mint(alice, 1_000e6);
        _depositAs(alice, 1_000e6);
        _nextBlock();
        _rebalance(450e6, 450e6);

        rb.rebase(11_000); // +10%
        assertApproxEqAbs(rb.balanceOf(address(vault)), 110e6, 1, "the vault holds 110e6");
        assertEq(vault.idle(), 100e6, "idle still counts 100e6");
        assertEq(vault.totalAssets(), 1_000e6, "no growth recognised in the block of the rebase");
        vm.warp(block.timestamp + 365 days);
        assertApproxEqAbs(vault.totalAssets(), 1_090e6, 2, "strategies' growth recognised, idle's 10e6 never");
        _assertIdleCovered("after a positive rebase");
    }

    /// @dev A negative rebase leaves idle above what the vault holds: the last exits from idle cannot be paid.
    function test_attack05_rebasing_negativeRebaseLeavesIdleUncovered() public {
        RebasingToken rb = new RebasingToken();
        _deployOver(rb);
        rb.mint(alice, 1_000e6);
        _depositAs(alice, 1_000e6);

        rb.rebase(9_000); // -10%
        assertEq(vault.idle(), 1_000e6, "idle still counts 1_000e6");
        assertEq(rb.balanceOf(address(vault)), 900e6, "the vault holds 900e6");
        assertGt(vault.idle(), rb.balanceOf(address(vault)), "idle no longer covered: why rebasing is unsupported");
        vm.prank(alice);
        vm.expectRevert(RebasingToken.InsufficientBalance.selector);
        vault.withdraw(950e6, alice, alice);
    }

    /// @dev Positions in strategies of a rebasing asset follow the rebase through the strategies' own accounting, and a
    /// loss is written down like any strategy loss.
    function test_attack05_rebasing_strategyPositionsFollowTheRebase() public {
        RebasingToken rb = new RebasingToken();
        _deployOver(rb);
        rb.mint(alice, 1_000e6);
        _depositAs(alice, 1_000e6);
        _nextBlock();
        _rebalance(450e6, 450e6);
        rb.rebase(9_000);
        vault.realizeLoss(address(s0));
        assertApproxEqAbs(vault.allocation(address(s0)), 405e6, 1, "s0 written down with the rebase");
        assertEq(IERC4626(address(s0)).totalAssets(), rb.balanceOf(address(s0)), "strategy follows its balance");
    }
}
