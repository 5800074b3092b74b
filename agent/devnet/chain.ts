/**
 * The local chains, for the agent's integration tests, the devnet command, the demo and the benches:
 * - `startLocalChain`: by default Hardhat's embedded chain (EDR, in process) served over HTTP JSON-RPC on loopback,
 *   built from the repository's own Hardhat config; or, with `node: "anvil"` (or AGENT_TEST_NODE=anvil), a second
 *   node implementation: anvil (anvil.ts), on another chain id (see agent/README.md, "Two node implementations");
 * - `startEmbeddedChain`: the same embedded chain starting at a fixed date with simulated time, reached both as a
 *   Hardhat network connection (ethers + Ignition, for the deploy and governance actions of scripts/actions/) and
 *   over JSON-RPC on loopback (for the daemon), where every transaction lands one second after the previous block
 *   (rpc-bridge.ts), so that no figure depends on how fast the machine runs.
 */
import path from "node:path";
import { JsonRpcProvider, toQuantity } from "ethers";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { startAnvil } from "./anvil.js";
import { REPO_ROOT } from "./repo-root.js";
import { pinBlockTimes, serveProvider } from "./rpc-bridge.js";

/** The embedded chain's genesis time when time is simulated: a Monday at midnight UTC. */
export const GENESIS = "2026-01-05T00:00:00.000Z";

export type LocalNode = "hardhat" | "anvil";

export interface LocalChain {
  node: LocalNode;
  chainId: number;
  /** JSON-RPC over HTTP on 127.0.0.1. */
  url: string;
  port: number;
  provider: JsonRpcProvider;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  mine(blocks?: number): Promise<void>;
  /** Moves time forward by `seconds` and mines a block. */
  increaseTime(seconds: number): Promise<void>;
  setAutomine(on: boolean): Promise<void>;
  /** Timestamp of the latest block. */
  now(): Promise<bigint>;
  /** Mines a block at `timestamp` (at the next second if that is not later than the latest block); returns its time. */
  mineAt(timestamp: bigint): Promise<bigint>;
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  close(): Promise<void>;
}

export interface LocalChainOptions {
  port?: number;
  /** Which node; default AGENT_TEST_NODE, else Hardhat's. */
  node?: LocalNode;
  /** anvil only (Hardhat's embedded chain is 31337); default 1337, a development chain id other than Hardhat's. */
  chainId?: number;
}

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const node = options.node ?? (process.env.AGENT_TEST_NODE === "anvil" ? "anvil" : "hardhat");
  if (node === "anvil") {
    const anvil = await startAnvil({ port: options.port, chainId: options.chainId ?? 1337 });
    return chainAt("anvil", anvil.chainId, anvil.port, anvil.stop);
  }
  const hre = await hardhatRuntime();
  const server = await hre.network.createServer("default", "127.0.0.1", options.port ?? 0);
  const { port } = await server.listen();
  return chainAt("hardhat", 31337, port, () => server.close());
}

/** The embedded chain with simulated time, and its Hardhat network connection. */
export interface EmbeddedChain extends LocalChain {
  connection: NetworkConnection;
}

export interface EmbeddedChainOptions {
  /**
   * Every transaction sent through `connection` too lands one second after the previous block (unless the caller set
   * the next block's time), so that no block's time depends on the wall clock: needed where interest accrues by the
   * second (the lending world). Without it, the in-process chain stamps those blocks by the wall clock.
   */
  pinBlockTimes?: boolean;
  /** The chain id (default Hardhat's 31337): a second embedded chain beside the first takes another, e.g. 1337. */
  chainId?: number;
}

export async function startEmbeddedChain(options: EmbeddedChainOptions = {}): Promise<EmbeddedChain> {
  const hre = await hardhatRuntime();
  // A reverted transaction is mined and its hash returned, as on a real node (Hardhat throws by default).
  const connection = await hre.network.create({
    override: {
      initialDate: GENESIS,
      throwOnTransactionFailures: false,
      ...(options.chainId === undefined ? {} : { chainId: options.chainId }),
    },
  });
  const provider = connection.provider;
  if (options.pinBlockTimes) pinBlockTimes(provider);
  const request = <T>(method: string, params: unknown[] = []) => provider.request({ method, params }) as Promise<T>;
  const server = await serveProvider(provider);
  const chain = chainAt(
    "hardhat",
    options.chainId ?? 31337,
    server.port,
    async () => {
      await server.close();
      await connection.close();
    },
    request,
  );
  return { ...chain, connection };
}

async function hardhatRuntime() {
  const configPath = path.join(REPO_ROOT, "hardhat.config.ts");
  const { default: config } = (await import(configPath)) as {
    default: Parameters<typeof createHardhatRuntimeEnvironment>[0];
  };
  return await createHardhatRuntimeEnvironment(config, { config: configPath }, REPO_ROOT);
}

/**
 * The chain behind `port`: a provider that batches as the daemon's own does, and the controls, sent by `request`
 * (over that provider unless the caller reaches the chain in process).
 */
function chainAt(
  node: LocalNode,
  chainId: number,
  port: number,
  stop: () => Promise<void>,
  request?: <T>(method: string, params?: unknown[]) => Promise<T>,
): LocalChain {
  const url = `http://127.0.0.1:${port}`;
  // Batches requests issued together, as the daemon's own provider does (`createProvider`, `MAX_BATCH_CALLS`).
  const provider = new JsonRpcProvider(url, chainId, {
    staticNetwork: true,
    batchMaxCount: 100,
    batchStallTime: 0,
    cacheTimeout: -1,
    pollingInterval: 20,
  });
  const rpc = request ?? (<T>(method: string, params: unknown[] = []) => provider.send(method, params) as Promise<T>);
  const now = async () =>
    BigInt((await rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp);
  return {
    node,
    chainId,
    url,
    port,
    provider,
    rpc,
    mine: async (blocks = 1) => {
      for (let i = 0; i < blocks; i++) await rpc("evm_mine");
    },
    increaseTime: async (seconds) => {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine");
    },
    setAutomine: async (on) => {
      await rpc("evm_setAutomine", [on]);
    },
    now,
    mineAt: async (timestamp) => {
      const latest = await now();
      const at = timestamp > latest ? timestamp : latest + 1n;
      await rpc("evm_setNextBlockTimestamp", [toQuantity(at)]);
      await rpc("evm_mine");
      return at;
    },
    snapshot: () => rpc<string>("evm_snapshot"),
    revert: async (id) => {
      await rpc("evm_revert", [id]);
    },
    close: async () => {
      provider.destroy();
      await stop();
    },
  };
}
