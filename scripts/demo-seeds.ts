/**
 * The demo over many seeds: `bash scripts/demo-seeds.sh [--days N] [--seeds 1-10] [--json file]` runs the whole demo
 * (scripts/demo/run.ts) once per seed, quietly, and prints one row per seed: the agent's annualized return against a
 * fixed equal split and everything idle on the same yield path, its rebalances and its reversals (a strategy moved in
 * and out, or out and back in, within a day), and what the rate oracle (demo/yields.ts `rateOracle`: the bound of
 * any planner that chases rates without foreseeing the loss) makes against the split. Exit codes: 0 done, 1 failed,
 * 2 bad options.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEMO_BUFFER_BPS, MOCK_CAPS_BPS, STEP_SECONDS, STEPS_PER_DAY } from "./demo/market.js";
import { checkOptions, runDemo } from "./demo/run.js";
import { rateOracle, yieldPath } from "./demo/yields.js";
import { reversalsIn, type Counterfactual, type DemoSummary } from "./demo/summary.js";
import { runIfMain } from "./lib/entry.js";

const USAGE = `Usage: bash scripts/demo-seeds.sh [options]

Runs the demo once per seed and prints the agent against a fixed equal split and everything idle.

Options:
  --days <n>     simulated days per run, 1 to 7 (default 7)
  --seeds <list> seeds: a range "1-10" or a list "1,4,6" (default 1-10)
  --json <file>  also write the rows as JSON
  -h, --help     this help`;

export interface SeedRow {
  seed: number;
  /** Annualized returns, in percent a year. */
  agent: number;
  equalSplit: number;
  idle: number;
  /** The best a planner chasing rates can do without foreseeing the loss (`rateOracle`), annualized likewise. */
  rateOracle: number;
  rebalances: number;
  reversals: number;
  wallSeconds: number;
}

/** Annualized return of a counterfactual, in percent a year (as the demo's summary computes it). */
export function annualized(c: Counterfactual, s: DemoSummary): number {
  const bps = s.deposits === 0n ? 0 : Number((c.earned * 1_000_000n) / s.deposits) / 100;
  return s.outcome.periodSeconds > 0 ? (bps * 31_536_000) / s.outcome.periodSeconds / 100 : 0;
}

/** "1-10" or "1,4,6" (or both: "1-3,7"). */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new RangeError(`--seeds must be a range like 1-10 or a list like 1,4,6, got "${text}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new RangeError(`--seeds: the range ${part.trim()} runs backwards`);
    for (let s = from; s <= to; s++) out.push(s);
  }
  return out;
}

export function renderRows(rows: SeedRow[], days: number): string {
  const pct = (v: number) => `${v.toFixed(2)}%`;
  const signed = (v: number) => `${v >= 0 ? "+" : ""}${pct(v)}`;
  const lines = [
    `Agent against a fixed equal split and everything idle, ${days} simulated day${days === 1 ? "" : "s"} per seed (annualized)`,
    "",
    "| seed | agent | equal split | idle | agent - split | rebalances | reversals | rate oracle - split |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const diff = r.agent - r.equalSplit;
    lines.push(
      `| ${r.seed} | ${pct(r.agent)} | ${pct(r.equalSplit)} | ${pct(r.idle)} | ${signed(diff)} | ${r.rebalances} | ${r.reversals} | ${signed(r.rateOracle - r.equalSplit)} |`,
    );
  }
  const mean = (f: (r: SeedRow) => number) => rows.reduce((s, r) => s + f(r), 0) / Math.max(1, rows.length);
  const beats = rows.filter((r) => r.agent > r.equalSplit).length;
  lines.push(
    `| mean | ${pct(mean((r) => r.agent))} | ${pct(mean((r) => r.equalSplit))} | ${pct(mean((r) => r.idle))} | ${pct(mean((r) => r.agent - r.equalSplit))} | ${mean((r) => r.rebalances).toFixed(1)} | ${mean((r) => r.reversals).toFixed(1)} | ${signed(mean((r) => r.rateOracle - r.equalSplit))} |`,
  );
  lines.push("");
  const reversals = rows.reduce((s, r) => s + r.reversals, 0);
  const oracleBeats = rows.filter((r) => r.rateOracle > r.equalSplit).length;
  lines.push(
    `The agent beats the equal split on ${beats} of ${rows.length} seeds; ${reversals} reversal${reversals === 1 ? "" : "s"} in all. ` +
      `The rate oracle (each step's rates known as it ends, no lag, no cost, no foresight of the loss) beats it on ${oracleBeats}.`,
  );
  return lines.join("\n");
}

/** `rateOracle` on the demo's path for `seed`, in percent a year. */
export function oracleAnnualized(seed: number, days: number): number {
  const earned = rateOracle(yieldPath({ seed, days, strategies: MOCK_CAPS_BPS.length }), {
    capsBps: [...MOCK_CAPS_BPS],
    bufferBps: DEMO_BUFFER_BPS,
    stepsPerDay: STEPS_PER_DAY,
    stepSeconds: Number(STEP_SECONDS),
  });
  return (earned * 100 * 365) / days;
}

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let days: number;
  let seeds: number[];
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        days: { type: "string", default: "7" },
        seeds: { type: "string", default: "1-10" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    days = /^\d+$/.test(String(values.days)) ? Number(values.days) : Number.NaN;
    seeds = parseSeeds(String(values.seeds));
    for (const seed of seeds) checkOptions({ days, seed });
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const rows: SeedRow[] = [];
  for (const seed of seeds) {
    const started = performance.now();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "treasury-seeds-"));
    const run = await runDemo({ days, seed, port: 0, dataDir, out: () => {} });
    try {
      const s = run.summary;
      rows.push({
        seed,
        agent: annualized(s.outcome.agent, s),
        equalSplit: annualized(s.outcome.equalSplit, s),
        idle: annualized(s.outcome.idle, s),
        rateOracle: oracleAnnualized(seed, days),
        rebalances: s.rebalances.length,
        reversals: reversalsIn(s.rebalances),
        wallSeconds: (performance.now() - started) / 1000,
      });
      const r = rows[rows.length - 1]!;
      console.error(
        `seed ${seed}: agent ${r.agent.toFixed(2)}%, equal split ${r.equalSplit.toFixed(2)}%, ${r.rebalances} rebalances, ${r.reversals} reversals (${r.wallSeconds.toFixed(1)} s)`,
      );
    } finally {
      await run.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log(renderRows(rows, days));
  if (values.json) fs.writeFileSync(String(values.json), `${JSON.stringify(rows, null, 2)}\n`);
  return 0;
}

await runIfMain(import.meta.url, main);
