// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {ITreasuryLens} from "../interfaces/ITreasuryLens.sol";
import {ITreasuryVault} from "../interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";

/// @title TreasuryLens
/// @notice Stateless reader: one `eth_call` returns a vault's totals, strategies, bounds, pause flag and an agent's
/// sessions. A strategy whose views revert reports zeros instead of failing the whole snapshot.
contract TreasuryLens is ITreasuryLens {
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
        s.bounds = vault.bounds();
        s.governance = vault.governance();
        s.guardian = vault.guardian();
        s.sessionManager = address(sessions);
        s.agentsPaused = sessions.agentsPaused();
        s.withdrawQueue = vault.withdrawQueue();
        s.strategies = _strategies(vault, s.withdrawQueue.length);
        s.sessions = _sessions(sessions, address(vault), agent);
        s.blockNumber = block.number;
        s.timestamp = block.timestamp;
    }

    function _strategies(ITreasuryVault vault, uint256 listed) internal view returns (StrategyView[] memory views) {
        views = new StrategyView[](listed);
        uint256 count = vault.strategyCount();
        uint256 n;
        for (uint256 i; i < count && n < listed; ++i) {
            address strategy = vault.strategyAt(i);
            ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(strategy);
            if (!c.listed) continue;
            StrategyView memory v = views[n++];
            v.strategy = strategy;
            v.index = c.index;
            v.enabled = c.enabled;
            v.absoluteCap = c.absoluteCap;
            v.relativeCapBps = c.relativeCapBps;
            v.allocation = vault.allocation(strategy);
            v.shares = IERC4626(strategy).balanceOf(address(vault));
            if (v.shares != 0) {
                try IERC4626(strategy).previewRedeem(v.shares) returns (uint256 value) {
                    v.currentValue = value;
                } catch {}
                try IERC4626(strategy).convertToAssets(v.shares) returns (uint256 value) {
                    v.convertedValue = value;
                } catch {}
            }
            try IERC4626(strategy).convertToAssets(10 ** IERC20Metadata(strategy).decimals()) returns (uint256 p) {
                v.sharePrice = p;
            } catch {}
            try IERC4626(strategy).maxWithdraw(address(vault)) returns (uint256 w) {
                v.withdrawable = w;
            } catch {}
            try IERC4626(strategy).maxRedeem(address(vault)) returns (uint256 r) {
                v.redeemableShares = r;
            } catch {}
            try IERC4626(strategy).totalAssets() returns (uint256 a) {
                v.strategyTotalAssets = a;
            } catch {}
            try IERC4626(strategy).totalSupply() returns (uint256 t) {
                v.strategyTotalSupply = t;
            } catch {}
        }
    }

    function _sessions(ISessionManager sessions, address vault, address agent)
        internal
        view
        returns (SessionView[] memory views)
    {
        uint256[] memory ids = sessions.sessionsOf(agent);
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
