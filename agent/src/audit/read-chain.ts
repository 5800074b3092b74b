/**
 * What the audit and the authority inventory read from the chain, and nothing else: the vault's events and its
 * session manager's (paged, see log-pages.ts), the sender and time of each, the agent keys' nonces, and the vault's
 * strategies with their ERC-20 names. Read only; nothing signs.
 */
import { Contract, getAddress, type Log, type Provider } from "ethers";
import { eventsInterface, ISessionManager__factory, ITreasuryVault__factory } from "../abi/index.js";
import { readTokenName } from "../chain/token-name.js";
import { RpcError, UsageError } from "../failures.js";
import { getLogsPaged } from "./log-pages.js";
import type { ChainEvent, UnrecordedTransaction, VaultContext, VaultHistory } from "./types.js";

const erc20 = ["function decimals() view returns (uint8)"];

/** The session manager's events about one session, kept when the session is the vault's. */
const SESSION_EVENTS = new Set(["SessionRevoked", "SessionConsumed", "SessionLossBudgetSpent", "SessionAgentRotated"]);

/** Requests sent at once when fetching many transactions or blocks. */
const CONCURRENCY = 16;

async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += CONCURRENCY)
    out.push(...(await Promise.all(items.slice(i, i + CONCURRENCY).map(fn))));
  return out;
}

/** The vault's chain, session manager, asset decimals and strategies; a usage error when the address is no vault. */
export async function readVaultContext(provider: Provider, vaultAddress: string): Promise<VaultContext> {
  const vault = ITreasuryVault__factory.connect(vaultAddress, provider);
  const { chainId } = await provider.getNetwork();
  if ((await provider.getCode(vaultAddress)) === "0x")
    throw new UsageError(`--vault ${vaultAddress}: no contract at this address on chain ${chainId}`);
  let sessionManager: string;
  let asset: string;
  let count: bigint;
  try {
    [sessionManager, asset, count] = await Promise.all([vault.sessionManager(), vault.asset(), vault.strategyCount()]);
  } catch (err) {
    throw new UsageError(
      `--vault ${vaultAddress}: not a treasury vault (it does not answer sessionManager(), asset() and strategyCount())`,
      { cause: err },
    );
  }
  const assetDecimals = Number(await new Contract(asset, erc20, provider).getFunction("decimals")());
  const strategies = await inBatches([...Array(Number(count)).keys()], async (index) => {
    const address = await vault.strategyAt(index);
    const [config, name] = await Promise.all([vault.strategyConfig(address), readTokenName(provider, address)]);
    return { index, address: getAddress(address), name, listed: config.listed };
  });
  return {
    chainId,
    vault: getAddress(vaultAddress),
    sessionManager: getAddress(sessionManager),
    assetDecimals,
    strategies,
  };
}

export interface HistoryOptions {
  fromBlock: number;
  /** The last block read (the latest when absent). */
  toBlock?: number;
  maxBlockRange: number;
}

/**
 * The vault's history in [fromBlock, toBlock]: every event of the vault, and the session manager's events that
 * concern it (its sessions, its ceilings, pauses and roles), oldest first, each with its transaction's sender and its
 * block's time. A session granted before `fromBlock` is recognised by asking the session manager.
 */
