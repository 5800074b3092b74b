/**
 * The operator and governance CLI of the treasury.
 *
 *   pnpm treasury <command> [options]          (= node --import tsx scripts/treasury.ts …)
 *   bash scripts/treasury.sh <command> [options]   (the same, on a fresh machine: installs the toolchain first)
 *
 * Works against any network of hardhat.config.ts (`--network localhost`, `--network testnet`, …); the testnet's RPC
 * URL and deployer key are Hardhat configuration variables (keystore or environment). Each command is a thin
 * mapping of options onto one action in scripts/actions/, which the tests call directly.
 *
 * Exit codes: 0 done; 1 refused or failed (the contract's decoded reason is printed); 2 bad input.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { pathToFileURL } from "node:url";
import type { NetworkConnection } from "hardhat/types/network";
import { COMMANDS, type Command } from "./cli/commands.js";
import type { TreasuryAddresses } from "./lib/addresses.js";
import { loadContext, withGovernor, type TreasuryContext } from "./lib/context.js";
import { InputError, OperationError } from "./lib/errors.js";

const GLOBAL_OPTIONS = {
  network: { type: "string" },
  "rpc-url": { type: "string" },
  addresses: { type: "string" },
  from: { type: "string" },
  governor: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

const GLOBAL_HELP = `Global options:
  --network <name>     a network of hardhat.config.ts (default: localhost, i.e. \`hardhat node\` on 127.0.0.1:8545)
  --rpc-url <url>      override the network's JSON-RPC URL
  --addresses <file>   the deployment (default: deploy/addresses/<chainId>.json, written by \`deploy\`)
  --from <account>     the signing account: an address or an index into the network's accounts (default: 0)
  --governor <address> propose, vote, queue and execute through this Governor instead of the addresses file's
                       (e.g. the next governance accepting a handover)
  -h, --help           this help`;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: treasury <command> [options]     (pnpm treasury …, or bash scripts/treasury.sh …)",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    GLOBAL_HELP,
    "",
    "Run `treasury <command> --help` for a command's options.",
  ].join("\n");
}

export function commandUsage(command: Command): string {
  return [
    `Usage: treasury ${command.usage}`,
    "",
    command.summary,
    ...(command.details ? ["", command.details] : []),
    "",
    GLOBAL_HELP,
  ].join("\n");
}

function shortUsage(command: Command): string {
  return `usage: treasury ${command.usage}\n(run \`treasury ${command.name} --help\` for the options)`;
}

export interface MainOptions {
  /** Use this connection instead of opening --network (tests). */
  connection?: NetworkConnection;
  /** Use these addresses instead of reading --addresses or the default file (tests). */
  addresses?: TreasuryAddresses;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Runs one command line (without `node script`); returns the exit code. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    err(`error: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }

  let values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    err(`error: ${(error as Error).message}\n${shortUsage(command)}`);
    return 2;
  }
  if (values.help) {
    out(commandUsage(command));
    return 0;
  }
  if (positionals.length !== command.positionals.length) {
    const expected = command.positionals.map((p) => `<${p}>`).join(" ") || "no positional argument";
    err(
      `error: ${command.name} takes ${expected}, got ${positionals.length ? positionals.join(" ") : "none"}\n${shortUsage(command)}`,
    );
    return 2;
  }

  let connection = options.connection;
  const networkName = (values.network as string | undefined) ?? "localhost";
  try {
    if (!connection) {
      const { network } = await import("hardhat");
      const rpcUrl = values["rpc-url"] as string | undefined;
      connection = await network.create({ network: networkName, override: rpcUrl ? { url: rpcUrl } : undefined });
    }
    try {
      await connection.provider.request({ method: "eth_chainId" });
    } catch (cause) {
      // The URL as given on the command line (scheme, host and port only: a path may hold an API key).
      const rpcUrl = values["rpc-url"] as string | undefined;
      const at = rpcUrl ? ` at ${endpointOf(rpcUrl)}` : "";
      const why = cause instanceof Error ? ` (${cause.message.split("\n")[0]})` : "";
      throw new InputError(
        `cannot reach network ${connection.networkName}${at}${why}${connection.networkName === "localhost" && !rpcUrl ? ": start a local chain first (`bash scripts/local-stack.sh`)" : ""}`,
        { cause },
      );
    }
    let ctx: TreasuryContext | undefined;
    if (command.needsDeployment) {
      ctx = await loadContext(connection, {
        addresses: options.addresses ?? (values.addresses as string | undefined),
        from: values.from as string | undefined,
        log: out,
      });
      ctx = await withGovernor(ctx, values.governor as string | undefined);
    }
    await command.run({ connection, ctx: ctx as TreasuryContext, values, positionals, out });
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      err(`error: ${error.message}\n(run \`treasury ${command.name} --help\` for the options)`);
      return 2;
    }
    if (error instanceof OperationError) {
      err(`error: ${error.message}`);
      return 1;
    }
    err(`error: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.DEBUG) err(String((error as Error).stack));
    return 1;
  } finally {
    if (!options.connection) await connection?.close().catch(() => {});
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}

/**
 * Scheme, host and port of a URL (never its path or query, where providers put API keys); the text itself if it is no
 * URL.
 */
function endpointOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
