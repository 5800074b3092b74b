#!/usr/bin/env bash
# The benchmark command: bootstraps the toolchain, builds the contracts, then measures gas (bench/gas.ts) and the agent
# (bench/agent/) on the embedded chain (bench/main.ts). Writes BENCHMARKS.md and bench/results.json. Timing is never
# asserted in tests; it is recorded here.
#   --gas       gas and code sizes only (deterministic, a few seconds): rewrites their keys of bench/results.json and
#               their section of BENCHMARKS.md, keeping the agent's figures
#   --check     gas and code sizes only, writing nothing: fails, naming each figure with its recorded and measured
#               value, when bench/results.json or BENCHMARKS.md no longer match the code (run by CI)
#   --lending [options]   the lending world's allocation bench instead (bench/lending.ts; --help lists its options):
#               it writes its own section of BENCHMARKS.md and the `lending` key of bench/results.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
# Contracts only: the bench needs no Solidity tests, and solcjs runs out of memory compiling both in one job from clean.
pnpm exec hardhat build --no-tests --quiet
case "${1:-}" in
  --lending)
    shift
    exec node --import tsx bench/lending.ts "$@"
    ;;
  --gas) export BENCH_MODE=gas ;;
  --check) export BENCH_MODE=check ;;
  "") export BENCH_MODE=full ;;
  *)
    echo "error: unknown option $1 (expected --gas, --check or --lending)" >&2
    exit 2
    ;;
esac
pnpm exec hardhat run --no-compile bench/main.ts
