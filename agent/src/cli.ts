#!/usr/bin/env node
/**
 * The treasury agent's command line: `run`, `plan --dry-run`, `status`, `sessions`, `audit`, `authority`, `explain`,
 * `doctor`, `keystore create`.
 * Exit codes: 0 done, 2 bad configuration or key, 3 `audit` found agent actions with no record (or `explain` a
 * decision that diverges from its record), 1 anything else.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { getAddress, isAddress } from "ethers";
import { AgentError, ChainMismatchError, ConfigError, KeyError, UsageError } from "./failures.js";
import { planCommand, sessionsCommand, statusCommand } from "./cli/report-commands.js";
import { registerAuditCommands } from "./cli/audit-commands.js";
import { registerExplainCommand } from "./cli/explain-command.js";
import { registerReportCommand } from "./cli/governance-report.js";
import { DivergedError } from "./explain/index.js";
import { UnmatchedActionsError } from "./audit/index.js";
import { runCommand } from "./cli/run.js";
import { doctorCommand } from "./cli/doctor.js";
import { journalCompactCommand } from "./cli/journal.js";
import { keystoreCreateCommand, readAllStdin, type KeystoreCreateOptions } from "./cli/keystore.js";
import { ENV_FIELDS } from "./config/load.js";
import { AGENT_VERSION } from "./version.js";

const configOption = () =>
  new Option("-c, --config <path>", "config file (JSON); defaults to $AGENT_CONFIG").env("AGENT_CONFIG");

function strategyAddress(value: string): string {
  if (!isAddress(value)) throw new InvalidArgumentError("not a strategy address (0x and 40 hex digits).");
  return getAddress(value);
}

/** The environment variables the configuration reads, from the one list that sets them, wrapped for a terminal. */
export function environmentHelp(): string {
  const names = ["AGENT_CONFIG", ...Object.keys(ENV_FIELDS)].map((n) =>
    n === "AGENT_PRIVATE_KEY" ? `${n} (chain 31337 only)` : n,
  );
  const lines = ["Environment (over the config file):"];
  for (const [i, name] of names.entries()) {
    const item = `${name}${i < names.length - 1 ? "," : "."}`;
    if (lines[lines.length - 1]!.length + item.length + 1 > 116) lines.push(item);
    else lines[lines.length - 1] += ` ${item}`;
  }
  return lines.join("\n");
}

export interface CliOutput {
  /** Reports (stdout). */
  print(text: string): void;
  /** Help and error text from argument parsing (stderr unless help was asked for). */
  writeOut?(text: string): void;
  writeErr?(text: string): void;
  /** All of stdin (undefined for a terminal); for `keystore create`. */
  readStdin?(): Promise<string | undefined>;
}

