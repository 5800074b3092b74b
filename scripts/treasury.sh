#!/usr/bin/env bash
# The operator CLI on any machine: bootstraps the toolchain (Node 22, pnpm, dependencies), builds the contracts and
# their types when needed, then runs scripts/treasury.ts. `bash scripts/treasury.sh --help` lists the commands.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
# The scripts are typed with typechain (artifacts/ and types/ are not committed). Always the plain build, a no-op when
# it is up to date: a coverage run leaves instrumented contracts in artifacts/, over the code size limit, and a
# deployment must never use those.
pnpm exec hardhat build --no-tests --quiet >&2
exec node --import tsx scripts/treasury.ts "$@"
