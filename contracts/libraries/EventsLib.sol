// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISessionManager} from "../interfaces/ISessionManager.sol";

/// @title EventsLib
/// @notice Every event of the treasury. Each state change emits one event carrying every changed field.
library EventsLib {
    // ---------------------------------------------------------------- roles
    event GovernanceSet(address indexed previous, address indexed governance);
    /// @notice Governance proposed `pending` as its successor (zero: the pending handover was cancelled).
    event GovernanceProposed(address indexed governance, address indexed pending);
    event GuardianSet(address indexed previous, address indexed guardian);

    // ---------------------------------------------------------------- vault configuration
    event StrategyAdded(address indexed strategy, uint8 index, uint128 absoluteCap, uint16 relativeCapBps);
    event StrategyRemoved(address indexed strategy);
    event CapsSet(address indexed strategy, uint128 absoluteCap, uint16 relativeCapBps, address indexed by);
    event StrategyEnabledSet(address indexed strategy, bool enabled, address indexed by);
    event IdleBufferSet(uint16 idleBufferBps, address indexed by);
    event LossLimitsSet(
        uint16 maxLossPerCallBps, uint16 epochLossBudgetBps, uint32 lossEpochLength, address indexed by
    );
    event WithdrawQueueSet(address[] queue);

    // ---------------------------------------------------------------- vault accounting
    /// @notice A strategy position was marked to its redeemable value.
    event StrategyMarked(address indexed strategy, uint256 previousAllocation, uint256 allocation);
    /// @notice A user exit pulled assets out of a strategy.
    event StrategyPulled(address indexed strategy, uint256 assets);
    /// @notice A delisted strategy's remaining dust was written off.
    event StrategyWrittenOff(address indexed strategy, uint256 assets);
    /// @notice Governance or the guardian wrote a broken strategy's book value down (its views fail).
    event StrategyWrittenDown(address indexed strategy, uint256 previousBook, uint256 book, address indexed by);
    /// @notice Governance declared which strategies share liquidity (0: none).
    event LiquidityGroupSet(address indexed strategy, uint8 group);
    /// @notice Governance or the guardian set the caps of risk group `id` (assets; bps of total assets).
    event RiskGroupCapSet(uint8 indexed id, uint128 absoluteCap, uint16 relativeCapBps, address indexed by);
    /// @notice Governance or the guardian set the risk groups a strategy belongs to (bit `id` set: member of `id`).
    event RiskGroupsSet(address indexed strategy, uint32 riskGroups, address indexed by);
    /// @notice The highest yearly rate at which recorded total assets may grow was set.
    event GainRateSet(uint16 gainRateBps, address indexed by);
    /// @notice The drawdown limit was set.
    event MaxDrawdownSet(uint16 maxDrawdownBps, address indexed by);
    /// @notice The share price high-water mark of the drawdown guard was set (by a rebalance or governance's reset).
    event HighWaterMarkSet(uint256 price);

    /// @notice The share-price rate bound was set (bps a day; 0 = off).
    event MaxPriceRateSet(uint16 maxPriceRateBps, address indexed by);
    /// @notice A strategy's share price moved from its mark beyond the rate bound: it is exit-only until governance
    /// clears the freeze. `price` is `convertToAssets(PRICE_UNIT)` now.
    event StrategyFrozen(address indexed strategy, uint256 markPrice, uint256 price);
    /// @notice A strategy's share price was marked (listing, `markStrategy`).
    event PriceMarked(address indexed strategy, uint256 price);
    /// @notice Governance cleared a strategy's freeze, re-marking it at `price`.
    event FreezeCleared(address indexed strategy, uint256 price, address indexed by);

    /// @notice The dead-man's switch was set (`staleAfter == 0`: off).
    event DeadManSwitchSet(uint32 staleAfter, uint16 dropBps, uint16 maxExitBps, address indexed by);
    /// @notice Anyone (`caller`) moved `assets` of a fallen strategy to idle under the dead-man's switch, booking
    /// `loss`.
    event DeRisked(address indexed caller, address indexed strategy, uint256 assets, uint256 loss);

    // ---------------------------------------------------------------- rebalance
    event Rebalanced(
        uint256 indexed sessionId,
        address indexed agent,
        bytes32 indexed intentHash,
        uint256 volume,
        uint256 totalAssetsBefore,
        uint256 totalAssetsAfter,
        uint256 loss
    );
    event RebalanceLeg(
        uint256 indexed sessionId, address indexed strategy, uint256 allocationBefore, uint256 allocationAfter
    );

    event LiquidityFloorSet(uint16 liquidityFloorBps, address indexed by);
    event StepUpSet(uint128 threshold, address indexed policySigner, address indexed by);
    /// @notice A co-signed rebalance used the policy signer's co-signature `digest` (each digest is usable once).
    event CoSignatureAccepted(bytes32 indexed digest, uint256 indexed sessionId, address indexed policySigner);

    // ---------------------------------------------------------------- sessions
    event SessionGranted(uint256 indexed sessionId, address indexed granter, ISessionManager.SessionParams params);
    event SessionRevoked(uint256 indexed sessionId, address indexed by);
    event SessionConsumed(
        uint256 indexed sessionId,
        uint256 volume,
        uint32 epoch,
        uint128 volumeInEpoch,
        uint16 callsInEpoch,
        uint40 lastCallAt
    );
    /// @notice The session's own loss allowance would have been passed: the rebalance was undone, the session revoked.
    event SessionLossBudgetSpent(uint256 indexed sessionId, uint256 lossUsed, uint256 maxLoss);
    event SessionAgentRotated(
        uint256 indexed sessionId, address indexed previousAgent, address indexed newAgent, address by
    );
    event CeilingsSet(address indexed vault, uint40 maxDuration, uint128 maxVolumePerCall, uint128 maxVolumePerEpoch);
    event SessionAdminSet(address indexed previous, address indexed sessionAdmin);
    event AgentsPausedSet(bool paused, address indexed by);
}
