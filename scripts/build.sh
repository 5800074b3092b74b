#!/usr/bin/env bash
# Builds the contracts, then the Solidity tests a few files per solc job: solcjs (wasm) takes a job's whole input (every
# source the job's files import) on a fixed-size stack and fails with "memory access out of bounds" when it passes about
# 1.2 MB, as every test together would. A batch that fails is built again one file at a time. Tests import `Test` from
# test/helpers/Test.sol (forge-std's without safeconsole.sol's 427 KB), which keeps one file's instrumented job
# (the vault's, its admin module, the session manager, forge-std, the test) well under that limit.
# Arguments go to each `hardhat build` (e.g. `--coverage` for the instrumented build); BUILD_BATCH sets the files per
# job (default 4). Files already built are not rebuilt.
#   bash scripts/build.sh              contracts and tests
#   bash scripts/build.sh --coverage   the same, instrumented for `hardhat test --coverage`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BATCH="${BUILD_BATCH:-4}"
pnpm exec hardhat build --quiet --no-tests "$@"
mapfile -t files < <(find test -name '*.t.sol' | sort)
for ((i = 0; i < ${#files[@]}; i += BATCH)); do
  batch=("${files[@]:i:BATCH}")
  if ! pnpm exec hardhat build --quiet "$@" "${batch[@]}" >/dev/null 2>&1; then
    echo "[build] one job for ${batch[*]} failed; building them one at a time" >&2
    for file in "${batch[@]}"; do
      pnpm exec hardhat build --quiet "$@" "$file"
    done
  fi
done
# A no-op when every file is built; otherwise it builds (and reports) whatever is left.
pnpm exec hardhat build --quiet "$@"
