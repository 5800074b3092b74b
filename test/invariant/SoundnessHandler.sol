// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../helpers/Test.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {TreasuryVault} from "../../contracts/vault/TreasuryVault.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockStrategy} from "../../contracts/mocks/MockStrategy.sol";
import {HostileViewStrategy} from "../../contracts/mocks/HostileViewStrategy.sol";

/// @notice Drives the soundness invariants: two holders, a flash depositor who deposits and exits within one call
/// (alone or around the agent's own rebalance), the agent rebalancing through its session, honest strategies that
/// gain and lose unrecorded value, an attacker strategy whose views fail partially, reentrantly or only after the
/// move, and time. Records the best round-trip result any actor achieved (must never be a profit).
contract SoundnessHandler is Test {
    TreasuryVault internal immutable vault;
    MockERC20 internal immutable asset;
    MockStrategy[] internal honest;
    HostileViewStrategy internal immutable hostile;
    address[] internal holders;
    address internal immutable agent;
    uint256 internal immutable sessionId;
    address internal flasher = makeAddr("flasher");

    /// @notice Largest (out - in) of any same-call round trip; 0 while nobody profited.
    uint256 public roundTripProfit;
    uint256 public roundTrips;
    uint256 public rebalancesPassed;

    constructor(
        TreasuryVault vault_,
        MockStrategy[] memory honest_,
        HostileViewStrategy hostile_,
        address[] memory holders_,
        address agent_,
        uint256 sessionId_
    ) {
        vault = vault_;
        asset = MockERC20(vault_.asset());
        honest = honest_;
        hostile = hostile_;
        holders = holders_;
        agent = agent_;
        sessionId = sessionId_;
    }

    // ---------------------------------------------------------------- holders

    function deposit(uint256 holderSeed, uint256 assets) external {
        address holder = holders[holderSeed % holders.length];
        assets = bound(assets, 1e6, 1_000_000e6);
        asset.mint(holder, assets);
        vm.startPrank(holder);
        asset.approve(address(vault), assets);
        vault.deposit(assets, holder);
        vm.stopPrank();
    }

    function redeem(uint256 holderSeed, uint256 fraction) external {
        address holder = holders[holderSeed % holders.length];
        uint256 shares = vault.maxRedeem(holder) * bound(fraction, 1, 100) / 100;
        if (shares == 0) return;
        vm.prank(holder);
        vault.redeem(shares, holder, holder);
    }

    function withdrawMax(uint256 holderSeed) external {
        address holder = holders[holderSeed % holders.length];
        uint256 max = vault.maxWithdraw(holder);
        if (max == 0) return;
        vm.prank(holder);
        vault.withdraw(max, holder, holder);
    }

    // ---------------------------------------------------------------- the flash depositor

    /// @dev Deposit and exit in one call (a flash loan): never more out than in.
    function flashRoundTrip(uint256 assets, bool byWithdraw) external {
        assets = bound(assets, 1, 50_000_000e6);
        uint256 before = vault.balanceOf(flasher);
        _flashIn(flasher, assets);
        _flashOut(flasher, assets, byWithdraw, vault.balanceOf(flasher) - before);
    }

    /// @dev The agent's own flash deposit around its rebalance: never more out than in.
    function flashAroundRebalance(uint256 assets, uint256 seed, uint256 target) external {
        assets = bound(assets, 1, 50_000_000e6);
        uint256 before = vault.balanceOf(agent);
        _flashIn(agent, assets);
        _rebalanceOne(seed, target, agent);
        _flashOut(agent, assets, false, vault.balanceOf(agent) - before);
    }

    // ---------------------------------------------------------------- the agent

    function rebalance(uint256 seed, uint256 target) external {
        _rebalanceOne(seed, target, agent);
    }

    // ---------------------------------------------------------------- the strategies

    function honestGain(uint256 seed, uint256 assets) external {
        MockStrategy s = honest[seed % honest.length];
        s.simulateGain(bound(assets, 0, 50_000e6));
    }

    function honestLoss(uint256 seed, uint256 bps) external {
        MockStrategy s = honest[seed % honest.length];
        uint256 loss = asset.balanceOf(address(s)) * bound(bps, 0, 1_000) / 10_000;
        s.simulateLoss(loss);
    }

    /// @dev The attacker strategy's views: modes for balanceOf and previewRedeem (never burning gas, to keep runs
    /// quick), now or only after the next move, and a previewRedeem that fails above some shares.
    function hostileViews(uint8 balanceMode, uint8 previewMode, bool afterMove, uint256 limit) external {
        HostileViewStrategy.Mode b = HostileViewStrategy.Mode(bound(balanceMode, 0, 2));
        HostileViewStrategy.Mode r = HostileViewStrategy.Mode(bound(previewMode, 0, 5));
        if (r == HostileViewStrategy.Mode.BurnGas || r == HostileViewStrategy.Mode.Bomb) {
            r = HostileViewStrategy.Mode.Revert;
        }
        HostileViewStrategy.Mode normal = HostileViewStrategy.Mode.Normal;
        if (afterMove) hostile.armAfterMove(b, r, normal, normal);
        else hostile.setModes(b, r, normal, normal);
        hostile.setPreviewRedeemLimit(limit % 3 == 0 ? type(uint256).max : bound(limit, 0, 1_000_000e6));
    }

    function hostileGainOrLoss(uint256 assets, bool gain) external {
        assets = bound(assets, 0, 10_000e6);
        if (gain) hostile.simulateGain(assets);
        else hostile.simulateLoss(assets < asset.balanceOf(address(hostile)) ? assets : 0);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 days));
        vm.roll(block.number + 1);
    }

    // ---------------------------------------------------------------- internals

    function _flashIn(address who, uint256 assets) internal {
        asset.mint(who, assets);
        vm.startPrank(who);
        asset.approve(address(vault), assets);
        vault.deposit(assets, who);
        vm.stopPrank();
    }

    /// @dev Exits with at most `shares` (what the round trip minted) and records the result.
    function _flashOut(address who, uint256 assets, bool byWithdraw, uint256 shares) internal {
        uint256 out;
        uint256 maxShares = vault.maxRedeem(who);
        if (shares > maxShares) shares = maxShares;
        vm.startPrank(who);
        if (byWithdraw) {
            out = vault.previewRedeem(shares);
            if (out != 0) vault.withdraw(out, who, who);
        } else if (shares != 0) {
            out = vault.redeem(shares, who, who);
        }
        vm.stopPrank();
        ++roundTrips;
        if (out > assets && out - assets > roundTripProfit) roundTripProfit = out - assets;
        // Whatever could not leave (short liquidity) stays with the flasher at no profit: counted above as less out.
    }

    function _rebalanceOne(uint256 seed, uint256 target, address caller) internal {
        address strategy = seed % 4 == 3 ? address(hostile) : address(honest[seed % honest.length]);
        ITreasuryVault.Allocation[] memory t = new ITreasuryVault.Allocation[](1);
        t[0] = ITreasuryVault.Allocation(strategy, bound(target, 0, vault.totalAssets() / 2));
        vm.prank(caller);
        (bool ok,) = address(vault).call(abi.encodeCall(ITreasuryVault.rebalance, (t, sessionId, bytes32(0))));
        if (ok) ++rebalancesPassed;
    }

    /// @notice Live value: idle plus every position at what it is worth now, or at the vault's book value where the
    /// strategy's views fail (the most the vault can know of it).
    function liveValue() external view returns (uint256 value) {
        value = vault.idle();
        for (uint256 i; i < honest.length; ++i) {
            IERC4626 s = IERC4626(address(honest[i]));
            value += s.previewRedeem(s.balanceOf(address(vault)));
        }
        (bool ok, uint256 shares) = _word(abi.encodeCall(IERC20.balanceOf, (address(vault))));
        uint256 worth;
        if (ok && shares != 0) (ok, worth) = _word(abi.encodeCall(IERC4626.previewRedeem, (shares)));
        value += ok ? worth : vault.allocation(address(hostile));
    }

    /// @dev One word from a view of the attacker strategy, or false when it fails or answers malformed data.
    function _word(bytes memory data) internal view returns (bool ok, uint256 word) {
        bytes memory ret;
        (ok, ret) = address(hostile).staticcall{gas: 500_000}(data);
        ok = ok && ret.length == 32;
        if (ok) word = abi.decode(ret, (uint256));
    }
}
