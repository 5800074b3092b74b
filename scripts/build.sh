#!/usr/bin/env bash
# Builds the contracts, then the Solidity tests a few files at a time: solcjs (wasm) runs out of memory when every
# test is compiled in one job. Arguments are passed to each `hardhat build` (e.g. `--coverage` for the instrumented
# build). BUILD_BATCH sets the number of test files per job (default 5). Already-built files are not rebuilt.
#   bash scripts/build.sh              contracts and tests
#   bash scripts/build.sh --coverage   the same, instrumented for `hardhat test --coverage`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BATCH="${BUILD_BATCH:-5}"
pnpm exec hardhat build --quiet --no-tests "$@"
mapfile -t files < <(find test -name '*.t.sol' | sort)
for ((i = 0; i < ${#files[@]}; i += BATCH)); do
  pnpm exec hardhat build --quiet "$@" "${files[@]:i:BATCH}"
done
# Anything the batches did not cover (nothing, normally): a no-op when all is built.
pnpm exec hardhat build --quiet "$@"
