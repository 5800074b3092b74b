// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {TreasuryVault} from "../../contracts/vault/TreasuryVault.sol";
import {TreasuryFixture} from "../Base.t.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {PlainERC4626} from "../../contracts/mocks/PlainERC4626.sol";
import {HookToken} from "../../contracts/mocks/HookToken.sol";
import {ITransferHook} from "../../contracts/mocks/ITransferHook.sol";

/// @notice A holder of a hooked asset that, when its tokens move, re-enters the vault with every state-changing
/// entry point and reads the vault's views (read-only re-entrancy).
contract HookAttacker is ITransferHook {
    TreasuryVault internal immutable vault;
    address internal immutable strategy;

    bool public armed;
    uint256 public attempts;
    uint256 public successes;
    bytes public lastError;
    /// Share price the views showed inside the hook: assets for 1e12 shares.
    uint256 public priceSeen;
    uint256 public totalAssetsSeen;
    uint256 public totalSupplySeen;

    constructor(TreasuryVault vault_, address strategy_) {
        vault = vault_;
        strategy = strategy_;
        HookToken(vault_.asset()).setHooked(true);
        IERC20(vault_.asset()).approve(address(vault_), type(uint256).max);
    }

    function setArmed(bool armed_) external {
        armed = armed_;
    }

    function deposit(uint256 assets) external returns (uint256) {
        return vault.deposit(assets, address(this));
    }

    function withdraw(uint256 assets) external returns (uint256) {
        return vault.withdraw(assets, address(this), address(this));
    }

    function onTokenTransfer(address, address, uint256) external {
        if (!armed) return;
        armed = false; // one round of re-entry per transfer
        priceSeen = vault.convertToAssets(1e12);
        totalAssetsSeen = vault.totalAssets();
        totalSupplySeen = vault.totalSupply();
        ITreasuryVault.Allocation[] memory t = new ITreasuryVault.Allocation[](1);
        t[0] = ITreasuryVault.Allocation(strategy, 0);
        _try(abi.encodeCall(IERC4626.deposit, (1, address(this))));
        _try(abi.encodeCall(IERC4626.mint, (1, address(this))));
        _try(abi.encodeCall(IERC4626.withdraw, (1, address(this), address(this))));
        _try(abi.encodeCall(IERC4626.redeem, (1, address(this), address(this))));
        _try(abi.encodeCall(ITreasuryVault.realizeLoss, (strategy)));
        _try(abi.encodeCall(ITreasuryVault.rebalance, (t, 1, bytes32(0))));
        armed = true;
    }

    function _try(bytes memory data) internal {
        ++attempts;
        (bool ok, bytes memory ret) = address(vault).call(data);
        if (ok) ++successes;
        else lastError = ret;
    }
}

/// @notice Attack class 4 with a token that has transfer hooks (ERC-777 style): every state-changing entry point of
/// the vault is closed to re-entry from inside a deposit or a withdrawal, and the views read from inside the hook show
/// a consistent state (no read-only re-entrancy window). Re-entry by hostile strategies into deposit, withdraw and
/// rebalance: TreasuryVault.Exits.t.sol (`test_RevertWhen_strategyReenters*`, `test_withdraw_rejectsReentrant*`).
contract ReentrancyAttacksTest is TreasuryFixture {
    HookToken internal token;
    PlainERC4626 internal strategy;
    HookAttacker internal attacker;

    function setUp() public {
        token = new HookToken();
        _deployTreasury(token, "Treasury", "tT", _defaultBounds());
        strategy = new PlainERC4626(token);
        vm.prank(governance);
        vault.addStrategy(address(strategy), 1_000_000e6, 5_000);
        attacker = new HookAttacker(vault, address(strategy));
        token.mint(address(attacker), 1_000e6);
        token.mint(alice, 1_000e6);
        vm.startPrank(alice);
        token.approve(address(vault), 1_000e6);
        vault.deposit(1_000e6, alice);
        vm.stopPrank();
    }

    function _reentrancyError() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
    }

    function _assertEveryReentryRefused() internal view {
        assertEq(attacker.attempts(), 6, "six entry points tried");
        assertEq(attacker.successes(), 0, "none re-entered");
        assertEq(attacker.lastError(), _reentrancyError(), "refused by the re-entrancy guard");
    }

    function test_attack04_hookTokenReentryDuringDepositRefused() public {
        attacker.setArmed(true);
        uint256 shares = attacker.deposit(100e6); // the hook runs as the attacker's tokens leave
        _assertEveryReentryRefused();
        assertEq(vault.balanceOf(address(attacker)), shares, "the deposit itself completed");
        assertEq(vault.totalAssets(), 1_100e6, "counted once");
        assertEq(vault.idle(), token.balanceOf(address(vault)), "idle = balance");
    }

    function test_attack04_hookTokenReentryDuringWithdrawRefused() public {
        attacker.deposit(100e6);
        attacker.setArmed(true);
        attacker.withdraw(60e6); // the hook runs as the tokens arrive
        _assertEveryReentryRefused();
        assertEq(token.balanceOf(address(attacker)), 960e6, "paid once");
        assertEq(vault.totalAssets(), 1_040e6, "taken once");
        assertEq(vault.idle(), token.balanceOf(address(vault)), "idle = balance");
    }

    /// @dev Read-only re-entrancy: inside either hook, the share price the views show is the price before or after
    /// the call, never an intermediate one (shares and assets move together).
    function test_attack04_viewsInsideHooksShowAConsistentPrice() public {
        uint256 price = vault.convertToAssets(1e12);
        attacker.setArmed(true);
        attacker.deposit(100e6);
        assertEq(attacker.priceSeen(), price, "price inside the deposit hook");
        assertEq(attacker.totalAssetsSeen(), 1_000e6, "deposit hook: total before the deposit");
        assertEq(attacker.totalSupplySeen(), 1_000e12, "deposit hook: supply before the deposit");

        attacker.setArmed(true);
        attacker.withdraw(60e6);
        assertEq(attacker.priceSeen(), price, "price inside the withdraw hook");
        assertEq(attacker.totalAssetsSeen(), 1_040e6, "withdraw hook: total after the withdrawal");
        assertEq(attacker.totalSupplySeen(), 1_040e12, "withdraw hook: supply after the withdrawal");
    }

    /// @dev The guard is transient: a re-entry refused inside one call leaves nothing behind for the next.
    function test_attack04_guardClearedAfterTheCall() public {
        attacker.setArmed(true);
        attacker.deposit(100e6);
        attacker.setArmed(false);
        attacker.deposit(100e6);
        assertEq(vault.totalAssets(), 1_200e6, "a later call goes through");
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.OnlyVault.selector, address(this)));
        vault.pullFromStrategy(address(strategy), 1);
    }
}
