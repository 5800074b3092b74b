#!/usr/bin/env bash
# The benchmark command: bootstraps the toolchain, builds the contracts, then measures gas (bench/gas.ts) and the agent
# (bench/agent/) on the embedded chain (bench/main.ts). Writes BENCHMARKS.md and bench/results.json. Timing is never
# asserted in tests; it is recorded here.
# `--lending [options]` runs the lending world's allocation bench instead (bench/lending.ts; --help lists its options):
# it writes its own section of BENCHMARKS.md and the `lending` key of bench/results.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
# Contracts only: the bench needs no Solidity tests, and solcjs runs out of memory compiling both in one job from clean.
pnpm exec hardhat build --no-tests --quiet
if [[ "${1:-}" == "--lending" ]]; then
  shift
  exec node --import tsx bench/lending.ts "$@"
fi
pnpm exec hardhat run --no-compile bench/main.ts
