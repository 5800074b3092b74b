// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The vault's state is one ERC-4626 plus its books, bounds, four ramps and the strategy registry.
// solhint-disable max-states-count

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IRiskGroups} from "../interfaces/IRiskGroups.sol";
import {ITreasuryVault} from "../interfaces/ITreasuryVault.sol";
import {IDeadManSwitch} from "../interfaces/IDeadManSwitch.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";
import {RampLib} from "../libraries/RampLib.sol";
import {StrategyLib} from "../libraries/StrategyLib.sol";

/// @title TreasuryVaultBase
/// @notice The treasury vault's storage and the internals both of its contracts use: TreasuryVault (ERC-4626, the
/// rebalance, the views) and TreasuryVaultAdmin (the governance and guardian entry points, run in the vault's context
/// by delegatecall, which keeps the vault under the EIP-170 code size limit). Both inherit this contract, so the two
/// share one storage layout by construction; the specification is in TreasuryVault.sol's header.
abstract contract TreasuryVaultBase is ERC4626, ReentrancyGuardTransient {
    using Math for uint256;

    /// @dev The registry of roles and sessions this vault answers to (`sessionManager()`).
    ISessionManager internal immutable _sessionManager;

    /// @dev Idle assets as accounted (direct transfers to the vault are not counted).
    uint256 internal _idle;
    /// @dev Sum of `_allocation` over listed strategies.
    uint256 internal _totalAllocated;
    /// @dev Total assets as last recorded, when, the block whose deposits `_inflow` counts, the share-price rate
    /// bound and the dead-man's switch flag (one slot: a rebalance has it warm after recording, so both cost nothing
    /// when off).
    uint128 internal _total;
    uint40 internal _recordedAt;
    uint64 internal _inflowBlock;
    uint16 internal _maxPriceRateBps;
    /// @dev Whether the dead-man's switch is armed: a rebalance reads it here, warm, and pays for `_deadMan` only then.
    bool internal _deadManArmed;
    /// @dev Assets deposited in block `_inflowBlock`, the drawdown guard's mark, and two settings (one slot).
    uint128 internal _inflow;
    uint96 internal _highWaterMark;
    uint16 internal _gainRateBps;
    uint16 internal _maxDrawdownBps;

    /// @dev The bounds and the loss-epoch accounting (`Bounds` and `EpochLoss`), packed in one slot: a rebalance reads
    /// the limits and the loss already taken with one load.
    struct PackedBounds {
        uint16 idleBufferBps;
        uint16 maxLossPerCallBps;
        uint16 epochLossBudgetBps;
        uint32 lossEpochLength;
        uint40 lossEpoch;
        uint128 lossInEpoch;
    }

    PackedBounds internal _bounds;
    RampLib.Ramp internal _exposureRamp;
    RampLib.Ramp internal _lossPerCallRamp;
    RampLib.Ramp internal _epochLossRamp;
    RampLib.Ramp internal _lossEpochRamp;

    mapping(address strategy => ITreasuryVault.StrategyConfig) internal _config;
    /// @dev A position's book value: its last mark, less what left it and plus what arrived since.
    mapping(address strategy => uint256) internal _allocation;
    /// @dev Every strategy ever listed, by permanent index. Never shrinks, so indices are never reused.
    address[] internal _byIndex;
    /// @dev The listed strategies, in the order user exits pull from them.
    address[] internal _withdrawQueue;
    /// @dev Each strategy's share-price mark for the rate bound.
    mapping(address strategy => ITreasuryVault.PriceMark) internal _marks;
    /// @dev The dead-man's switch: its rule and the last successful rebalance while armed (one slot).
    IDeadManSwitch.DeadManSwitch internal _deadMan;

    /// @dev The liquidity floor and the step-up threshold, packed in one slot: a rebalance reads both with one load.
    struct Limits {
        /// Share of total assets that idle plus what the strategies let go now must cover after a rebalance that
        /// raises a strategy, in bps (0: off).
        uint16 liquidityFloorBps;
        /// Volume in assets above which a rebalance needs the policy signer's co-signature (0: off).
        uint128 stepUpThreshold;
    }

    Limits internal _limits;
    /// @dev The key (EOA, or ERC-1271 contract) whose co-signature lets a rebalance pass the step-up threshold.
    address internal _policySigner;
    /// @dev Co-signature digests already used: each co-signs one rebalance.
    mapping(bytes32 digest => bool) internal _coSignatureUsed;
    /// @dev The caps of each risk group (`riskGroupCap`); members carry the group's bit in `StrategyConfig.riskGroups`.
    mapping(uint8 id => IRiskGroups.RiskGroupCap) internal _riskGroupCaps;

    constructor(IERC20 asset_, string memory name_, string memory symbol_, ISessionManager sessionManager_)
        ERC20(name_, symbol_)
        ERC4626(asset_)
    {
        if (address(sessionManager_) == address(0)) revert ErrorsLib.ZeroAddress();
        _sessionManager = sessionManager_;
    }

    /// @dev Virtual shares and assets: with idle accounted (donations ignored) this makes first-depositor inflation
    /// attacks unprofitable.
    function _decimalsOffset() internal pure override returns (uint8) {
        return ConstantsLib.DECIMALS_OFFSET;
    }

    /// @dev OpenZeppelin's conversion (virtual shares and assets) against a given total.
    function _sharesAt(uint256 assets, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return assets.mulDiv(totalSupply() + 10 ** _decimalsOffset(), total + 1, rounding);
    }

    function _assetsAt(uint256 shares, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return shares.mulDiv(total + 1, totalSupply() + 10 ** _decimalsOffset(), rounding);
    }

    /// @dev The vault's balance of its asset: legs, pulls and deposits are measured by its change.
    function _assetBalance() internal view returns (uint256) {
        return IERC20(asset()).balanceOf(address(this));
    }

    // ================================================================ valuation

    /// @dev Live value of a position, or its book value when its views fail.
    function _valueOf(address strategy) internal view returns (uint256) {
        (bool ok, uint256 value) = StrategyLib.positionValue(strategy);
        return ok ? value : _allocation[strategy];
    }

    /// @dev Idle plus the value of every position (book value where views fail).
    function _liveTotal() internal view returns (uint256 live) {
        live = _idle;
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length; ++i) {
            live += _valueOf(_withdrawQueue[i]);
        }
    }

    /// @dev Total assets now: live, with gains since the last record limited by the gain rate.
    function _valuedTotal() internal view returns (uint256 total) {
        (total,) = _valuation();
    }

    /// @dev Total assets now, and the live value it is capped by.
    function _valuation() internal view returns (uint256 total, uint256 live) {
        uint256 recorded = _total;
        uint256 ceiling = recorded
            + recorded.mulDiv(
                uint256(_gainRateBps) * (block.timestamp - _recordedAt), ConstantsLib.BPS * ConstantsLib.YEAR
            );
        live = _liveTotal();
        total = Math.min(live, ceiling);
    }

    /// @dev The most total assets may be now: the last record plus gains at the gain rate since (`_valuation`'s
    /// ceiling, written out there too so the admin contract's code keeps its size).
    function _gainCeiling() internal view returns (uint256) {
        uint256 recorded = _total;
        return recorded
            + recorded.mulDiv(
                uint256(_gainRateBps) * (block.timestamp - _recordedAt), ConstantsLib.BPS * ConstantsLib.YEAR
            );
    }

    /// @dev Values the vault and records the result; returns it.
    function _record() internal returns (uint256 total) {
        (total,) = _recordWithLive();
    }

    /// @dev `_record`, also returning the live value.
    function _recordWithLive() internal returns (uint256 total, uint256 live) {
        (total, live) = _valuation();
        // Safe: total <= the ceiling above, which grows from a 128-bit figure by at most 200% a year.
        _total = uint128(total);
        _recordedAt = uint40(block.timestamp);
    }

    /// @dev Sets a strategy's book value, keeping `_totalAllocated` in step; emits `StrategyMarked` on a change.
    function _setBook(address strategy, uint256 value) internal {
        uint256 previous = _allocation[strategy];
        if (previous == value) return;
        _totalAllocated = _totalAllocated - previous + value;
        _rebook(strategy, previous, value);
    }

    /// @dev Writes a strategy's book value from `previous` to `value` and emits `StrategyMarked`; the caller keeps
    /// `_totalAllocated` in step.
    function _rebook(address strategy, uint256 previous, uint256 value) internal {
        _allocation[strategy] = value;
        emit EventsLib.StrategyMarked(strategy, previous, value);
    }

    /// @dev Assets per whole share at `total`, at most type(uint96).max (the high-water mark's width).
    function _sharePrice(uint256 total) internal view returns (uint256) {
        return Math.min(_assetsAt(10 ** decimals(), total, Math.Rounding.Floor), type(uint96).max);
    }

    /// @dev Loss already taken by rebalances in the current loss epoch.
    function _currentEpochLoss(PackedBounds memory b) internal view returns (uint256) {
        return block.timestamp / b.lossEpochLength == b.lossEpoch ? b.lossInEpoch : 0;
    }

    // ================================================================ legs and loss

    /// @dev Deposits of the current block, which caps, the buffer and loss limits do not count.
    function _blockInflow() internal view returns (uint256) {
        return _inflowBlock == block.number ? _inflow : 0;
    }

    /// @dev A state-changing strategy call of a rebalance leg; reverts `StrategyCallFailed(strategy, reason)`.
    function _callStrategy(address strategy, bytes memory data) internal {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = StrategyLib.call(strategy, data);
        if (!ok) revert ErrorsLib.StrategyCallFailed(strategy, reason);
    }

    /// @dev Per-call loss limit, then the epoch loss budget, both in bps of `totalBefore` (rounded down, in the
    /// vault's favour).
    function _checkLoss(uint256 loss, uint256 totalBefore) internal view returns (uint256 lossHeadroom) {
        PackedBounds memory b = _bounds;
        uint256 callLimit = totalBefore.mulDiv(b.maxLossPerCallBps, ConstantsLib.BPS);
        uint256 budget = totalBefore.mulDiv(b.epochLossBudgetBps, ConstantsLib.BPS);
        uint256 lossInEpoch = _currentEpochLoss(b) + loss;
        uint256 callRoom = callLimit > loss ? callLimit - loss : 0;
        uint256 epochRoom = budget > lossInEpoch ? budget - lossInEpoch : 0;
        lossHeadroom = Math.min(callRoom, epochRoom);
        if (loss > callLimit) revert ErrorsLib.LossExceedsCallLimit(loss, callLimit);
        if (lossInEpoch > budget) revert ErrorsLib.LossBudgetExceeded(lossInEpoch, budget);
    }

    function _recordLoss(uint256 loss) internal {
        if (loss == 0) return;
        PackedBounds storage b = _bounds;
        // Safe: timestamps fit in 40 bits for 30,000 years; epoch loss <= budget <= total assets.
        uint40 epoch = uint40(block.timestamp / b.lossEpochLength);
        if (epoch != b.lossEpoch) {
            b.lossEpoch = epoch;
            b.lossInEpoch = 0;
        }
        b.lossInEpoch += uint128(loss);
    }

    // ================================================================ share-price marks

    /// @dev A strategy's share price, `convertToAssets(PRICE_UNIT)` through StrategyLib's bounded view, capped at
    /// type(uint128).max (the mark's width): (false, 0) when the view fails.
    function _priceOf(address strategy) internal view returns (bool ok, uint256 price) {
        (ok, price) =
            StrategyLib.viewUint(strategy, abi.encodeCall(IERC4626.convertToAssets, (ConstantsLib.PRICE_UNIT)));
        price = Math.min(price, type(uint128).max);
    }

    /// @dev Marks `strategy` at `price` now, not frozen.
    function _setMark(address strategy, uint256 price) internal {
        // Safe: price <= type(uint128).max (`_priceOf`); timestamps fit in 40 bits for 30,000 years.
        _marks[strategy] = ITreasuryVault.PriceMark(uint128(price), uint40(block.timestamp), false);
    }

    /// @dev Re-marks `strategy` at its price now or, when the rate bound `rateBps` is on and the price moved from the
    /// mark by more than mark x rate x elapsed / (BPS x 1 day), rounded up, plus one unit, freezes it (the mark stays).
    /// A failed view and a frozen strategy change nothing. Returns whether it is frozen, the mark's price and the price
    /// now (0 when the view fails).
    function _remark(address strategy, uint256 rateBps)
        internal
        returns (bool frozen, uint256 markPrice, uint256 price)
    {
        ITreasuryVault.PriceMark memory m = _marks[strategy];
        bool ok;
        (ok, price) = _priceOf(strategy);
        markPrice = m.price;
        frozen = m.frozen;
        if (!ok || frozen) return (frozen, markPrice, price);
        if (rateBps != 0 && m.at != 0) {
            // Rounding: the allowed move rounds up, plus one unit; no minimum window, so marking every block cannot
            // walk the price faster than the rate.
            uint256 allowed = markPrice.mulDiv(
                rateBps * (block.timestamp - m.at), ConstantsLib.BPS * ConstantsLib.DAY, Math.Rounding.Ceil
            ) + 1;
            if ((price > markPrice ? price - markPrice : markPrice - price) > allowed) {
                _marks[strategy].frozen = true;
                emit EventsLib.StrategyFrozen(strategy, markPrice, price);
                return (true, markPrice, price);
            }
        }
        _setMark(strategy, price);
    }

    // ================================================================ roles

    function _governance() internal view returns (address) {
        return _sessionManager.governance();
    }

    function _guardian() internal view returns (address) {
        return _sessionManager.guardian();
    }

    modifier onlyGovernance() {
        if (msg.sender != _governance()) revert ErrorsLib.NotGovernance(msg.sender);
        _;
    }

    /// @dev Reverts unless the caller is governance, or the guardian making a change that does not loosen.
    function _requireGovernanceOrTightening(bool tightens) internal view {
        if (msg.sender == _governance()) return;
        if (msg.sender != _guardian()) revert ErrorsLib.NotGuardianOrGovernance(msg.sender);
        if (!tightens) revert ErrorsLib.GuardianCannotLoosen();
    }

    // ================================================================ settings

    function _setIdleBuffer(uint16 idleBufferBps) internal {
        if (idleBufferBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(idleBufferBps, 0, ConstantsLib.BPS);
        _bounds.idleBufferBps = idleBufferBps;
        emit EventsLib.IdleBufferSet(idleBufferBps, msg.sender);
    }

    function _setLossLimits(uint16 maxLossPerCallBps, uint16 epochLossBudgetBps, uint32 lossEpochLength) internal {
        if (maxLossPerCallBps > ConstantsLib.MAX_LOSS_PER_CALL_BPS) {
            revert ErrorsLib.BoundOutOfRange(maxLossPerCallBps, 0, ConstantsLib.MAX_LOSS_PER_CALL_BPS);
        }
        if (epochLossBudgetBps > ConstantsLib.MAX_EPOCH_LOSS_BPS) {
            revert ErrorsLib.BoundOutOfRange(epochLossBudgetBps, 0, ConstantsLib.MAX_EPOCH_LOSS_BPS);
        }
        if (lossEpochLength < ConstantsLib.MIN_LOSS_EPOCH || lossEpochLength > ConstantsLib.MAX_LOSS_EPOCH) {
            revert ErrorsLib.BoundOutOfRange(lossEpochLength, ConstantsLib.MIN_LOSS_EPOCH, ConstantsLib.MAX_LOSS_EPOCH);
        }
        PackedBounds storage b = _bounds;
        if (lossEpochLength != b.lossEpochLength) {
            // A new epoch length starts a new epoch that carries the loss already taken in the current one, so a
            // change of length never clears the budget.
            uint256 carried = b.lossEpochLength == 0 ? 0 : _currentEpochLoss(b);
            b.lossEpoch = uint40(block.timestamp / lossEpochLength);
            // Safe: carried <= the previous lossInEpoch, a uint128.
            b.lossInEpoch = uint128(carried);
        }
        b.maxLossPerCallBps = maxLossPerCallBps;
        b.epochLossBudgetBps = epochLossBudgetBps;
        b.lossEpochLength = lossEpochLength;
        emit EventsLib.LossLimitsSet(maxLossPerCallBps, epochLossBudgetBps, lossEpochLength, msg.sender);
    }
}
