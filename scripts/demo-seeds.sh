#!/usr/bin/env bash
# The demo over many seeds (scripts/demo-seeds.ts): the agent against a fixed equal split and everything idle, one row
# per seed. Options pass through: bash scripts/demo-seeds.sh --days 7 --seeds 1-10 (--help lists them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
pnpm exec hardhat build --no-tests --quiet >&2
exec node --import tsx scripts/demo-seeds.ts "$@"
