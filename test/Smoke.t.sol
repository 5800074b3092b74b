// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./Base.t.sol";

contract SmokeTest is BaseTest {
    function test_rebalance_threeStrategies() public {
        _deposit(alice, 1_000e6);
        _nextBlock();
        uint256 id = _grantDefault();
        _rebalance(_targets3(300e6, 300e6, 300e6), id);
        assertApproxEqAbs(vault.idle(), 100e6, 3, "idle");
        assertEq(vault.totalAssets(), vault.idle() + _sumAllocations(), "no gain or loss: total = idle + book values");
        uint256 shares = vault.balanceOf(alice);
        vm.prank(alice);
        vault.redeem(shares, alice, alice);
        assertApproxEqAbs(asset.balanceOf(alice), 1_000e6, 5, "alice out");
    }
}
