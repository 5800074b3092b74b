#!/usr/bin/env bash
# Contract line coverage with Hardhat's own `--coverage`, over the Solidity tests and the mocha tests together.
# Fails when the line coverage of the product's contracts (contracts/, mocks excluded) is below COVERAGE_MIN (95).
#   bash scripts/coverage.sh
# Writes coverage/lcov.info and coverage/html/. Leaves instrumented artifacts behind: the next plain build recompiles.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh

MIN="${COVERAGE_MIN:-95}"
echo "== instrumented build"
bash scripts/build.sh --coverage
echo "== tests with coverage"
# Not --no-compile: the build step of `test` (a no-op after the build above) is what hands Hardhat the statement map.
pnpm exec hardhat test --coverage

echo "== contract line coverage (contracts/, mocks excluded)"
node - "$MIN" <<'JS'
const fs = require("node:fs");
const min = Number(process.argv[2]);
const files = [];
let current;
for (const line of fs.readFileSync("coverage/lcov.info", "utf8").split("\n")) {
  if (line.startsWith("SF:")) current = { path: line.slice(3), found: 0, hit: 0 };
  else if (line.startsWith("LF:")) current.found = Number(line.slice(3));
  else if (line.startsWith("LH:")) current.hit = Number(line.slice(3));
  else if (line === "end_of_record") files.push(current);
}
const product = files.filter((f) => f.path.startsWith("contracts/") && !f.path.startsWith("contracts/mocks/"));
if (product.length === 0) {
  console.error("coverage: no contract in coverage/lcov.info (was the instrumented build used?)");
  process.exit(1);
}
let found = 0;
let hit = 0;
for (const f of product.sort((a, b) => a.path.localeCompare(b.path))) {
  found += f.found;
  hit += f.hit;
  const pct = f.found === 0 ? 100 : (100 * f.hit) / f.found;
  console.log(`${pct.toFixed(2).padStart(7)}%  ${String(f.hit).padStart(4)}/${String(f.found).padEnd(4)}  ${f.path}`);
}
const total = (100 * hit) / found;
const summary = `${String(hit).padStart(4)}/${String(found).padEnd(4)}  total (minimum ${min}%)`;
console.log(`${total.toFixed(2).padStart(7)}%  ${summary}`);
if (total < min) {
  console.error(`coverage: ${total.toFixed(2)}% of contract lines is below the ${min}% minimum`);
  process.exit(1);
}
JS
