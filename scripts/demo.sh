#!/usr/bin/env bash
# The README's main-job command: bootstraps the toolchain, builds the contracts when needed, then runs the treasury
# demo on an embedded chain. Options pass through: bash scripts/demo.sh --days 3 --seed 7 [--hold] (--help lists them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
# The demo is typed with typechain and reads the contracts' artifacts (neither is committed): build once.
if [ ! -f types/ethers-contracts/index.ts ] || [ ! -d artifacts/contracts ]; then
  echo "[demo] building the contracts (once)" >&2
  pnpm exec hardhat build --no-tests --quiet >&2
fi
exec node --import tsx scripts/demo.ts "$@"
