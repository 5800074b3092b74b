// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ISessionManager} from "./ISessionManager.sol";

/// @title ITreasuryVault
/// @notice An ERC-4626 treasury over one asset that allocates across governance-allowlisted strategy ERC-4626 vaults.
/// Agents move money only through `rebalance`, within a session and the governance-set bounds.
interface ITreasuryVault is IERC4626 {
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
        /// Strategies with the same non-zero group share liquidity (one pool): `maxWithdraw`/`maxRedeem` count only
        /// the most one of them lets go, so they never promise what the pool cannot pay. 0: its own liquidity.
        uint8 liquidityGroup;
        /// Risk groups the strategy belongs to: bit `id` set for each risk id (0..31) it carries (a protocol, a
        /// collateral, an oracle, an issuer; the labels live off chain). 0: none.
        uint32 riskGroups;
    }

    /// @notice A strategy's share-price mark for the rate bound. One storage slot.
    struct PriceMark {
        /// `convertToAssets(PRICE_UNIT)` when marked, in assets.
        uint128 price;
        /// When marked (0: never marked, e.g. its view failed at listing; the first answer is marked).
        uint40 at;
        /// Exit-only: the price moved from the mark beyond the rate bound; governance clears it (`clearFreeze`).
        bool frozen;
    }

    /// @notice The vault-wide bounds: settings that governance and the guardian change (`setIdleBuffer`,
    /// `setLossLimits`).
    struct Bounds {
        /// Idle assets kept after a rebalance, in bps of total assets.
        uint16 idleBufferBps;
        /// Most value one rebalance's moves may lose, in bps of total assets.
        uint16 maxLossPerCallBps;
        /// Most value rebalances may lose in one loss epoch, in bps of total assets.
        uint16 epochLossBudgetBps;
        /// Length of a loss epoch, in seconds.
        uint32 lossEpochLength;
    }

    /// @notice The loss-epoch accounting the vault keeps for the epoch loss budget (not a setting).
    struct EpochLoss {
        /// Index of the loss epoch `lossInEpoch` was taken in (`block.timestamp / lossEpochLength` then). When the
        /// current index differs, no loss has been taken in the current epoch yet.
        uint40 lossEpoch;
        /// Value lost by rebalances in epoch `lossEpoch`, in assets.
        uint128 lossInEpoch;
    }

    /// @notice Room left now in each rolling budget of bounded change (RampLib), in the budget's unit.
    struct RampRoom {
        /// New exposure: relative caps of new strategies, relative cap raises and idle buffer cuts, in bps.
        uint256 exposureBps;
        /// Raises of the per-call loss limit, in bps.
        uint256 lossPerCallBps;
        /// Raises of the epoch loss budget, in bps.
        uint256 epochLossBps;
        /// Shrinking of the loss epoch, in bps of its length.
        uint256 lossEpochShrinkBps;
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
        /// Per target, in order: room left under the tightest cap that binds it after the call (its two caps and
        /// those of each of its risk groups; 0 if at or over).
        uint256[] capHeadroom;
        /// Predicted idle and total assets after the call.
        uint256 idleAfter;
        uint256 totalAssetsAfter;
    }

    // ---------------------------------------------------------------- agent

    /// @notice Moves the vault's allocations to `targets`, checked against session `sessionId` and the bounds.
    /// @dev Withdrawal legs run before deposit legs. Reverts whole with a precise error when any check fails, with one
    /// exception: a rebalance whose loss would pass the session's own loss allowance is undone and the session revoked
    /// (`SessionLossBudgetSpent`, `SessionRevoked`), and the call returns without moving anything.
    /// @param targets Per strategy, the allocation it should hold after the call, in assets. 0 redeems all shares.
    /// @param sessionId The caller's session for this vault.
    /// @param intentHash Hash of the agent's journaled decision, emitted for audit.
    /// @return totalAssetsAfter Total assets after the call.
    function rebalance(Allocation[] calldata targets, uint256 sessionId, bytes32 intentHash)
        external
        returns (uint256 totalAssetsAfter);

    /// @notice `rebalance` that reverts `DeadlinePassed(deadline)` when mined after `deadline` (a timestamp), so a
    /// transaction that sat in the mempool never executes a plan made on a stale view.
    function rebalanceBefore(Allocation[] calldata targets, uint256 sessionId, bytes32 intentHash, uint256 deadline)
        external
        returns (uint256 totalAssetsAfter);

    /// @notice `rebalanceBefore` with the policy signer's co-signature, which lets a rebalance whose volume is above
    /// the step-up threshold pass (`CoSignatureRequired` otherwise). The signature is EIP-712 (domain: name
    /// "TreasuryVault", version "1", this chain, this vault) over `CoSignature(address vault, uint256 sessionId,
    /// address agent, bytes32 targetsHash, bytes32 intentHash, uint256 deadline)`, with `agent` the caller and
    /// `targetsHash = keccak256(abi.encode(targets))`; ECDSA for an EOA signer, ERC-1271 for a contract. Each digest
    /// passes once (`CoSignatureUsed`); a wrong signer or changed arguments revert `CoSignatureInvalid`, a late one
    /// `DeadlinePassed`.
    function rebalanceCosigned(
        Allocation[] calldata targets,
        uint256 sessionId,
        bytes32 intentHash,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 totalAssetsAfter);

    /// @notice Predicts what `rebalance(targets, sessionId, …)` sent by `agent` would do at this block, by running the
    /// very same code and undoing it: the verdict and the revert bytes are the call's own. Call it with `eth_call`
    /// (it changes nothing: everything it does is reverted).
    function previewRebalance(Allocation[] calldata targets, uint256 sessionId, address agent)
        external
        returns (RebalancePreview memory);

    /// @notice Runs a rebalance as `agent`. Only the vault itself calls it: from `rebalance` (so a rebalance over its
    /// session's loss allowance can be undone while the session's revocation stands) and, with `simulate`, from
    /// `previewRebalance`, where it always reverts, with `RebalanceSimulated(preview)` when the call passed.
    function executeRebalance(
        Allocation[] calldata targets,
        uint256 sessionId,
        address agent,
        bytes32 intentHash,
        bool simulate
    ) external returns (uint256 totalAssetsAfter);

    /// @notice Writes down a strategy's mark when its redeemable value fell below it. Anyone.
    function realizeLoss(address strategy) external;

    /// @notice Forced write-down of a broken strategy: lowers the book value of a strategy whose views fail (which the
    /// vault otherwise counts at its last mark) to `value`, and recorded total assets with it, at once. Governance or
    /// the guardian (it only tightens). Reverts `StrategyViewsWork` when the views answer (use `realizeLoss`) and
    /// `WriteDownNotBelowBook` unless `value` is below the book. If the strategy recovers, what it is worth above the
    /// new book is recognised at the gain rate, like any gain.
    function writeDown(address strategy, uint256 value) external;

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

    /// @notice Sets the withdrawable-liquidity floor: after a rebalance that raises a strategy, idle plus what the
    /// strategies let go now must be at least this share of total assets, in bps (0: off). Governance any value up to
    /// 10,000 (a cut spends the exposure ramp); guardian only higher or equal.
    function setLiquidityFloor(uint16 liquidityFloorBps) external;

    /// @notice Sets the step-up: a rebalance whose volume is above `threshold` (assets; 0: off) needs `policySigner`'s
    /// co-signature (`rebalanceCosigned`). Governance any; guardian only a lower non-zero threshold, same signer.
    function setStepUp(uint128 threshold, address policySigner) external;

    /// @notice Sets the loss limits. Governance any value in range; guardian only lower or equal, same epoch length.
    function setLossLimits(uint16 maxLossPerCallBps, uint16 epochLossBudgetBps, uint32 lossEpochLength) external;

    /// @notice Sets the order in which user exits pull from strategies. Governance only.
    function setWithdrawQueue(address[] calldata queue) external;

    /// @notice Declares that a strategy shares liquidity with the others of `group` (0: none). Governance only.
    function setLiquidityGroup(address strategy, uint8 group) external;

    /// @notice Sets the highest yearly rate at which recorded total assets may grow, in bps (gains above it are
    /// recognised over time). Governance any value up to MAX_GAIN_RATE_BPS; guardian only lower.
    function setGainRate(uint16 newGainRateBps) external;

    /// @notice Sets the drawdown limit, in bps below the high-water mark. Governance any value up to
    /// MAX_DRAWDOWN_BPS; guardian only lower.
    function setMaxDrawdown(uint16 newMaxDrawdownBps) external;

    /// @notice Resets the drawdown guard's high-water mark to the current share price. Governance only.
    function resetHighWaterMark() external;

    /// @notice Sets the share-price rate bound: how far a strategy's price may move from its mark, in bps a day (0 =
    /// off). A move beyond it freezes the strategy to exit-only. Governance any value up to MAX_PRICE_RATE_BPS; the
    /// guardian only a lower non-zero value (it may switch the bound on, never off).
    function setMaxPriceRate(uint16 maxPriceRateBps) external;

    /// @notice Marks a strategy's share price, or freezes it (emitting `StrategyFrozen`) when the price moved from its
    /// mark beyond the rate bound; the mark then stays. Anyone: it only records or freezes. A failed price view and a
    /// frozen strategy change nothing.
    function markStrategy(address strategy) external;

    /// @notice Unfreezes a strategy and re-marks it at its current price. Governance only; reverts `PriceViewFailed`
    /// when the price view fails.
    function clearFreeze(address strategy) external;

    // ---------------------------------------------------------------- views

    /// @notice The roles registry: governance, guardian and session admin of this vault live in its SessionManager,
    /// so one handover there moves every power at once.
    function sessionManager() external view returns (ISessionManager);
    /// @notice The admin module: the code the vault runs on its own storage (delegatecall) for governance and guardian
    /// entry points and the checks kept off the vault's code. Fixed at deployment and checked against the vault's
    /// asset and session manager then; an auditor verifies its code as the vault's.
    function adminModule() external view returns (address);
    /// @notice Governance (a Timelock, or a Safe), read from the SessionManager.
    function governance() external view returns (address);
    /// @notice The guardian (a multisig), read from the SessionManager.
    function guardian() external view returns (address);
    /// @notice Assets held by the vault itself and counted as idle (direct donations are not counted).
    function idle() external view returns (uint256);
    /// @notice Sum of the strategy allocations as last marked (book values; total assets are valued live).
    function totalAllocated() external view returns (uint256);
    /// @notice Assets deposited in the current block: caps, the idle buffer and loss limits are measured without them.
    function inflowInBlock() external view returns (uint256);
    /// @notice The highest yearly rate at which recorded total assets may grow, in bps.
    function gainRateBps() external view returns (uint16);
    /// @notice The drawdown limit, in bps below the high-water mark.
    function maxDrawdownBps() external view returns (uint16);
    /// @notice The share price high-water mark of the drawdown guard, in assets per whole share.
    function highWaterMark() external view returns (uint256);
    /// @notice The share-price rate bound, in bps a day (0 = off).
    function maxPriceRateBps() external view returns (uint16);
    /// @notice A strategy's share-price mark and whether it is frozen to exit-only.
    function priceMark(address strategy) external view returns (PriceMark memory);
    function allocation(address strategy) external view returns (uint256);
    function strategyConfig(address strategy) external view returns (StrategyConfig memory);
    /// @notice Every strategy ever listed, by index (delisted ones stay, with `listed == false`).
    function strategyAt(uint256 index) external view returns (address);
    function strategyCount() external view returns (uint256);
    function withdrawQueue() external view returns (address[] memory);
    function bounds() external view returns (Bounds memory);
    /// @notice The loss taken by rebalances in the last loss epoch that took any, as stored.
    function epochLoss() external view returns (EpochLoss memory);
    /// @notice The withdrawable-liquidity floor, in bps of total assets (0: off).
    function liquidityFloorBps() external view returns (uint16);
    /// @notice The step-up threshold (assets; 0: off) and the policy signer whose co-signature passes it.
    function stepUp() external view returns (uint128 threshold, address policySigner);
    /// @notice Room left now in each rolling budget of bounded change.
    function rampRoom() external view returns (RampRoom memory);
    /// @notice Bit mask of the indices of `strategies`, for building a session scope.
    function scopeMask(address[] calldata strategies) external view returns (uint256);
}
