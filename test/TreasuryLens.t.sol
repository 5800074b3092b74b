// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./Base.t.sol";
import {TreasuryLens} from "../contracts/lens/TreasuryLens.sol";
import {ITreasuryLens} from "../contracts/interfaces/ITreasuryLens.sol";
import {ISessionManager} from "../contracts/interfaces/ISessionManager.sol";
import {ErrorsLib} from "../contracts/libraries/ErrorsLib.sol";
import {MockStrategy} from "../contracts/mocks/MockStrategy.sol";
import {LensHostileStrategy} from "../contracts/mocks/LensHostileStrategy.sol";

/// @notice Tests of TreasuryLens: which strategies and sessions a snapshot lists, that no strategy view can fail it,
/// and that its cost does not grow with an agent's session history.
contract TreasuryLensTest is BaseTest {
    TreasuryLens internal lens;
    LensHostileStrategy internal hostile;
    uint256 internal sid;

    uint256 internal constant DEPOSIT = 1_000e6;
    uint256 internal constant IN_HOSTILE = 300e6;
    uint256 internal constant IN_FIRST = 200e6;

    function setUp() public override {
        super.setUp();
        lens = new TreasuryLens();
        hostile = new LensHostileStrategy(asset, "Hostile");
        vm.prank(governance);
        vault.addStrategy(address(hostile), ABS_CAP, REL_CAP_BPS);
        ISessionManager.SessionParams memory p = _params();
        p.scope = type(uint256).max;
        sid = _grant(p);
        _deposit(alice, DEPOSIT);
        // Caps count deposits from the next block.
        vm.roll(block.number + 1);
        _rebalance(_targets1(address(hostile), IN_HOSTILE), sid);
        _rebalance(_targets1(address(strategies[0]), IN_FIRST), sid);
    }

    // ================================================================ helpers

    function _snapshot() internal view returns (ITreasuryLens.Snapshot memory) {
        return lens.snapshot(vault, agent);
    }

    function _find(ITreasuryLens.Snapshot memory s, address strategy)
        internal
        pure
        returns (ITreasuryLens.StrategyView memory v, uint256 found)
    {
        for (uint256 i; i < s.strategies.length; ++i) {
            if (s.strategies[i].strategy == strategy) {
                v = s.strategies[i];
                ++found;
            }
        }
    }

    /// @dev The honest strategy 0 and the vault totals read exactly as with an honest neighbour.
    function _assertRestIntact(ITreasuryLens.Snapshot memory s, string memory label) internal view {
        assertEq(s.strategies.length, 4, string.concat(label, ": every listed strategy"));
        (ITreasuryLens.StrategyView memory honest,) = _find(s, address(strategies[0]));
        assertTrue(honest.viewsOk, string.concat(label, ": honest views ok"));
        assertEq(honest.shares, strategies[0].balanceOf(address(vault)), string.concat(label, ": honest shares"));
        assertEq(honest.currentValue, IN_FIRST, string.concat(label, ": honest value"));
        assertEq(s.totalAssets, DEPOSIT, string.concat(label, ": totalAssets"));
        assertEq(s.sessions.length, 1, string.concat(label, ": the session"));
    }

    function _gasOfSnapshot() internal view returns (uint256 used) {
        uint256 before = gasleft();
        lens.snapshot(vault, agent);
        used = before - gasleft();
    }

    // ================================================================ strategies listed

    function test_snapshot_honestStrategiesViewsOk() public view {
        ITreasuryLens.Snapshot memory s = _snapshot();
        (ITreasuryLens.StrategyView memory h, uint256 found) = _find(s, address(hostile));
        assertEq(found, 1, "listed once");
        assertTrue(h.viewsOk, "honest for now");
        assertEq(h.index, 3, "index");
        assertEq(h.currentValue, IN_HOSTILE, "value");
        assertEq(h.sharePrice, 10 ** 6, "price of one share");
        _assertRestIntact(s, "honest");
    }

    /// @dev A delisted strategy keeps its index slot and a relisted one takes a new slot, so walking index slots up to
    /// the number listed met the relisted strategy twice and never reached the newest. The lens walks the withdraw
    /// queue: each listed strategy exactly once.
    function test_M4_lensListsEachListedStrategyOnceAfterDelistAndRelist() public {
        address s2 = address(strategies[2]);
        vm.startPrank(governance);
        vault.removeStrategy(s2);
        vault.addStrategy(s2, ABS_CAP, REL_CAP_BPS); // index 4
        // New exposure is budgeted vault-wide: the next listing waits for the budget to refill.
        vm.warp(block.timestamp + 7 days);
        MockStrategy newest = new MockStrategy(asset, "Newest");
        vault.addStrategy(address(newest), ABS_CAP, REL_CAP_BPS); // index 5
        vm.stopPrank();

        ITreasuryLens.Snapshot memory s = _snapshot();
        address[] memory queue = vault.withdrawQueue();
        assertEq(s.strategies.length, queue.length, "one view per listed strategy");
        for (uint256 i; i < queue.length; ++i) {
            (, uint256 found) = _find(s, queue[i]);
            assertEq(found, 1, string.concat("listed exactly once: ", vm.toString(queue[i])));
        }
        (ITreasuryLens.StrategyView memory n, uint256 newestFound) = _find(s, address(newest));
        assertEq(newestFound, 1, "the newest strategy is listed");
        assertEq(n.index, 5, "with its index");
        (ITreasuryLens.StrategyView memory relisted,) = _find(s, s2);
        assertEq(relisted.index, 4, "the relisted strategy with its new index");
        for (uint256 i = 1; i < s.strategies.length; ++i) {
            assertLt(s.strategies[i - 1].index, s.strategies[i].index, "in index order");
        }
    }

    function test_snapshot_delistedStrategyLeftOut() public {
        vm.prank(governance);
        vault.removeStrategy(address(strategies[1]));
        ITreasuryLens.Snapshot memory s = _snapshot();
        (, uint256 found) = _find(s, address(strategies[1]));
        assertEq(found, 0, "delisted strategy not listed");
        assertEq(s.strategies.length, 3, "the three listed ones");
    }

    // ================================================================ hostile strategy views

    function _assertHostileBalanceOfContained(LensHostileStrategy.Mode mode, string memory label) internal {
        hostile.setModes(mode, LensHostileStrategy.Mode.Honest);
        ITreasuryLens.Snapshot memory s = _snapshot();
        (ITreasuryLens.StrategyView memory h, uint256 found) = _find(s, address(hostile));
        assertEq(found, 1, string.concat(label, ": still listed"));
        assertFalse(h.viewsOk, string.concat(label, ": views flagged"));
        assertEq(h.shares, 0, string.concat(label, ": shares unknown, reported 0"));
        assertEq(h.currentValue, 0, string.concat(label, ": no value"));
        assertEq(h.allocation, IN_HOSTILE, string.concat(label, ": the vault's own mark stays"));
        assertEq(h.sharePrice, 10 ** 6, string.concat(label, ": the views that answer still count"));
        _assertRestIntact(s, label);
    }

    function _assertHostileDecimalsContained(LensHostileStrategy.Mode mode, string memory label) internal {
        hostile.setModes(LensHostileStrategy.Mode.Honest, mode);
        ITreasuryLens.Snapshot memory s = _snapshot();
        (ITreasuryLens.StrategyView memory h,) = _find(s, address(hostile));
        assertFalse(h.viewsOk, string.concat(label, ": views flagged"));
        assertEq(h.sharePrice, 0, string.concat(label, ": no share price without decimals"));
        assertEq(h.currentValue, IN_HOSTILE, string.concat(label, ": the views that answer still count"));
        _assertRestIntact(s, label);
    }

    function test_LowMedium_snapshotSurvivesBalanceOfThatReverts() public {
        _assertHostileBalanceOfContained(LensHostileStrategy.Mode.Revert, "revert");
    }

    function test_LowMedium_snapshotSurvivesBalanceOfWithShortAnswer() public {
        _assertHostileBalanceOfContained(LensHostileStrategy.Mode.ShortAnswer, "short answer");
    }

    function test_LowMedium_snapshotSurvivesBalanceOfThatBurnsAllGas() public {
        _assertHostileBalanceOfContained(LensHostileStrategy.Mode.BurnGas, "burns gas");
    }

    function test_LowMedium_snapshotSurvivesDecimalsThatReverts() public {
        _assertHostileDecimalsContained(LensHostileStrategy.Mode.Revert, "revert");
    }

    function test_LowMedium_snapshotSurvivesDecimalsWithShortAnswer() public {
        _assertHostileDecimalsContained(LensHostileStrategy.Mode.ShortAnswer, "short answer");
    }

    function test_LowMedium_snapshotSurvivesDecimalsThatBurnsAllGas() public {
        _assertHostileDecimalsContained(LensHostileStrategy.Mode.BurnGas, "burns gas");
    }

    function test_LowMedium_snapshotSurvivesDecimalsOutOfRange() public {
        _assertHostileDecimalsContained(LensHostileStrategy.Mode.OutOfRangeWord, "out of range");
    }

    /// @dev A strategy answering a huge blob pays for its memory; the lens copies one word and pays nothing for it.
    function test_LowMedium_snapshotTreatsAHugeAnswerAsFailed() public {
        uint256 honestGas = _gasOfSnapshot();
        hostile.setModes(LensHostileStrategy.Mode.HugeAnswer, LensHostileStrategy.Mode.Honest);
        ITreasuryLens.Snapshot memory s = _snapshot();
        (ITreasuryLens.StrategyView memory h,) = _find(s, address(hostile));
        assertEq(h.shares, 0, "not one word: no answer, as the vault judges it");
        assertFalse(h.viewsOk, "flagged");
        _assertRestIntact(s, "huge answer");
        // The strategy spends ~200k gas per answer building its blob (balanceOf, and maxRedeem through it); the lens
        // pays no memory for it.
        assertLt(_gasOfSnapshot(), honestGas + 3 * 500_000, "bounded by the strategy's own allowance");
    }

    function test_RevertWhen_snapshot_tooLittleGasForAStrategyView() public view {
        // With less gas than one view's allowance left, the lens refuses rather than report a strategy failed.
        (bool ok, bytes memory data) =
            address(lens).staticcall{gas: 200_000}(abi.encodeCall(TreasuryLens.snapshot, (vault, agent)));
        assertFalse(ok, "refused");
        assertEq(bytes4(data), ErrorsLib.LensOutOfGas.selector, "LensOutOfGas");
    }

    // ================================================================ sessions

    function test_snapshot_listsOnlyActiveSessionsOfThisVault() public {
        ISessionManager.SessionParams memory p = _params();
        p.validUntil = uint40(block.timestamp + 1 hours);
        _grant(p); // expires
        uint256 revoked = _grant(_params());
        vm.prank(guardian);
        sessions.revoke(revoked);
        p = _params();
        p.vault = makeAddr("another vault");
        _grant(p); // another vault
        uint256 later = _grant(_params());
        vm.warp(block.timestamp + 2 hours);

        ITreasuryLens.Snapshot memory s = _snapshot();
        assertEq(s.sessions.length, 2, "the two active sessions of this vault");
        assertEq(s.sessions[0].id, sid, "oldest first");
        assertEq(s.sessions[1].id, later, "then the later one");
    }

    /// @dev The lens read every session ever granted to the agent: its cost grew with history until the snapshot no
    /// longer fit a call. It now reads the agent's active sessions only.
    function test_Low5_lensGasFlatAfterManyExpiredAndRevokedSessions() public {
        _snapshot(); // warm every slot both measurements read
        uint256 flat = _gasOfSnapshot();

        for (uint256 round; round < 4; ++round) {
            ISessionManager.SessionParams memory p = _params();
            p.validUntil = uint40(block.timestamp + 1 hours);
            for (uint256 i; i < 20; ++i) {
                _grant(p);
            }
            for (uint256 i; i < 5; ++i) {
                uint256 id = _grant(_params());
                vm.prank(agent);
                sessions.revoke(id);
            }
            vm.warp(block.timestamp + 2 hours);
        }
        // The agent's next grant or revocation prunes the last expired ones from the index.
        uint256 last = _grant(_params());
        vm.prank(agent);
        sessions.revoke(last);

        assertEq(sessions.sessionsOf(agent).length, 102, "history kept");
        assertEq(sessions.activeSessionsOf(agent, address(vault)).length, 1, "one active session");
        _snapshot();
        uint256 afterHistory = _gasOfSnapshot();
        // Reading one session of a hundred cost ~2.5k gas each (getSession and a filter): a hundred would add ~250k.
        // Absolute: a hundred sessions read would add ~250k; what differs here (~2.3k) does not grow with the history.
        assertApproxEqAbs(afterHistory, flat, 5_000, "lens gas flat (within 5k) whatever the history");
    }
}
