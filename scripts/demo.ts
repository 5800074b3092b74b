/**
 * The main job: `bash scripts/demo.sh [--days N] [--seed S] [--hold]` (= node --import tsx scripts/demo.ts …).
 * See scripts/demo/run.ts for the story. Prints progress while it runs, then the summary. Exit codes: 0 done,
 * 1 failed, 2 bad options.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MAX_DAYS, checkOptions, runDemo } from "./demo/run.js";
import { runChainsDemo } from "./demo/chains.js";
import type { DemoWorld } from "./demo/market.js";
import { renderSummary, summaryJson } from "./demo/summary.js";
import { parseCommandLine, wholeNumber } from "./lib/args.js";
import { runIfMain } from "./lib/entry.js";

const USAGE = `Usage: bash scripts/demo.sh [options]

Deploys the treasury on an embedded chain, sets its bounds by a governance proposal, grants the agent a session,
runs the agent daemon over simulated days while strategy yields change, shows a rogue rebalance rejected by the
contract, a guardian pause lifted by governance, the session expiring, and prints a summary.

Options:
  --days <n>     simulated days the agent's session lasts, 1 to ${MAX_DAYS} (default 5)
  --seed <s>     seed of the yield path (or of the borrowers); the same seed gives the same summary (default 1)
  --world <w>    the strategies: "mock" (default: mock strategies on a seeded yield path) or "lending" (curated
                 vaults over Morpho Blue markets, with seeded borrowers, 100% utilization and a default)
  --hold         keep the daemon's dashboard up after the summary, until Ctrl-C
  --port <p>     port of the dashboard (default 9464, or a free one if taken)
  --pace <ms>    wait this long after each 2-hour step, to watch the dashboard (default 0)
  --json <file>  also write the summary as JSON
  --keep         keep the daemon's journal and log (in a temporary folder, printed); removed at exit otherwise
  --chains <n>   1 (default: the story above) or 2: two embedded chains, the treasury on each, one daemon managing
                 both and one dashboard showing both (--hold, --port and --keep apply; the story's options do not)
  -h, --help     this help`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      days: { type: "string", default: "5" },
      seed: { type: "string", default: "1" },
      world: { type: "string", default: "mock" },
      hold: { type: "boolean", default: false },
      port: { type: "string" },
      pace: { type: "string", default: "0" },
      json: { type: "string" },
      keep: { type: "boolean", default: false },
      chains: { type: "string", default: "1" },
    },
    USAGE,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const days = wholeNumber(values.days);
  const seed = wholeNumber(values.seed);
  const pace = wholeNumber(values.pace);
  const port = values.port === undefined ? undefined : wholeNumber(values.port);
  const world = String(values.world) as DemoWorld;
  const chainCount = wholeNumber(values.chains);
  try {
    if (chainCount !== 1 && chainCount !== 2)
      throw new RangeError(`--chains must be 1 or 2, got ${String(values.chains)}`);
    checkOptions({ days, seed, world });
    if (Number.isNaN(pace))
      throw new RangeError(`--pace must be a whole number of milliseconds, got ${String(values.pace)}`);
    if (port !== undefined && (Number.isNaN(port) || port > 65_535))
      throw new RangeError(`--port must be a port number, got ${String(values.port)}`);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 2;
  }

  const started = performance.now();
  // The daemon's journal, price history and log: a temporary folder, removed however the run ends (done, failed,
  // Ctrl-C or SIGTERM) unless --keep.
  const keep = values.keep === true;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "treasury-demo-"));
  const cleanup = () => {
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let releaseHold: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (releaseHold) return releaseHold();
    console.error(
      `\ninterrupted (${signal}); ${keep ? `the journal and the daemon log stay in ${dataDir}` : "removed the run's temporary folder"}`,
    );
    cleanup();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (chainCount === 2) {
    try {
      return await chainsDemo({ dataDir, port, hold: values.hold === true, keep, started }, (r) => (releaseHold = r));
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      cleanup();
    }
  }
  let run: Awaited<ReturnType<typeof runDemo>> | undefined;
  try {
    run = await runDemo({ days, seed, world, port, paceMs: pace, dataDir });
    console.log("");
    console.log(renderSummary(run.summary));
    console.log("");
    if (keep) {
      console.log(`Decision journal: ${run.journalPath}`);
      console.log(`Daemon log:       ${run.logPath}`);
    } else {
      console.log("Decision journal and daemon log: removed with the run's temporary folder (--keep keeps them)");
    }
    if (values.json) {
      fs.writeFileSync(String(values.json), `${summaryJson(run.summary)}\n`);
      console.log(`Summary JSON:     ${String(values.json)}`);
    }
    console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s of wall time.`);
    if (values.hold) {
      console.log(`\nThe dashboard stays up at ${run.dashboardUrl} (the chain keeps its final state). Ctrl-C to stop.`);
      await new Promise<void>((resolve) => (releaseHold = resolve));
    }
  } finally {
    await run?.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    cleanup();
  }
  return 0;
}

/** `--chains 2`: one daemon on two embedded chains (demo/chains.ts). */
async function chainsDemo(
  o: { dataDir: string; port?: number; hold: boolean; keep: boolean; started: number },
  onHold: (release: () => void) => void,
): Promise<number> {
  const run = await runChainsDemo({ dataDir: o.dataDir, port: o.port });
  try {
    console.log("");
    console.log(
      o.keep
        ? `Journals and daemon log: ${o.dataDir}`
        : "Journals and daemon log: removed with the run's temporary folder (--keep keeps them)",
    );
    console.log(`Done in ${((performance.now() - o.started) / 1000).toFixed(1)} s of wall time.`);
    if (o.hold) {
      console.log(
        `\nThe dashboard stays up at ${run.dashboardUrl} (both chains keep their final state). Ctrl-C to stop.`,
      );
      await new Promise<void>((resolve) => onHold(resolve));
    }
  } finally {
    await run.close();
  }
  return 0;
}

await runIfMain(import.meta.url, main);
