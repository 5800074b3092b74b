#!/usr/bin/env bash
# The operator CLI on any machine: bootstraps the toolchain (Node 22, pnpm, dependencies), builds the contracts and
# their types when needed, then runs scripts/treasury.ts. `bash scripts/treasury.sh --help` lists the commands.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
# The scripts are typed with typechain: build once (artifacts/ and types/ are not committed).
if [ ! -f types/ethers-contracts/index.ts ] || [ ! -d artifacts/contracts ]; then
  pnpm exec hardhat build --no-tests --quiet >&2
fi
exec node --import tsx scripts/treasury.ts "$@"
