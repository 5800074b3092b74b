/**
 * What every operator action works with: the network connection, typed contracts of one deployment, the asset's
 * units, the account that signs, and where progress lines go.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";
import { formatAmount, LensReader } from "@agent-treasury/agent";
import type {
  SessionManager,
  TreasuryGovernor,
  TreasuryTimelock,
  TreasuryVault,
  TreasuryVotes,
} from "../../types/ethers-contracts/index.js";
import { readAddresses, type TreasuryAddresses } from "./addresses.js";
import { InputError, OperationError } from "./errors.js";
import { parseAddress } from "./parse.js";

export interface AssetInfo {
  address: string;
  decimals: number;
  symbol: string;
}

/**
 * Prints amounts of `token` the way the operator commands show them: every digit, with the symbol ("1,500.25 mUSD").
 */
export function tokenAmount(token: { decimals: number; symbol: string }): (value: bigint) => string {
  return (value) => formatAmount(value, token.decimals, token.decimals, token.symbol);
}

export interface TreasuryContext {
  connection: NetworkConnection;
  ethers: HardhatEthers;
  networkName: string;
  chainId: number;
  addresses: TreasuryAddresses;
  vault: TreasuryVault;
  sessions: SessionManager;
  /** The vault's state in one lens call, read the way the agent's daemon reads it. */
  lens: LensReader;
  governor?: TreasuryGovernor;
  timelock?: TreasuryTimelock;
  token?: TreasuryVotes;
  asset: AssetInfo;
  /** The account that sends transactions. */
  signer: HardhatEthersSigner;
  /** Progress output (the CLI prints it; tests collect or drop it). */
  log: (line: string) => void;
}

export interface ContextOptions {
  /** The deployment: its addresses, or a file; default deploy/addresses/<chainId>.json. */
  addresses?: TreasuryAddresses | string;
  /** The signing account: an address, or an index into the network's accounts. Default: the first account. */
  from?: string;
  log?: (line: string) => void;
}

/** Picks the signing account: an address among the network's accounts, or an index into them. */
export async function resolveSigner(ethers: HardhatEthers, from: string | undefined): Promise<HardhatEthersSigner> {
  const signers = await ethers.getSigners();
  if (signers.length === 0) throw new InputError("the network has no accounts to sign with (configure one)");
  if (from === undefined) return signers[0];
  if (/^\d+$/.test(from)) {
    const index = Number(from);
    if (index >= signers.length) {
      throw new InputError(`--from: account index ${index} is out of range (the network has ${signers.length})`);
    }
    return signers[index];
  }
  const address = parseAddress(from, "--from");
  const signer = signers.find((s) => s.address === address);
  if (!signer) throw new InputError(`--from: ${address} is not one of the network's accounts, so it cannot sign`);
  return signer;
}

export async function loadContext(
  connection: NetworkConnection,
  options: ContextOptions = {},
): Promise<TreasuryContext> {
  const { ethers } = connection;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const addresses =
    typeof options.addresses === "object" ? options.addresses : await readAddresses(chainId, options.addresses);
  if ((await ethers.provider.getCode(addresses.vault)) === "0x") {
    throw new InputError(
      `no vault at ${addresses.vault} on ${connection.networkName} (chain ${chainId}): the addresses file is stale ` +
        "(was the local chain restarted?); deploy again",
    );
  }
  const signer = await resolveSigner(ethers, options.from);
  const vault = await ethers.getContractAt("TreasuryVault", addresses.vault, signer);
  const assetContract = await ethers.getContractAt("MockERC20", addresses.asset);
  let decimals: number;
  let symbol: string;
  try {
    [decimals, symbol] = [Number(await assetContract.decimals()), await assetContract.symbol()];
  } catch (cause) {
    throw new OperationError(`cannot read decimals and symbol of the asset ${addresses.asset}`, { cause });
  }
  return {
    connection,
    ethers,
    networkName: connection.networkName,
    chainId,
    addresses,
    vault,
    sessions: await ethers.getContractAt("SessionManager", addresses.sessionManager, signer),
    lens: new LensReader(ethers.provider, addresses.lens),
    governor: addresses.governor
      ? await ethers.getContractAt("TreasuryGovernor", addresses.governor, signer)
      : undefined,
    timelock: addresses.timelock
      ? await ethers.getContractAt("TreasuryTimelock", addresses.timelock, signer)
      : undefined,
    token: addresses.token ? await ethers.getContractAt("TreasuryVotes", addresses.token, signer) : undefined,
    asset: { address: addresses.asset, decimals, symbol },
    signer,
    log: options.log ?? ((line) => console.log(line)),
  };
}

/** The Governor and its Timelock, or an error saying this deployment has none (e.g. a Safe governs it). */
export function requireGovernance(ctx: TreasuryContext): { governor: TreasuryGovernor; timelock: TreasuryTimelock } {
  if (!ctx.governor || !ctx.timelock) {
    throw new InputError(
      "this deployment records no Governor and Timelock: if a Safe governs the treasury, export a Safe batch (`safe-batch`)",
    );
  }
  return { governor: ctx.governor, timelock: ctx.timelock };
}

/** Returns the same context signing with another account. */
export async function withSigner(ctx: TreasuryContext, from: string | undefined): Promise<TreasuryContext> {
  if (from === undefined) return ctx;
  const signer = await resolveSigner(ctx.ethers, from);
  return {
    ...ctx,
    signer,
    vault: ctx.vault.connect(signer),
    sessions: ctx.sessions.connect(signer),
    governor: ctx.governor?.connect(signer),
    timelock: ctx.timelock?.connect(signer),
    token: ctx.token?.connect(signer),
  };
}

/**
 * Returns the same context proposing through another Governor (and its Timelock and token): the next governance
 * accepting a handover, or a DAO whose Governor the addresses file does not record.
 */
export async function withGovernor(ctx: TreasuryContext, governor: string | undefined): Promise<TreasuryContext> {
  if (governor === undefined) return ctx;
  const address = parseAddress(governor, "--governor");
  const contract = await ctx.ethers.getContractAt("TreasuryGovernor", address, ctx.signer);
  let timelock: string;
  let token: string;
  try {
    [timelock, token] = [await contract.timelock(), await contract.token()];
  } catch (cause) {
    throw new InputError(
      `--governor: ${address} is not an OpenZeppelin Governor with a Timelock on ${ctx.networkName} (it does not answer timelock() and token())`,
      {
        cause,
      },
    );
  }
  return {
    ...ctx,
    governor: contract,
    timelock: await ctx.ethers.getContractAt("TreasuryTimelock", timelock, ctx.signer),
    token: await ctx.ethers.getContractAt("TreasuryVotes", token, ctx.signer),
  };
}
