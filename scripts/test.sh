#!/usr/bin/env bash
# The README's test command: bootstraps the toolchain, then runs every test.
#   bash scripts/test.sh            lint + Solidity (unit, fuzz, invariant) + TypeScript + agent tests
#   TEST_PROFILE=deep bash scripts/test.sh   the same with long fuzz/invariant settings (not run by CI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh

PROFILE="${TEST_PROFILE:-default}"

echo "== build"
pnpm exec hardhat build
echo "== solhint"
pnpm exec solhint --max-warnings 0 'contracts/**/*.sol'
echo "== contract tests (Solidity + mocha/ethers, test profile: $PROFILE)"
pnpm exec hardhat test --gas-stats --test-profile "$PROFILE" --no-compile
echo "== agent tests (vitest)"
pnpm --filter ./agent test
