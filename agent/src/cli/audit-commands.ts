/**
 * `audit` and `authority`: what a DAO member with only an RPC endpoint (and the published records) runs to verify
 * what the agent did and who can do what. Read only; they need no configuration file and no key.
 *
 * `audit` exits 0 when every action of an agent key matches a record (or no records were given), 3 when some do not,
 * 1 on error, 2 on bad arguments.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { FetchRequest, getAddress, isAddress, JsonRpcProvider, Network } from "ethers";
import {
  auditVault,
  authorityWarnings,
  DEFAULT_WARNING_POLICY,
  journalRecords,
  publishedRecords,
  readAuthority,
  renderAudit,
  renderAuthority,
  toJson,
  UnmatchedActionsError,
} from "../audit/index.js";
import { RpcError } from "../failures.js";

export function vaultAddress(value: string): string {
  if (!isAddress(value)) throw new InvalidArgumentError("not a vault address (0x and 40 hex digits).");
  return getAddress(value);
}

export function nonNegative(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError("not a whole number.");
  return Number(value);
}

export function positive(value: string): number {
  const n = nonNegative(value);
  if (n === 0) throw new InvalidArgumentError("must be at least 1.");
  return n;
}

export const rpcOption = () =>
  new Option("--rpc-url <url>", "JSON-RPC endpoint (any provider; an archive node for the nonce check of old blocks)")
    .env("AGENT_RPC_URL")
    .makeOptionMandatory();
export const maxRangeOption = () =>
  new Option(
    "--max-block-range <blocks>",
    "most blocks per log query (halved and retried when the provider refuses a range)",
  )
    .argParser(positive)
    .default(10_000);

/**
 * A provider on the endpoint's own chain, asked once (so an unreachable endpoint fails at once instead of retrying).
 */
export async function connect(url: string): Promise<JsonRpcProvider> {
  let chainId: bigint;
  try {
    const request = new FetchRequest(url);
    request.body = { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] };
    request.timeout = 30_000;
    const response = await request.send();
    response.assertOk();
    chainId = BigInt((response.bodyJson as { result: string }).result);
  } catch (err) {
    throw new RpcError(`cannot reach the RPC endpoint ${url}`, { cause: err });
  }
  const network = Network.from(chainId);
  // Small batches: some public endpoints refuse larger ones.
  return new JsonRpcProvider(url, network, { staticNetwork: network, batchMaxCount: 10 });
}

interface AuditOpts {
  vault: string;
  rpcUrl: string;
  fromBlock: number;
  toBlock?: number;
  maxBlockRange: number;
  json?: boolean;
  journal?: string;
  records?: string;
}

interface AuthorityOpts {
  vault: string;
  rpcUrl: string;
  fromBlock: number;
  maxBlockRange: number;
  expiryMargin: number;
  json?: boolean;
}

export function registerAuditCommands(program: Command, print: (text: string) => void): void {
  program
    .command("audit")
    .description(
      "rebuild a vault's history from chain events and match every agent action with a decision record; exit 3 when one has none",
    )
    .requiredOption("--vault <address>", "the vault to audit", vaultAddress)
    .addOption(rpcOption())
    .option("--from-block <n>", "first block read (the vault's deployment block saves queries)", nonNegative, 0)
    .option("--to-block <n>", "last block read (default: the latest)", nonNegative)
    .addOption(maxRangeOption())
    .addOption(new Option("--journal <path>", "match against the daemon's journal file").conflicts("records"))
    .addOption(
      new Option("--records <dir>", "match against a folder of published decision records (JSON files)").conflicts(
        "journal",
      ),
    )
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      "\nExit codes: 0 every agent action matches a record (or none were given), 3 some have none, 1 error, 2 bad arguments.",
    )
    .action(async (opts: AuditOpts) => {
      const records =
        opts.journal !== undefined
          ? journalRecords(opts.journal)
          : opts.records !== undefined
            ? publishedRecords(opts.records)
            : undefined;
      const provider = await connect(opts.rpcUrl);
      try {
        const report = await auditVault(provider, {
          vault: opts.vault,
          fromBlock: opts.fromBlock,
          toBlock: opts.toBlock,
          maxBlockRange: opts.maxBlockRange,
          records,
        });
        print(opts.json ? toJson(report) : renderAudit(report));
        if (report.unmatched > 0) throw new UnmatchedActionsError(report.unmatched);
      } finally {
        provider.destroy();
      }
    });

  program
    .command("authority")
    .description(
      "list every live authority over a vault (governance, Timelock and Governor, guardian, session admin, sessions) with warnings",
    )
    .requiredOption("--vault <address>", "the vault", vaultAddress)
    .addOption(rpcOption())
    .option(
      "--from-block <n>",
      "first block of the event scans (grants, Timelock roles and operations, proposals)",
      nonNegative,
      0,
    )
    .addOption(maxRangeOption())
    .option(
      "--expiry-margin <seconds>",
      "warn about sessions with less time left",
      nonNegative,
      Number(DEFAULT_WARNING_POLICY.expiryMarginSeconds),
    )
    .option("--json", "print the inventory and warnings as JSON")
    .action(async (opts: AuthorityOpts) => {
      const provider = await connect(opts.rpcUrl);
      try {
        const inventory = await readAuthority(provider, opts.vault, {
          fromBlock: opts.fromBlock,
          maxBlockRange: opts.maxBlockRange,
        });
        const warnings = authorityWarnings(inventory, {
          ...DEFAULT_WARNING_POLICY,
          expiryMarginSeconds: BigInt(opts.expiryMargin),
        });
        print(opts.json ? toJson({ ...inventory, warnings }) : renderAuthority(inventory, warnings));
      } finally {
        provider.destroy();
      }
    });
}