export async function readHistory(
  provider: Provider,
  ctx: VaultContext,
  options: HistoryOptions,
): Promise<VaultHistory> {
  const latest = await provider.getBlockNumber();
  const toBlock = options.toBlock ?? latest;
  if (options.fromBlock > toBlock)
    throw new UsageError(`--from-block ${options.fromBlock} is after --to-block ${toBlock}`);
  if (toBlock > latest) throw new UsageError(`--to-block ${toBlock} is after the latest block (${latest})`);
  const paged = await getLogsPaged(
    provider,
    { address: [ctx.vault, ctx.sessionManager] },
    options.fromBlock,
    toBlock,
    options.maxBlockRange,
  );

  const manager = ISessionManager__factory.connect(ctx.sessionManager, provider);
  const sessionAgents = new Map<bigint, string>();
  const otherVaultSessions = new Set<bigint>();
  /** Whether a session id belongs to this vault (asking the session manager for one granted before the range). */
  const ours = async (id: bigint): Promise<boolean> => {
    if (sessionAgents.has(id)) return true;
    if (otherVaultSessions.has(id)) return false;
    const s = await manager.getSession(id);
    if (getAddress(s.vault) === ctx.vault) sessionAgents.set(id, getAddress(s.agent));
    else otherVaultSessions.add(id);
    return sessionAgents.has(id);
  };

  const kept: { log: Log; contract: ChainEvent["contract"]; name: string; args: Record<string, unknown> }[] = [];
  let otherLogs = 0;
  for (const log of paged.logs) {
    const parsed = eventsInterface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) {
      otherLogs++;
      continue;
    }
    const contract = getAddress(log.address) === ctx.vault ? "vault" : "sessions";
    const args = parsed.args.toObject(true);
    if (contract === "sessions") {
      if (parsed.name === "SessionGranted") {
        const params = args.params as { agent: string; vault: string };
        if (getAddress(params.vault) !== ctx.vault) {
          otherVaultSessions.add(args.sessionId as bigint);
          continue;
        }
        sessionAgents.set(args.sessionId as bigint, getAddress(params.agent));
      } else if (SESSION_EVENTS.has(parsed.name)) {
        if (!(await ours(args.sessionId as bigint))) continue;
        if (parsed.name === "SessionAgentRotated")
          sessionAgents.set(args.sessionId as bigint, getAddress(args.newAgent as string));
      } else if (parsed.name === "CeilingsSet" && getAddress(args.vault as string) !== ctx.vault) continue;
    }
    kept.push({ log, contract, name: parsed.name, args });
  }

  const txHashes = [...new Set(kept.map((k) => k.log.transactionHash))];
  const senders = new Map<string, string>();
  await inBatches(txHashes, async (hash) => {
    const tx = await provider.getTransaction(hash);
    if (!tx) throw new RpcError(`the provider does not know transaction ${hash}, though it served its logs`);
    senders.set(hash, getAddress(tx.from));
  });
  const blocks = [...new Set(kept.map((k) => k.log.blockNumber))];
  const times = new Map<number, bigint>();
  await inBatches(blocks, async (n) => {
    const block = await provider.getBlock(n);
    if (!block) throw new RpcError(`the provider does not know block ${n}, though it served its logs`);
    times.set(n, BigInt(block.timestamp));
  });

  const events: ChainEvent[] = kept.map(({ log, contract, name, args }) => ({
    contract,
    name,
    args,
    blockNumber: log.blockNumber,
    logIndex: log.index,
    txHash: log.transactionHash,
    sender: senders.get(log.transactionHash)!,
    timestamp: times.get(log.blockNumber)!,
  }));
  events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  return {
    ...ctx,
    fromBlock: options.fromBlock,
    toBlock,
    pages: paged.pages,
    blockRange: paged.blockRange,
    events,
    sessionAgents,
    otherLogs,
  };
}

/** Nonces an agent key used in [fromBlock, toBlock]: [first, end). Needs the provider to serve past nonces. */
export async function nonceRange(
  provider: Provider,
  agent: string,
  fromBlock: number,
  toBlock: number,
): Promise<{ first: number; end: number }> {
  const [first, end] = await Promise.all([
    fromBlock === 0 ? 0 : provider.getTransactionCount(agent, fromBlock - 1),
    provider.getTransactionCount(agent, toBlock),
  ]);
  return { first, end };
}

/**
 * The transaction an agent key sent with `nonce`, found between fromBlock and toBlock: the first block after which the
 * key's nonce passed it (a binary search over past nonces), then the transaction in that block; with its receipt's
 * status (a reverted transaction leaves no event, but it used the key).
 */
export async function findByNonce(
  provider: Provider,
  agent: string,
  nonce: number,
  fromBlock: number,
  toBlock: number,
): Promise<UnrecordedTransaction> {
  let lo = fromBlock;
  let hi = toBlock;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await provider.getTransactionCount(agent, mid)) > nonce) hi = mid;
    else lo = mid + 1;
  }
  const block = await provider.getBlock(lo, true);
  const tx = block?.prefetchedTransactions.find((t) => getAddress(t.from) === agent && t.nonce === nonce);
  if (!block || !tx) return { agent, nonce, blockNumber: lo };
  const receipt = await provider.getTransactionReceipt(tx.hash);
  return {
    agent,
    nonce,
    blockNumber: lo,
    timestamp: BigInt(block.timestamp),
    txHash: tx.hash,
    to: tx.to ? getAddress(tx.to) : undefined,
    reverted: receipt ? receipt.status === 0 : undefined,
  };
}
