// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// forge-std's `Test` without the console imports of forge-std's Test.sol (safeconsole.sol alone is 427 KB; StdCheats
// still brings console.sol). solcjs (wasm) receives each compile job's whole input (every source of the job) on a
// fixed-size stack and fails with "memory access out of bounds" above about 1.2 MB; instrumented for coverage, a vault
// test's job came within a few kilobytes of it. No test here uses the console. Same contracts, same order, as
// forge-std's Test.
import {TestBase} from "forge-std/Base.sol";
import {StdAssertions} from "forge-std/StdAssertions.sol";
import {StdChains} from "forge-std/StdChains.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

abstract contract Test is TestBase, StdAssertions, StdChains, StdCheats, StdInvariant, StdUtils {
    // Note: IS_TEST() must return true.
    bool public IS_TEST = true;
}
