#!/usr/bin/env bash
# The README's main-job command: bootstraps the toolchain, then runs the treasury demo on the embedded chain.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
pnpm exec hardhat run scripts/demo.ts
