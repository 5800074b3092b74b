// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {BaseTest} from "./Base.t.sol";
import {TreasuryRouter} from "../contracts/periphery/TreasuryRouter.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";

/// @notice The router's slippage-protected entries and exits (ERC-5143 style): each passes at the caller's limit,
/// reverts `SlippageExceeded` past it, and leaves the router holding nothing.
contract TreasuryRouterTest is BaseTest {
    TreasuryRouter internal router;

    function setUp() public override {
        super.setUp();
        router = new TreasuryRouter();
        _deposit(alice, 600e6);
        _deposit(bob, 400e6);
        _rebalanceFixture();
    }

    function _rebalanceFixture() internal {
        vm.roll(block.number + 1);
        uint256 id = _grantDefault();
        _rebalance(_targets3(300e6, 300e6, 300e6), id);
        vm.roll(block.number + 1);
    }

    function _assertRouterEmpty() internal view {
        assertEq(asset.balanceOf(address(router)), 0, "router holds no asset");
        assertEq(vault.balanceOf(address(router)), 0, "router holds no shares");
        assertEq(asset.allowance(address(router), address(vault)), 0, "router leaves no allowance");
    }

    function test_deposit_atTheLimitPasses() public {
        asset.mint(alice, 100e6);
        uint256 expected = vault.previewDeposit(100e6);
        vm.startPrank(alice);
        asset.approve(address(router), 100e6);
        uint256 shares = router.deposit(IERC4626(address(vault)), 100e6, alice, expected);
        vm.stopPrank();
        assertEq(shares, expected, "minted as previewed");
        _assertRouterEmpty();
    }

    function test_RevertWhen_deposit_mintsFewerSharesThanTheMinimum() public {
        asset.mint(alice, 100e6);
        uint256 expected = vault.previewDeposit(100e6);
        vm.startPrank(alice);
        asset.approve(address(router), 100e6);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SlippageExceeded.selector, expected, expected + 1));
        router.deposit(IERC4626(address(vault)), 100e6, alice, expected + 1);
        vm.stopPrank();
    }

    function test_mint_refundsNothingAndLeavesNoAllowance() public {
        uint256 cost = vault.previewMint(50e12);
        asset.mint(alice, cost);
        vm.startPrank(alice);
        asset.approve(address(router), cost);
        assertEq(router.mint(IERC4626(address(vault)), 50e12, alice, cost), cost, "paid as previewed");
        vm.stopPrank();
        assertEq(vault.balanceOf(alice), 600e12 + 50e12, "shares minted to alice");
        _assertRouterEmpty();
    }

    function test_RevertWhen_mint_costsMoreThanTheMaximum() public {
        uint256 cost = vault.previewMint(50e12);
        asset.mint(alice, cost);
        vm.startPrank(alice);
        asset.approve(address(router), cost);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SlippageExceeded.selector, cost, cost - 1));
        router.mint(IERC4626(address(vault)), 50e12, alice, cost - 1);
        vm.stopPrank();
    }

    /// @dev A strategy loss lands between the quote and the exit: the exit reverts instead of paying less.
    function test_RevertWhen_redeem_aLossLandsBeforeTheExit() public {
        uint256 shares = vault.balanceOf(bob);
        uint256 quoted = vault.previewRedeem(shares);
        strategies[0].simulateLoss(30e6);
        uint256 paid = vault.previewRedeem(shares);
        vm.startPrank(bob);
        vault.approve(address(router), shares);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SlippageExceeded.selector, paid, quoted));
        router.redeem(IERC4626(address(vault)), shares, bob, quoted);
        assertEq(router.redeem(IERC4626(address(vault)), shares, bob, paid), paid, "passes at the new price");
        vm.stopPrank();
        _assertRouterEmpty();
    }

    function test_withdraw_withinMaxSharesPasses_andRevertsPastIt() public {
        uint256 needed = vault.previewWithdraw(200e6);
        vm.startPrank(bob);
        vault.approve(address(router), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.SlippageExceeded.selector, needed, needed - 1));
        router.withdraw(IERC4626(address(vault)), 200e6, bob, needed - 1);
        assertEq(router.withdraw(IERC4626(address(vault)), 200e6, bob, needed), needed, "burned as previewed");
        vm.stopPrank();
        assertEq(asset.balanceOf(bob), 200e6, "bob is paid");
        _assertRouterEmpty();
    }

    /// @dev The router exits only the caller's own position, and only with the caller's share allowance.
    function test_RevertWhen_redeem_callerGaveTheRouterNoAllowance() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSignature(
                "ERC20InsufficientAllowance(address,uint256,uint256)", address(router), uint256(0), uint256(1e12)
            )
        );
        router.redeem(IERC4626(address(vault)), 1e12, alice, 0);
        assertEq(vault.balanceOf(alice), 600e12, "alice's shares untouched");
    }
}
