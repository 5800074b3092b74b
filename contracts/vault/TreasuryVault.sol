// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20, IERC20Metadata, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ITreasuryVault} from "../interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";
import {GovernanceRoles} from "../governance/GovernanceRoles.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";

/// @title TreasuryVault
/// @notice ERC-4626 treasury over one asset, allocating across governance-allowlisted strategy ERC-4626 vaults.
///
/// ROLES
/// - governance (Timelock): lists and delists strategies, sets every bound in either direction, orders the withdraw
///   queue, replaces itself and the guardian.
/// - guardian (multisig): only tightens, at once: lowers caps, disables strategies, raises the idle buffer, lowers
///   loss limits. Agent pause and session revocation live in the SessionManager.
/// - agent: moves money only through `rebalance`, with a valid session of the SessionManager for this vault.
/// - anyone: deposits, mints, withdraws, redeems (never blocked by an agent pause), writes down strategy losses.
/// - the vault itself: the only caller of `pullFromStrategy`, so a user exit can undo a strategy that pays short.
///
/// TIMELOCKS
/// - Risk-increasing changes wait for governance's own delay (the Timelock's); risk-reducing ones by the guardian
///   apply in the same block.
///
/// VALUATION
/// - `totalAssets() = idle + totalAllocated`, both accounted (O(1) whatever the number of strategies). A strategy's
///   allocation is marked to its redeemable value (`previewRedeem` of the shares held) when a rebalance touches it,
///   when a user exit needs more than idle, and when anyone writes down a loss. Direct donations are not counted.
///
/// INVARIANTS
/// - totalAssets == idle + sum of allocations of listed strategies; idle <= asset balance of the vault.
/// - After a rebalance, every strategy it raised is within its absolute and relative caps, and idle is at or above
///   the buffer unless the call raised it.
/// - A rebalance succeeds only through a session that is valid, in scope and within its rate limits (SessionManager).
/// - The vault holds no allowance to any strategy between transactions.
/// - Withdrawals never depend on the agent pause.
contract TreasuryVault is ITreasuryVault, ERC4626, ReentrancyGuardTransient, GovernanceRoles {
    using SafeERC20 for IERC20;
    using Math for uint256;

    /// @inheritdoc ITreasuryVault
    ISessionManager public immutable sessionManager;

    /// @dev Idle assets as accounted (direct transfers to the vault are not counted).
    uint256 internal _idle;
    /// @dev Sum of `_allocation` over listed strategies.
    uint256 internal _totalAllocated;
    Bounds internal _bounds;
    BoundsReference internal _boundsRef;
    mapping(address strategy => CapReference) internal _capRef;

    mapping(address strategy => StrategyConfig) internal _config;
    mapping(address strategy => uint256) internal _allocation;
    /// @dev Every strategy ever listed, by permanent index. Never shrinks, so indices are never reused.
    address[] internal _byIndex;
    /// @dev The listed strategies, in the order user exits pull from them.
    address[] internal _withdrawQueue;

    /// @dev A rebalance leg as planned: current and target allocation.
    struct Leg {
        address strategy;
        uint256 current;
        uint256 target;
    }

    /// @dev A rebalance as planned before any move.
    struct Plan {
        Leg[] legs;
        uint256 touchedMask;
        uint256 volume;
        /// Total assets with the touched strategies marked to market.
        uint256 totalBefore;
    }

    constructor(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        ISessionManager sessionManager_,
        address governance_,
        address guardian_,
        Bounds memory bounds_
    ) ERC20(name_, symbol_) ERC4626(asset_) GovernanceRoles(governance_, guardian_) {
        if (address(sessionManager_) == address(0)) revert ErrorsLib.ZeroAddress();
        sessionManager = sessionManager_;
        _setIdleBuffer(bounds_.idleBufferBps);
        _setLossLimits(bounds_.maxLossPerCallBps, bounds_.epochLossBudgetBps, bounds_.lossEpochLength);
        _refreshBoundsReference(true);
    }

    // ================================================================ ERC-4626

    /// @inheritdoc IERC4626
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        return _idle + _totalAllocated;
    }

    /// @dev Virtual shares and assets: with idle accounted (donations ignored) this makes first-depositor inflation
    /// attacks unprofitable.
    function _decimalsOffset() internal pure override returns (uint8) {
        return ConstantsLib.DECIMALS_OFFSET;
    }

    /// @inheritdoc IERC4626
    function deposit(uint256 assets, address receiver)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256)
    {
        return super.deposit(assets, receiver);
    }

    /// @inheritdoc IERC4626
    function mint(uint256 shares, address receiver) public override(ERC4626, IERC4626) nonReentrant returns (uint256) {
        return super.mint(shares, receiver);
    }

    /// @inheritdoc IERC4626
    /// @dev Served from idle when it suffices (O(1)); otherwise every strategy is marked to market first, so the exit
    /// is priced on current values, then strategies are pulled in withdraw-queue order.
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256 shares)
    {
        if (assets > _idle) _markAll();
        uint256 maxAssets = _convertToAssets(balanceOf(owner), Math.Rounding.Floor);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        shares = _convertToShares(assets, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IERC4626
    function redeem(uint256 shares, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256 assets)
    {
        uint256 maxShares = balanceOf(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = _convertToAssets(shares, Math.Rounding.Floor);
        if (assets > _idle) {
            _markAll();
            assets = _convertToAssets(shares, Math.Rounding.Floor);
        }
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IERC4626
    /// @dev Priced as `withdraw` prices it: on current strategy values when idle does not cover the exit.
    function previewWithdraw(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 total = assets > _idle ? _liveTotalAssets() : totalAssets();
        return _sharesAt(assets, total, Math.Rounding.Ceil);
    }

    /// @inheritdoc IERC4626
    /// @dev Priced as `redeem` prices it: on current strategy values when idle does not cover the exit.
    function previewRedeem(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256 assets) {
        assets = _convertToAssets(shares, Math.Rounding.Floor);
        if (assets > _idle) assets = _assetsAt(shares, _liveTotalAssets(), Math.Rounding.Floor);
    }

    /// @inheritdoc IERC4626
    /// @dev Limited by the owner's shares at current values and by what idle plus the strategies can release now.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        return Math.min(previewRedeem(balanceOf(owner)), _liquidity());
    }

    /// @inheritdoc IERC4626
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 shares = balanceOf(owner);
        uint256 liquidity = _liquidity();
        if (previewRedeem(shares) <= liquidity) return shares;
        return _sharesAt(liquidity, _liveTotalAssets(), Math.Rounding.Floor);
    }

    /// @dev OpenZeppelin's conversion (virtual shares and assets) against a given total.
    function _sharesAt(uint256 assets, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return assets.mulDiv(totalSupply() + 10 ** _decimalsOffset(), total + 1, rounding);
    }

    function _assetsAt(uint256 shares, uint256 total, Math.Rounding rounding) internal view returns (uint256) {
        return shares.mulDiv(total + 1, totalSupply() + 10 ** _decimalsOffset(), rounding);
    }

    /// @dev Total assets with every strategy at its redeemable value now.
    function _liveTotalAssets() internal view returns (uint256 total) {
        total = _idle;
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length; ++i) {
            total += _valueOf(_withdrawQueue[i]);
        }
    }

    /// @dev Refuses a deposit that brought less than `assets` (a fee-on-transfer asset, which the vault does not
    /// support), so idle never counts assets the vault does not hold.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        uint256 balanceBefore = _assetBalance();
        super._deposit(caller, receiver, assets, shares);
        uint256 received = _assetBalance() - balanceBefore;
        if (received < assets) revert ErrorsLib.DepositShortfall(assets, received);
        _idle += assets;
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        if (assets > _idle) _pull(assets);
        _idle -= assets;
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    /// @dev Pulls strategies in withdraw-queue order until idle covers `assets`. A strategy that reverts or pays short
    /// is skipped (its withdrawal undone) so one broken strategy cannot block exits from the others.
    function _pull(uint256 assets) internal {
        uint256 needed = assets - _idle;
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length && needed != 0; ++i) {
            address strategy = _withdrawQueue[i];
            uint256 allocated = _allocation[strategy];
            if (allocated == 0) continue;
            uint256 take = Math.min(Math.min(needed, allocated), _strategyMaxWithdraw(strategy));
            if (take == 0) continue;
            try this.pullFromStrategy(strategy, take) {}
            catch {
                continue;
            }
            _allocation[strategy] = allocated - take;
            _totalAllocated -= take;
            _idle += take;
            needed -= take;
            emit EventsLib.StrategyPulled(strategy, take);
        }
        if (needed != 0) revert ErrorsLib.InsufficientLiquidity(assets, _idle);
    }

    /// @inheritdoc ITreasuryVault
    function pullFromStrategy(address strategy, uint256 assets) external {
        if (msg.sender != address(this)) revert ErrorsLib.OnlyVault(msg.sender);
        uint256 balanceBefore = _assetBalance();
        IERC4626(strategy).withdraw(assets, address(this), address(this));
        uint256 received = _assetBalance() - balanceBefore;
        if (received < assets) revert ErrorsLib.StrategyShortfall(strategy, assets, received);
    }

    /// @dev The vault's balance of its asset: legs, pulls and deposits are measured by its change.
    function _assetBalance() internal view returns (uint256) {
        return IERC20(asset()).balanceOf(address(this));
    }

    /// @dev What a strategy lets the vault withdraw now; 0 when its `maxWithdraw` reverts.
    function _strategyMaxWithdraw(address strategy) internal view returns (uint256) {
        try IERC4626(strategy).maxWithdraw(address(this)) returns (uint256 max) {
            return max;
        } catch {
            return 0;
        }
    }

    /// @dev Idle plus what every strategy can release now, capped by each allocation.
    function _liquidity() internal view returns (uint256 liquidity) {
        liquidity = _idle;
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length; ++i) {
            address strategy = _withdrawQueue[i];
            liquidity += Math.min(_allocation[strategy], _strategyMaxWithdraw(strategy));
        }
    }

    // ================================================================ valuation

    /// @dev Redeemable value of the vault's position in `strategy`. A strategy whose views revert keeps its last
    /// marked allocation, so one broken strategy cannot block exits or the valuation of the others.
    function _valueOf(address strategy) internal view returns (uint256) {
        try IERC4626(strategy).balanceOf(address(this)) returns (uint256 shares) {
            if (shares == 0) return 0;
            try IERC4626(strategy).previewRedeem(shares) returns (uint256 value) {
                return value;
            } catch {}
        } catch {}
        return _allocation[strategy];
    }

    /// @dev The error a withdrawal leg raises when the strategy will not let that much go now (empty if it will).
    function _withdrawLimitError(Leg memory leg) internal view returns (bytes memory) {
        bool limited;
        if (leg.target == 0) {
            IERC4626 s = IERC4626(leg.strategy);
            try s.maxRedeem(address(this)) returns (uint256 maxShares) {
                limited = s.balanceOf(address(this)) > maxShares;
            } catch {
                limited = true;
            }
        } else {
            limited = leg.current - leg.target > _strategyMaxWithdraw(leg.strategy);
        }
        if (!limited) return "";
        return abi.encodeWithSelector(
            ErrorsLib.StrategyWithdrawLimited.selector,
            leg.strategy,
            leg.current - leg.target,
            _strategyMaxWithdraw(leg.strategy)
        );
    }

    /// @dev Sets a strategy's allocation to `value`, keeping `_totalAllocated` in step.
    function _setAllocation(address strategy, uint256 value) internal {
        uint256 previous = _allocation[strategy];
        if (previous == value) return;
        _allocation[strategy] = value;
        _totalAllocated = _totalAllocated - previous + value;
        emit EventsLib.StrategyMarked(strategy, previous, value);
    }

    function _markAll() internal {
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length; ++i) {
            address strategy = _withdrawQueue[i];
            _setAllocation(strategy, _valueOf(strategy));
        }
    }

    /// @inheritdoc ITreasuryVault
    function realizeLoss(address strategy) external nonReentrant {
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        uint256 value = _valueOf(strategy);
        if (value < _allocation[strategy]) _setAllocation(strategy, value);
    }

    // ================================================================ rebalance

    /// @inheritdoc ITreasuryVault
    function rebalance(Allocation[] calldata targets, uint256 sessionId, bytes32 intentHash)
        external
        nonReentrant
        returns (uint256 totalAssetsAfter)
    {
        (bytes memory shapeReason, Plan memory plan) = _plan(targets);
        _revertIf(shapeReason);

        // Session, scope and rate: recorded now, undone with everything else if a later check fails.
        sessionManager.consume(sessionId, msg.sender, plan.touchedMask, plan.volume);

        // Mark the touched strategies, so the moves are measured against current values.
        uint256 idleBefore = _idle;
        for (uint256 i; i < plan.legs.length; ++i) {
            _setAllocation(plan.legs[i].strategy, plan.legs[i].current);
        }

        uint256[] memory afterValues = _executeLegs(plan.legs);

        totalAssetsAfter = totalAssets();
        (bytes memory reason, uint256 loss,,) = _checkOutcome(plan, afterValues, idleBefore, _idle, totalAssetsAfter);
        _revertIf(reason);
        _recordLoss(loss);

        for (uint256 i; i < plan.legs.length; ++i) {
            emit EventsLib.RebalanceLeg(sessionId, plan.legs[i].strategy, plan.legs[i].current, afterValues[i]);
        }
        emit EventsLib.Rebalanced(
            sessionId, msg.sender, intentHash, plan.volume, plan.totalBefore, totalAssetsAfter, loss
        );
    }

    /// @dev Runs withdrawal legs, then deposit legs; returns each strategy's marked value afterwards. A strategy call
    /// that reverts reverts the whole rebalance with `StrategyCallFailed`, naming the strategy.
    function _executeLegs(Leg[] memory legs) internal returns (uint256[] memory afterValues) {
        IERC20 token = IERC20(asset());
        afterValues = new uint256[](legs.length);
        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
            if (leg.target >= leg.current) continue;
            _revertIf(_withdrawLimitError(leg));
            uint256 balanceBefore = _assetBalance();
            if (leg.target == 0) {
                uint256 shares = IERC4626(leg.strategy).balanceOf(address(this));
                try IERC4626(leg.strategy).redeem(shares, address(this), address(this)) {}
                catch (bytes memory reason) {
                    revert ErrorsLib.StrategyCallFailed(leg.strategy, reason);
                }
            } else {
                try IERC4626(leg.strategy).withdraw(leg.current - leg.target, address(this), address(this)) {}
                catch (bytes memory reason) {
                    revert ErrorsLib.StrategyCallFailed(leg.strategy, reason);
                }
            }
            _idle += _assetBalance() - balanceBefore;
        }
        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
            if (leg.target > leg.current) {
                uint256 amount = leg.target - leg.current;
                if (amount > _idle) revert ErrorsLib.InsufficientIdle(amount, _idle);
                uint256 balanceBefore = _assetBalance();
                token.forceApprove(leg.strategy, amount);
                try IERC4626(leg.strategy).deposit(amount, address(this)) {}
                catch (bytes memory reason) {
                    revert ErrorsLib.StrategyCallFailed(leg.strategy, reason);
                }
                // Exact approvals: nothing is left to the strategy, whatever it pulled.
                if (token.allowance(address(this), leg.strategy) != 0) token.forceApprove(leg.strategy, 0);
                _idle -= balanceBefore - _assetBalance();
            }
            afterValues[i] = _valueOf(leg.strategy);
            _setAllocation(leg.strategy, afterValues[i]);
        }
    }

    /// @inheritdoc ITreasuryVault
    function previewRebalance(Allocation[] calldata targets, uint256 sessionId, address agent)
        external
        view
        returns (RebalancePreview memory p)
    {
        (bytes memory shapeReason, Plan memory plan) = _plan(targets);
        p.volume = plan.volume;
        p.capHeadroom = new uint256[](targets.length);
        if (shapeReason.length != 0) {
            p.reason = shapeReason;
            return p;
        }
        p.reason = sessionManager.check(sessionId, agent, address(this), plan.touchedMask, plan.volume);
        ISessionManager.Remaining memory r = sessionManager.remaining(sessionId);
        p.callVolumeHeadroom = r.volumePerCall > plan.volume ? r.volumePerCall - plan.volume : 0;
        p.epochVolumeHeadroom = r.volumeInEpoch > plan.volume ? r.volumeInEpoch - plan.volume : 0;

        // Predict each leg from the strategies' own previews.
        uint256[] memory afterValues = new uint256[](plan.legs.length);
        uint256 idleAfter = _idle;
        bytes memory legReason;
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            if (leg.target < leg.current) {
                if (legReason.length == 0) legReason = _withdrawLimitError(leg);
                IERC4626 s = IERC4626(leg.strategy);
                uint256 shares = s.balanceOf(address(this));
                if (leg.target == 0) {
                    idleAfter += s.previewRedeem(shares);
                } else {
                    uint256 amount = leg.current - leg.target;
                    idleAfter += amount;
                    afterValues[i] = s.previewRedeem(shares - Math.min(shares, s.previewWithdraw(amount)));
                }
            }
        }
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            if (leg.target > leg.current) {
                uint256 amount = leg.target - leg.current;
                if (amount > idleAfter && legReason.length == 0) {
                    legReason = abi.encodeWithSelector(ErrorsLib.InsufficientIdle.selector, amount, idleAfter);
                }
                idleAfter -= Math.min(amount, idleAfter);
                IERC4626 s = IERC4626(leg.strategy);
                afterValues[i] = s.previewRedeem(s.balanceOf(address(this)) + s.previewDeposit(amount));
            } else if (leg.target == leg.current) {
                afterValues[i] = leg.current;
            }
        }
        uint256 totalAfter = plan.totalBefore + idleAfter - _idle;
        for (uint256 i; i < plan.legs.length; ++i) {
            totalAfter = totalAfter + afterValues[i] - plan.legs[i].current;
        }
        (bytes memory outcomeReason, uint256 loss, uint256 lossHeadroom, uint256[] memory capHeadroom) =
            _checkOutcome(plan, afterValues, _idle, idleAfter, totalAfter);
        if (p.reason.length == 0) p.reason = legReason.length != 0 ? legReason : outcomeReason;
        p.predictedLoss = loss;
        p.lossHeadroom = lossHeadroom;
        p.capHeadroom = capHeadroom;
        p.idleAfter = idleAfter;
        p.totalAssetsAfter = totalAfter;
        p.ok = p.reason.length == 0;
    }

    /// @dev Validates the shape of `targets` (returning the error, if any, with an empty plan) and reads current
    /// values.
    function _plan(Allocation[] calldata targets) internal view returns (bytes memory reason, Plan memory plan) {
        reason = _shapeError(targets);
        if (reason.length != 0) return (reason, plan);
        plan.legs = new Leg[](targets.length);
        uint256 totalBefore = totalAssets();
        for (uint256 i; i < targets.length; ++i) {
            address strategy = targets[i].strategy;
            uint256 current = _valueOf(strategy);
            uint256 target = targets[i].assets;
            plan.legs[i] = Leg(strategy, current, target);
            plan.touchedMask |= 1 << _config[strategy].index;
            plan.volume += target > current ? target - current : current - target;
            totalBefore = totalBefore + current - _allocation[strategy];
        }
        plan.totalBefore = totalBefore;
    }

    /// @dev The first structural problem of `targets` (empty, unlisted, duplicate, raising a disabled strategy), or
    /// empty bytes.
    function _shapeError(Allocation[] calldata targets) internal view returns (bytes memory) {
        if (targets.length == 0) return abi.encodeWithSelector(ErrorsLib.EmptyRebalance.selector);
        uint256 seen;
        for (uint256 i; i < targets.length; ++i) {
            address strategy = targets[i].strategy;
            StrategyConfig memory c = _config[strategy];
            if (!c.listed) return abi.encodeWithSelector(ErrorsLib.StrategyNotListed.selector, strategy);
            uint256 bit = 1 << c.index;
            if (seen & bit != 0) return abi.encodeWithSelector(ErrorsLib.DuplicateTarget.selector, strategy);
            seen |= bit;
            if (!c.enabled && targets[i].assets > _valueOf(strategy)) {
                return abi.encodeWithSelector(ErrorsLib.StrategyDisabled.selector, strategy);
            }
        }
        return "";
    }

    /// @dev Bounds and loss checks on the state after the moves, in order: caps, idle buffer, per-call loss, epoch
    /// loss budget. Returns the first error (empty if none), the loss, the loss headroom left and, per leg, the room
    /// under the tighter cap.
    function _checkOutcome(
        Plan memory plan,
        uint256[] memory afterValues,
        uint256 idleBefore,
        uint256 idleAfter,
        uint256 totalAfter
    ) internal view returns (bytes memory reason, uint256 loss, uint256 lossHeadroom, uint256[] memory capHeadroom) {
        (reason, capHeadroom) = _checkCaps(plan, afterValues, totalAfter);
        if (reason.length == 0 && idleAfter < idleBefore) {
            // Rounding: the required buffer rounds up, in the vault's favour.
            uint256 required = totalAfter.mulDiv(_bounds.idleBufferBps, ConstantsLib.BPS, Math.Rounding.Ceil);
            if (idleAfter < required) {
                reason = abi.encodeWithSelector(ErrorsLib.IdleBufferBreached.selector, idleAfter, required);
            }
        }
        // Loss of the moves: value of idle plus the touched positions, before versus after.
        uint256 valueBefore = idleBefore;
        uint256 valueAfter = idleAfter;
        for (uint256 i; i < plan.legs.length; ++i) {
            valueBefore += plan.legs[i].current;
            // A leg counts for at most its target: a gain a strategy reports during the call (a price that jumps, or
            // a preview that over-reports the assets just deposited) cannot pay for another leg's loss.
            valueAfter += Math.min(afterValues[i], plan.legs[i].target);
        }
        loss = valueBefore > valueAfter ? valueBefore - valueAfter : 0;
        bytes memory lossReason;
        (lossReason, lossHeadroom) = _checkLoss(loss, plan.totalBefore);
        if (reason.length == 0) reason = lossReason;
    }

    /// @dev Caps of every strategy the call raised; headroom under the tighter cap for every leg.
    function _checkCaps(Plan memory plan, uint256[] memory afterValues, uint256 totalAfter)
        internal
        view
        returns (bytes memory reason, uint256[] memory capHeadroom)
    {
        capHeadroom = new uint256[](plan.legs.length);
        for (uint256 i; i < plan.legs.length; ++i) {
            address strategy = plan.legs[i].strategy;
            StrategyConfig memory c = _config[strategy];
            // Rounding: the relative cap rounds down, in the vault's favour.
            uint256 relCap = totalAfter.mulDiv(c.relativeCapBps, ConstantsLib.BPS);
            uint256 cap = Math.min(c.absoluteCap, relCap);
            capHeadroom[i] = cap > afterValues[i] ? cap - afterValues[i] : 0;
            if (reason.length != 0 || afterValues[i] <= plan.legs[i].current) continue;
            if (afterValues[i] > c.absoluteCap) {
                reason = abi.encodeWithSelector(
                    ErrorsLib.AbsoluteCapExceeded.selector, strategy, afterValues[i], uint256(c.absoluteCap)
                );
            } else if (afterValues[i] > relCap) {
                reason =
                    abi.encodeWithSelector(ErrorsLib.RelativeCapExceeded.selector, strategy, afterValues[i], relCap);
            }
        }
    }

    /// @dev Per-call loss limit, then the epoch loss budget, both in bps of total assets before the call (rounded
    /// down, in the vault's favour).
    function _checkLoss(uint256 loss, uint256 totalBefore)
        internal
        view
        returns (bytes memory reason, uint256 lossHeadroom)
    {
        Bounds memory b = _bounds;
        uint256 callLimit = totalBefore.mulDiv(b.maxLossPerCallBps, ConstantsLib.BPS);
        uint256 budget = totalBefore.mulDiv(b.epochLossBudgetBps, ConstantsLib.BPS);
        uint256 lossInEpoch = _currentEpochLoss(b) + loss;
        uint256 callRoom = callLimit > loss ? callLimit - loss : 0;
        uint256 epochRoom = budget > lossInEpoch ? budget - lossInEpoch : 0;
        lossHeadroom = Math.min(callRoom, epochRoom);
        if (loss > callLimit) {
            reason = abi.encodeWithSelector(ErrorsLib.LossExceedsCallLimit.selector, loss, callLimit);
        } else if (lossInEpoch > budget) {
            reason = abi.encodeWithSelector(ErrorsLib.LossBudgetExceeded.selector, lossInEpoch, budget);
        }
    }

    /// @dev Loss already taken by rebalances in the current loss epoch.
    function _currentEpochLoss(Bounds memory b) internal view returns (uint256) {
        return block.timestamp / b.lossEpochLength == b.lossEpoch ? b.lossInEpoch : 0;
    }

    function _recordLoss(uint256 loss) internal {
        if (loss == 0) return;
        Bounds storage b = _bounds;
        // Safe: timestamps fit in 40 bits for 30,000 years; epoch loss <= budget <= total assets.
        uint40 epoch = uint40(block.timestamp / b.lossEpochLength);
        if (epoch != b.lossEpoch) {
            b.lossEpoch = epoch;
            b.lossInEpoch = 0;
        }
        b.lossInEpoch += uint128(loss);
    }

    function _revertIf(bytes memory reason) internal pure {
        if (reason.length != 0) {
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    // ================================================================ governance and guardian

    /// @inheritdoc ITreasuryVault
    function addStrategy(address strategy, uint128 absoluteCap, uint16 relativeCapBps) external onlyGovernance {
        if (strategy == address(0)) revert ErrorsLib.ZeroAddress();
        if (_config[strategy].listed) revert ErrorsLib.StrategyAlreadyListed(strategy);
        address strategyAsset = IERC4626(strategy).asset();
        if (strategyAsset != asset()) revert ErrorsLib.StrategyAssetMismatch(strategy, strategyAsset, asset());
        if (_withdrawQueue.length >= ConstantsLib.MAX_LISTED_STRATEGIES) {
            revert ErrorsLib.TooManyStrategies(ConstantsLib.MAX_LISTED_STRATEGIES);
        }
        uint256 index = _byIndex.length;
        if (index >= ConstantsLib.MAX_STRATEGY_INDEX) {
            revert ErrorsLib.TooManyStrategies(ConstantsLib.MAX_STRATEGY_INDEX);
        }
        if (relativeCapBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(relativeCapBps, 0, ConstantsLib.BPS);
        // A new strategy ramps from a relative cap of 0.
        _capRef[strategy] = CapReference(uint40(block.timestamp), 0);
        _checkRaise(relativeCapBps, ConstantsLib.MAX_RELATIVE_CAP_RAISE_BPS, block.timestamp);
        // Safe: index < MAX_STRATEGY_INDEX = 256.
        _config[strategy] = StrategyConfig(absoluteCap, relativeCapBps, uint8(index), true, true);
        _byIndex.push(strategy);
        _withdrawQueue.push(strategy);
        emit EventsLib.StrategyAdded(strategy, uint8(index), absoluteCap, relativeCapBps);
    }

    /// @inheritdoc ITreasuryVault
    function removeStrategy(address strategy) external onlyGovernance {
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        uint256 shares = IERC4626(strategy).balanceOf(address(this));
        if (shares != 0) revert ErrorsLib.StrategyNotEmpty(strategy, shares);
        _setAllocation(strategy, 0);
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

    /// @inheritdoc ITreasuryVault
    function setCaps(address strategy, uint128 absoluteCap, uint16 relativeCapBps) external {
        StrategyConfig storage c = _config[strategy];
        _requireGovernanceOrTightening(absoluteCap <= c.absoluteCap && relativeCapBps <= c.relativeCapBps);
        if (!c.listed) revert ErrorsLib.StrategyNotListed(strategy);
        if (relativeCapBps > ConstantsLib.BPS) revert ErrorsLib.BoundOutOfRange(relativeCapBps, 0, ConstantsLib.BPS);
        if (relativeCapBps > c.relativeCapBps) {
            CapReference storage ref = _capRef[strategy];
            if (block.timestamp >= ref.periodStart + ConstantsLib.RAMP_PERIOD) {
                ref.periodStart = uint40(block.timestamp);
                ref.relativeCapBps = c.relativeCapBps;
            }
            _checkRaise(
                relativeCapBps, ref.relativeCapBps + ConstantsLib.MAX_RELATIVE_CAP_RAISE_BPS, ref.periodStart
            );
        }
        c.absoluteCap = absoluteCap;
        c.relativeCapBps = relativeCapBps;
        emit EventsLib.CapsSet(strategy, absoluteCap, relativeCapBps, msg.sender);
    }

    /// @inheritdoc ITreasuryVault
    function setStrategyEnabled(address strategy, bool enabled) external {
        StrategyConfig storage c = _config[strategy];
        _requireGovernanceOrTightening(!enabled);
        if (!c.listed) revert ErrorsLib.StrategyNotListed(strategy);
        c.enabled = enabled;
        emit EventsLib.StrategyEnabledSet(strategy, enabled, msg.sender);
    }

    /// @inheritdoc ITreasuryVault
    function setIdleBuffer(uint16 idleBufferBps) external {
        uint256 previous = _bounds.idleBufferBps;
        _requireGovernanceOrTightening(idleBufferBps >= previous);
        _refreshBoundsReference(false);
        _setIdleBuffer(idleBufferBps);
        if (idleBufferBps < previous) {
            uint256 ref = _boundsRef.idleBufferBps;
            uint256 floor = ref > ConstantsLib.MAX_IDLE_BUFFER_CUT_BPS ? ref - ConstantsLib.MAX_IDLE_BUFFER_CUT_BPS : 0;
            _checkCut(idleBufferBps, floor);
        }
    }

    /// @inheritdoc ITreasuryVault
    function setLossLimits(uint16 maxLossPerCallBps, uint16 epochLossBudgetBps, uint32 lossEpochLength) external {
        Bounds memory b = _bounds;
        _requireGovernanceOrTightening(
            maxLossPerCallBps <= b.maxLossPerCallBps && epochLossBudgetBps <= b.epochLossBudgetBps
                && lossEpochLength == b.lossEpochLength
        );
        // Protocol ranges first, then how far governance may loosen in this ramp period.
        _refreshBoundsReference(false);
        _setLossLimits(maxLossPerCallBps, epochLossBudgetBps, lossEpochLength);
        if (msg.sender == governance) {
            BoundsReference memory ref = _boundsRef;
            if (maxLossPerCallBps > b.maxLossPerCallBps) {
                _checkRaise(
                    maxLossPerCallBps,
                    ref.maxLossPerCallBps + ConstantsLib.MAX_LOSS_PER_CALL_RAISE_BPS,
                    ref.periodStart
                );
            }
            if (epochLossBudgetBps > b.epochLossBudgetBps) {
                _checkRaise(
                    epochLossBudgetBps, ref.epochLossBudgetBps + ConstantsLib.MAX_EPOCH_LOSS_RAISE_BPS, ref.periodStart
                );
            }
            if (lossEpochLength < b.lossEpochLength) {
                _checkCut(lossEpochLength, ref.lossEpochLength / ConstantsLib.MIN_LOSS_EPOCH_SHRINK_DIVISOR);
            }
        }
    }

    /// @inheritdoc ITreasuryVault
    function setWithdrawQueue(address[] calldata queue) external onlyGovernance {
        uint256 length = _withdrawQueue.length;
        if (queue.length != length) revert ErrorsLib.InvalidWithdrawQueue();
        uint256 seen;
        for (uint256 i; i < length; ++i) {
            StrategyConfig memory c = _config[queue[i]];
            uint256 bit = 1 << c.index;
            if (!c.listed || seen & bit != 0) revert ErrorsLib.InvalidWithdrawQueue();
            seen |= bit;
        }
        _withdrawQueue = queue;
        emit EventsLib.WithdrawQueueSet(queue);
    }

    /// @dev Starts a new ramp period from the current bounds when the last one is over (or when `force`). Called
    /// before a change is applied, so the reference is where the bounds stood when the period started.
    function _refreshBoundsReference(bool force) internal {
        if (!force && block.timestamp < _boundsRef.periodStart + ConstantsLib.RAMP_PERIOD) return;
        Bounds memory b = _bounds;
        _boundsRef = BoundsReference(
            uint40(block.timestamp), b.idleBufferBps, b.maxLossPerCallBps, b.epochLossBudgetBps, b.lossEpochLength
        );
    }

    /// @dev Reverts when a risk-increasing raise passes `limit` in the ramp period that started at `periodStart`.
    function _checkRaise(uint256 value, uint256 limit, uint256 periodStart) internal pure {
        if (value > limit) revert ErrorsLib.ChangeTooLarge(value, limit, periodStart + ConstantsLib.RAMP_PERIOD);
    }

    /// @dev Reverts when a risk-increasing cut goes below `floor` in the current vault-wide ramp period.
    function _checkCut(uint256 value, uint256 floor) internal view {
        if (value < floor) {
            revert ErrorsLib.ChangeTooLarge(value, floor, _boundsRef.periodStart + ConstantsLib.RAMP_PERIOD);
        }
    }

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
        Bounds storage b = _bounds;
        if (lossEpochLength != b.lossEpochLength) {
            // A new epoch length starts a fresh loss epoch.
            b.lossEpoch = uint40(block.timestamp / lossEpochLength);
            b.lossInEpoch = 0;
        }
        b.maxLossPerCallBps = maxLossPerCallBps;
        b.epochLossBudgetBps = epochLossBudgetBps;
        b.lossEpochLength = lossEpochLength;
        emit EventsLib.LossLimitsSet(maxLossPerCallBps, epochLossBudgetBps, lossEpochLength, msg.sender);
    }

    // ================================================================ views

    /// @inheritdoc ITreasuryVault
    function idle() external view returns (uint256) {
        return _idle;
    }

    /// @inheritdoc ITreasuryVault
    function totalAllocated() external view returns (uint256) {
        return _totalAllocated;
    }

    /// @inheritdoc ITreasuryVault
    function allocation(address strategy) external view returns (uint256) {
        return _allocation[strategy];
    }

    /// @inheritdoc ITreasuryVault
    function strategyConfig(address strategy) external view returns (StrategyConfig memory) {
        return _config[strategy];
    }

    /// @inheritdoc ITreasuryVault
    function strategyAt(uint256 index) external view returns (address) {
        return _byIndex[index];
    }

    /// @inheritdoc ITreasuryVault
    function strategyCount() external view returns (uint256) {
        return _byIndex.length;
    }

    /// @inheritdoc ITreasuryVault
    function withdrawQueue() external view returns (address[] memory) {
        return _withdrawQueue;
    }

    /// @inheritdoc ITreasuryVault
    function bounds() external view returns (Bounds memory) {
        return _bounds;
    }

    /// @inheritdoc ITreasuryVault
    function boundsReference() external view returns (BoundsReference memory) {
        return _boundsRef;
    }

    /// @inheritdoc ITreasuryVault
    function capReference(address strategy) external view returns (CapReference memory) {
        return _capRef[strategy];
    }

    /// @inheritdoc ITreasuryVault
    function scopeMask(address[] calldata strategies) external view returns (uint256 mask) {
        for (uint256 i; i < strategies.length; ++i) {
            StrategyConfig memory c = _config[strategies[i]];
            if (!c.listed) revert ErrorsLib.StrategyNotListed(strategies[i]);
            mask |= 1 << c.index;
        }
    }

    /// @inheritdoc IERC20Metadata
    function decimals() public view override(ERC4626, IERC20Metadata) returns (uint8) {
        return super.decimals();
    }
}
