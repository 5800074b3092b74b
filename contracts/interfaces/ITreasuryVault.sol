// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ISessionManager} from "./ISessionManager.sol";
import {IGovernanceRoles} from "./IGovernanceRoles.sol";

/// @title ITreasuryVault
/// @notice An ERC-4626 treasury over one asset that allocates across governance-allowlisted strategy ERC-4626 vaults.
/// Agents move money only through `rebalance`, within a session and the governance-set bounds.
interface ITreasuryVault is IERC4626, IGovernanceRoles {
    /// @notice A strategy's configuration. One storage slot.
    struct StrategyConfig {
        /// Most assets the vault may hold in the strategy after a rebalance.
        uint128 absoluteCap;
        /// Most share of total assets the vault may hold in the strategy after a rebalance, in bps.
        uint16 relativeCapBps;
        /// Permanent index of the strategy in this vault (bit `index` of a session scope).
        uint8 index;
        /// Whether rebalances may raise the allocation.
        bool enabled;
        /// Whether the strategy is listed.
        bool listed;
    }

    /// @notice The vault-wide bounds. One storage slot with the loss counters.
    struct Bounds {
        /// Idle assets kept after a rebalance, in bps of total assets.
        uint16 idleBufferBps;
        /// Most value one rebalance's moves may lose, in bps of total assets.
        uint16 maxLossPerCallBps;
        /// Most value rebalances may lose in one loss epoch, in bps of total assets.
        uint16 epochLossBudgetBps;
        /// Length of a loss epoch, in seconds.
        uint32 lossEpochLength;
        /// Index of the current loss epoch (`block.timestamp / lossEpochLength`).
        uint40 lossEpoch;
        /// Value lost by rebalances in the current loss epoch, in assets.
        uint128 lossInEpoch;
    }

    /// @notice Where the vault-wide bounds stood at the start of the current ramp period: governance may loosen each
    /// only so far from these values until the period ends (see ConstantsLib). One storage slot.
    struct BoundsReference {
        uint40 periodStart;
        uint16 idleBufferBps;
        uint16 maxLossPerCallBps;
        uint16 epochLossBudgetBps;
        uint32 lossEpochLength;
    }

    /// @notice Where a strategy's relative cap stood at the start of its current ramp period.
    struct CapReference {
        uint40 periodStart;
        uint16 relativeCapBps;
    }

    /// @notice A rebalance target: the allocation a strategy should hold after the call, in assets.
    struct Allocation {
        address strategy;
        uint256 assets;
    }

    /// @notice What `previewRebalance` predicts.
    struct RebalancePreview {
        /// Whether `rebalance` would pass with these arguments from `agent` at this block.
        bool ok;
        /// Empty when `ok`; otherwise the ABI-encoded custom error `rebalance` would revert with.
        bytes reason;
        /// Sum of the absolute moves, in assets.
        uint256 volume;
        /// Predicted value lost by the moves, in assets.
        uint256 predictedLoss;
        /// Loss the call may still take under both loss limits, in assets.
        uint256 lossHeadroom;
        /// Volume left under the session's per-call and per-epoch limits after this call (0 if over).
        uint256 callVolumeHeadroom;
        uint256 epochVolumeHeadroom;
        /// Per target, in order: room left under the tighter of the two caps after the call (0 if at or over).
        uint256[] capHeadroom;
        /// Predicted idle and total assets after the call.
        uint256 idleAfter;
        uint256 totalAssetsAfter;
    }

    // ---------------------------------------------------------------- agent

    /// @notice Moves the vault's allocations to `targets`, checked against session `sessionId` and the bounds.
    /// @dev Withdrawal legs run before deposit legs. Reverts whole with a precise error when any check fails.
    /// @param targets Per strategy, the allocation it should hold after the call, in assets. 0 redeems all shares.
    /// @param sessionId The caller's session for this vault.
    /// @param intentHash Hash of the agent's journaled decision, emitted for audit.
    /// @return totalAssetsAfter Total assets after the call.
    function rebalance(Allocation[] calldata targets, uint256 sessionId, bytes32 intentHash)
        external
        returns (uint256 totalAssetsAfter);

    /// @notice Predicts what `rebalance(targets, sessionId, …)` sent by `agent` would do at this block.
    function previewRebalance(Allocation[] calldata targets, uint256 sessionId, address agent)
        external
        view
        returns (RebalancePreview memory);

    /// @notice Writes down a strategy's loss when its redeemable value fell below its allocation. Anyone.
    function realizeLoss(address strategy) external;

    /// @notice Withdraws `assets` from `strategy` into the vault and reverts unless all of them arrived. Only the vault
    /// itself calls it, from a user exit, so that a strategy that pays short is undone and skipped like one that
    /// reverts.
    function pullFromStrategy(address strategy, uint256 assets) external;

    // ---------------------------------------------------------------- governance and guardian

    /// @notice Lists a strategy. Governance only.
    function addStrategy(address strategy, uint128 absoluteCap, uint16 relativeCapBps) external;

    /// @notice Delists an empty strategy. Governance only.
    function removeStrategy(address strategy) external;

    /// @notice Sets a strategy's caps. Governance any value; guardian only lower or equal.
    function setCaps(address strategy, uint128 absoluteCap, uint16 relativeCapBps) external;

    /// @notice Enables or disables deposits into a strategy. Governance both ways; guardian only disables.
    function setStrategyEnabled(address strategy, bool enabled) external;

    /// @notice Sets the idle buffer. Governance any value; guardian only higher or equal.
    function setIdleBuffer(uint16 idleBufferBps) external;

    /// @notice Sets the loss limits. Governance any value in range; guardian only lower or equal, same epoch length.
    function setLossLimits(uint16 maxLossPerCallBps, uint16 epochLossBudgetBps, uint32 lossEpochLength) external;

    /// @notice Sets the order in which user exits pull from strategies. Governance only.
    function setWithdrawQueue(address[] calldata queue) external;

    // ---------------------------------------------------------------- views

    function sessionManager() external view returns (ISessionManager);
    /// @notice Assets held by the vault itself and counted as idle (direct donations are not counted).
    function idle() external view returns (uint256);
    /// @notice Sum of the strategy allocations as last marked.
    function totalAllocated() external view returns (uint256);
    function allocation(address strategy) external view returns (uint256);
    function strategyConfig(address strategy) external view returns (StrategyConfig memory);
    /// @notice Every strategy ever listed, by index (delisted ones stay, with `listed == false`).
    function strategyAt(uint256 index) external view returns (address);
    function strategyCount() external view returns (uint256);
    function withdrawQueue() external view returns (address[] memory);
    function bounds() external view returns (Bounds memory);
    /// @notice The references governance's loosening of the vault-wide bounds is measured against.
    function boundsReference() external view returns (BoundsReference memory);
    /// @notice The reference governance's raising of a strategy's relative cap is measured against.
    function capReference(address strategy) external view returns (CapReference memory);
    /// @notice Bit mask of the indices of `strategies`, for building a session scope.
    function scopeMask(address[] calldata strategies) external view returns (uint256);
}
