// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IRiskGroups} from "../interfaces/IRiskGroups.sol";
import {ITreasuryLens} from "../interfaces/ITreasuryLens.sol";
import {ITreasuryVault} from "../interfaces/ITreasuryVault.sol";
import {IDeadManSwitch} from "../interfaces/IDeadManSwitch.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";

/// @title TreasuryLens
/// @notice Stateless reader: one `eth_call` returns a vault's totals, strategies, bounds, pause flag and an agent's
/// active sessions.
///
/// INVARIANTS
/// - `strategies` lists exactly the vault's listed strategies (its withdraw queue), each once, in index order.
/// - No strategy can fail the snapshot: every strategy view is a static call capped at STRATEGY_VIEW_GAS whose answer
///   counts only if it returns at least 32 bytes (only the first word is copied, so a return bomb costs nothing). A
///   view that reverts, runs out of its gas, or answers short reports 0 and clears the strategy's `viewsOk`.
/// - The cost of the sessions part grows with the agent's active sessions, never with its history.
contract TreasuryLens is ITreasuryLens {
    /// @notice Gas given to each strategy view: far above what an honest ERC-4626 view needs.
    uint256 public constant STRATEGY_VIEW_GAS = ConstantsLib.STRATEGY_VIEW_GAS;

    /// @dev Largest decimals whose 10**decimals fits in 256 bits; a strategy answering more has failed `decimals`.
    uint256 internal constant MAX_DECIMALS = 77;

    /// @inheritdoc ITreasuryLens
    function snapshot(ITreasuryVault vault, address agent) external view returns (Snapshot memory s) {
        ISessionManager sessions = vault.sessionManager();
        s.vault = address(vault);
        s.asset = vault.asset();
        s.assetDecimals = IERC20Metadata(s.asset).decimals();
        s.shareDecimals = vault.decimals();
        s.totalAssets = vault.totalAssets();
        s.totalSupply = vault.totalSupply();
        s.idle = vault.idle();
        s.totalAllocated = vault.totalAllocated();
        s.sharePrice = vault.convertToAssets(10 ** s.shareDecimals);
        s.inflowInBlock = vault.inflowInBlock();
        s.highWaterMark = vault.highWaterMark();
        s.maxDrawdownBps = vault.maxDrawdownBps();
        s.gainRateBps = vault.gainRateBps();
        s.maxPriceRateBps = vault.maxPriceRateBps();
        s.deadManSwitch = IDeadManSwitch(address(vault)).deadManSwitch();
        s.bounds = vault.bounds();
        s.epochLoss = vault.epochLoss();
        s.governance = vault.governance();
        s.guardian = vault.guardian();
        s.sessionManager = address(sessions);
        s.agentsPaused = sessions.agentsPaused();
        s.withdrawQueue = vault.withdrawQueue();
        s.strategies = _strategies(vault, s.withdrawQueue);
        s.liquidityFloorBps = vault.liquidityFloorBps();
        s.availableLiquidity = _availableLiquidity(s.idle, s.strategies);
        (s.stepUpThreshold, s.policySigner) = vault.stepUp();
        s.sessions = _sessions(sessions, address(vault), agent);
        s.blockNumber = block.number;
        s.timestamp = block.timestamp;
        s.riskGroups = _riskGroups(vault, s.strategies);
    }

    /// @dev Each risk group a listed strategy carries, by id, with its caps and the sum of its members' value (live,
    /// or the vault's book where the strategy's views failed).
    function _riskGroups(ITreasuryVault vault, StrategyView[] memory strategies)
        internal
        view
        returns (RiskGroupView[] memory groups)
    {
        uint256 mask;
        for (uint256 i; i < strategies.length; ++i) {
            mask |= strategies[i].riskGroups;
        }
        uint256 count;
        for (uint256 m = mask; m != 0; m &= m - 1) {
            ++count;
        }
        groups = new RiskGroupView[](count);
        uint256 n;
        for (uint256 id; id < ConstantsLib.MAX_RISK_GROUPS; ++id) {
            if ((mask >> id) & 1 == 0) continue;
            // Safe: id < MAX_RISK_GROUPS (32).
            IRiskGroups.RiskGroupCap memory cap = IRiskGroups(address(vault)).riskGroupCap(uint8(id));
            RiskGroupView memory g = groups[n++];
            g.id = uint8(id);
            g.absoluteCap = cap.absoluteCap;
            g.relativeCapBps = cap.relativeCapBps;
            for (uint256 i; i < strategies.length; ++i) {
                StrategyView memory v = strategies[i];
                if ((v.riskGroups >> id) & 1 == 0) continue;
                g.value += v.viewsOk || v.shares == 0 ? v.currentValue : v.allocation;
            }
        }
    }

    /// @dev One view per listed strategy (the withdraw queue holds each listed strategy once), sorted by index.
    function _strategies(ITreasuryVault vault, address[] memory listed)
        internal
        view
        returns (StrategyView[] memory views)
    {
        views = new StrategyView[](listed.length);
        for (uint256 i; i < listed.length; ++i) {
            StrategyView memory v = _strategy(vault, listed[i]);
            // Insertion sort by index: at most MAX_LISTED_STRATEGIES entries.
            uint256 j = i;
            while (j != 0 && views[j - 1].index > v.index) {
                views[j] = views[j - 1];
                --j;
            }
            views[j] = v;
        }
    }

    /// @dev Idle plus each strategy's `withdrawable`, a liquidity group counted once at its largest (the vault's
    /// `_liquidity`).
    function _availableLiquidity(uint256 idle, StrategyView[] memory views) internal pure returns (uint256 liquidity) {
        liquidity = idle;
        uint256[] memory groupMax = new uint256[](256);
        for (uint256 i; i < views.length; ++i) {
            uint256 max = views[i].withdrawable;
            uint8 group = views[i].liquidityGroup;
            if (group == 0) {
                liquidity += max;
            } else if (max > groupMax[group]) {
                liquidity = liquidity + max - groupMax[group];
                groupMax[group] = max;
            }
        }
    }

    function _strategy(ITreasuryVault vault, address strategy) internal view returns (StrategyView memory v) {
        ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(strategy);
        v.strategy = strategy;
        v.index = c.index;
        v.enabled = c.enabled;
        v.absoluteCap = c.absoluteCap;
        v.relativeCapBps = c.relativeCapBps;
        v.liquidityGroup = c.liquidityGroup;
        v.riskGroups = c.riskGroups;
        v.allocation = vault.allocation(strategy);

        bool ok = true;
        bool callOk;
        (callOk, v.shares) = _view(strategy, abi.encodeCall(IERC20.balanceOf, (address(vault))));
        ok = ok && callOk;
        if (v.shares != 0) {
            (callOk, v.currentValue) = _view(strategy, abi.encodeCall(IERC4626.previewRedeem, (v.shares)));
            ok = ok && callOk;
            (callOk, v.convertedValue) = _view(strategy, abi.encodeCall(IERC4626.convertToAssets, (v.shares)));
            ok = ok && callOk;
        }
        uint256 decimals;
        (callOk, decimals) = _view(strategy, abi.encodeCall(IERC20Metadata.decimals, ()));
        callOk = callOk && decimals <= MAX_DECIMALS;
        ok = ok && callOk;
        if (callOk) {
            // Safe: decimals <= MAX_DECIMALS (77).
            v.decimals = uint8(decimals);
            (callOk, v.sharePrice) = _view(strategy, abi.encodeCall(IERC4626.convertToAssets, (10 ** decimals)));
            ok = ok && callOk;
        }
        (callOk, v.withdrawable) = _view(strategy, abi.encodeCall(IERC4626.maxWithdraw, (address(vault))));
        ok = ok && callOk;
        (callOk, v.redeemableShares) = _view(strategy, abi.encodeCall(IERC4626.maxRedeem, (address(vault))));
        ok = ok && callOk;
        (callOk, v.depositable) = _view(strategy, abi.encodeCall(IERC4626.maxDeposit, (address(vault))));
        ok = ok && callOk;
        (callOk, v.strategyTotalAssets) = _view(strategy, abi.encodeCall(IERC4626.totalAssets, ()));
        ok = ok && callOk;
        (callOk, v.strategyTotalSupply) = _view(strategy, abi.encodeCall(IERC20.totalSupply, ()));
        v.viewsOk = ok && callOk;
        _priceMark(vault, v);
    }

    /// @dev The share-price rate bound's view of a strategy: its price as the vault reads it, and the vault's mark.
    function _priceMark(ITreasuryVault vault, StrategyView memory v) internal view {
        (v.priceOk, v.price) = _view(v.strategy, abi.encodeCall(IERC4626.convertToAssets, (ConstantsLib.PRICE_UNIT)));
        if (v.price > type(uint128).max) v.price = type(uint128).max;
        ITreasuryVault.PriceMark memory m = vault.priceMark(v.strategy);
        v.markPrice = m.price;
        v.markedAt = m.at;
        v.frozen = m.frozen;
    }

    /// @dev Static call to a strategy view returning one word: (false, 0) when it reverts, runs out of its
    /// STRATEGY_VIEW_GAS, or does not return exactly one word (as the vault's StrategyLib judges it). Reverts when the
    /// snapshot itself has too little gas left to give the view its full allowance, so a strategy is never reported
    /// failed for the caller's lack of gas.
    function _view(address strategy, bytes memory data) internal view returns (bool ok, uint256 value) {
        // EIP-150: a call passes on at most 63/64 of the gas left.
        uint256 needed = STRATEGY_VIEW_GAS + STRATEGY_VIEW_GAS / 63 + 10_000;
        if (gasleft() < needed) revert ErrorsLib.LensOutOfGas(gasleft(), needed);
        uint256 gasCap = STRATEGY_VIEW_GAS;
        assembly ("memory-safe") {
            // Copies at most the first word of the answer into scratch space: a huge answer costs the lens nothing.
            ok := staticcall(gasCap, strategy, add(data, 0x20), mload(data), 0x00, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            if ok { value := mload(0x00) }
        }
    }

    /// @dev The agent's active sessions for `vault`, oldest first.
    function _sessions(ISessionManager sessions, address vault, address agent)
        internal
        view
        returns (SessionView[] memory views)
    {
        uint256[] memory ids = sessions.activeSessionsOf(agent, vault);
        views = new SessionView[](ids.length);
        uint256 n;
        for (uint256 i; i < ids.length; ++i) {
            ISessionManager.Session memory session = sessions.getSession(ids[i]);
            if (session.vault != vault) continue;
            views[n++] = SessionView(ids[i], session, sessions.remaining(ids[i]));
        }
        // Safe: n <= ids.length; shrink the array to the sessions of this vault.
        assembly ("memory-safe") {
            mstore(views, n)
        }
    }
}
