// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./helpers/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {TreasuryVault} from "../contracts/vault/TreasuryVault.sol";
import {TreasuryVaultAdmin} from "../contracts/vault/TreasuryVaultAdmin.sol";
import {SessionManager} from "../contracts/session/SessionManager.sol";
import {ITreasuryVault} from "../contracts/interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../contracts/interfaces/ISessionManager.sol";
import {MockERC20} from "../contracts/mocks/MockERC20.sol";
import {MockStrategy} from "../contracts/mocks/MockStrategy.sol";

/// @notice The roles, the default bounds and session, and the helpers every treasury test uses, over any asset: a
/// test with its own world (another token, the lending markets) deploys its treasury with `_deployTreasury`.
abstract contract TreasuryFixture is Test {
    address internal governance = makeAddr("governance");
    address internal guardian = makeAddr("guardian");
    address internal sessionAdmin = makeAddr("sessionAdmin");
    address internal agent = makeAddr("agent");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    SessionManager internal sessions;
    TreasuryVault internal vault;
    /// @dev The admin module the last vault `_newVault` deployed was given.
    TreasuryVaultAdmin internal adminModule;

    uint16 internal constant IDLE_BUFFER_BPS = 1_000; // 10%
    uint16 internal constant MAX_LOSS_PER_CALL_BPS = 50; // 0.5%
    uint16 internal constant EPOCH_LOSS_BUDGET_BPS = 100; // 1%
    uint32 internal constant LOSS_EPOCH = 1 days;

    /// @dev The default bounds: 10% idle buffer, 0.5% loss per call, 1% per one-day loss epoch.
    function _defaultBounds() internal pure returns (ITreasuryVault.Bounds memory) {
        return ITreasuryVault.Bounds({
            idleBufferBps: IDLE_BUFFER_BPS,
            maxLossPerCallBps: MAX_LOSS_PER_CALL_BPS,
            epochLossBudgetBps: EPOCH_LOSS_BUDGET_BPS,
            lossEpochLength: LOSS_EPOCH
        });
    }

    /// @dev Deploys a session manager with the fixture's roles and a vault over `asset_` under it.
    function _deployTreasury(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        ITreasuryVault.Bounds memory bounds_
    ) internal {
        sessions = new SessionManager(governance, guardian, sessionAdmin);
        vault = _newVault(asset_, name_, symbol_, sessions, bounds_);
    }

    /// @dev The one place the tests spell the vault's constructor arguments.
    function _newVault(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        ISessionManager sessions_,
        ITreasuryVault.Bounds memory bounds_
    ) internal returns (TreasuryVault) {
        adminModule = new TreasuryVaultAdmin(asset_, sessions_);
        return new TreasuryVault(asset_, name_, symbol_, sessions_, bounds_, adminModule);
    }

    /// @dev Session params for `agent` on the vault over `scope`: generous limits, 30 days from now.
    function _sessionParams(uint256 scope) internal view returns (ISessionManager.SessionParams memory p) {
        p = ISessionManager.SessionParams({
            agent: agent,
            vault: address(vault),
            scope: scope,
            validAfter: uint40(block.timestamp),
            validUntil: uint40(block.timestamp + 30 days),
            maxVolumePerCall: 1_000_000e6,
            maxVolumePerEpoch: 2_000_000e6,
            epochLength: 1 days,
            minInterval: 0,
            maxCallsPerEpoch: 100,
            maxLoss: 0,
            reduceOnly: false
        });
    }

    function _grant(ISessionManager.SessionParams memory p) internal returns (uint256 id) {
        vm.prank(governance);
        id = sessions.grant(p);
    }

    /// @dev Moves to the next block. Caps, the idle buffer and the loss limits leave out the deposits of the current
    /// block, so a test whose point is not that rule lets its deposits land before the agent rebalances.
    function _nextBlock() internal {
        vm.roll(block.number + 1);
    }

    function _targets2(address s0, uint256 a0, address s1, uint256 a1)
        internal
        pure
        returns (ITreasuryVault.Allocation[] memory t)
    {
        t = new ITreasuryVault.Allocation[](2);
        t[0] = ITreasuryVault.Allocation(s0, a0);
        t[1] = ITreasuryVault.Allocation(s1, a1);
    }

    function _withdraw(address user, uint256 assets) internal returns (uint256 shares) {
        vm.prank(user);
        shares = vault.withdraw(assets, user, user);
    }

    function _redeem(address user, uint256 shares) internal returns (uint256 assets) {
        vm.prank(user);
        assets = vault.redeem(shares, user, user);
    }
}

/// @notice Shared fixture: a vault over a 6-decimal asset with three strategies, a session manager, roles, and helpers.
abstract contract BaseTest is TreasuryFixture {
    MockERC20 internal asset;
    MockStrategy[] internal strategies;

    uint128 internal constant ABS_CAP = 1_000_000e6;
    uint16 internal constant REL_CAP_BPS = 5_000; // 50%

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        _deploy(6, 3);
    }

    function _deploy(uint8 decimals, uint256 strategyCount) internal {
        asset = new MockERC20("Mock USD", "mUSD", decimals);
        _deployTreasury(IERC20(address(asset)), "Treasury mUSD", "tmUSD", _defaultBounds());
        delete strategies;
        for (uint256 i; i < strategyCount; ++i) {
            MockStrategy s = new MockStrategy(asset, string.concat("Strategy ", vm.toString(i)));
            strategies.push(s);
            vm.prank(governance);
            vault.addStrategy(address(s), ABS_CAP, REL_CAP_BPS);
        }
        vm.label(address(vault), "vault");
        vm.label(address(sessions), "sessions");
    }

    // ---------------------------------------------------------------- helpers

    function _deposit(address user, uint256 assets) internal returns (uint256 shares) {
        asset.mint(user, assets);
        vm.startPrank(user);
        asset.approve(address(vault), assets);
        shares = vault.deposit(assets, user);
        vm.stopPrank();
    }

    function _allStrategiesMask() internal view returns (uint256 mask) {
        for (uint256 i; i < strategies.length; ++i) {
            mask |= 1 << i;
        }
    }

    /// @dev Default session params for `agent` on the vault: all strategies, generous limits, 30 days.
    function _params() internal view returns (ISessionManager.SessionParams memory p) {
        p = _sessionParams(_allStrategiesMask());
    }

    function _grantDefault() internal returns (uint256) {
        return _grant(_params());
    }

    function _targets1(address s0, uint256 a0) internal pure returns (ITreasuryVault.Allocation[] memory t) {
        t = new ITreasuryVault.Allocation[](1);
        t[0] = ITreasuryVault.Allocation(s0, a0);
    }

    function _targets3(uint256 a0, uint256 a1, uint256 a2)
        internal
        view
        returns (ITreasuryVault.Allocation[] memory t)
    {
        t = new ITreasuryVault.Allocation[](3);
        t[0] = ITreasuryVault.Allocation(address(strategies[0]), a0);
        t[1] = ITreasuryVault.Allocation(address(strategies[1]), a1);
        t[2] = ITreasuryVault.Allocation(address(strategies[2]), a2);
    }

    function _rebalance(ITreasuryVault.Allocation[] memory t, uint256 sessionId) internal returns (uint256) {
        vm.prank(agent);
        return vault.rebalance(t, sessionId, keccak256("intent"));
    }

    /// @dev Sum of every strategy's book value (`allocation`).
    function _sumAllocations() internal view returns (uint256 sum) {
        for (uint256 i; i < strategies.length; ++i) {
            sum += vault.allocation(address(strategies[i]));
        }
    }
}
