#!/usr/bin/env bash
# The benchmark command: bootstraps the toolchain, then measures gas (and the agent) on the embedded chain.
# Writes BENCHMARKS.md and bench/results.json. Timing is never asserted in tests; it is recorded here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
pnpm exec hardhat run scripts/bench.ts
