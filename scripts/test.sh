#!/usr/bin/env bash
# The README's test command: bootstraps the toolchain, then runs every test.
#   bash scripts/test.sh                      lint, typecheck, Solidity (unit, fuzz, invariant), mocha, agent
#   TEST_PROFILE=deep bash scripts/test.sh    the same with long fuzz/invariant settings (not run by CI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh

PROFILE="${TEST_PROFILE:-default}"
LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT

echo "== build"
# Contracts first, then tests a few files per job: solcjs (wasm) runs out of memory compiling everything in one job.
bash scripts/build.sh
echo "== lint and typecheck"
pnpm exec solhint --max-warnings 0 'contracts/**/*.sol' >"$LOG_DIR/solhint.log" || { cat "$LOG_DIR/solhint.log"; exit 1; }
echo "solhint: clean"
pnpm exec tsc -p tsconfig.json
pnpm exec tsc -p agent/tsconfig.json
echo "== contract tests: Solidity unit, fuzz, invariant + mocha/ethers (test profile: $PROFILE)"
pnpm exec hardhat test --gas-stats --test-profile "$PROFILE" --no-compile | tee "$LOG_DIR/contracts.log"
echo "== agent tests (vitest)"
NO_COLOR=1 pnpm --filter ./agent test | tee "$LOG_DIR/agent.log"

contracts=$(grep -Eo '^[0-9]+ passing' "$LOG_DIR/contracts.log" | tail -1 | cut -d' ' -f1)
agent=$(grep -Eo 'Tests +[0-9]+ passed' "$LOG_DIR/agent.log" | tail -1 | grep -Eo '[0-9]+')
echo
echo "contract tests: ${contracts:-0} passed; agent tests: ${agent:-0} passed"
echo "$(( ${contracts:-0} + ${agent:-0} )) passed, 0 failed"
