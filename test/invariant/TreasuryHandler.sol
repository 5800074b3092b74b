// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../helpers/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {TreasuryVault} from "../../contracts/vault/TreasuryVault.sol";
import {SessionManager} from "../../contracts/session/SessionManager.sol";
import {ITreasuryVault} from "../../contracts/interfaces/ITreasuryVault.sol";
import {IRiskGroups} from "../../contracts/interfaces/IRiskGroups.sol";
import {IDeadManSwitch} from "../../contracts/interfaces/IDeadManSwitch.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockStrategy} from "../../contracts/mocks/MockStrategy.sol";

/// @notice Test-only strategy that burns an entry fee out of its own assets on every deposit: a rebalance into it
/// loses value, so the vault's loss limits have something to bound.
contract BurningFeeStrategy is MockStrategy {
    /// @notice Entry fee, in bps of each deposit.
    uint256 public feeBps;

    constructor(MockERC20 asset_, string memory name_) MockStrategy(asset_, name_) {}

    function setFeeBps(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        MockERC20(asset()).burn(address(this), assets * feeBps / ConstantsLib.BPS);
    }
}

/// @notice Drives the treasury like its users, agents, guardian and governance would, and keeps `ghost_` records of
/// what happened for the invariants: sums of money in and out, rebalances accepted and rejected, forbidden agent
/// calls that got through, caps, buffer, loss, drawdown and session limits as measured right after each accepted
/// rebalance (caps, buffer and loss limits without the block's deposits), exits that did not pay what
/// `maxWithdraw`/`maxRedeem` promised, and deposit-and-exit round trips within one block that returned more than
/// they put in.
/// @dev Every action bounds its inputs and returns early when it cannot apply; no action is expected to revert.
contract TreasuryHandler is Test {
    /// @dev Most sessions granted in one run (setUp's included): keeps the per-session invariant loops short.
    uint256 internal constant MAX_SESSIONS = 12;
    /// @dev Largest single deposit, in whole tokens.
    uint256 internal constant MAX_DEPOSIT_TOKENS = 10_000_000;
    /// @dev Largest single strategy profit or loss, in bps of its assets: 500 = 5%.
    uint256 internal constant MAX_PNL_BPS = 500;

    TreasuryVault internal immutable vault;
    SessionManager internal immutable sessions;
    MockERC20 internal immutable asset;
    address internal immutable governance;
    address internal immutable guardian;
    /// @dev One whole token in asset units.
    uint256 internal immutable unit;

    MockStrategy[] internal strategies;
    address[] internal actors;
    address[] internal agents;
    /// @dev Caps the run started with, by strategy index: what governance restores.
    uint128[] internal initialAbsCaps;
    uint16[] internal initialRelCaps;

    /// @dev Every session granted, oldest first, with its parameters as granted (the handler's own record).
    uint256[] public sessionIds;
    mapping(uint256 sessionId => ISessionManager.SessionParams) internal _granted;

    // ---------------------------------------------------------------- the handler's view of permissions
    mapping(uint256 sessionId => bool) public ghost_revoked;
    bool public ghost_agentsPaused;

    // ---------------------------------------------------------------- money sums, in assets
    /// Paid in by deposits and mints, the vault's assets at construction (setUp's seed deposit) included.
    uint256 public ghost_depositedAssets;
    uint256 public ghost_withdrawnAssets;
    uint256 public ghost_strategyGains;
    uint256 public ghost_strategyLosses;
    uint256 public ghost_donations;

    // ---------------------------------------------------------------- rebalances
    uint256 public ghost_rebalanceSuccesses;
    uint256 public ghost_rebalanceRejections;
    /// Attempts the handler knew to be made by a wrong agent, or with a revoked, paused, expired, not yet started or
    /// out-of-scope session; and how many of them the vault let through (must stay 0).
    uint256 public ghost_forbiddenAttempts;
    uint256 public ghost_forbiddenSuccesses;
    /// Strategies raised by accepted rebalances, and how many of them ended above a cap right after.
    uint256 public ghost_raisedLegs;
    uint256 public ghost_capBreaches;
    /// Risk groups of raised strategies whose listed members held more than the group's cap right after the call.
    uint256 public ghost_riskGroupBreaches;
    /// Accepted rebalances that lowered idle below the buffer.
    uint256 public ghost_bufferBreaches;
    /// Accepted rebalances whose loss passed the per-call limit or the epoch budget.
    uint256 public ghost_lossLimitBreaches;
    /// Accepted rebalances that lost value (rounding, or the fee strategy's entry fee).
    uint256 public ghost_lossyRebalances;
    mapping(uint256 lossEpoch => uint256) public ghost_lossInEpoch;
    /// Accepted rebalances that raised a strategy or lost value while leaving the share price below the drawdown
    /// guard's floor.
    uint256 public ghost_drawdownBreaches;
    uint256 public ghost_highWaterMarkResets;

    // ---------------------------------------------------------------- sessions
    /// Volume of accepted rebalances per session and session epoch, as the handler measured it, and in all.
    mapping(uint256 sessionId => mapping(uint256 epoch => uint256)) public ghost_epochVolume;
    mapping(uint256 sessionId => mapping(uint256 epoch => uint256)) public ghost_epochCalls;
    mapping(uint256 sessionId => uint256) public ghost_sessionVolume;
    mapping(uint256 sessionId => uint256) public ghost_lastCallAt;
    /// Loss of the accepted rebalances made through each session.
    mapping(uint256 sessionId => uint256) internal ghost_sessionLoss;
    /// Accepted rebalances past a session's per-call volume, per-epoch volume, calls per epoch, minimum interval or own
    /// loss allowance.
    uint256 public ghost_sessionLimitBreaches;

    // ---------------------------------------------------------------- exits
    uint256 public ghost_exits;
    uint256 public ghost_exitsWhilePaused;
    /// Exits larger than idle at the time (served partly from strategies).
    uint256 public ghost_exitsBeyondIdle;
    /// Exits within `maxWithdraw`/`maxRedeem` that reverted or paid other than promised.
    uint256 public ghost_exitFailures;

    // ---------------------------------------------------------------- round trips within one block
    /// Deposit-then-redeem-everything sequences within one block (a strategy gain may appear in between), and those
    /// that returned more than they put in (must stay 0).
    uint256 public ghost_roundTrips;
    uint256 public ghost_freeRoundTrips;

    // ---------------------------------------------------------------- broken views
    /// Times a strategy's views were broken, so that the vault had to value it at its book value.
    uint256 public ghost_viewBreaks;

    /// Dead-man's switch: accepted `deRisk` calls, and those that raised a position, lowered idle, took more than the
    /// rule's share of total assets or lost more than the loss limits allow.
    uint256 public ghost_deRisks;
    uint256 public ghost_deRiskBreaches;

    /// @dev What the handler measures around one rebalance.
    struct Attempt {
        uint256 sessionId;
        address caller;
        uint256 touchedMask;
        uint256 volume;
        uint256 idleBefore;
        uint256 totalBefore;
        /// Deposits of the block: caps, the buffer and the loss limits leave them out.
        uint256 inflow;
        uint256 valueBefore;
        uint256[] before;
        /// Whether the targets raise a strategy above its current value.
        bool raises;
        bool forbidden;
    }

    constructor(
        TreasuryVault vault_,
        SessionManager sessions_,
        MockStrategy[] memory strategies_,
        address[] memory actors_,
        address[] memory agents_
    ) {
        vault = vault_;
        sessions = sessions_;
        asset = MockERC20(vault_.asset());
        governance = vault_.governance();
        guardian = vault_.guardian();
        unit = 10 ** asset.decimals();
        ghost_depositedAssets = vault_.totalAssets();
        for (uint256 i; i < strategies_.length; ++i) {
            strategies.push(strategies_[i]);
            ITreasuryVault.StrategyConfig memory c = vault_.strategyConfig(address(strategies_[i]));
            initialAbsCaps.push(c.absoluteCap);
            initialRelCaps.push(c.relativeCapBps);
        }
        actors = actors_;
        agents = agents_;
    }

    // ================================================================ users

    function deposit(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        assets = bound(assets, 1, MAX_DEPOSIT_TOKENS * unit);
        asset.mint(actor, assets);
        vm.startPrank(actor);
        asset.approve(address(vault), assets);
        vault.deposit(assets, actor);
        vm.stopPrank();
        ghost_depositedAssets += assets;
    }

    function mint(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        shares = bound(shares, 1, MAX_DEPOSIT_TOKENS * unit * 10 ** ConstantsLib.DECIMALS_OFFSET);
        uint256 cost = vault.previewMint(shares);
        asset.mint(actor, cost);
        vm.startPrank(actor);
        asset.approve(address(vault), cost);
        uint256 paid = vault.mint(shares, actor);
        vm.stopPrank();
        ghost_depositedAssets += paid;
    }

    function withdraw(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        uint256 max = vault.maxWithdraw(actor);
        if (max == 0) return;
        _withdrawChecked(actor, bound(assets, 1, max));
    }

    function redeem(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        uint256 max = vault.maxRedeem(actor);
        if (max == 0) return;
        shares = bound(shares, 1, max);
        uint256 promised = vault.previewRedeem(shares);
        uint256 balanceBefore = asset.balanceOf(actor);
        ++ghost_exits;
        if (promised > vault.idle()) ++ghost_exitsBeyondIdle;
        vm.prank(actor);
        try vault.redeem(shares, actor, actor) returns (uint256 out) {
            uint256 received = asset.balanceOf(actor) - balanceBefore;
            if (out < promised || received != out) ++ghost_exitFailures;
            ghost_withdrawnAssets += received;
        } catch {
            ++ghost_exitFailures;
        }
    }

    /// @notice The guardian pauses every agent (if not yet), a user takes out all `maxWithdraw` allows, and
    /// governance lifts the pause again if it was not on before.
    function withdrawMaxWhileAgentsPaused(uint256 actorSeed) external {
        bool wasPaused = ghost_agentsPaused;
        if (!wasPaused) _pause();
        address actor = _actor(actorSeed);
        uint256 max = vault.maxWithdraw(actor);
        if (max != 0) {
            ++ghost_exitsWhilePaused;
            _withdrawChecked(actor, max);
        }
        if (!wasPaused) _unpause();
    }

    /// @notice Someone sends assets straight to the vault: not counted as idle.
    function donate(uint256 assets) external {
        assets = bound(assets, 1, MAX_DEPOSIT_TOKENS * unit / 100);
        asset.mint(address(vault), assets);
        ghost_donations += assets;
    }

    /// @notice Anyone writes down a strategy's loss.
    function realizeLoss(uint256 strategySeed) external {
        vault.realizeLoss(address(_strategy(strategySeed)));
    }

    // ================================================================ agents

    /// @notice An agent (usually the session's own, one call in eight the other one) asks for targets on one or more
    /// strategies (usually within the session's scope; see `_target` for the amounts).
    function rebalance(uint256 sessionSeed, uint256 agentSeed, uint256 legMask, uint256 a0, uint256 a1, uint256 a2)
        external
    {
        // Mostly a session open now; one call in eight any session.
        uint256 id = agentSeed % 8 == 2 ? _session(sessionSeed) : _openSession(sessionSeed);
        address caller = agentSeed % 8 == 0 ? agents[(agentSeed >> 8) % agents.length] : _granted[id].agent;
        legMask = bound(legMask, 1, (1 << strategies.length) - 1);
        // Mostly within the session's scope; one call in eight anywhere.
        if (agentSeed % 8 != 1 && legMask & _granted[id].scope != 0) legMask &= _granted[id].scope;
        uint256[3] memory seeds = [a0, a1, a2];

        uint256 legs;
        for (uint256 i; i < strategies.length; ++i) {
            if (legMask & (1 << i) != 0) ++legs;
        }
        ITreasuryVault.Allocation[] memory targets = new ITreasuryVault.Allocation[](legs);
        uint256 total = _baseTotal();
        uint256 k;
        for (uint256 i; i < strategies.length; ++i) {
            if (legMask & (1 << i) == 0) continue;
            uint256 seed = i < 3 ? seeds[i] : uint256(keccak256(abi.encode(seeds, i)));
            targets[k++] = ITreasuryVault.Allocation(address(strategies[i]), _target(strategies[i], seed, total));
        }
        _attempt(id, caller, targets);
    }

    /// @notice The agent of an open session does its job: moves idle above a level near the buffer (from 2% under it
    /// to 1% over it) into the strategies of its scope, each up to 95% of its tighter cap, within the session's
    /// per-call volume.
    function invest(uint256 sessionSeed, uint256 keepSeed) external {
        uint256 id = _openSession(sessionSeed);
        ISessionManager.SessionParams memory p = _granted[id];
        uint256 total = _baseTotal();
        uint256 bufferBps = vault.bounds().idleBufferBps;
        uint256 keepBps = bound(keepSeed, bufferBps > 200 ? bufferBps - 200 : 0, bufferBps + 100);
        uint256 keep = total * keepBps / ConstantsLib.BPS + vault.inflowInBlock();
        uint256 idle = vault.idle();
        if (idle <= keep) return;
        _attempt(id, p.agent, _investTargets(p.scope, Math.min(idle - keep, p.maxVolumePerCall), total));
    }

    /// @notice The agent of an open session moves money into the fee strategy (losing 30% to 100% of the per-call loss
    /// limit to its entry fee) or, one call in three, takes everything out: the moves the loss limits are for.
    function churnFeeStrategy(uint256 sessionSeed, uint256 seed) external {
        uint256 id = _openSession(sessionSeed);
        ISessionManager.SessionParams memory p = _granted[id];
        uint256 last = strategies.length - 1;
        if (p.scope & (1 << last) == 0) return;
        BurningFeeStrategy fee = BurningFeeStrategy(address(strategies[last]));
        uint256 target;
        if (seed % 3 != 0 && fee.feeBps() != 0) {
            uint256 limit = _baseTotal() * vault.bounds().maxLossPerCallBps / ConstantsLib.BPS;
            target = _valueOf(address(fee)) + limit * bound(seed >> 8, 30, 100) / 100 * ConstantsLib.BPS / fee.feeBps();
        }
        ITreasuryVault.Allocation[] memory targets = new ITreasuryVault.Allocation[](1);
        targets[0] = ITreasuryVault.Allocation(address(fee), target);
        _attempt(id, p.agent, targets);
    }

    /// @notice The agent of a session tries a small, otherwise acceptable move while it must not: after its session was
    /// revoked, while agents are paused, after its session expired, on a strategy outside its scope, or with another
    /// agent's session. Expiry is tried on a snapshot so the run's clock is untouched.
    function rebalanceForbidden(uint256 sessionSeed, uint256 kind, uint256 seed) external {
        uint256 id = _session(sessionSeed);
        ISessionManager.SessionParams memory p = _granted[id];
        address caller = p.agent;
        kind = kind % 5;

        ITreasuryVault.Allocation[] memory targets;
        if (kind == 3) {
            // A strategy outside the scope, nudged down (or left as is): touching it at all is out of scope.
            uint256 outside = type(uint256).max;
            for (uint256 i; i < strategies.length; ++i) {
                if (p.scope & (1 << i) == 0) outside = i;
            }
            if (outside == type(uint256).max) return;
            targets = new ITreasuryVault.Allocation[](1);
            targets[0] = ITreasuryVault.Allocation(address(strategies[outside]), _nudgeDown(strategies[outside], seed));
        } else {
            targets = _smallMoveInScope(p.scope, seed);
            if (targets.length == 0) return;
        }

        if (kind == 0) {
            if (!ghost_revoked[id]) _revoke(id);
        } else if (kind == 1) {
            if (ghost_agentsPaused) {
                _attempt(id, caller, targets);
            } else {
                _pause();
                _attempt(id, caller, targets);
                _unpause();
            }
            return;
        } else if (kind == 2) {
            uint256 snapshot = vm.snapshotState();
            vm.warp(Math.max(block.timestamp, p.validUntil) + bound(seed, 0, 3 days));
            bool ok = _tryRebalance(caller, targets, id);
            vm.revertToStateAndDelete(snapshot);
            ++ghost_forbiddenAttempts;
            if (ok) ++ghost_forbiddenSuccesses;
            return;
        } else if (kind == 4) {
            caller = agents[0] == p.agent ? agents[1] : agents[0];
        }
        _attempt(id, caller, targets);
    }

    // ================================================================ session admin, guardian, governance

    function grantSession(uint256 agentSeed, uint256 scopeSeed, uint256 timeSeed, uint256 volumeSeed, uint256 rateSeed)
        external
    {
        if (sessionIds.length >= MAX_SESSIONS) return;
        ISessionManager.SessionParams memory p;
        p.agent = agents[agentSeed % agents.length];
        p.vault = address(vault);
        p.scope = bound(scopeSeed, 1, (1 << strategies.length) - 1);
        // Safe: timestamps in tests are far below 2**40.
        p.validAfter = uint40(block.timestamp + (timeSeed % 4 == 0 ? bound(timeSeed >> 8, 1, 1 days) : 0));
        p.validUntil = p.validAfter + uint40(bound(timeSeed >> 64, 1 hours, 7 days));
        // Safe: at most 2_000_000 tokens of 18 decimals times 3, far below 2**128.
        p.maxVolumePerCall = uint128(bound(volumeSeed, 1_000, 2_000_000) * unit);
        p.maxVolumePerEpoch = p.maxVolumePerCall * uint128(bound(volumeSeed >> 64, 1, 3));
        // Safe: bounded to a day, an hour and 5.
        p.epochLength = uint32(bound(rateSeed, ConstantsLib.MIN_EPOCH_LENGTH, 1 days));
        p.minInterval = uint32(bound(rateSeed >> 64, 0, 1 hours));
        p.maxCallsPerEpoch = uint16(bound(rateSeed >> 128, 1, 5));
        // One session in five is reduce-only; one in three has its own loss allowance of 1 to 20 tokens.
        p.reduceOnly = rateSeed % 5 == 0;
        // Safe: at most 20 tokens of 18 decimals.
        if (timeSeed % 3 == 0) p.maxLoss = uint128(bound(timeSeed >> 128, 1, 20) * unit);
        grant(p);
    }

    /// @dev Grants `p` as governance and records it. Also used by the test's setUp.
    function grant(ISessionManager.SessionParams memory p) public returns (uint256 id) {
        vm.prank(governance);
        id = sessions.grant(p);
        sessionIds.push(id);
        _granted[id] = p;
    }

    /// @notice The guardian revokes a session, one call in two (so that some sessions stay open).
    function revokeSession(uint256 sessionSeed) external {
        uint256 id = _session(sessionSeed);
        if (sessionSeed % 2 == 0 && !ghost_revoked[id]) _revoke(id);
    }

    /// @notice The guardian pauses every agent, one call in four (so that agents are not paused most of the run).
    function pauseAgents(uint256 seed) external {
        if (seed % 4 == 0) _pause();
    }

    function unpauseAgents() external {
        _unpause();
    }

    /// @notice The guardian lowers a strategy's caps (only tightening is open to it).
    function lowerCaps(uint256 strategySeed, uint256 absSeed, uint256 relSeed) external {
        MockStrategy s = _strategy(strategySeed);
        ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(address(s));
        // Safe: bounded by the current uint128 and uint16 caps.
        uint128 abs = uint128(bound(absSeed, 0, c.absoluteCap));
        uint16 rel = uint16(bound(relSeed, 0, c.relativeCapBps));
        vm.prank(guardian);
        vault.setCaps(address(s), abs, rel);
    }

    /// @notice Governance restores a strategy's caps towards where the run started: its relative cap as far as the
    /// vault-wide exposure budget allows now (a raise past it is refused with ChangeTooLarge).
    function restoreCaps(uint256 strategySeed) external {
        uint256 i = strategySeed % strategies.length;
        uint256 current = vault.strategyConfig(address(strategies[i])).relativeCapBps;
        uint256 rel = initialRelCaps[i];
        if (rel > current && vault.totalSupply() != 0) rel = Math.min(rel, current + vault.rampRoom().exposureBps);
        vm.prank(governance);
        // Safe: rel <= initialRelCaps[i], a uint16.
        vault.setCaps(address(strategies[i]), initialAbsCaps[i], uint16(rel));
    }

    /// @notice Governance resets the drawdown guard's high-water mark (after losses stopped the agents).
    function resetHighWaterMark() external {
        vm.prank(governance);
        vault.resetHighWaterMark();
        ++ghost_highWaterMarkResets;
    }

    // ================================================================ dead-man's switch

    /// @notice Governance arms the dead-man's switch (stale after 1 hour to 1 day, a drop of 0.5% to 5%, within the
    /// world's price moves, 5% to 50% of total assets a call) or, one time in four, switches it off.
    function setDeadManSwitch(uint256 seed) external {
        uint32 staleAfter = seed % 4 == 0 ? 0 : uint32(bound(seed >> 8, 1 hours, 1 days));
        uint16 dropBps = uint16(bound(seed >> 48, 50, 500));
        uint16 maxExitBps = uint16(bound(seed >> 96, 500, 5_000));
        vm.prank(governance);
        IDeadManSwitch(address(vault)).setDeadManSwitch(staleAfter, dropBps, maxExitBps);
    }

    /// @notice The scenario the switch is for, then anyone fires it: armed if it was off, the agent silent for the
    /// rule's staleAfter (half the time) and the strategy down 0% to 10% (half the time). When the call goes through,
    /// only that position went down, by at most the rule's share of total assets; idle went up by what arrived; the
    /// loss is within the per-call limit.
    function deRisk(uint256 strategySeed, uint256 callerSeed) external {
        MockStrategy s = _strategy(strategySeed);
        address caller = actors[callerSeed % actors.length];
        if (IDeadManSwitch(address(vault)).deadManSwitch().staleAfter == 0) this.setDeadManSwitch(callerSeed | 1);
        IDeadManSwitch.DeadManSwitch memory armed = IDeadManSwitch(address(vault)).deadManSwitch();
        uint256 due = uint256(armed.lastRebalanceAt) + armed.staleAfter;
        if (armed.staleAfter != 0 && (callerSeed >> 1) % 2 == 0 && block.timestamp < due) {
            vm.warp(due);
            vm.roll(block.number + 1);
        }
        if ((callerSeed >> 2) % 2 == 0) {
            uint256 fall = s.totalAssets() * bound(callerSeed >> 3, 0, 1_000) / ConstantsLib.BPS;
            s.simulateLoss(fall);
            ghost_strategyLosses += fall;
        }
        uint256 n = strategies.length;
        uint256[] memory before = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            before[i] = _valueOf(address(strategies[i]));
        }
        uint256 idleBefore = vault.idle();
        uint256 baseBefore = _baseTotal();
        IDeadManSwitch.DeadManSwitch memory d = IDeadManSwitch(address(vault)).deadManSwitch();
        vm.prank(caller);
        try IDeadManSwitch(address(vault)).deRisk(address(s)) returns (uint256 assets, uint256 loss) {
            ++ghost_deRisks;
            bool breach = vault.idle() < idleBefore + assets;
            for (uint256 i; i < n; ++i) {
                uint256 value = _valueOf(address(strategies[i]));
                bool target = address(strategies[i]) == address(s);
                if (value > before[i]) breach = true;
                else if (target && before[i] - value > baseBefore * d.maxExitBps / ConstantsLib.BPS + 1) breach = true;
            }
            ITreasuryVault.Bounds memory b = vault.bounds();
            uint256 lossEpoch = block.timestamp / b.lossEpochLength;
            ghost_lossInEpoch[lossEpoch] += loss;
            if (loss * ConstantsLib.BPS > baseBefore * b.maxLossPerCallBps) breach = true;
            if (breach) ++ghost_deRiskBreaches;
        } catch {}
    }

    // ================================================================ world

    function strategyGain(uint256 strategySeed, uint256 bps) external {
        MockStrategy s = _strategy(strategySeed);
        uint256 gain = s.totalAssets() * bound(bps, 1, MAX_PNL_BPS) / ConstantsLib.BPS;
        s.simulateGain(gain);
        ghost_strategyGains += gain;
    }

    function strategyLoss(uint256 strategySeed, uint256 bps) external {
        MockStrategy s = _strategy(strategySeed);
        uint256 loss = s.totalAssets() * bound(bps, 1, MAX_PNL_BPS) / ConstantsLib.BPS;
        s.simulateLoss(loss);
        ghost_strategyLosses += loss;
    }

    /// @notice The fee strategy (the last one) changes its entry fee: 0 to 5%, enough for one rebalance into it to
    /// pass the vault's per-call loss limit.
    function setEntryFee(uint256 bps) external {
        BurningFeeStrategy s = BurningFeeStrategy(address(strategies[strategies.length - 1]));
        s.setFeeBps(bound(bps, 0, 500));
    }

    /// @notice A strategy's own liquidity changes: unlimited, capped per withdrawal, or blocked.
    function setStrategyLiquidity(uint256 strategySeed, uint256 mode, uint256 cap) external {
        MockStrategy s = _strategy(strategySeed);
        mode = mode % 4;
        s.setBlocked(mode == 3);
        s.setWithdrawCap(mode == 2 ? bound(cap, 0, MAX_DEPOSIT_TOKENS * unit) : type(uint256).max);
    }

    /// @notice A strategy's views (previewRedeem, maxWithdraw, maxRedeem) break, or work again, one call in four
    /// (so that most of the run they work): the vault then values it at its book value and exits skip it.
    function setViewsBroken(uint256 strategySeed, uint256 seed) external {
        MockStrategy s = _strategy(strategySeed);
        if (s.viewsBroken()) {
            s.setViewsBroken(false);
        } else if (seed % 4 == 0) {
            s.setViewsBroken(true);
            ++ghost_viewBreaks;
        }
    }

    /// @notice A newcomer deposits, a strategy may gain (others' money appears), and the newcomer redeems every share,
    /// all in one block: it must never get back more than it put in.
    function roundTrip(uint256 assets, uint256 strategySeed, uint256 gainBps) external {
        address sniper = address(0x5171BE5);
        assets = bound(assets, 1, MAX_DEPOSIT_TOKENS * unit);
        asset.mint(sniper, assets);
        vm.startPrank(sniper);
        asset.approve(address(vault), assets);
        uint256 shares = vault.deposit(assets, sniper);
        vm.stopPrank();
        ghost_depositedAssets += assets;
        if (gainBps % 2 == 0) {
            MockStrategy s = _strategy(strategySeed);
            uint256 gain = s.totalAssets() * bound(gainBps, 1, MAX_PNL_BPS) / ConstantsLib.BPS;
            s.simulateGain(gain);
            ghost_strategyGains += gain;
        }
        // The whole position when liquidity allows, else what it does (a blocked strategy may hold the rest).
        shares = Math.min(shares, vault.maxRedeem(sniper));
        if (shares == 0) return;
        uint256 balanceBefore = asset.balanceOf(sniper);
        vm.prank(sniper);
        uint256 out = vault.redeem(shares, sniper, sniper);
        uint256 received = asset.balanceOf(sniper) - balanceBefore;
        ghost_withdrawnAssets += received;
        ++ghost_roundTrips;
        // Shares redeemed are at most the shares minted: what they return must not exceed what they cost.
        if (received > assets || out > assets) ++ghost_freeRoundTrips;
    }

    /// @notice A new block, in the same second: the deposits of the last one now count towards caps and limits.
    function nextBlock() external {
        vm.roll(block.number + 1);
    }

    /// @notice Time passes: up to 6 hours, one call in four up to 3 days (so sessions and epochs run out).
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_ >> 2, 1, seconds_ % 4 == 0 ? 3 days : 6 hours));
        vm.roll(block.number + 1);
    }

    // ================================================================ views for the invariants

    function sessionCount() external view returns (uint256) {
        return sessionIds.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function actorAt(uint256 i) external view returns (address) {
        return actors[i];
    }

    // ================================================================ internals

    function _attempt(uint256 id, address caller, ITreasuryVault.Allocation[] memory targets) internal {
        Attempt memory a = _measure(id, caller, targets);
        bool ok = _tryRebalance(caller, targets, id);
        if (
            ok && !ghost_revoked[id]
                && bytes4(sessions.check(id, caller, address(vault), 0, 0, 0)) == ErrorsLib.SessionRevoked.selector
        ) {
            // The call passed every check but the session's own loss allowance: undone (nothing lost), and revoked.
            ghost_revoked[id] = true;
            if (vault.totalAssets() < a.totalBefore) ++ghost_sessionLimitBreaches;
            return;
        }
        if (a.forbidden) {
            ++ghost_forbiddenAttempts;
            if (ok) ++ghost_forbiddenSuccesses;
        }
        if (!ok) {
            ++ghost_rebalanceRejections;
            return;
        }
        ++ghost_rebalanceSuccesses;
        _recordSession(a);
        _checkOutcome(a, targets);
    }

    function _tryRebalance(address caller, ITreasuryVault.Allocation[] memory targets, uint256 id)
        internal
        returns (bool ok)
    {
        vm.prank(caller);
        try vault.rebalance(targets, id, keccak256(abi.encode(id, block.timestamp))) {
            ok = true;
        } catch {
            ok = false;
        }
    }

    /// @dev Current values, volume and scope of a planned rebalance, and whether the handler's own record says the
    /// caller may not make it now.
    function _measure(uint256 id, address caller, ITreasuryVault.Allocation[] memory targets)
        internal
        view
        returns (Attempt memory a)
    {
        a.sessionId = id;
        a.caller = caller;
        a.idleBefore = vault.idle();
        // Valued live as the call values it (in the same block, the same figure).
        a.totalBefore = vault.totalAssets();
        a.inflow = vault.inflowInBlock();
        a.valueBefore = a.idleBefore;
        a.before = new uint256[](targets.length);
        for (uint256 i; i < targets.length; ++i) {
            uint256 current = _valueOf(targets[i].strategy);
            a.before[i] = current;
            a.valueBefore += current;
            a.touchedMask |= 1 << vault.strategyConfig(targets[i].strategy).index;
            if (targets[i].assets > current) a.raises = true;
            a.volume += targets[i].assets > current ? targets[i].assets - current : current - targets[i].assets;
        }
        ISessionManager.SessionParams memory p = _granted[id];
        a.forbidden = ghost_revoked[id] || ghost_agentsPaused || caller != p.agent || block.timestamp < p.validAfter
            || block.timestamp >= p.validUntil || a.touchedMask & ~p.scope != 0 || (p.reduceOnly && a.raises);
    }

    /// @dev Adds an accepted rebalance to its session's records and counts any session limit it passed.
    function _recordSession(Attempt memory a) internal {
        ISessionManager.SessionParams memory p = _granted[a.sessionId];
        uint256 epoch = (block.timestamp - p.validAfter) / p.epochLength;
        ghost_epochVolume[a.sessionId][epoch] += a.volume;
        ghost_epochCalls[a.sessionId][epoch] += 1;
        ghost_sessionVolume[a.sessionId] += a.volume;
        uint256 last = ghost_lastCallAt[a.sessionId];
        if (
            a.volume > p.maxVolumePerCall || ghost_epochVolume[a.sessionId][epoch] > p.maxVolumePerEpoch
                || ghost_epochCalls[a.sessionId][epoch] > p.maxCallsPerEpoch
                || (last != 0 && block.timestamp < last + p.minInterval)
        ) ++ghost_sessionLimitBreaches;
        ghost_lastCallAt[a.sessionId] = block.timestamp;
    }

    /// @dev Caps of the raised strategies, the idle buffer and the loss limits, measured right after the call without
    /// the block's deposits; the drawdown guard against the high-water mark.
    function _checkOutcome(Attempt memory a, ITreasuryVault.Allocation[] memory targets) internal {
        uint256 totalAfter = vault.totalAssets();
        uint256 base = totalAfter > a.inflow ? totalAfter - a.inflow : 0;
        uint256 idleAfter = vault.idle();
        uint256 valueAfter = idleAfter;
        bool raised;
        for (uint256 i; i < targets.length; ++i) {
            uint256 value = _valueOf(targets[i].strategy);
            valueAfter += value;
            if (value <= a.before[i]) continue;
            raised = true;
            ++ghost_raisedLegs;
            ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(targets[i].strategy);
            uint256 relCap = base * c.relativeCapBps / ConstantsLib.BPS;
            if (value > c.absoluteCap || value > relCap) ++ghost_capBreaches;
            if (c.riskGroups != 0) _checkRiskGroups(c.riskGroups, base);
        }
        ITreasuryVault.Bounds memory b = vault.bounds();
        if (idleAfter < a.idleBefore) {
            uint256 counted = idleAfter > a.inflow ? idleAfter - a.inflow : 0;
            if (counted * ConstantsLib.BPS < base * b.idleBufferBps) ++ghost_bufferBreaches;
        }
        uint256 loss = a.valueBefore > valueAfter ? a.valueBefore - valueAfter : 0;
        // The session's own loss allowance (a reduce-only session's raise is a forbidden attempt, counted above).
        ghost_sessionLoss[a.sessionId] += loss;
        uint256 maxLoss = _granted[a.sessionId].maxLoss;
        if (maxLoss != 0 && ghost_sessionLoss[a.sessionId] > maxLoss) ++ghost_sessionLimitBreaches;
        if (loss != 0) {
            ++ghost_lossyRebalances;
            uint256 baseBefore = a.totalBefore > a.inflow ? a.totalBefore - a.inflow : 0;
            uint256 lossEpoch = block.timestamp / b.lossEpochLength;
            ghost_lossInEpoch[lossEpoch] += loss;
            if (
                loss * ConstantsLib.BPS > baseBefore * b.maxLossPerCallBps
                    || ghost_lossInEpoch[lossEpoch] * ConstantsLib.BPS > baseBefore * b.epochLossBudgetBps
            ) ++ghost_lossLimitBreaches;
        }
        // Drawdown guard: a call that raised a strategy or lost value leaves the price at or above the floor.
        uint256 mark = vault.highWaterMark();
        uint256 price = vault.convertToAssets(10 ** vault.decimals());
        uint256 floor = mark - mark * vault.maxDrawdownBps() / ConstantsLib.BPS;
        if (price < floor && (raised || loss != 0)) ++ghost_drawdownBreaches;
    }

    /// @dev Total assets without the block's deposits: what the agent sizes caps, the buffer and losses against.
    function _baseTotal() internal view returns (uint256) {
        uint256 total = vault.totalAssets();
        uint256 inflow = vault.inflowInBlock();
        return total > inflow ? total - inflow : 0;
    }

    function _withdrawChecked(address actor, uint256 assets) internal {
        uint256 balanceBefore = asset.balanceOf(actor);
        uint256 promised = vault.previewWithdraw(assets);
        uint256 sharesBefore = vault.balanceOf(actor);
        ++ghost_exits;
        if (assets > vault.idle()) ++ghost_exitsBeyondIdle;
        vm.prank(actor);
        try vault.withdraw(assets, actor, actor) returns (uint256 burned) {
            uint256 received = asset.balanceOf(actor) - balanceBefore;
            if (received != assets || burned > promised || sharesBefore - vault.balanceOf(actor) != burned) {
                ++ghost_exitFailures;
            }
            ghost_withdrawnAssets += received;
        } catch {
            ++ghost_exitFailures;
        }
    }

    /// @dev One target. Mostly plausible (anywhere up to 95% of the tighter cap, or a move of up to 20% either way);
    /// sometimes a full exit, or anything up to 60% of total assets (often past a cap).
    function _target(MockStrategy s, uint256 seed, uint256 total) internal view returns (uint256) {
        uint256 mode = seed % 8;
        seed >>= 8;
        if (mode == 0) return 0;
        if (mode <= 4) {
            ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(address(s));
            uint256 cap = Math.min(c.absoluteCap, total * c.relativeCapBps / ConstantsLib.BPS);
            return bound(seed, 0, cap * 95 / 100);
        }
        if (mode <= 6) {
            uint256 current = _valueOf(address(s));
            uint256 step = Math.max(current, total / 20) / 5;
            return bound(seed, current > step ? current - step : 0, current + step);
        }
        return bound(seed, 0, total * 60 / 100);
    }

    /// @dev Spreads `spare` evenly over the strategies of `scope`, each up to 95% of its tighter cap.
    function _investTargets(uint256 scope, uint256 spare, uint256 total)
        internal
        view
        returns (ITreasuryVault.Allocation[] memory targets)
    {
        uint256 legs;
        for (uint256 i; i < strategies.length; ++i) {
            if (scope & (1 << i) != 0) ++legs;
        }
        targets = new ITreasuryVault.Allocation[](legs);
        uint256 k;
        for (uint256 i; i < strategies.length; ++i) {
            if (scope & (1 << i) == 0) continue;
            address s = address(strategies[i]);
            ITreasuryVault.StrategyConfig memory c = vault.strategyConfig(s);
            uint256 cap = Math.min(c.absoluteCap, total * c.relativeCapBps / ConstantsLib.BPS) * 95 / 100;
            uint256 current = _valueOf(s);
            uint256 add = cap > current ? Math.min(cap - current, spare / (legs - k)) : 0;
            spare -= add;
            targets[k++] = ITreasuryVault.Allocation(s, current + add);
        }
    }

    /// @dev A move the vault would accept but for the session: lowers the first funded in-scope strategy by up to 10%
    /// (or, none funded, raises the first in-scope one by up to 1% of total assets).
    function _smallMoveInScope(uint256 scope, uint256 seed)
        internal
        view
        returns (ITreasuryVault.Allocation[] memory targets)
    {
        uint256 first = type(uint256).max;
        for (uint256 i; i < strategies.length; ++i) {
            if (scope & (1 << i) == 0) continue;
            if (first == type(uint256).max) first = i;
            if (_valueOf(address(strategies[i])) != 0) {
                targets = new ITreasuryVault.Allocation[](1);
                targets[0] = ITreasuryVault.Allocation(address(strategies[i]), _nudgeDown(strategies[i], seed));
                return targets;
            }
        }
        if (first == type(uint256).max) return targets;
        targets = new ITreasuryVault.Allocation[](1);
        uint256 amount = bound(seed, 1, vault.totalAssets() / 100 + 1);
        targets[0] = ITreasuryVault.Allocation(address(strategies[first]), amount);
    }

    function _nudgeDown(MockStrategy s, uint256 seed) internal view returns (uint256) {
        uint256 current = _valueOf(address(s));
        return bound(seed, current - current / 10, current);
    }

    /// @dev What the vault's position redeems for now; its book value while the strategy's views are broken (the
    /// rule the vault values it by).
    /// @dev Each group in `groups`: its listed members' value now against the tighter of its caps on `base`.
    function _checkRiskGroups(uint256 groups, uint256 base) internal {
        address[] memory listed = vault.withdrawQueue();
        for (uint256 id; groups >> id != 0; ++id) {
            if ((groups >> id) & 1 == 0) continue;
            uint256 sum;
            for (uint256 i; i < listed.length; ++i) {
                if ((vault.strategyConfig(listed[i]).riskGroups >> id) & 1 != 0) sum += _valueOf(listed[i]);
            }
            IRiskGroups.RiskGroupCap memory g = IRiskGroups(address(vault)).riskGroupCap(uint8(id));
            if (sum > g.absoluteCap || sum > base * g.relativeCapBps / ConstantsLib.BPS) ++ghost_riskGroupBreaches;
        }
    }

    function _valueOf(address strategy) internal view returns (uint256) {
        if (MockStrategy(strategy).viewsBroken()) return vault.allocation(strategy);
        uint256 shares = MockStrategy(strategy).balanceOf(address(vault));
        return shares == 0 ? 0 : MockStrategy(strategy).previewRedeem(shares);
    }

    /// @notice Idle plus the value of every listed position (book value where views are broken).
    function liveTotal() external view returns (uint256 live) {
        live = vault.idle();
        for (uint256 i; i < strategies.length; ++i) {
            if (vault.strategyConfig(address(strategies[i])).listed) live += _valueOf(address(strategies[i]));
        }
    }

    function _revoke(uint256 id) internal {
        vm.prank(guardian);
        sessions.revoke(id);
        ghost_revoked[id] = true;
    }

    function _pause() internal {
        vm.prank(guardian);
        sessions.pauseAgents();
        ghost_agentsPaused = true;
    }

    function _unpause() internal {
        vm.prank(governance);
        sessions.unpauseAgents();
        ghost_agentsPaused = false;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _strategy(uint256 seed) internal view returns (MockStrategy) {
        return strategies[seed % strategies.length];
    }

    function _session(uint256 seed) internal view returns (uint256) {
        return sessionIds[seed % sessionIds.length];
    }

    /// @dev The first session from `seed` on that is unrevoked and inside its window, or `_session(seed)` if none.
    function _openSession(uint256 seed) internal view returns (uint256) {
        uint256 n = sessionIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = sessionIds[(seed + i) % n];
            ISessionManager.SessionParams memory p = _granted[id];
            if (!ghost_revoked[id] && block.timestamp >= p.validAfter && block.timestamp < p.validUntil) return id;
        }
        return _session(seed);
    }
}
