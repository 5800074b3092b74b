#!/usr/bin/env bash
# The README's main-job command: bootstraps the toolchain, builds the contracts when needed, then runs the treasury
# demo on an embedded chain. Options pass through: bash scripts/demo.sh --days 3 --seed 7 [--hold] (--help lists them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
# The demo is typed with typechain and reads the contracts' artifacts (neither is committed): build once.
# Always the plain build (a no-op when it is up to date): a coverage run leaves instrumented contracts in artifacts/,
# over the code size limit, and the demo must never deploy those.
pnpm exec hardhat build --no-tests --quiet >&2
exec node --import tsx scripts/demo.ts "$@"
