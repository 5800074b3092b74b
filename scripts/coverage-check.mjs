// Reads coverage/lcov.info (written by `hardhat test --coverage`) and prints the line coverage of each product
// contract (contracts/, mocks excluded) and the total. Exits 1 when the total is below the minimum (first argument,
// in percent) or when no product contract is in the report.
//   node scripts/coverage-check.mjs 95
import fs from "node:fs";

const min = Number(process.argv[2] ?? 95);
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
console.log(
  `${total.toFixed(2).padStart(7)}%  ${String(hit).padStart(4)}/${String(found).padEnd(4)}  total (minimum ${min}%)`,
);
if (total < min) {
  console.error(`coverage: ${total.toFixed(2)}% of contract lines is below the ${min}% minimum`);
  process.exit(1);
}
