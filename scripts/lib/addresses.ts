/**
 * The deployed addresses of one chain, in deploy/addresses/<chainId>.json. The deploy command writes it; the
 * operator scripts and the agent's config read it.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, isAddress } from "ethers";
import { InputError } from "./errors.js";

export const REPO_ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const ADDRESSES_DIR = path.join(REPO_ROOT, "deploy", "addresses");

export interface TreasuryAddresses {
  chainId: number;
  /** The Ignition module and deployment id that produced them. */
  module: string;
  deploymentId: string;
  vault: string;
  sessionManager: string;
  lens: string;
  /** The treasury's governance address (the Timelock when deployed by our modules). */
  timelock?: string;
  governor?: string;
  /** The votes token of the Governor. */
  token?: string;
  /** The Safe that governs the treasury (TreasuryOnSafe), the default of `safe-batch`. */
  safe?: string;
  /** TreasuryRouter: members' slippage-checked deposits and exits (absent from deployments made before it). */
  router?: string;
  /**
   * TreasuryVaultAdmin: the code the vault runs on its own storage for governance and guardian calls (the vault's
   * `adminModule()`; absent from files written before it was recorded).
   */
  admin?: string;
  asset: string;
  /** Strategy vaults deployed with the stack (local mocks); `@N` on the command line names the N-th. */
  strategies: string[];
  /** The block the deployment started at: proposals and events are searched from there. */
  startBlock?: number;
}

const REQUIRED = ["vault", "sessionManager", "lens", "asset"] as const;
const OPTIONAL = ["timelock", "governor", "token", "safe", "router", "admin"] as const;

export function addressesPath(chainId: number | bigint): string {
  return path.join(ADDRESSES_DIR, `${chainId}.json`);
}

/** Reads and checks an addresses file; `file` defaults to deploy/addresses/<chainId>.json. */
export async function readAddresses(
  chainId: number | bigint,
  file: string = addressesPath(chainId),
): Promise<TreasuryAddresses> {
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (cause) {
    throw new InputError(
      `no deployment recorded for chain ${chainId} (${path.relative(process.cwd(), file)} is missing): ` +
        "deploy first (`treasury deploy`) or pass --addresses <file>",
      { cause },
    );
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch (cause) {
    throw new InputError(`${file} is not valid JSON`, { cause });
  }
  const check = (key: string, value: unknown): string => {
    if (typeof value !== "string" || !isAddress(value)) throw new InputError(`${file}: "${key}" is not an address`);
    return getAddress(value);
  };
  if (json.chainId !== undefined && Number(json.chainId) !== Number(chainId)) {
    throw new InputError(`${file} is for chain ${String(json.chainId)}, but the network is chain ${chainId}`);
  }
  const out: Record<string, unknown> = {
    chainId: Number(chainId),
    module: typeof json.module === "string" ? json.module : "unknown",
    deploymentId: typeof json.deploymentId === "string" ? json.deploymentId : "unknown",
  };
  for (const key of REQUIRED) out[key] = check(key, json[key]);
  for (const key of OPTIONAL) if (json[key] !== undefined) out[key] = check(key, json[key]);
  if (json.startBlock !== undefined) {
    if (!Number.isSafeInteger(json.startBlock) || (json.startBlock as number) < 0) {
      throw new InputError(`${file}: "startBlock" is not a block number`);
    }
    out.startBlock = json.startBlock;
  }
  const strategies = json.strategies ?? [];
  if (!Array.isArray(strategies)) throw new InputError(`${file}: "strategies" is not a list`);
  out.strategies = strategies.map((s, i) => check(`strategies[${i}]`, s));
  return out as unknown as TreasuryAddresses;
}

/** Writes the addresses file; returns whether its content changed. */
export async function writeAddresses(
  addresses: TreasuryAddresses,
  file: string = addressesPath(addresses.chainId),
): Promise<boolean> {
  const content = `${JSON.stringify(addresses, null, 2)}\n`;
  const previous = await readFile(file, "utf8").catch(() => undefined);
  if (previous === content) return false;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return true;
}
