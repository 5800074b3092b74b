// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IRiskGroups} from "../interfaces/IRiskGroups.sol";
import {ITreasuryVault} from "../interfaces/ITreasuryVault.sol";
import {IDeadManSwitch} from "../interfaces/IDeadManSwitch.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";
import {RampLib} from "../libraries/RampLib.sol";
import {StrategyLib} from "../libraries/StrategyLib.sol";
import {TreasuryVaultBase} from "./TreasuryVaultBase.sol";

/// @title TreasuryVaultAdmin
/// @notice The treasury vault's governance and guardian entry points (listing, caps, bounds, the withdraw queue). A
/// vault is deployed with one made for its asset and session manager and forwards these calls to it by delegatecall,
/// so they run on the vault's storage, with the vault's address and balance; each is documented in ITreasuryVault and
/// specified in TreasuryVault.sol's header. Called directly, every entry point reverts `OnlyVault`: this contract
/// holds nothing and governs nothing of its own; stateless, it may serve several vaults over one asset and registry.
contract TreasuryVaultAdmin is IRiskGroups, IDeadManSwitch, TreasuryVaultBase {
    using Math for uint256;
    using RampLib for RampLib.Ramp;

    /// @notice EIP-712 type of the policy signer's co-signature of one rebalance (`targetsHash` is
    /// `keccak256(abi.encode(targets))`, the `Allocation[]` as the vault receives it).
    bytes32 internal constant COSIGNATURE_TYPEHASH = keccak256(
        abi.encodePacked(
            "CoSignature(address vault,uint256 sessionId,address agent,",
            "bytes32 targetsHash,bytes32 intentHash,uint256 deadline)"
        )
    );

    /// @notice EIP-712 domain of co-signatures: name "TreasuryVault", version "1", the chain, the vault.
    bytes32 internal constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant _NAME_HASH = keccak256("TreasuryVault");
    bytes32 internal constant _VERSION_HASH = keccak256("1");

    /// @dev This contract's own address: code running at any other address runs for a vault (delegatecall).
    address private immutable _self;

    constructor(IERC20 asset_, ISessionManager sessionManager_) TreasuryVaultBase(asset_, "", "", sessionManager_) {
        _self = address(this);
    }

    /// @notice The asset and session manager this module was deployed for: a vault checks them at its deployment,
    /// since the module's code reads both from its own immutables.
    function binding() external view returns (IERC20, ISessionManager) {
        return (IERC20(asset()), _sessionManager);
    }

    /// @dev Only through the vault's delegatecall.
    modifier delegated() {
        if (address(this) == _self) revert ErrorsLib.OnlyVault(msg.sender);
        _;
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function addStrategy(address strategy, uint128 absoluteCap, uint16 relativeCapBps)
        external
        delegated
        onlyGovernance
    {
        if (strategy == address(0)) revert ErrorsLib.ZeroAddress();
        if (_config[strategy].listed) revert ErrorsLib.StrategyAlreadyListed(strategy);
        (bool ok, uint256 word) = StrategyLib.viewUint(strategy, abi.encodeCall(IERC4626.asset, ()));
        address strategyAsset = address(uint160(word));
        if (!ok || word >> 160 != 0 || strategyAsset != asset()) {
            revert ErrorsLib.StrategyAssetMismatch(strategy, strategyAsset, asset());
        }
        if (_withdrawQueue.length >= ConstantsLib.MAX_LISTED_STRATEGIES) {
            revert ErrorsLib.TooManyStrategies(ConstantsLib.MAX_LISTED_STRATEGIES);
        }
        uint256 index = _byIndex.length;
        if (index >= ConstantsLib.MAX_STRATEGY_INDEX) {
            revert ErrorsLib.TooManyStrategies(ConstantsLib.MAX_STRATEGY_INDEX);
        }
        if (relativeCapBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(relativeCapBps, 0, ConstantsLib.BPS);
        // A new strategy's relative cap is new exposure, from the vault-wide budget.
        _spend(_exposureRamp, relativeCapBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS, relativeCapBps, true);
        // Safe: index < MAX_STRATEGY_INDEX = 256.
        _config[strategy] = ITreasuryVault.StrategyConfig(absoluteCap, relativeCapBps, uint8(index), true, true, 0, 0);
        _byIndex.push(strategy);
        _withdrawQueue.push(strategy);
        emit EventsLib.StrategyAdded(strategy, uint8(index), absoluteCap, relativeCapBps);
        // The share-price mark starts at listing (a relisted strategy starts afresh); unmarked while its view fails.
        (bool priceOk, uint256 price) = _priceOf(strategy);
        delete _marks[strategy];
        if (priceOk) {
            _setMark(strategy, price);
            emit EventsLib.PriceMarked(strategy, price);
        }
    }

    /// @notice ITreasuryVault's, in the vault's context.
    /// @dev Redeems what the strategy lets go first; the strategy may then be delisted when the value it still holds
    /// is at most 1 ppm of total assets (dust, e.g. shares a strategy's rounding keeps or a 1-wei share donation),
    /// which is written off.
    function removeStrategy(address strategy) external delegated onlyGovernance nonReentrant {
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        uint256 total = _record();
        (, uint256 redeemable) =
            StrategyLib.viewUint(strategy, abi.encodeCall(IERC4626.maxRedeem, (address(this))));
        if (redeemable != 0) {
            uint256 balanceBefore = _assetBalance();
            // Unchecked on purpose: what arrived is measured, and what is left decides below whether it may go.
            // solhint-disable-next-line avoid-low-level-calls, no-unchecked-calls
            StrategyLib.call(strategy, abi.encodeCall(IERC4626.redeem, (redeemable, address(this), address(this))));
            uint256 received = _assetBalance() - balanceBefore;
            _idle += received;
            uint256 allocated = _allocation[strategy];
            _setBook(strategy, allocated > received ? allocated - received : 0);
        }
        (bool ok, uint256 shares) = StrategyLib.sharesOf(strategy);
        uint256 left = _valueOf(strategy);
        if (!ok || left > total / ConstantsLib.DUST_DIVISOR) revert ErrorsLib.StrategyNotEmpty(strategy, shares);
        if (left != 0) {
            // Safe: left <= total / 1e6 <= _total.
            _total -= uint128(Math.min(left, _total));
            emit EventsLib.StrategyWrittenOff(strategy, left);
        }
        _setBook(strategy, 0);
        _config[strategy].listed = false;
        _config[strategy].enabled = false;
        // Shift the rest up, so the remaining strategies keep the order governance set.
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length; ++i) {
            if (_withdrawQueue[i] == strategy) {
                for (uint256 j = i + 1; j < length; ++j) {
                    _withdrawQueue[j - 1] = _withdrawQueue[j];
                }
                _withdrawQueue.pop();
                break;
            }
        }
        emit EventsLib.StrategyRemoved(strategy);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setCaps(address strategy, uint128 absoluteCap, uint16 relativeCapBps) external delegated {
        ITreasuryVault.StrategyConfig storage c = _config[strategy];
        _requireGovernanceOrTightening(absoluteCap <= c.absoluteCap && relativeCapBps <= c.relativeCapBps);
        if (!c.listed) revert ErrorsLib.StrategyNotListed(strategy);
        if (relativeCapBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(relativeCapBps, 0, ConstantsLib.BPS);
        if (relativeCapBps > c.relativeCapBps) {
            _spend(
                _exposureRamp,
                relativeCapBps - c.relativeCapBps,
                ConstantsLib.MAX_EXPOSURE_RAISE_BPS,
                relativeCapBps,
                true
            );
        }
        c.absoluteCap = absoluteCap;
        c.relativeCapBps = relativeCapBps;
        emit EventsLib.CapsSet(strategy, absoluteCap, relativeCapBps, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setStrategyEnabled(address strategy, bool enabled) external delegated {
        ITreasuryVault.StrategyConfig storage c = _config[strategy];
        _requireGovernanceOrTightening(!enabled);
        if (!c.listed) revert ErrorsLib.StrategyNotListed(strategy);
        c.enabled = enabled;
        emit EventsLib.StrategyEnabledSet(strategy, enabled, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setLiquidityGroup(address strategy, uint8 group) external delegated onlyGovernance {
        ITreasuryVault.StrategyConfig storage c = _config[strategy];
        if (!c.listed) revert ErrorsLib.StrategyNotListed(strategy);
        c.liquidityGroup = group;
        emit EventsLib.LiquidityGroupSet(strategy, group);
    }

    /// @inheritdoc IRiskGroups
    /// @dev In the vault's context (the vault's fallback).
    function setRiskGroupCap(uint8 id, uint128 absoluteCap, uint16 relativeCapBps) external delegated {
        RiskGroupCap storage g = _riskGroupCaps[id];
        uint16 previousBps = g.relativeCapBps;
        _requireGovernanceOrTightening(absoluteCap <= g.absoluteCap && relativeCapBps <= previousBps);
        if (id >= ConstantsLib.MAX_RISK_GROUPS) {
            revert ErrorsLib.BoundOutOfRange(id, 0, ConstantsLib.MAX_RISK_GROUPS - 1);
        }
        if (relativeCapBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(relativeCapBps, 0, ConstantsLib.BPS);
        if (relativeCapBps > previousBps) {
            // A group's room is new exposure for its members: the same budget as a strategy's relative cap.
            _spend(
                _exposureRamp, relativeCapBps - previousBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS, relativeCapBps, true
            );
        }
        g.absoluteCap = absoluteCap;
        g.relativeCapBps = relativeCapBps;
        emit EventsLib.RiskGroupCapSet(id, absoluteCap, relativeCapBps, msg.sender);
    }

    /// @inheritdoc IRiskGroups
    /// @dev In the vault's context (the vault's fallback).
    function setRiskGroups(address strategy, uint32 riskGroups) external delegated {
        ITreasuryVault.StrategyConfig storage c = _config[strategy];
        // Adding tags only tightens (more caps bind the strategy); removing one loosens.
        _requireGovernanceOrTightening(riskGroups & c.riskGroups == c.riskGroups);
        if (!c.listed) revert ErrorsLib.StrategyNotListed(strategy);
        c.riskGroups = riskGroups;
        emit EventsLib.RiskGroupsSet(strategy, riskGroups, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setIdleBuffer(uint16 idleBufferBps) external delegated {
        uint256 previous = _bounds.idleBufferBps;
        _requireGovernanceOrTightening(idleBufferBps >= previous);
        _setIdleBuffer(idleBufferBps);
        if (idleBufferBps < previous) {
            // A lower buffer frees money for strategies: new exposure, from the same budget as listings and caps.
            _spend(_exposureRamp, previous - idleBufferBps, ConstantsLib.MAX_EXPOSURE_RAISE_BPS, idleBufferBps, false);
        }
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setLossLimits(uint16 maxLossPerCallBps, uint16 epochLossBudgetBps, uint32 lossEpochLength)
        external
        delegated
    {
        PackedBounds memory b = _bounds;
        _requireGovernanceOrTightening(
            maxLossPerCallBps <= b.maxLossPerCallBps && epochLossBudgetBps <= b.epochLossBudgetBps
                && lossEpochLength == b.lossEpochLength
        );
        // Protocol ranges first, then how far governance may loosen now.
        _setLossLimits(maxLossPerCallBps, epochLossBudgetBps, lossEpochLength);
        if (maxLossPerCallBps > b.maxLossPerCallBps) {
            _spend(
                _lossPerCallRamp,
                maxLossPerCallBps - b.maxLossPerCallBps,
                ConstantsLib.MAX_LOSS_PER_CALL_RAISE_BPS,
                maxLossPerCallBps,
                true
            );
        }
        if (epochLossBudgetBps > b.epochLossBudgetBps) {
            _spend(
                _epochLossRamp,
                epochLossBudgetBps - b.epochLossBudgetBps,
                ConstantsLib.MAX_EPOCH_LOSS_RAISE_BPS,
                epochLossBudgetBps,
                true
            );
        }
        if (lossEpochLength < b.lossEpochLength) {
            // A shorter epoch refills the loss budget faster: at most halving per ramp period. Figures of a
            // ChangeTooLarge here are in bps of the current length (the shrink asked for, the most allowed now).
            uint256 shrinkBps = uint256(b.lossEpochLength - lossEpochLength).mulDiv(
                ConstantsLib.BPS, b.lossEpochLength, Math.Rounding.Ceil
            );
            _spend(_lossEpochRamp, shrinkBps, ConstantsLib.MAX_LOSS_EPOCH_SHRINK_BPS, shrinkBps, true);
        }
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setGainRate(uint16 newGainRateBps) external delegated {
        _requireGovernanceOrTightening(newGainRateBps <= _gainRateBps);
        if (newGainRateBps > ConstantsLib.MAX_GAIN_RATE_BPS) {
            revert ErrorsLib.BoundOutOfRange(newGainRateBps, 0, ConstantsLib.MAX_GAIN_RATE_BPS);
        }
        // The old rate applies up to now.
        _record();
        _gainRateBps = newGainRateBps;
        emit EventsLib.GainRateSet(newGainRateBps, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setMaxDrawdown(uint16 newMaxDrawdownBps) external delegated {
        _requireGovernanceOrTightening(newMaxDrawdownBps <= _maxDrawdownBps);
        if (newMaxDrawdownBps > ConstantsLib.MAX_DRAWDOWN_BPS) {
            revert ErrorsLib.BoundOutOfRange(newMaxDrawdownBps, 0, ConstantsLib.MAX_DRAWDOWN_BPS);
        }
        _maxDrawdownBps = newMaxDrawdownBps;
        emit EventsLib.MaxDrawdownSet(newMaxDrawdownBps, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function resetHighWaterMark() external delegated onlyGovernance nonReentrant {
        uint256 price = _sharePrice(_record());
        // Safe: price <= type(uint96).max.
        _highWaterMark = uint96(price);
        emit EventsLib.HighWaterMarkSet(price);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setWithdrawQueue(address[] calldata queue) external delegated onlyGovernance {
        uint256 length = _withdrawQueue.length;
        if (queue.length != length) revert ErrorsLib.InvalidWithdrawQueue();
        uint256 seen;
        for (uint256 i; i < length; ++i) {
            ITreasuryVault.StrategyConfig memory c = _config[queue[i]];
            uint256 bit = 1 << c.index;
            if (!c.listed || seen & bit != 0) revert ErrorsLib.InvalidWithdrawQueue();
            seen |= bit;
        }
        _withdrawQueue = queue;
        emit EventsLib.WithdrawQueueSet(queue);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setMaxPriceRate(uint16 maxPriceRateBps) external delegated {
        uint256 previous = _maxPriceRateBps;
        // Off (0) is the loosest setting: the guardian may switch the bound on or lower it, never raise or end it.
        _requireGovernanceOrTightening(maxPriceRateBps != 0 && (previous == 0 || maxPriceRateBps <= previous));
        if (maxPriceRateBps > ConstantsLib.MAX_PRICE_RATE_BPS) {
            revert ErrorsLib.BoundOutOfRange(maxPriceRateBps, 0, ConstantsLib.MAX_PRICE_RATE_BPS);
        }
        _maxPriceRateBps = maxPriceRateBps;
        emit EventsLib.MaxPriceRateSet(maxPriceRateBps, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function markStrategy(address strategy) external delegated nonReentrant {
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        // While the dead-man's switch may fire, a mark never falls: re-marking a crashed strategy at its low would
        // take away the drop that lets anyone de-risk it.
        if (_stale(_deadMan)) {
            (bool ok, uint256 now_) = _priceOf(strategy);
            if (!ok || now_ < _marks[strategy].price) return;
        }
        (bool frozen,, uint256 price) = _remark(strategy, _maxPriceRateBps);
        if (!frozen && _marks[strategy].at == block.timestamp) emit EventsLib.PriceMarked(strategy, price);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function clearFreeze(address strategy) external delegated onlyGovernance nonReentrant {
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        (bool ok, uint256 price) = _priceOf(strategy);
        if (!ok) revert ErrorsLib.PriceViewFailed(strategy);
        _setMark(strategy, price);
        emit EventsLib.FreezeCleared(strategy, price, msg.sender);
    }

    /// @inheritdoc IDeadManSwitch
    function setDeadManSwitch(uint32 staleAfter, uint16 dropBps, uint16 maxExitBps) external delegated {
        DeadManSwitch memory d = _deadMan;
        // Off is the tightest setting of a switch that lets anyone move money; while armed the guardian may only make
        // it slower to fire, need a larger drop or move less.
        _requireGovernanceOrTightening(
            staleAfter == 0
                || (
                    d.staleAfter != 0 && staleAfter >= d.staleAfter && dropBps >= d.dropBps
                        && maxExitBps <= d.maxExitBps
                )
        );
        if (dropBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(dropBps, 0, ConstantsLib.BPS);
        if (maxExitBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(maxExitBps, 0, ConstantsLib.BPS);
        if (staleAfter == 0) (dropBps, maxExitBps) = (0, 0);
        // Safe: timestamps fit in 40 bits for 30,000 years. Arming counts from now, so it never fires at once.
        _deadMan = DeadManSwitch(staleAfter, dropBps, maxExitBps, staleAfter == 0 ? 0 : uint40(block.timestamp));
        _deadManArmed = staleAfter != 0;
        emit EventsLib.DeadManSwitchSet(staleAfter, dropBps, maxExitBps, msg.sender);
    }

    /// @inheritdoc IDeadManSwitch
    function deRisk(address strategy) external delegated nonReentrant returns (uint256 assets, uint256 loss) {
        DeadManSwitch memory d = _deadMan;
        if (d.staleAfter == 0) revert ErrorsLib.DeadManSwitchOff();
        if (!_stale(d)) revert ErrorsLib.AgentStillActive(d.lastRebalanceAt, d.staleAfter);
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        _requireDown(strategy, d.dropBps);
        (uint256 totalBefore, uint256 liveBefore) = _recordWithLive();
        uint256 inflow = _blockInflow();
        uint256 base = totalBefore > inflow ? totalBefore - inflow : 0;
        uint256 current = _valueOf(strategy);
        uint256 exit;
        {
            uint256 available = StrategyLib.maxWithdraw(strategy);
            // Rounding: the bound rounds down, in the vault's favour.
            uint256 bound = base.mulDiv(d.maxExitBps, ConstantsLib.BPS);
            exit = Math.min(current, Math.min(available, bound));
            if (exit == 0) revert ErrorsLib.NothingToDeRisk(strategy, current, available, bound);
        }
        uint256 book;
        (assets, book) = _withdrawLeg(strategy, current, exit);
        // Loss as a rebalance counts it: the position left may count for at most its target.
        uint256 valueAfter = assets + Math.min(book, current - exit);
        loss = current > valueAfter ? current - valueAfter : 0;
        uint256 drop = current > assets + book ? current - assets - book : 0;
        // Safe: the result is at most totalBefore, a recorded 128-bit figure.
        _total = uint128(Math.min(totalBefore, liveBefore > drop ? liveBefore - drop : 0));
        _checkLoss(loss, base);
        _recordLoss(loss);
        emit EventsLib.DeRisked(msg.sender, strategy, assets, loss);
    }

    /// @inheritdoc IDeadManSwitch
    function deadManSwitch() external view delegated returns (DeadManSwitch memory) {
        return _deadMan;
    }

    /// @dev Reverts `PriceNotDown` unless `strategy`'s price now is more than `dropBps` below its mark.
    function _requireDown(address strategy, uint256 dropBps) internal view {
        uint256 mark = _marks[strategy].price;
        (bool ok, uint256 price) = _priceOf(strategy);
        // Exact: price x BPS < mark x (BPS - dropBps), both below 2**142. Unmarked or failed views are not down.
        if (!ok || price * ConstantsLib.BPS >= mark * (ConstantsLib.BPS - dropBps)) {
            revert ErrorsLib.PriceNotDown(mark, price, dropBps);
        }
    }

    /// @dev One withdrawal leg of a rebalance, from `current` to `current - exit`: withdraws `exit`, adds what arrived
    /// to idle and books the position at min(live value after, current - received). Returns both.
    function _withdrawLeg(address strategy, uint256 current, uint256 exit)
        internal
        returns (uint256 received, uint256 book)
    {
        uint256 balanceBefore = _assetBalance();
        _callStrategy(strategy, abi.encodeCall(IERC4626.withdraw, (exit, address(this), address(this))));
        received = _assetBalance() - balanceBefore;
        _idle += received;
        book = current > received ? current - received : 0;
        (bool ok, uint256 live) = StrategyLib.positionValue(strategy);
        if (ok && live < book) book = live;
        _setBook(strategy, book);
    }

    /// @dev Whether the dead-man's switch is armed and no rebalance succeeded for its `staleAfter` seconds.
    function _stale(DeadManSwitch memory d) internal view returns (bool) {
        return d.staleAfter != 0 && block.timestamp >= uint256(d.lastRebalanceAt) + d.staleAfter;
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function writeDown(address strategy, uint256 value) external delegated nonReentrant {
        // A write-down only tightens: the guardian may make it as well as governance.
        _requireGovernanceOrTightening(true);
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        (bool ok, uint256 liveValue) = StrategyLib.positionValue(strategy);
        if (ok) revert ErrorsLib.StrategyViewsWork(strategy, liveValue);
        uint256 book = _allocation[strategy];
        if (value >= book) revert ErrorsLib.WriteDownNotBelowBook(strategy, value, book);
        (, uint256 live) = _recordWithLive();
        _setBook(strategy, value);
        // Recorded total assets never stay above what is left: the live value, this position at its new book.
        uint256 left = live - (book - value);
        // Safe: left < _total, a uint128, when assigned.
        if (_total > left) _total = uint128(left);
        emit EventsLib.StrategyWrittenDown(strategy, book, value, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setLiquidityFloor(uint16 liquidityFloorBps) external delegated {
        uint256 previous = _limits.liquidityFloorBps;
        _requireGovernanceOrTightening(liquidityFloorBps >= previous);
        if (liquidityFloorBps > ConstantsLib.BPS) {
            revert ErrorsLib.BoundOutOfRange(liquidityFloorBps, 0, ConstantsLib.BPS);
        }
        if (liquidityFloorBps < previous) {
            // A lower floor lets more money sit where it cannot leave: new exposure, from the vault-wide budget.
            uint256 cut = previous - liquidityFloorBps;
            _spend(_exposureRamp, cut, ConstantsLib.MAX_EXPOSURE_RAISE_BPS, liquidityFloorBps, false);
        }
        _limits.liquidityFloorBps = liquidityFloorBps;
        emit EventsLib.LiquidityFloorSet(liquidityFloorBps, msg.sender);
    }

    /// @notice ITreasuryVault's, in the vault's context.
    function setStepUp(uint128 threshold, address policySigner) external delegated {
        uint256 current = _limits.stepUpThreshold;
        // The guardian only lowers a threshold (turning it on counts as lowering it from infinity), same signer.
        _requireGovernanceOrTightening(
            policySigner == _policySigner && threshold != 0 && (current == 0 || threshold <= current)
        );
        if (threshold != 0 && policySigner == address(0)) revert ErrorsLib.StepUpWithoutSigner(threshold);
        _limits.stepUpThreshold = threshold;
        _policySigner = policySigner;
        emit EventsLib.StepUpSet(threshold, policySigner, msg.sender);
    }

    /// @notice Checks and uses the policy signer's co-signature of one rebalance, for the vault's `rebalanceCosigned`
    /// (it reaches this by delegatecall; the vault forwards nothing else here, and a direct call reverts `OnlyVault`).
    /// Reverts `CoSignatureUsed` for a digest already used and `CoSignatureInvalid` unless the signature verifies for
    /// the policy signer (ECDSA for an EOA, ERC-1271 for a contract).
    function useCoSignature(
        bytes32 targetsHash,
        uint256 sessionId,
        address agent,
        bytes32 intentHash,
        uint256 deadline,
        bytes calldata signature
    ) external delegated {
        bytes32 domainSeparator =
            keccak256(abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, address(this)));
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator,
            keccak256(
                abi.encode(COSIGNATURE_TYPEHASH, address(this), sessionId, agent, targetsHash, intentHash, deadline)
            )
        );
        if (_coSignatureUsed[digest]) revert ErrorsLib.CoSignatureUsed(digest);
        address signer = _policySigner;
        if (signer == address(0) || !SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
            revert ErrorsLib.CoSignatureInvalid(signer, digest);
        }
        _coSignatureUsed[digest] = true;
        emit EventsLib.CoSignatureAccepted(digest, sessionId, signer);
    }

    /// @inheritdoc IRiskGroups
    /// @dev In the vault's context (the vault's fallback).
    function riskGroupCap(uint8 id) external view delegated returns (RiskGroupCap memory) {
        return _riskGroupCaps[id];
    }

    /// @notice The vault's risk-group check after a rebalance's moves, in the vault's context (the vault calls it
    /// from its rebalance only when a touched strategy carries a risk group). For each group of a touched strategy:
    /// the value after the call of every listed member (touched: as booked, `afterValues`; untouched: live, or book
    /// where views fail), summed. Reverts `RiskGroupCapExceeded` for the first group, by id, of a strategy the call
    /// raised (`raisedGroups`) whose sum is above the tighter of its caps against `base` (the relative cap rounded
    /// down); returns `capHeadroom` with each leg's room lowered to the room left in each of its groups.
    function checkRiskGroups(
        address[] calldata strategies,
        uint256[] calldata afterValues,
        uint256 base,
        uint256 raisedGroups
    ) external view delegated returns (uint256[] memory capHeadroom) {
        capHeadroom = new uint256[](strategies.length);
        uint256[] memory legGroups = new uint256[](strategies.length);
        uint256 groups;
        for (uint256 j; j < strategies.length; ++j) {
            ITreasuryVault.StrategyConfig memory c = _config[strategies[j]];
            // The leg's room under its own caps, as the vault computed it.
            uint256 cap = Math.min(c.absoluteCap, base.mulDiv(c.relativeCapBps, ConstantsLib.BPS));
            capHeadroom[j] = cap > afterValues[j] ? cap - afterValues[j] : 0;
            legGroups[j] = c.riskGroups;
            groups |= legGroups[j];
        }
        uint256[32] memory sums = _riskGroupSums(strategies, afterValues, groups);
        for (uint256 id; groups >> id != 0; ++id) {
            if ((groups >> id) & 1 == 0) continue;
            // Safe: id < 32, the width of a risk-group mask.
            RiskGroupCap memory g = _riskGroupCaps[uint8(id)];
            // Rounding: the relative cap rounds down, in the vault's favour.
            uint256 cap = Math.min(g.absoluteCap, base.mulDiv(g.relativeCapBps, ConstantsLib.BPS));
            if ((raisedGroups >> id) & 1 != 0 && sums[id] > cap) {
                revert ErrorsLib.RiskGroupCapExceeded(uint8(id), sums[id], cap);
            }
            uint256 room = cap > sums[id] ? cap - sums[id] : 0;
            for (uint256 j; j < strategies.length; ++j) {
                if ((legGroups[j] >> id) & 1 != 0 && capHeadroom[j] > room) capHeadroom[j] = room;
            }
        }
    }

    /// @dev Per risk id in `groups`, the value after the call of every listed member: touched, as booked
    /// (`afterValues`); untouched, live, or book where views fail.
    function _riskGroupSums(address[] calldata strategies, uint256[] calldata afterValues, uint256 groups)
        internal
        view
        returns (uint256[32] memory sums)
    {
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length; ++i) {
            address strategy = _withdrawQueue[i];
            uint256 member = _config[strategy].riskGroups & groups;
            if (member == 0) continue;
            uint256 value = type(uint256).max;
            for (uint256 j; j < strategies.length; ++j) {
                if (strategies[j] == strategy) value = afterValues[j];
            }
            // Untouched: no leg's after-value is the maximum.
            if (value == type(uint256).max) value = _valueOf(strategy);
            for (uint256 id; member >> id != 0; ++id) {
                if ((member >> id) & 1 != 0) sums[id] += value;
            }
        }
    }

    /// @dev Spends a loosening from a rolling budget (RampLib). Before the first deposit there is nobody's money to
    /// protect, so setting up a new vault spends nothing.
    function _spend(RampLib.Ramp storage ramp, uint256 amount, uint256 limit, uint256 value, bool raise) internal {
        if (totalSupply() == 0) return;
        ramp.spend(amount, limit, value, raise);
    }
}
