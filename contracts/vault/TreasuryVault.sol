// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The vault's state is one ERC-4626 plus its books, bounds, four ramps and the strategy registry.
// solhint-disable max-states-count

import {IERC20, IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {ITreasuryVault} from "../interfaces/ITreasuryVault.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";
import {RampLib} from "../libraries/RampLib.sol";
import {StrategyLib} from "../libraries/StrategyLib.sol";
import {TreasuryVaultBase} from "./TreasuryVaultBase.sol";
import {TreasuryVaultAdmin} from "./TreasuryVaultAdmin.sol";

/// @title TreasuryVault
/// @notice ERC-4626 treasury over one asset, allocating across governance-allowlisted strategy ERC-4626 vaults.
///
/// CODE: the governance and guardian entry points run TreasuryVaultAdmin's code on this vault's storage (delegatecall
/// to the admin contract given to the constructor; both inherit TreasuryVaultBase, so the layout is one), and so does
/// every selector the vault does not implement (its fallback: the risk groups, IRiskGroups, and the dead-man's switch,
/// IDeadManSwitch); the rest is here. The risk-group check of a rebalance that touches a tagged strategy runs in the
/// admin contract too.
///
/// ROLES (one registry: governance and guardian are the SessionManager's, so one two-step handover there moves every
/// power over the vault and its sessions at once)
/// - governance (Timelock): lists and delists strategies, sets every bound in either direction (loosening within the
///   rolling budgets below), orders the withdraw queue, declares shared liquidity, tags strategies with risk groups
///   and sets each group's caps, resets the drawdown guard.
/// - guardian (multisig): only tightens, at once: lowers caps and risk-group caps, adds risk-group tags (never removes
///   one), disables strategies, raises the idle buffer and the liquidity floor, lowers the step-up threshold (keeping
///   its policy signer), lowers loss limits, the gain rate and the drawdown limit, writes a broken strategy's book
///   value down (`writeDown`, with governance), switches the share-price rate bound on or lowers it, makes the
///   dead-man's switch harder to fire or switches it off. Agent pause and session revocation live in the
///   SessionManager.
/// - policy signer (an EOA or an ERC-1271 contract, set by governance): co-signs, EIP-712, each rebalance above the
///   step-up threshold (`rebalanceCosigned`); below it the session acts alone.
/// - agent: moves money only through `rebalance`, with a valid session of the SessionManager for this vault; a
///   reduce-only session raises no strategy; a rebalance whose loss would pass its session's own allowance moves
///   nothing and revokes the session in the same call.
/// - anyone: deposits, mints, withdraws, redeems (never blocked by an agent pause), writes down strategy marks,
///   marks a strategy's share price (`markStrategy`: it only records, or freezes a strategy beyond the rate bound),
///   de-risks a fallen strategy under the dead-man's switch (`deRisk`: only to idle, bounded, within the loss limits).
/// - the vault itself: the only caller of `pullFromStrategy` (so a user exit can undo a strategy that pays short) and
///   of `executeRebalance` (so `previewRebalance` runs the call's own code, and a rebalance over its session's loss
///   allowance is undone while the session's revocation stands).
///
/// BOUNDED CHANGE (RampLib; the figures are ConstantsLib's)
/// - Rises only through a ramp: each loosening by governance spends a rolling budget that refills linearly over
///   RAMP_PERIOD (7 days), so two full steps never land one second apart and any 7-day window sees at most twice the
///   budget. Budgets: new exposure, vault-wide (the relative cap of a newly listed strategy, relative cap raises of
///   strategies and risk groups, idle buffer and liquidity floor cuts, all together): 5,000 bps; the per-call loss
///   limit: 25 bps; the epoch loss budget: 100 bps; the loss epoch's shortening: 5,000 bps of its length (halving); in
///   the SessionManager, the session duration ceiling: 10,000 bps of itself, at least 7 days (doubling). A loosening
///   beyond the room left reverts `ChangeTooLarge(value, furthest value allowed now, readyAt)`; `rampRoom()` reports
///   the room. Before the first deposit there is nobody's money to protect: setting up a vault spends nothing.
/// - Falls at once, spending and refunding nothing, by governance or the guardian: caps, risk-group caps (and a
///   strategy's risk groups grow: a new tag only tightens), a strategy's enablement, the loss limits (the guardian
///   keeping the epoch length), the gain rate and the drawdown limit; the idle buffer and the liquidity floor rise at
///   once. In the SessionManager: the agent pause and session revocation.
/// - Governance only, not ramped (through its timelock): removing a strategy's risk-group tag (its own caps still
///   bind it), absolute caps of strategies and risk groups and session volume ceilings (asset units: a strategy's
///   exposure is bounded by its ramped relative cap, a session's volume by its limits), the gain rate up to
///   MAX_GAIN_RATE_BPS, the drawdown limit up to MAX_DRAWDOWN_BPS, a longer loss epoch, the withdraw queue, liquidity
///   groups, delisting, the high-water mark reset, unpausing agents, the share-price rate bound (raising it or
///   switching it off) and clearing a strategy's freeze.
/// - Never, by anyone: a per-call loss limit above 500 bps, an epoch loss budget above 1,000 bps, a loss epoch outside
///   1 hour to 30 days, more than 64 strategies listed at once or 256 ever, a session longer than 365 days.
///
/// VALUATION
/// - Every deposit, mint, withdraw, redeem and rebalance first values the vault live: idle plus each position's
///   `previewRedeem(balanceOf(vault))`; a position whose views fail counts at its book value (its last mark, less
///   everything that left it since), never at a pre-move mark. Recorded total assets become
///   `min(live, recorded + recorded x gainRate x elapsed)`: losses are recognised at once, in every call; gains at
///   most at `gainRateBps` a year (Morpho Vault V2's maxRate), so a gain that appears in a block is never captured by a
///   deposit in that block. Within a block recorded total assets never rise (except by deposits of exactly their
///   assets), so no deposit-and-exit sequence within a block returns more than it put in.
/// - An exit is priced the same whether idle covers it or strategies are pulled; a deposit never buys in above live
///   value. A depositor who holds while a gain above the rate is recognised receives his pro-rata share of what is
///   recognised while he holds (as with Yearn V3's profit unlocking); nothing within the block he arrives in.
/// - A rebalance books each touched position at min(live value after, value before - assets that left + assets that
///   arrived); it never raises recorded total assets, nor leaves them above the live value that is left.
/// - Caps, the idle buffer and the loss limits are measured against total assets less the deposits of the current
///   block, so a same-block (flash) deposit cannot widen them.
///
/// STRATEGY REQUIREMENTS
/// - A strategy must: be an ERC-4626 vault over the vault's asset (checked at listing: `asset()` answers one word equal
///   to it); answer its views (balanceOf, previewRedeem, maxWithdraw, maxRedeem, asset) within
///   STRATEGY_VIEW_GAS with exactly one word; never promise in `maxWithdraw(vault)` more than `withdraw` pays; be
///   declared in one liquidity group with every strategy it shares a pool of liquidity with; have a `previewRedeem`
///   that cannot be moved down cheaply (governance vets this: a dip is recorded at once and recovers at the gain rate).
/// - A strategy need not be honest or live, and the vault tolerates it: views that revert, burn their gas, answer
///   short or long data or a return-data bomb count as failed (the position at its book value, StrategyLib's guarded
///   calls copying at most MAX_REVERT_DATA bytes); a withdrawal that reverts, pays short or burns STRATEGY_PULL_GAS is
///   undone and skipped by exits; a failing rebalance leg reverts the rebalance with `StrategyCallFailed(strategy,
///   reason)`; re-entry meets the reentrancy guard; an over-reported value reaches recorded total assets at most at the
///   gain rate; an entry fee or a short payment in a leg counts as loss of the moves, within the loss limits. It is
///   never left an allowance: approvals are exact and reset in the same leg.
///
/// TOKEN REQUIREMENTS
/// - The asset must be a plain ERC-20: a transfer of `x` moves exactly `x`, and balances change only by transfers.
/// - No fee on transfer: a deposit or mint that brings less than it moved reverts `DepositShortfall`; a fee switched on
///   later keeps the accounting whole (exits from idle pay the fee out of the receiver's amount, exits skip strategies
///   that cannot deliver in full, a rebalance counts the fee as loss of the moves).
/// - No rebasing: idle is accounted, so a positive rebase of idle is never counted and a negative one leaves the last
///   exits from idle unpaid. Use the wrapped, non-rebasing form.
/// - Transfer hooks (ERC-777-like callbacks) are tolerated: every state-changing entry point is `nonReentrant` and the
///   views read from a hook show a consistent share price. Direct transfers to the vault (donations) are ignored.
///
/// LIVENESS (what can never be blocked)
/// - Deposits and exits never depend on the agent pause, on any session or on any one strategy;
///   `maxWithdraw`/`maxRedeem` never revert and `withdraw(maxWithdraw(owner))` succeeds. A broken strategy costs an
///   exit a bounded amount of gas; a caller that forwards too little gas gets `InsufficientGas`, never a healthy
///   strategy skipped.
/// - The brakes: pausing agents and revoking a session always succeed at once (revoking a revoked session does not
///   revert, so an agent that forfeits its session first cannot make the guardian's batch fail); every tightening in
///   BOUNDED CHANGE applies in the same block, without the timelock and without a budget.
/// - De-risking: a rebalance that raises no strategy and loses nothing passes the drawdown guard, so agents can move
///   money back to idle while it holds. Other rebalances stop while the share price is more than `maxDrawdownBps`
///   below its high-water mark, until governance resets the mark.
/// - Delisting: a strategy whose remaining value is dust (at most 1 ppm of total assets) can always be removed; the
///   dust is written off.
///
/// INVARIANTS
/// - totalAssets <= idle + live value of every position (book value where views fail); idle <= asset balance.
/// - After a rebalance, every strategy it raised is within its absolute and relative caps, every risk group of a
///   strategy it raised holds (over all its listed members) at most the tighter of the group's two caps, and idle is
///   at or above the buffer unless the call raised it, all measured without the block's deposits.
/// - After a rebalance that raised a strategy, idle plus what the strategies let go now (a liquidity group once) is at
///   or above the liquidity floor's share of total assets, both without the block's deposits.
/// - A rebalance whose volume is above the step-up threshold carries the policy signer's EIP-712 co-signature for its
///   exact arguments (vault, session, agent, targets, intent, deadline), and each co-signature passes once.
/// - A rebalance succeeds only through a session that is valid, in scope and within its rate limits (SessionManager);
///   what it loses is charged to the session's own loss allowance, which it never passes.
/// - The vault holds no allowance to any strategy between transactions.
contract TreasuryVault is ITreasuryVault, TreasuryVaultBase {
    using SafeERC20 for IERC20;
    using Math for uint256;
    using RampLib for RampLib.Ramp;

    /// @notice What a simulated rebalance would do; the revert `executeRebalance` ends with when a simulation passes.
    error RebalanceSimulated(RebalancePreview preview);

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
        /// Strategies the targets raise above their current value.
        uint256 raisedMask;
        uint256 volume;
        /// Recorded total assets before the moves (valued live).
        uint256 totalBefore;
    }

    /// @dev Transient flag: the running rebalance arrived through `rebalanceCosigned`. Slot:
    /// keccak256("TreasuryVault.cosigned").
    uint256 private constant _COSIGNED_SLOT = 0x508faa5d1c11734adf0a916feed5d9cd01b7dde92b4ef04620c5510c5dd0a6cc;

    /// @dev Transient base of the values a rebalance keeps between valuing the vault and planning its legs: a listed
    /// strategy's value sits at this slot xor its address. Slot: keccak256("TreasuryVault.valueCache").
    uint256 private constant _VALUE_CACHE_SLOT = 0xe5dc1a4efbb3cfdc454afbb343bb82539deeda43bdd04ceb21133197b816fdc6;

    /// @notice The contract holding the governance and guardian entry points, which run in the vault's context
    /// (delegatecall): deployed before the vault for the vault's asset and session manager (checked here), and fixed
    /// for good. It is stateless code: vaults over one asset under one session manager may share one.
    address internal immutable _admin;

    /// @param admin_ A TreasuryVaultAdmin deployed for `asset_` and `sessionManager_` (`AdminModuleMismatch`
    /// otherwise). It is deployed apart because its creation code inside the vault's would pass the EIP-3860 limit
    /// on initcode size.
    constructor(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        ISessionManager sessionManager_,
        Bounds memory bounds_,
        TreasuryVaultAdmin admin_
    ) TreasuryVaultBase(asset_, name_, symbol_, sessionManager_) {
        (IERC20 adminAsset, ISessionManager adminSessions) = admin_.binding();
        if (adminAsset != asset_ || adminSessions != sessionManager_) {
            revert ErrorsLib.AdminModuleMismatch(address(admin_));
        }
        _admin = address(admin_);
        _setIdleBuffer(bounds_.idleBufferBps);
        _setLossLimits(bounds_.maxLossPerCallBps, bounds_.epochLossBudgetBps, bounds_.lossEpochLength);
        _gainRateBps = ConstantsLib.DEFAULT_GAIN_RATE_BPS;
        _maxDrawdownBps = ConstantsLib.DEFAULT_MAX_DRAWDOWN_BPS;
        _recordedAt = uint40(block.timestamp);
    }

    // ================================================================ ERC-4626

    /// @inheritdoc IERC4626
    /// @dev Valued live: `min(idle + live positions, recorded + gains allowed by the gain rate since)`.
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        return _valuedTotal();
    }

    /// @inheritdoc IERC4626
    function deposit(uint256 assets, address receiver)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256 shares)
    {
        shares = _sharesAt(assets, _record(), Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc IERC4626
    function mint(uint256 shares, address receiver)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256 assets)
    {
        assets = _assetsAt(shares, _record(), Math.Rounding.Ceil);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc IERC4626
    /// @dev Priced on live values whether idle covers it or not; strategies are pulled in withdraw-queue order.
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256 shares)
    {
        uint256 total = _record();
        uint256 maxAssets = _assetsAt(balanceOf(owner), total, Math.Rounding.Floor);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        shares = _sharesAt(assets, total, Math.Rounding.Ceil);
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
        assets = _assetsAt(shares, _record(), Math.Rounding.Floor);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IERC4626
    /// @dev Limited by the owner's shares at live value and by what idle plus the strategies can release now (a
    /// liquidity group counts once). Never reverts.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        return Math.min(_assetsAt(balanceOf(owner), _valuedTotal(), Math.Rounding.Floor), _liquidity());
    }

    /// @inheritdoc IERC4626
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 shares = balanceOf(owner);
        uint256 total = _valuedTotal();
        uint256 liquidity = _liquidity();
        if (_assetsAt(shares, total, Math.Rounding.Floor) <= liquidity) return shares;
        return _sharesAt(liquidity, total, Math.Rounding.Floor);
    }

    /// @dev Refuses a deposit that brought less than `assets` (a fee-on-transfer asset, which the vault does not
    /// support), so idle never counts assets the vault does not hold. Counts the block's inflow.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        uint256 balanceBefore = _assetBalance();
        super._deposit(caller, receiver, assets, shares);
        uint256 received = _assetBalance() - balanceBefore;
        if (received < assets) revert ErrorsLib.DepositShortfall(assets, received);
        _idle += assets;
        // Safe: total assets fit in 128 bits (ERC-20 supplies do in practice; a larger deposit reverts here).
        _total = SafeCast.toUint128(uint256(_total) + assets);
        uint256 inflow = _inflowBlock == block.number ? _inflow : 0;
        _inflowBlock = uint64(block.number);
        _inflow = SafeCast.toUint128(inflow + assets);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        if (assets > _idle) _pull(assets);
        _idle -= assets;
        // Safe: assets <= the owner's part of _total (rounded down).
        _total -= uint128(assets);
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    /// @dev Pulls strategies in withdraw-queue order until idle covers `assets`. A strategy that reverts, pays short
    /// or burns its gas is skipped (its withdrawal undone), so one broken strategy cannot block exits from the others.
    function _pull(uint256 assets) internal {
        uint256 needed = assets - _idle;
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length && needed != 0; ++i) {
            address strategy = _withdrawQueue[i];
            uint256 take = Math.min(needed, StrategyLib.maxWithdraw(strategy));
            if (take == 0) continue;
            try this.pullFromStrategy{gas: ConstantsLib.STRATEGY_PULL_GAS}(strategy, take) {}
            catch {
                if (gasleft() < ConstantsLib.STRATEGY_PULL_GAS / 63) revert ErrorsLib.InsufficientGas();
                continue;
            }
            uint256 allocated = _allocation[strategy];
            _setBook(strategy, allocated > take ? allocated - take : 0);
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

    /// @dev Idle plus what the strategies can release now; strategies of one liquidity group count once, at the most
    /// one of them lets go.
    function _liquidity() internal view returns (uint256 liquidity) {
        liquidity = _idle;
        uint256 length = _withdrawQueue.length;
        uint256[] memory groupMax = new uint256[](256);
        for (uint256 i; i < length; ++i) {
            address strategy = _withdrawQueue[i];
            uint256 max = StrategyLib.maxWithdraw(strategy);
            uint8 group = _config[strategy].liquidityGroup;
            if (group == 0) {
                liquidity += max;
            } else if (max > groupMax[group]) {
                liquidity = liquidity + max - groupMax[group];
                groupMax[group] = max;
            }
        }
    }

    /// @inheritdoc ITreasuryVault
    function realizeLoss(address strategy) external nonReentrant {
        if (!_config[strategy].listed) revert ErrorsLib.StrategyNotListed(strategy);
        _record();
        (bool ok, uint256 value) = StrategyLib.positionValue(strategy);
        if (ok && value < _allocation[strategy]) _setBook(strategy, value);
    }

    // ================================================================ rebalance

    /// @inheritdoc ITreasuryVault
    function rebalance(Allocation[] calldata targets, uint256 sessionId, bytes32 intentHash)
        external
        nonReentrant
        returns (uint256 totalAssetsAfter)
    {
        return _rebalanceOrRevoke(targets, sessionId, intentHash);
    }

    /// @inheritdoc ITreasuryVault
    function rebalanceBefore(Allocation[] calldata targets, uint256 sessionId, bytes32 intentHash, uint256 deadline)
        external
        nonReentrant
        returns (uint256 totalAssetsAfter)
    {
        if (block.timestamp > deadline) revert ErrorsLib.DeadlinePassed(deadline);
        return _rebalanceOrRevoke(targets, sessionId, intentHash);
    }

    /// @inheritdoc ITreasuryVault
    function rebalanceCosigned(
        Allocation[] calldata targets,
        uint256 sessionId,
        bytes32 intentHash,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant returns (uint256 totalAssetsAfter) {
        if (block.timestamp > deadline) revert ErrorsLib.DeadlinePassed(deadline);
        _adminCall(
            abi.encodeCall(
                TreasuryVaultAdmin.useCoSignature,
                (keccak256(abi.encode(targets)), sessionId, msg.sender, intentHash, deadline, signature)
            )
        );
        // The co-signature covers this call only: the flag is cleared before it returns.
        assembly ("memory-safe") {
            tstore(_COSIGNED_SLOT, 1)
        }
        totalAssetsAfter = _rebalanceOrRevoke(targets, sessionId, intentHash);
        assembly ("memory-safe") {
            tstore(_COSIGNED_SLOT, 0)
        }
    }

    /// @inheritdoc ITreasuryVault
    function previewRebalance(Allocation[] calldata targets, uint256 sessionId, address agent)
        external
        nonReentrant
        returns (RebalancePreview memory p)
    {
        try this.executeRebalance(targets, sessionId, agent, bytes32(0), true) {}
        catch (bytes memory reason) {
            if (reason.length >= 4 && bytes4(reason) == RebalanceSimulated.selector) {
                // The error's argument is this function's return value: decode it past the selector (no early return,
                // so the reentrancy lock is released when this call ends).
                assembly ("memory-safe") {
                    let length := mload(reason)
                    reason := add(reason, 4)
                    mstore(reason, sub(length, 4))
                }
                return abi.decode(reason, (RebalancePreview));
            }
            p.reason = reason;
        }
        // The call would revert: report the volume and the session's headroom, the rest is zero.
        p.capHeadroom = new uint256[](targets.length);
        if (_shapeError(targets).length != 0) return p;
        p.volume = _plan(targets, 0, false).volume;
        _fillSessionHeadroom(p, sessionId);
    }

    /// @inheritdoc ITreasuryVault
    function executeRebalance(
        Allocation[] calldata targets,
        uint256 sessionId,
        address agent,
        bytes32 intentHash,
        bool simulate
    ) external returns (uint256) {
        // Reached only through `rebalance`, `rebalanceBefore` and `previewRebalance`, which hold the reentrancy lock.
        if (msg.sender != address(this)) revert ErrorsLib.OnlyVault(msg.sender);
        RebalancePreview memory p = _rebalance(targets, sessionId, agent, intentHash, simulate);
        if (simulate) revert RebalanceSimulated(p);
        return p.totalAssetsAfter;
    }

    /// @dev Runs the rebalance in a call of its own (`executeRebalance`). When its loss would pass the session's own
    /// allowance, the moves are undone with that call and the session is revoked here, so the revocation stands and
    /// the call returns recorded total assets, unchanged; every other failure reverts with its own error.
    function _rebalanceOrRevoke(Allocation[] calldata targets, uint256 sessionId, bytes32 intentHash)
        internal
        returns (uint256)
    {
        try this.executeRebalance(targets, sessionId, msg.sender, intentHash, false) returns (uint256 totalAfter) {
            return totalAfter;
        } catch (bytes memory reason) {
            if (reason.length == 100 && bytes4(reason) == ErrorsLib.SessionLossBudgetExceeded.selector) {
                uint256 loss;
                assembly ("memory-safe") {
                    loss := mload(add(reason, 68))
                }
                // The session manager checks the session is this vault's and that the loss does pass its allowance.
                _sessionManager.revokeOverLossBudget(sessionId, loss);
                return _total;
            }
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    /// @dev The rebalance itself, for `rebalance` and its simulation: plan on live values, consume the session, move,
    /// book the touched positions conservatively, then check caps, buffer, loss and drawdown. Reverts with the first
    /// failed check; returns what happened.
    function _rebalance(
        Allocation[] calldata targets,
        uint256 sessionId,
        address agent,
        bytes32 intentHash,
        bool simulated
    ) internal returns (RebalancePreview memory p) {
        _revertIf(_shapeError(targets));
        Plan memory plan;
        {
            (uint256 totalBefore, uint256 liveBefore) = _recordKeepingValues();
            plan = _plan(targets, totalBefore, true);
            // Live value before the moves, until they are booked below.
            p.totalAssetsAfter = liveBefore;
        }
        _checkMarks(plan.legs);
        p.volume = plan.volume;
        if (simulated) _fillSessionHeadroom(p, sessionId);

        // Session, scope and rate: recorded now, undone with everything else if a later check fails.
        _sessionManager.consume(sessionId, agent, plan.touchedMask, plan.raisedMask, plan.volume);

        uint256 idleBefore = _idle;
        uint256[] memory afterValues = _executeLegs(plan.legs);
        p.idleAfter = _idle;

        // Value of idle plus the touched positions, before and after. The book never rises in a rebalance: a
        // strategy that paid more than it was valued at leaves the surplus to be recognised at the gain rate.
        uint256 valueBefore = idleBefore;
        uint256 booked = p.idleAfter;
        uint256 valueAfter = p.idleAfter;
        for (uint256 i; i < plan.legs.length; ++i) {
            valueBefore += plan.legs[i].current;
            booked += afterValues[i];
            // A leg counts for at most its target in the loss: a gain a strategy reports during the call cannot pay
            // for another leg's loss.
            valueAfter += Math.min(afterValues[i], plan.legs[i].target);
        }
        // What the moves took off the live value comes off it; recorded total assets never exceed what is left, nor
        // rise. A drop within gains not yet recognised (a lie the gain rate kept out) costs recorded assets nothing.
        uint256 drop = valueBefore > booked ? valueBefore - booked : 0;
        p.totalAssetsAfter = Math.min(plan.totalBefore, p.totalAssetsAfter > drop ? p.totalAssetsAfter - drop : 0);
        // Safe: totalAssetsAfter <= totalBefore, a recorded 128-bit figure.
        _total = uint128(p.totalAssetsAfter);
        p.predictedLoss = valueBefore > valueAfter ? valueBefore - valueAfter : 0;

        (p.lossHeadroom, p.capHeadroom) =
            _checkOutcome(plan, afterValues, idleBefore, p.idleAfter, p.totalAssetsAfter, p.predictedLoss);
        _checkDrawdown(plan, afterValues, p.totalAssetsAfter, p.predictedLoss);
        // The step-up, once every bound passed: a co-signature is the last thing a large move lacks.
        uint256 threshold = _limits.stepUpThreshold;
        if (threshold != 0 && plan.volume > threshold && !_cosigned()) {
            revert ErrorsLib.CoSignatureRequired(plan.volume, threshold);
        }
        // The session's own loss allowance, last: `rebalance` turns its refusal into the session's revocation.
        if (p.predictedLoss != 0) _sessionManager.chargeLoss(sessionId, p.predictedLoss);
        _recordLoss(p.predictedLoss);
        p.ok = true;
        // The dead-man's switch counts from the last successful rebalance (only when armed: one warm slot read).
        if (_deadManArmed) _deadMan.lastRebalanceAt = uint40(block.timestamp);

        for (uint256 i; i < plan.legs.length; ++i) {
            emit EventsLib.RebalanceLeg(sessionId, plan.legs[i].strategy, plan.legs[i].current, afterValues[i]);
        }
        emit EventsLib.Rebalanced(
            sessionId, agent, intentHash, plan.volume, plan.totalBefore, p.totalAssetsAfter, p.predictedLoss
        );
    }

    /// @dev The share-price rate bound, when on: re-marks each touched strategy at its price before the moves, or
    /// freezes it when the price moved from its mark beyond the bound; a leg that raises a frozen strategy reverts
    /// `StrategyFrozen` (a lowering leg passes, and its freeze persists).
    function _checkMarks(Leg[] memory legs) internal {
        uint256 rateBps = _maxPriceRateBps;
        if (rateBps == 0) return;
        for (uint256 i; i < legs.length; ++i) {
            (bool frozen, uint256 markPrice, uint256 price) = _remark(legs[i].strategy, rateBps);
            if (frozen && legs[i].target > legs[i].current) {
                revert ErrorsLib.StrategyFrozen(legs[i].strategy, markPrice, price);
            }
        }
    }

    /// @dev The session's volume headroom after a call of `p.volume`.
    function _fillSessionHeadroom(RebalancePreview memory p, uint256 sessionId) internal view {
        ISessionManager.Remaining memory r = _sessionManager.remaining(sessionId);
        p.callVolumeHeadroom = r.volumePerCall > p.volume ? r.volumePerCall - p.volume : 0;
        p.epochVolumeHeadroom = r.volumeInEpoch > p.volume ? r.volumeInEpoch - p.volume : 0;
    }

    /// @dev Runs withdrawal legs, then deposit legs; books every touched position at min(live value after, value
    /// before - assets that left + assets that arrived) (the book alone where its views fail) and returns those
    /// values. A strategy call that fails reverts the whole rebalance with `StrategyCallFailed`, naming the strategy.
    function _executeLegs(Leg[] memory legs) internal returns (uint256[] memory afterValues) {
        IERC20 token = IERC20(asset());
        afterValues = new uint256[](legs.length);
        // The vault's asset balance, read once here and again after each strategy call: between two calls only views
        // and approvals run, which move no tokens, so one leg's balance after is the next leg's balance before.
        uint256 balance = _assetBalance();
        // `_totalAllocated`, kept here while the legs book their positions and written once at the end.
        uint256 allocated = _totalAllocated;
        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
            afterValues[i] = leg.current;
            if (leg.target >= leg.current) continue;
            uint256 redeemShares = _checkWithdrawLimit(leg);
            bytes memory data;
            if (leg.target == 0) {
                data = abi.encodeCall(IERC4626.redeem, (redeemShares, address(this), address(this)));
            } else {
                data = abi.encodeCall(IERC4626.withdraw, (leg.current - leg.target, address(this), address(this)));
            }
            _callStrategy(leg.strategy, data);
            uint256 balanceAfter = _assetBalance();
            uint256 received = balanceAfter - balance;
            balance = balanceAfter;
            _idle += received;
            afterValues[i] = leg.current > received ? leg.current - received : 0;
        }
        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
            if (leg.target > leg.current) {
                uint256 amount = leg.target - leg.current;
                if (amount > _idle) revert ErrorsLib.InsufficientIdle(amount, _idle);
                (bool okRoom, uint256 room) =
                    StrategyLib.viewUint(leg.strategy, abi.encodeCall(IERC4626.maxDeposit, (address(this))));
                // A strategy whose view fails is left to its deposit call to decide.
                if (okRoom && amount > room) revert ErrorsLib.StrategyDepositLimited(leg.strategy, amount, room);
                token.forceApprove(leg.strategy, amount);
                _callStrategy(leg.strategy, abi.encodeCall(IERC4626.deposit, (amount, address(this))));
                // Exact approvals: nothing is left to the strategy, whatever it pulled.
                if (token.allowance(address(this), leg.strategy) != 0) token.forceApprove(leg.strategy, 0);
                uint256 balanceAfter = _assetBalance();
                uint256 spent = balance - balanceAfter;
                balance = balanceAfter;
                _idle -= spent;
                afterValues[i] = leg.current + spent;
            }
            if (leg.target != leg.current) {
                (bool ok, uint256 live) = StrategyLib.positionValue(leg.strategy);
                if (ok && live < afterValues[i]) afterValues[i] = live;
            }
            allocated = _setBookKept(leg.strategy, afterValues[i], allocated);
        }
        _totalAllocated = allocated;
    }

    /// @dev `_setBook` for the legs of a rebalance: the sum of the books is kept by the caller (`allocated`, returned
    /// updated) and written once for all legs.
    function _setBookKept(address strategy, uint256 value, uint256 allocated) internal returns (uint256) {
        uint256 previous = _allocation[strategy];
        if (previous == value) return allocated;
        _rebook(strategy, previous, value);
        return allocated - previous + value;
    }

    /// @dev Reverts `StrategyWithdrawLimited` when the strategy will not let a withdrawal leg's amount go now. A full
    /// exit (target 0) redeems what `maxRedeem` allows; the shares it keeps may be worth at most 1 ppm of the position
    /// plus one unit (a lending vault's `maxRedeem` rounds below the balance even with full liquidity). Returns the
    /// shares a full exit redeems.
    function _checkWithdrawLimit(Leg memory leg) internal view returns (uint256 redeemShares) {
        bool limited;
        uint256 available = StrategyLib.maxWithdraw(leg.strategy);
        if (leg.target == 0) {
            (bool okMax, uint256 maxShares) =
                StrategyLib.viewUint(leg.strategy, abi.encodeCall(IERC4626.maxRedeem, (address(this))));
            (bool okShares, uint256 shares) = StrategyLib.sharesOf(leg.strategy);
            redeemShares = Math.min(shares, maxShares);
            limited = !okMax || !okShares
                || (shares > maxShares && leg.current > available + leg.current / ConstantsLib.DUST_DIVISOR + 1);
        } else {
            limited = leg.current - leg.target > available;
        }
        if (limited) revert ErrorsLib.StrategyWithdrawLimited(leg.strategy, leg.current - leg.target, available);
    }

    /// @dev `_recordWithLive` for a rebalance: values every listed strategy once and keeps each value in transient
    /// storage for `_plan`, which would otherwise read the same views again in the same state.
    function _recordKeepingValues() internal returns (uint256 total, uint256 live) {
        live = _idle;
        uint256 length = _withdrawQueue.length;
        for (uint256 i; i < length; ++i) {
            address strategy = _withdrawQueue[i];
            uint256 value = _valueOf(strategy);
            live += value;
            assembly ("memory-safe") {
                tstore(xor(_VALUE_CACHE_SLOT, strategy), value)
            }
        }
        total = Math.min(live, _gainCeiling());
        // Safe: total <= the gain ceiling, which grows from a 128-bit figure by at most 200% a year.
        _total = uint128(total);
        _recordedAt = uint40(block.timestamp);
    }

    /// @dev Reads current values (live, or book where views fail), the touched mask and the volume of valid targets.
    /// With `kept`, a listed strategy's value is the one `_recordKeepingValues` just kept (no move ran in between).
    function _plan(Allocation[] calldata targets, uint256 totalBefore, bool kept)
        internal
        view
        returns (Plan memory plan)
    {
        plan.legs = new Leg[](targets.length);
        plan.totalBefore = totalBefore;
        for (uint256 i; i < targets.length; ++i) {
            address strategy = targets[i].strategy;
            uint256 current;
            if (kept) {
                assembly ("memory-safe") {
                    current := tload(xor(_VALUE_CACHE_SLOT, strategy))
                }
            } else {
                current = _valueOf(strategy);
            }
            uint256 target = targets[i].assets;
            plan.legs[i] = Leg(strategy, current, target);
            uint256 bit = 1 << _config[strategy].index;
            plan.touchedMask |= bit;
            if (target > current) plan.raisedMask |= bit;
            plan.volume += target > current ? target - current : current - target;
        }
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
    /// loss budget, each measured without the current block's deposits; reverts with the first that fails. Returns the
    /// loss headroom left and, per leg, the room under the tighter cap.
    function _checkOutcome(
        Plan memory plan,
        uint256[] memory afterValues,
        uint256 idleBefore,
        uint256 idleAfter,
        uint256 totalAfter,
        uint256 loss
    ) internal returns (uint256 lossHeadroom, uint256[] memory capHeadroom) {
        uint256 inflow = _blockInflow();
        uint256 base = totalAfter > inflow ? totalAfter - inflow : 0;
        capHeadroom = _checkCaps(plan, afterValues, base);
        if (idleAfter < idleBefore) {
            // Rounding: the required buffer rounds up, in the vault's favour.
            uint256 required = base.mulDiv(_bounds.idleBufferBps, ConstantsLib.BPS, Math.Rounding.Ceil);
            uint256 counted = idleAfter > inflow ? idleAfter - inflow : 0;
            if (counted < required) revert ErrorsLib.IdleBufferBreached(counted, required);
        }
        if (plan.raisedMask != 0) _checkLiquidityFloor(base, inflow);
        lossHeadroom = _checkLoss(loss, plan.totalBefore > inflow ? plan.totalBefore - inflow : 0);
    }

    /// @dev The withdrawable-liquidity floor: idle plus what the strategies let go now (`_liquidity`, a liquidity group
    /// once), less the block's deposits, must cover the floor's share of `base` (rounded up, in the vault's favour).
    function _checkLiquidityFloor(uint256 base, uint256 inflow) internal view {
        uint256 floorBps = _limits.liquidityFloorBps;
        if (floorBps == 0) return;
        uint256 required = base.mulDiv(floorBps, ConstantsLib.BPS, Math.Rounding.Ceil);
        uint256 liquidity = _liquidity();
        uint256 available = liquidity > inflow ? liquidity - inflow : 0;
        if (available < required) revert ErrorsLib.LiquidityFloorBreached(available, required);
    }

    /// @dev Whether the running rebalance arrived through `rebalanceCosigned` (a transient flag).
    function _cosigned() internal view returns (bool flag) {
        assembly ("memory-safe") {
            flag := tload(_COSIGNED_SLOT)
        }
    }

    /// @dev Caps of every strategy the call raised, against `base`, in target order; headroom under the tighter cap
    /// for every leg.
    function _checkCaps(Plan memory plan, uint256[] memory afterValues, uint256 base)
        internal
        returns (uint256[] memory capHeadroom)
    {
        capHeadroom = new uint256[](plan.legs.length);
        // Whether a touched strategy carries risk groups, and the groups of those the call raised (they come with the
        // config load).
        uint256 groups;
        uint256 raisedGroups;
        for (uint256 i; i < plan.legs.length; ++i) {
            address strategy = plan.legs[i].strategy;
            StrategyConfig memory c = _config[strategy];
            // Rounding: the relative cap rounds down, in the vault's favour.
            uint256 relCap = base.mulDiv(c.relativeCapBps, ConstantsLib.BPS);
            uint256 cap = Math.min(c.absoluteCap, relCap);
            capHeadroom[i] = cap > afterValues[i] ? cap - afterValues[i] : 0;
            groups |= c.riskGroups;
            if (afterValues[i] <= plan.legs[i].current) continue;
            raisedGroups |= c.riskGroups;
            if (afterValues[i] > c.absoluteCap) {
                revert ErrorsLib.AbsoluteCapExceeded(strategy, afterValues[i], c.absoluteCap);
            }
            if (afterValues[i] > relCap) revert ErrorsLib.RelativeCapExceeded(strategy, afterValues[i], relCap);
        }
        if (groups == 0) return capHeadroom;
        address[] memory strategies = new address[](plan.legs.length);
        for (uint256 i; i < plan.legs.length; ++i) {
            strategies[i] = plan.legs[i].strategy;
        }
        // The group check runs in the admin contract's code (delegatecall, on this vault's storage): only vaults that
        // tag strategies pay for it.
        bytes memory data = _adminCall(
            abi.encodeCall(TreasuryVaultAdmin.checkRiskGroups, (strategies, afterValues, base, raisedGroups))
        );
        assembly ("memory-safe") {
            // The answer is one ABI-encoded uint256[] (offset word, then length and items): read it in place.
            capHeadroom := add(data, 0x40)
        }
    }

    /// @dev The drawdown guard: raises the high-water mark, or reverts `DrawdownLimitReached` when the share price
    /// after the call is more than the limit below it; a call that raises no strategy and loses nothing (moving money
    /// back to idle) still passes, so agents can de-risk while the guard holds.
    function _checkDrawdown(Plan memory plan, uint256[] memory afterValues, uint256 totalAfter, uint256 loss)
        internal
    {
        if (totalSupply() == 0) return;
        uint256 price = _sharePrice(totalAfter);
        uint256 mark = _highWaterMark;
        if (price > mark) {
            // Safe: price <= type(uint96).max.
            _highWaterMark = uint96(price);
            emit EventsLib.HighWaterMarkSet(price);
            return;
        }
        uint256 floor = mark - mark.mulDiv(_maxDrawdownBps, ConstantsLib.BPS);
        if (price >= floor) return;
        bool raises;
        for (uint256 i; i < plan.legs.length; ++i) {
            if (afterValues[i] > plan.legs[i].current) raises = true;
        }
        if (raises || loss != 0) revert ErrorsLib.DrawdownLimitReached(price, floor);
    }

    function _revertIf(bytes memory reason) internal pure {
        if (reason.length != 0) {
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    // ================================================================ governance and guardian

    // Each runs TreasuryVaultAdmin's code on this vault's storage (delegatecall): see `_delegateToAdmin`.

    /// @inheritdoc ITreasuryVault
    function addStrategy(address, uint128, uint16) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function removeStrategy(address) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setCaps(address, uint128, uint16) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setStrategyEnabled(address, bool) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setLiquidityGroup(address, uint8) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setIdleBuffer(uint16) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setLossLimits(uint16, uint16, uint32) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setGainRate(uint16) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setMaxDrawdown(uint16) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function resetHighWaterMark() external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setWithdrawQueue(address[] calldata) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setMaxPriceRate(uint16) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function markStrategy(address) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function clearFreeze(address) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function writeDown(address, uint256) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setLiquidityFloor(uint16) external {
        _delegateToAdmin();
    }

    /// @inheritdoc ITreasuryVault
    function setStepUp(uint128, address) external {
        _delegateToAdmin();
    }

    /// @dev Runs `data` in TreasuryVaultAdmin's code on this vault's storage and returns its return data. A failure
    /// reverts this call with the admin's revert data as is, empty included (it ran out of gas): a check that did not
    /// finish never counts as passed.
    function _adminCall(bytes memory data) private returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = _admin.delegatecall(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @notice The risk-group entry points (IRiskGroups: `setRiskGroupCap`, `setRiskGroups`, `riskGroupCap`), the
    /// dead-man's switch (IDeadManSwitch: `setDeadManSwitch`, `deRisk`, `deadManSwitch`) and
    /// every other selector this vault does not implement run TreasuryVaultAdmin's code, like the stubs above, with no
    /// stub of their own (a stub's argument decoding costs this vault's code size). Every ERC-4626 and ITreasuryVault
    /// selector is this vault's own, so only the admin contract's own entry points are reached here; a selector the
    /// admin contract does not know either reverts with empty data.
    fallback() external {
        _delegateToAdmin();
    }

    /// @dev Runs the call's own calldata in TreasuryVaultAdmin's code on this vault's storage and ends the call with
    /// its result: its return data, or its revert data as is. The admin contract checks roles, ranges and ramps.
    function _delegateToAdmin() private {
        address admin = _admin;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), admin, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }

    // ================================================================ roles

    /// @inheritdoc ITreasuryVault
    function sessionManager() external view returns (ISessionManager) {
        return _sessionManager;
    }

    /// @inheritdoc ITreasuryVault
    function adminModule() external view returns (address) {
        return _admin;
    }

    /// @inheritdoc ITreasuryVault
    function governance() external view returns (address) {
        return _governance();
    }

    /// @inheritdoc ITreasuryVault
    function guardian() external view returns (address) {
        return _guardian();
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
    function inflowInBlock() external view returns (uint256) {
        return _blockInflow();
    }

    /// @inheritdoc ITreasuryVault
    function gainRateBps() external view returns (uint16) {
        return _gainRateBps;
    }

    /// @inheritdoc ITreasuryVault
    function maxDrawdownBps() external view returns (uint16) {
        return _maxDrawdownBps;
    }

    /// @inheritdoc ITreasuryVault
    function highWaterMark() external view returns (uint256) {
        return _highWaterMark;
    }

    /// @inheritdoc ITreasuryVault
    function maxPriceRateBps() external view returns (uint16) {
        return _maxPriceRateBps;
    }

    /// @inheritdoc ITreasuryVault
    function priceMark(address strategy) external view returns (PriceMark memory) {
        return _marks[strategy];
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
        PackedBounds memory b = _bounds;
        return Bounds(b.idleBufferBps, b.maxLossPerCallBps, b.epochLossBudgetBps, b.lossEpochLength);
    }

    /// @inheritdoc ITreasuryVault
    function epochLoss() external view returns (EpochLoss memory) {
        return EpochLoss(_bounds.lossEpoch, _bounds.lossInEpoch);
    }

    /// @inheritdoc ITreasuryVault
    function liquidityFloorBps() external view returns (uint16) {
        return _limits.liquidityFloorBps;
    }

    /// @inheritdoc ITreasuryVault
    function stepUp() external view returns (uint128 threshold, address policySigner) {
        return (_limits.stepUpThreshold, _policySigner);
    }

    /// @inheritdoc ITreasuryVault
    function rampRoom() external view returns (RampRoom memory r) {
        r.exposureBps = _exposureRamp.room(ConstantsLib.MAX_EXPOSURE_RAISE_BPS);
        r.lossPerCallBps = _lossPerCallRamp.room(ConstantsLib.MAX_LOSS_PER_CALL_RAISE_BPS);
        r.epochLossBps = _epochLossRamp.room(ConstantsLib.MAX_EPOCH_LOSS_RAISE_BPS);
        r.lossEpochShrinkBps = _lossEpochRamp.room(ConstantsLib.MAX_LOSS_EPOCH_SHRINK_BPS);
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
