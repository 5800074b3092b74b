#!/usr/bin/env bash
# Contract line coverage with Hardhat's own `--coverage`, over the Solidity tests and the mocha tests together.
# Fails when the line coverage of the product's contracts (contracts/, mocks excluded) is below COVERAGE_MIN (95).
#   bash scripts/coverage.sh
# Writes coverage/lcov.info and coverage/html/. Leaves instrumented artifacts behind: the next plain build recompiles.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh

MIN="${COVERAGE_MIN:-95}"
echo "== instrumented build"
bash scripts/build.sh --coverage
echo "== tests with coverage"
# Not --no-compile: the build step of `test` (a no-op after the build above) is what hands Hardhat the statement map.
pnpm exec hardhat test --coverage

echo "== contract line coverage (contracts/, mocks excluded)"
node scripts/coverage-check.mjs "$MIN"
