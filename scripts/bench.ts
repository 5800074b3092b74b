/**
 * The benchmark command (`bash scripts/bench.sh`): measures gas on the embedded chain, each figure against a baseline
 * from the same run, prints a table, and writes BENCHMARKS.md and bench/results.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { createRequire } from "node:module";
import { network } from "hardhat";
import { measureGas, type Figures } from "./lib/gas-bench.js";

const require = createRequire(import.meta.url);
const solcVersion: string = require("solc/package.json").version;

interface Row {
  figure: string;
  value: string;
  baseline: string;
  target: string;
  met: string;
}

const { ethers, networkHelpers } = await network.create("bench");
const started = Date.now();
const f: Figures = await measureGas(ethers, () => networkHelpers.time.latest());
f.bench_wall_seconds = (Date.now() - started) / 1000;

const x = (v: number) => `${v.toFixed(3)}x`;
const g = (v: number) => v.toLocaleString("en-US");
const yes = (ok: boolean) => (ok ? "yes" : "NO");

const rows: Row[] = [];
for (const n of [1, 5, 20]) {
  rows.push({
    figure: `deposit gas, ${n} strateg${n === 1 ? "y" : "ies"} holding money`,
    value: `${g(f[`deposit_gas_${n}`])} (${x(f[`deposit_ratio_plain_${n}`])})`,
    baseline: `plain ERC4626 ${g(f.plain_deposit_gas)}`,
    target: n === 1 ? "<= 1.25x plain" : "",
    met: n === 1 ? yes(f.deposit_ratio_plain_1 <= 1.25) : "",
  });
  rows.push({
    figure: `withdraw gas, ${n} strateg${n === 1 ? "y" : "ies"} holding money`,
    value: `${g(f[`withdraw_gas_${n}`])} (${x(f[`withdraw_ratio_plain_${n}`])})`,
    baseline: `plain ERC4626 ${g(f.plain_withdraw_gas)}`,
    target: n === 1 ? "<= 1.25x plain" : "",
    met: n === 1 ? yes(f.withdraw_ratio_plain_1 <= 1.25) : "",
  });
}
rows.push({
  figure: "deposit / withdraw gas, 20 strategies vs 1",
  value: `${x(f.deposit_ratio_20_vs_1)} / ${x(f.withdraw_ratio_20_vs_1)}`,
  baseline: "1 strategy, same run",
  target: "<= 1.10x",
  met: yes(f.deposit_ratio_20_vs_1 <= 1.1 && f.withdraw_ratio_20_vs_1 <= 1.1),
});
rows.push({
  figure: "enforcement overhead per rebalance (3 legs): checks",
  value: `${g(f.enforcement_overhead_gas)} gas`,
  baseline: `same legs unchecked, same events ${g(f.rebalance_3_legs_unchecked_audited_gas)}`,
  target: "<= 15,000 gas",
  met: yes(f.enforcement_overhead_gas <= 15_000),
});
rows.push({
  figure: "enforcement overhead per rebalance (3 legs): checks + audit events",
  value: `${g(f.enforcement_overhead_with_audit_events_gas)} gas`,
  baseline: `same legs unchecked, no events ${g(f.rebalance_3_legs_unchecked_gas)}`,
  target: "(recorded)",
  met: "",
});
rows.push({
  figure: "gas per rebalance leg",
  value: `${g(f.gas_per_leg)} (${x(f.gas_per_leg_ratio_strategy)})`,
  baseline: `strategy's own deposit ${g(f.strategy_deposit_gas)}`,
  target: "<= 1.15x",
  met: yes(f.gas_per_leg_ratio_strategy <= 1.15),
});
rows.push({
  figure: "legs in one rebalance under a 30M gas block",
  value: `${g(f.legs_per_30m_block)} (50-leg rebalance: ${g(f.rebalance_50_legs_gas)} gas)`,
  baseline: "-",
  target: ">= 50",
  met: yes(f.legs_per_30m_block >= 50),
});

console.table(rows);

const date = new Date().toISOString().slice(0, 10);
const cpu = cpus();
const machine = `${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const md = [
  "# Benchmarks",
  "",
  "Written by `bash scripts/bench.sh`. Every figure is measured on Hardhat's embedded chain in one run; ratios",
  "compare against a baseline measured in the same run.",
  "",
  `- date: ${date}`,
  `- machine: ${machine}`,
  `- solc ${solcVersion}, optimizer on (1,000 runs), EVM cancun`,
  `- bench wall time: ${f.bench_wall_seconds.toFixed(1)} s`,
  "",
  "| figure | value | baseline (same run) | target | met |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.baseline} | ${r.target} | ${r.met} |`),
  "",
  "How each figure is measured (`scripts/lib/gas-bench.ts`):",
  "",
  "- **User path**: a user who already holds shares deposits 1,000 and withdraws 500 (served from idle), with the",
  "  vault's money spread over 1, 5 or 20 strategies; the baseline is OpenZeppelin's ERC4626 with nothing added.",
  "- **Enforcement overhead**: `rebalance` through a session (one withdrawal leg, two deposit legs) minus the same",
  "  legs moved from the same state by `RebalanceHarness`, the vault's own leg code without session and bounds checks;",
  "  once with the same audit events on both sides (the checks alone), once without them on the harness side.",
  "- **Gas per leg**: (50-leg rebalance - 1-leg rebalance) / 49, against a strategy deposit by a holder with shares.",
  "- **Legs per block**: 30M minus the fixed part of a rebalance, over the gas per leg. A vault lists at most 64",
  "  strategies, so 64 legs is the practical maximum.",
  "",
];
writeFileSync("BENCHMARKS.md", md.join("\n"));
mkdirSync("bench", { recursive: true });
writeFileSync("bench/results.json", JSON.stringify(f, null, 2) + "\n");
console.log("\nwrote BENCHMARKS.md and bench/results.json");
