/**
 * `report`: the governance report of one vault over its last days (or from a block), written as `report.md` and a
 * self-contained `report.html` in `--out`. What a DAO member runs with an RPC endpoint and the lens address (and the
 * published records, for each rebalance's reason); an operator gives `--config` instead (its endpoint, lens, journal,
 * quarantine list and event log). Read only; needs no key.
 */
import fs from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { agentAddressOf } from "../config/key.js";
import { loadConfig } from "../config/load.js";
import { dataPaths } from "../daemon/build.js";
import { UsageError } from "../failures.js";
import { readGovernanceReport, renderHtml, renderMarkdown } from "../report/index.js";
import { formatChainTime } from "../util/format.js";
import { connect, maxRangeOption, nonNegative, positive, vaultAddress } from "./audit-commands.js";
import { lensAddress } from "./explain-command.js";

interface ReportOpts {
  config?: string;
  vault: string;
  rpcUrl?: string;
  lens?: string;
  days: number;
  fromBlock?: number;
  toBlock?: number;
  samples: number;
  out: string;
  journal?: string;
  records?: string;
  quarantine?: string;
  events?: string;
  maxBlockRange: number;
}

function samples(value: string): number {
  const n = positive(value);
  if (n < 2) throw new InvalidArgumentError("must be at least 2 (the first and the last block).");
  if (n > 1_000) throw new InvalidArgumentError("at most 1000 (each sample is a call at its block).");
  return n;
}

/** The output folder, made if missing; a file in its place is a usage error naming --out. */
function outputDir(dir: string): string {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
    throw new UsageError(`--out ${dir}: a file is in the way (give a folder)`);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`--out ${dir}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? err})`, {
      cause: err,
    });
  }
  return dir;
}

export function registerReportCommand(program: Command, print: (text: string) => void): void {
  program
    .command("report")
    .description(
      "write a vault's governance report for its last days (report.md and a self-contained report.html with charts): allocations, share price, yield against idle and an equal split, budgets, rejections, stand-downs, quarantines, every rebalance",
    )
    .requiredOption("--vault <address>", "the vault", vaultAddress)
    .addOption(
      new Option(
        "--config <path>",
        "the daemon's configuration (RPC, lens; its journal, quarantine list and event log)",
      ),
    )
    .addOption(
      new Option("--rpc-url <url>", "JSON-RPC endpoint that keeps history (historical calls)").env("AGENT_RPC_URL"),
    )
    .addOption(new Option("--lens <address>", "the TreasuryLens deployment").argParser(lensAddress))
    .addOption(
      new Option("--days <n>", "the period: the last n days up to the last block").argParser(positive).default(7),
    )
    .addOption(
      new Option("--from-block <n>", "start the period at this block instead of --days")
        .argParser(nonNegative)
        .conflicts("days"),
    )
    .option("--to-block <n>", "last block of the period (default: the latest)", nonNegative)
    .option("--samples <n>", "blocks sampled for the charts, evenly spaced", samples, 25)
    .option("--out <dir>", "folder to write report.md and report.html into", ".")
    .addOption(new Option("--journal <path>", "the daemon's journal (reasons, rejections)").conflicts("records"))
    .addOption(new Option("--records <dir>", "a folder of published decision records (reasons)").conflicts("journal"))
    .addOption(new Option("--quarantine <file>", "the daemon's quarantine list for the vault (quarantine.json)"))
    .addOption(
      new Option("--events <file>", "the daemon's event log for the vault (events.jsonl: stand-downs, rejections)"),
    )
    .addOption(maxRangeOption())
    .action(async (opts: ReportOpts) => {
      const config = opts.config !== undefined ? loadConfig(opts.config) : undefined;
      const rpcUrl = opts.rpcUrl ?? config?.network.rpcUrl;
      const lens = opts.lens ?? config?.lens;
      if (!rpcUrl) throw new UsageError("report needs --rpc-url (or --config)");
      if (!lens) throw new UsageError("report needs --lens (or --config)");
      const paths = config ? dataPaths(config, await agentAddressOf(config)) : undefined;
      const journal =
        opts.journal ??
        (opts.records === undefined && paths && fs.existsSync(paths.journal) ? paths.journal : undefined);
      const quarantineFile = paths?.quarantine(opts.vault);
      const quarantine =
        opts.quarantine ?? (quarantineFile && fs.existsSync(quarantineFile) ? quarantineFile : undefined);
      const eventsFile = paths?.events(opts.vault);
      const events = opts.events ?? (eventsFile && fs.existsSync(eventsFile) ? eventsFile : undefined);
      const out = outputDir(opts.out);
      const provider = await connect(rpcUrl);
      try {
        const report = await readGovernanceReport(provider, {
          vault: opts.vault,
          lens,
          days: opts.days,
          fromBlock: opts.fromBlock,
          toBlock: opts.toBlock,
          samples: opts.samples,
          maxBlockRange: opts.maxBlockRange,
          journal,
          records: opts.records,
          quarantine,
          events,
        });
        const md = path.join(out, "report.md");
        const html = path.join(out, "report.html");
        fs.writeFileSync(md, renderMarkdown(report));
        fs.writeFileSync(html, renderHtml(report));
        print(
          `Governance report of vault ${report.vault}, ${formatChainTime(report.from)} to ${formatChainTime(report.to)} (blocks ${report.fromBlock} to ${report.toBlock}): ` +
            `${report.samples.length} samples, ${report.rebalances.length} rebalances, ${report.rejections.length} rejections, ${report.standDowns.length} stand-downs, ${report.quarantines.length} quarantines`,
        );
        print(`wrote ${md} and ${html}`);
      } finally {
        provider.destroy();
      }
    });
}
