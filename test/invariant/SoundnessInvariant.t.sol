// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {BaseTest} from "../Base.t.sol";
import {ISessionManager} from "../../contracts/interfaces/ISessionManager.sol";
import {HostileViewStrategy} from "../../contracts/mocks/HostileViewStrategy.sol";
import {SoundnessHandler} from "./SoundnessHandler.sol";

/// @notice The soundness invariants of the vault header, held across random sequences of holders' deposits and
/// exits, flash round trips (alone and around the agent's own rebalance), agent rebalances, unrecorded gains and
/// losses, an attacker strategy whose views fail partially, reentrantly or only after the move, and time.
/// @dev Run alone with both files named:
/// `pnpm exec hardhat test solidity test/invariant/SoundnessInvariant.t.sol test/invariant/SoundnessHandler.sol`.
contract SoundnessInvariantTest is BaseTest {
    SoundnessHandler internal handler;

    function setUp() public override {
        super.setUp();
        HostileViewStrategy hostile = new HostileViewStrategy(asset);
        hostile.setVault(address(vault));
        vm.prank(governance);
        vault.addStrategy(address(hostile), ABS_CAP, REL_CAP_BPS);
        _deposit(alice, 600e6);
        _deposit(bob, 400e6);
        ISessionManager.SessionParams memory p = _params();
        p.scope = 15;
        p.validUntil = uint40(block.timestamp + 365 days);
        uint256 id = _grant(p);
        address[] memory holders = new address[](2);
        (holders[0], holders[1]) = (alice, bob);
        handler = new SoundnessHandler(vault, strategies, hostile, holders, agent, id);
        vm.roll(block.number + 1);
        targetContract(address(handler));
    }

    /// @dev No value from thin air: recorded total assets never exceed idle plus the live value of every position.
    function invariant_totalAssetsAtMostLiveValue() public view {
        assertLe(vault.totalAssets(), handler.liveValue(), "totalAssets <= live value");
    }

    /// @dev No free round trip: no deposit-and-exit within one call ever returned more than it put in.
    function invariant_noRoundTripProfit() public view {
        assertEq(handler.roundTripProfit(), 0, "no actor profits from a round trip at live value");
    }

    /// @dev Idle is real money.
    function invariant_idleBacked() public view {
        assertLe(vault.idle(), IERC20(address(asset)).balanceOf(address(vault)), "idle <= balance");
    }

    /// @dev Exits stay open: max* never revert.
    function invariant_maxNeverReverts() public view {
        vault.maxWithdraw(alice);
        vault.maxRedeem(bob);
    }
}
