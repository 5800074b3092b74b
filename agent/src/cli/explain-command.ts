/**
 * `explain <tx hash | intent hash>`: replays one rebalance from its decision record (see explain/). What a DAO member
 * runs with an RPC endpoint, the lens address and the published records folder; an operator gives `--config` instead
 * (its RPC endpoint, lens and records folder, and its planner settings to replay with).
 *
 * Exit codes (audit's convention): 0 reproduced, 3 diverged, 1 error, 2 bad arguments.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { getAddress, isAddress } from "ethers";
import type { VaultSnapshot } from "../chain/types.js";
import { loadConfig } from "../config/load.js";
import type { AgentConfig } from "../config/schema.js";
import type { IntentRecord, PlannerSettings } from "../executor/intent.js";
import { dataPaths, vaultSetup, yieldModelName } from "../daemon/build.js";
import { plannerSettings } from "../daemon/provenance.js";
import {
  DivergedError,
  explainDecision,
  explanationJson,
  type RecordSource,
  renderExplanation,
} from "../explain/index.js";
import { UsageError } from "../failures.js";
import { connect } from "./audit-commands.js";

interface ExplainOpts {
  config?: string;
  rpcUrl?: string;
  lens?: string;
  records?: string;
  journal?: string;
  json?: boolean;
  maxBlockRange: number;
}

export function lensAddress(value: string): string {
  if (!isAddress(value)) throw new InvalidArgumentError("not a lens address (0x and 40 hex digits).");
  return getAddress(value);
}

function positive(value: string): number {
  if (!/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError("must be a whole number of at least 1.");
  return Number(value);
}

/** The planner settings a configuration gives the record's vault (what the daemon would run with). */
export function settingsFromConfig(
  config: AgentConfig,
): (record: IntentRecord, snapshot: VaultSnapshot) => PlannerSettings {
  return (record, snapshot) => {
    const i = config.vaults.findIndex((v) => v.address.toLowerCase() === record.vault.toLowerCase());
    if (i < 0) throw new UsageError(`vault ${record.vault} is not in the configuration`);
    const { runnerConfig } = vaultSetup(config, i, record.agent, snapshot.assetDecimals);
    return plannerSettings(runnerConfig, yieldModelName(config, i));
  };
}

export function registerExplainCommand(program: Command, print: (text: string) => void): void {
  program
    .command("explain")
    .description(
      "replay a rebalance from its decision record: check the record against the chain, re-read the vault at its block, re-run the planner and say why each strategy moved, or where it diverges",
    )
    .argument("<hash>", "the rebalance's transaction hash, or its intent hash")
    .addOption(new Option("--config <path>", "the daemon's configuration (RPC, lens, records; its planner settings)"))
    .addOption(new Option("--rpc-url <url>", "JSON-RPC endpoint (an archive node for old blocks)").env("AGENT_RPC_URL"))
    .addOption(new Option("--lens <address>", "the TreasuryLens deployment").argParser(lensAddress))
    .addOption(new Option("--records <dir>", "a folder of published decision records").conflicts("journal"))
    .addOption(new Option("--journal <path>", "the daemon's journal file").conflicts("records"))
    .option("--json", "print the explanation as JSON")
    .addOption(
      new Option("--max-block-range <blocks>", "most blocks per log query").argParser(positive).default(10_000),
    )
    .addHelpText(
      "after",
      "\nExit codes: 0 reproduced exactly, 3 diverged (the record, the chain, the state, the settings or the targets), 1 error, 2 bad arguments.",
    )
    .action(async (hash: string, opts: ExplainOpts) => {
      const config = opts.config !== undefined ? loadConfig(opts.config) : undefined;
      const rpcUrl = opts.rpcUrl ?? config?.network.rpcUrl;
      const lens = opts.lens ?? config?.lens;
      if (!rpcUrl) throw new UsageError("explain needs --rpc-url (or --config)");
      if (!lens) throw new UsageError("explain needs --lens (or --config)");
      const source: RecordSource | undefined =
        opts.journal !== undefined
          ? { kind: "journal", file: opts.journal }
          : opts.records !== undefined
            ? { kind: "records", dir: opts.records }
            : config
              ? { kind: "records", dir: dataPaths(config, "0x").records }
              : undefined;
      if (!source) throw new UsageError("explain needs --records or --journal (or --config)");
      const provider = await connect(rpcUrl);
      try {
        const explanation = await explainDecision(provider, {
          hash,
          source,
          lens,
          maxBlockRange: opts.maxBlockRange,
          ...(config ? { settings: settingsFromConfig(config) } : {}),
        });
        print(opts.json ? explanationJson(explanation) : renderExplanation(explanation));
        if (!explanation.reproduced) throw new DivergedError(explanation.divergences.length);
      } finally {
        provider.destroy();
      }
    });
}
