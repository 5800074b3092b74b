#!/usr/bin/env bash
# The README's test command: bootstraps the toolchain, then runs every test.
#   bash scripts/test.sh                      lint, typecheck, the bench's recorded gas figures (--check), agent,
#                                             Solidity (unit, fuzz, invariant) + mocha with line coverage (fails
#                                             below COVERAGE_MIN, 95%)
#   TEST_PROFILE=deep bash scripts/test.sh    the same with long fuzz/invariant settings (not run by CI)
# The contract tests run once, on the instrumented build: the agent's tests run first, on the plain one. Ends with the
# plain build again (the demo and deployments never find instrumented contracts) and the report in coverage/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh

PROFILE="${TEST_PROFILE:-default}"
LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT

echo "== build (contracts)"
pnpm exec hardhat build --quiet --no-tests
echo "== lint and typecheck"
pnpm exec solhint --max-warnings 0 'contracts/**/*.sol' >"$LOG_DIR/solhint.log" || { cat "$LOG_DIR/solhint.log"; exit 1; }
echo "solhint: clean"
pnpm exec tsc -p tsconfig.json
pnpm exec tsc -p agent/tsconfig.json
# TypeScript format (120 columns) and lint, with the import boundaries of biome.json: code outside agent/ uses its front
# door, obs/ does not import the daemon, the pure folders import no I/O. `pnpm run format` fixes what can be fixed.
pnpm exec biome ci . >"$LOG_DIR/biome.log" 2>&1 || { cat "$LOG_DIR/biome.log"; exit 1; }
echo "biome: clean"
echo "== recorded gas figures match the code (bench --check)"
# Gas and code sizes are deterministic: a contract change without a bench refresh fails here, naming each figure.
# Its message says how to refresh them: `bash scripts/bench.sh --gas`.
bash scripts/bench.sh --check
echo "== agent tests (vitest)"
NO_COLOR=1 pnpm --filter ./agent test | tee "$LOG_DIR/agent.log"
echo "== agent tests on a second node implementation (anvil, chain 1337)"
NO_COLOR=1 pnpm --filter ./agent run test:anvil | tee "$LOG_DIR/agent-anvil.log"
echo "== instrumented build (contracts and Solidity tests)"
# Tests a few files per job: solcjs (wasm) runs out of memory compiling everything in one job.
bash scripts/build.sh --coverage
echo "== contract tests with coverage: Solidity unit, fuzz, invariant + mocha/ethers (test profile: $PROFILE)"
# Not --no-compile: the build step of `test` (a no-op after the build above) hands Hardhat the statement map.
pnpm exec hardhat test --coverage --test-profile "$PROFILE" | tee "$LOG_DIR/contracts.log"
echo "== contract line coverage (contracts/, mocks excluded)"
node scripts/coverage-check.mjs "${COVERAGE_MIN:-95}"

# Leave the plain build behind, so the demo and deployments that follow find the contracts they deploy.
pnpm exec hardhat build --quiet --no-tests

contracts=$(grep -Eo '^[0-9]+ passing' "$LOG_DIR/contracts.log" | tail -1 | cut -d' ' -f1)
agent=$(grep -Eo 'Tests +[0-9]+ passed' "$LOG_DIR/agent.log" | tail -1 | grep -Eo '[0-9]+')
anvil=$(grep -Eo 'Tests +[0-9]+ passed' "$LOG_DIR/agent-anvil.log" | tail -1 | grep -Eo '[0-9]+')
echo
echo "contract tests: ${contracts:-0} passed; agent tests: ${agent:-0} passed, ${anvil:-0} of them again on anvil"
echo "$(( ${contracts:-0} + ${agent:-0} + ${anvil:-0} )) passed, 0 failed"
