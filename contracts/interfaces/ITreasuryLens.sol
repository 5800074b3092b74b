// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITreasuryVault} from "./ITreasuryVault.sol";
import {ISessionManager} from "./ISessionManager.sol";
import {IDeadManSwitch} from "./IDeadManSwitch.sol";

/// @title ITreasuryLens
/// @notice One view call returning everything an agent or a dashboard needs about a vault.
interface ITreasuryLens {
    /// @notice One listed strategy as the vault sees it.
    // A view's return value, never stored: fields follow their meaning, not slot packing.
    // solhint-disable-next-line gas-struct-packing
    struct StrategyView {
        address strategy;
        uint8 index;
        bool enabled;
        /// Whether every view the lens asked of the strategy answered (did not revert, stayed within the lens's gas
        /// allowance, returned a full word, and `decimals` is at most 77). When false, the failed fields read 0: the
        /// strategy is broken or hostile, and its zeros are not an empty position.
        bool viewsOk;
        /// The strategy's share decimals (0 if it reverts or exceeds 77).
        uint8 decimals;
        /// The strategy's liquidity group (0: its own liquidity): strategies of one group count once, at the most
        /// one of them lets go, in `availableLiquidity` and the vault's liquidity floor.
        uint8 liquidityGroup;
        uint128 absoluteCap;
        uint16 relativeCapBps;
        /// The risk groups the strategy carries (bit `id` per risk id; `StrategyConfig.riskGroups`).
        uint32 riskGroups;
        /// Allocation as last marked by the vault, in assets.
        uint256 allocation;
        /// Redeemable value of the vault's shares now, in assets (0 if the strategy's preview reverts).
        uint256 currentValue;
        /// `convertToAssets` of the same shares, in assets (0 if it reverts). An honest ERC-4626 previews a redeem at
        /// or below it (fees only lower a preview): a `currentValue` above it is a preview that over-reports.
        uint256 convertedValue;
        uint256 shares;
        /// Assets per 10**decimals strategy shares (0 if the strategy's conversion reverts).
        uint256 sharePrice;
        /// What the vault can withdraw from the strategy now, in assets (0 if it reverts).
        uint256 withdrawable;
        /// What the vault can redeem from the strategy now, in strategy shares (0 if it reverts).
        uint256 redeemableShares;
        /// What the strategy accepts from the vault now (`maxDeposit(vault)`), in assets (0 if it reverts): a deposit
        /// leg above it reverts `StrategyDepositLimited`.
        uint256 depositable;
        /// The strategy's own total assets and share supply (0 if they revert): with them an agent reproduces an
        /// OpenZeppelin-style strategy's previews exactly, from this one call.
        uint256 strategyTotalAssets;
        uint256 strategyTotalSupply;
        /// The price the share-price rate bound reads: `convertToAssets(PRICE_UNIT)`, capped at 2**128 - 1 (0 and
        /// `priceOk == false` when the view fails: the rule then neither freezes nor re-marks).
        uint256 price;
        /// The vault's mark of that price, when it was marked (0: never), and whether the strategy is frozen to
        /// exit-only.
        uint256 markPrice;
        uint256 markedAt;
        bool priceOk;
        bool frozen;
    }

    /// @notice One risk group some listed strategy carries: its caps and its members' value now.
    struct RiskGroupView {
        uint8 id;
        uint128 absoluteCap;
        uint16 relativeCapBps;
        /// Sum over the listed strategies carrying `id` of their value now, in assets: `currentValue`, or the book
        /// (`allocation`) of a strategy whose views failed.
        uint256 value;
    }

    /// @notice One session of the agent for this vault.
    struct SessionView {
        uint256 id;
        ISessionManager.Session session;
        ISessionManager.Remaining remaining;
    }

    struct Snapshot {
        address vault;
        address asset;
        uint8 assetDecimals;
        uint8 shareDecimals;
        uint256 totalAssets;
        uint256 totalSupply;
        uint256 idle;
        uint256 totalAllocated;
        /// Assets per 10**shareDecimals vault shares.
        uint256 sharePrice;
        /// Assets deposited in this block: caps, the idle buffer and loss limits are measured without them.
        uint256 inflowInBlock;
        /// The drawdown guard's share price high-water mark, in assets per 10**shareDecimals vault shares.
        uint256 highWaterMark;
        /// The drawdown limit, in bps below the high-water mark.
        uint256 maxDrawdownBps;
        /// The highest yearly rate at which recorded total assets may grow, in bps.
        uint256 gainRateBps;
        /// The share-price rate bound, in bps a day (0 = off).
        uint256 maxPriceRateBps;
        /// The dead-man's switch rule and the last successful rebalance it counts from (staleAfter 0: off).
        IDeadManSwitch.DeadManSwitch deadManSwitch;
        ITreasuryVault.Bounds bounds;
        /// The loss-epoch accounting, as the vault stores it.
        ITreasuryVault.EpochLoss epochLoss;
        address governance;
        address guardian;
        address sessionManager;
        bool agentsPaused;
        /// Listed strategies (exactly those of the withdraw queue), in index order.
        StrategyView[] strategies;
        address[] withdrawQueue;
        /// The withdrawable-liquidity floor, in bps of total assets (0: off).
        uint256 liquidityFloorBps;
        /// Idle plus what the strategies let go now (`withdrawable`, a liquidity group counted once), in assets, as
        /// the vault's floor check counts it before subtracting the block's deposits.
        uint256 availableLiquidity;
        /// The step-up threshold (assets; 0: off) above which a rebalance needs `policySigner`'s co-signature.
        uint256 stepUpThreshold;
        address policySigner;
        /// The agent's active sessions for this vault (not revoked, not expired; not yet started included), oldest
        /// first.
        SessionView[] sessions;
        uint256 blockNumber;
        uint256 timestamp;
        /// Every risk group a listed strategy carries, by id.
        RiskGroupView[] riskGroups;
    }

    /// @notice The whole state of `vault`, and the active sessions of `agent` for it, at the current block. A strategy
    /// whose views revert, burn gas or answer garbage reports zeros and `viewsOk == false` instead of failing it.
    function snapshot(ITreasuryVault vault, address agent) external view returns (Snapshot memory);
}