export function buildProgram(
  print: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
  output: Partial<CliOutput> = {},
): Command {
  const program = new Command()
    .exitOverride()
    .configureOutput({
      writeOut: output.writeOut ?? ((t) => process.stdout.write(t)),
      writeErr: output.writeErr ?? ((t) => process.stderr.write(t)),
    })
    .name("treasury-agent")
    .version(AGENT_VERSION, "-V, --version", "print the agent's version")
    .description("The agent daemon of an agent-operated ERC-4626 treasury: reads, plans, checks, simulates, submits.")
    .showHelpAfterError()
    .addHelpText("after", `\n${environmentHelp()}`);

  program
    .command("run")
    .description("run the daemon: one tick per vault every interval; serves /metrics and /health")
    .addOption(configOption())
    .option(
      "--once",
      "run one tick per vault, wait for what it sent (at most tx.stuckAfterSeconds), then exit; exit 1 when a tick failed or its transaction reverted",
    )
    .option("--reset-breakers", "close every vault's circuit breaker before starting")
    .option(
      "--release-quarantine [strategy]",
      "take one strategy (by address) or every strategy out of the daemon's quarantine before starting",
      strategyAddress,
    )
    .action(
      async (opts: { config?: string; once?: boolean; resetBreakers?: boolean; releaseQuarantine?: string | true }) => {
        const controller = new AbortController();
        // The signal's name is the abort reason: the daemon logs it, finishes its tick, and says it stopped.
        const stop = (signal: NodeJS.Signals) => controller.abort(signal);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        try {
          await runCommand(opts, controller.signal);
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      },
    );

  program
    .command("plan")
    .description("read, plan, check and simulate each vault's next rebalance, and print it; never signs or sends")
    .addOption(configOption())
    .option("--dry-run", "plan without sending (the only mode of this command)", true)
    .option("--vault <address|label>", "only this vault")
    .action(async (opts: { config?: string; vault?: string }) => planCommand(opts, print));

  program
    .command("status")
    .description("print each vault's state: totals, strategies against caps, sessions, breaker, recent decisions")
    .addOption(configOption())
    .action(async (opts: { config?: string }) => statusCommand(opts, print));

  program
    .command("sessions")
    .description("print the agent's sessions per vault: state, validity, budgets left, next call")
    .addOption(configOption())
    .action(async (opts: { config?: string }) => sessionsCommand(opts, print));

  registerAuditCommands(program, print);
  registerExplainCommand(program, print);
  registerReportCommand(program, print);

  program
    .command("doctor")
    .description(
      "check the setup (endpoints, lens and vaults, key, sessions, gas, data directory, clock, journal) and say what to fix; sends nothing",
    )
    .addOption(configOption())
    .option("--json", "print the checks as JSON")
    .action(async (opts: { config?: string; json?: boolean }) => doctorCommand(opts, print));

  program
    .command("journal")
    .description("maintain the agent's journal")
    .command("compact")
    .description(
      "rewrite the journal with what the daemon still needs (in flight, not final, latest per vault); keeps a backup; refuses while a daemon runs on it",
    )
    .addOption(configOption())
    .action(async (opts: { config?: string }) => journalCompactCommand(opts, print));

  const keystore = program.command("keystore").description("manage the agent's encrypted key file");
  keystore
    .command("create")
    .description(
      "write an encrypted JSON keystore for the agent's key, read from stdin or generated; prints only the address",
    )
    .argument("<path>", "the keystore file to write (never overwritten; readable by its owner only)")
    .option("--generate", "generate a new key instead of reading one from stdin")
    .option(
      "--password-file <path>",
      "read the password from this file (one line); else AGENT_KEYSTORE_PASSWORD_FILE or AGENT_KEYSTORE_PASSWORD",
    )
    .addHelpText(
      "after",
      `
Examples:
  pass show dao/agent-key | treasury-agent keystore create agent.keystore.json --password-file ~/.agent-password
  AGENT_KEYSTORE_PASSWORD=... treasury-agent keystore create agent.keystore.json --generate`,
    )
    .action(async (file: string, opts: KeystoreCreateOptions) =>
      keystoreCreateCommand(file, opts, { env: process.env, readStdin: output.readStdin ?? readAllStdin, print }),
    );

  return program;
}

/** Exit code for an error, and the one line to print. */
export function failure(err: unknown): { code: number; message: string } {
  if (err instanceof UnmatchedActionsError || err instanceof DivergedError)
    return { code: err.exitCode, message: err.message };
  if (
    err instanceof ConfigError ||
    err instanceof KeyError ||
    err instanceof ChainMismatchError ||
    err instanceof UsageError
  ) {
    return { code: 2, message: err.message };
  }
  if (err instanceof AgentError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { code: 1, message: `${err.message}${cause}` };
  }
  return { code: 1, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

/**
 * Runs the CLI and returns its exit code: 0 done (or help shown), 2 bad arguments, configuration or key, 1 anything
 * else. Argument errors are reported by commander (the message, then the help) before anything is read or sent.
 */
export async function runCli(argv: string[], output: Partial<CliOutput> = {}): Promise<number> {
  const writeErr = output.writeErr ?? ((t: string) => process.stderr.write(t));
  try {
    await buildProgram(output.print, output).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help or version asked for: 0. Anything else (an unknown command or option, a missing or extra argument, no
      // command at all): commander has printed what is wrong, then the help.
      return err.exitCode === 0 ? 0 : 2;
    }
    const { code, message } = failure(err);
    writeErr(`treasury-agent: ${message}\n`);
    return code;
  }
}

/**
 * A reader that stops early (`treasury-agent status | head`) closes the pipe: the rest of the report has nowhere to go,
 * which is not an error of the command. The process ends quietly with the exit code so far.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}

/** Runs the CLI; sets the process exit code on failure. */
export async function main(argv: string[]): Promise<void> {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  process.exitCode = await runCli(argv);
}

if (process.argv[1] && /cli\.(ts|js)$/.test(process.argv[1])) await main(process.argv);
