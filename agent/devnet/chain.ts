/**
 * An embedded Hardhat chain (EDR, in process) served over HTTP JSON-RPC on loopback, built from the repository's own
 * Hardhat config. Used by the agent's integration tests and by the devnet command.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider } from "ethers";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface LocalChain {
  url: string;
  port: number;
  provider: JsonRpcProvider;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  mine(blocks?: number): Promise<void>;
  /** Moves time forward by `seconds` and mines a block. */
  increaseTime(seconds: number): Promise<void>;
  setAutomine(on: boolean): Promise<void>;
  latestTimestamp(): Promise<bigint>;
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalChain(options: { port?: number } = {}): Promise<LocalChain> {
  const configPath = path.join(REPO_ROOT, "hardhat.config.ts");
  const { default: config } = (await import(configPath)) as { default: Parameters<typeof createHardhatRuntimeEnvironment>[0] };
  const hre = await createHardhatRuntimeEnvironment(config, { config: configPath }, REPO_ROOT);
  const server = await hre.network.createServer("default", "127.0.0.1", options.port ?? 0);
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  // Batches requests issued together, as the daemon's own provider does (`createProvider`).
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, batchMaxCount: 16, batchStallTime: 0, cacheTimeout: -1, pollingInterval: 20 });
  const rpc = <T,>(method: string, params: unknown[] = []) => provider.send(method, params) as Promise<T>;
  return {
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
    latestTimestamp: async () => BigInt((await rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp),
    snapshot: () => rpc<string>("evm_snapshot"),
    revert: async (id) => {
      await rpc("evm_revert", [id]);
    },
    close: async () => {
      provider.destroy();
      await server.close();
    },
  };
}
