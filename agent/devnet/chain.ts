/**
 * A local chain for the agent's integration tests and the devnet command: by default an embedded Hardhat chain (EDR,
 * in process) served over HTTP JSON-RPC on loopback, built from the repository's own Hardhat config; or, with
 * `node: "anvil"` (or AGENT_TEST_NODE=anvil), a second node implementation: anvil from its npm package, as a child
 * process, on another chain id (see agent/README.md, "Two node implementations", for what differs).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider } from "ethers";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type LocalNode = "hardhat" | "anvil";

export interface LocalChain {
  node: LocalNode;
  chainId: number;
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

export interface LocalChainOptions {
  port?: number;
  /** Which node; default AGENT_TEST_NODE, else Hardhat's. */
  node?: LocalNode;
  /** anvil only (Hardhat's embedded chain is 31337); default 1337, a development chain id other than Hardhat's. */
  chainId?: number;
}

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const node = options.node ?? (process.env.AGENT_TEST_NODE === "anvil" ? "anvil" : "hardhat");
  if (node === "anvil") return startAnvil(options);
  const configPath = path.join(REPO_ROOT, "hardhat.config.ts");
  const { default: config } = (await import(configPath)) as { default: Parameters<typeof createHardhatRuntimeEnvironment>[0] };
  const hre = await createHardhatRuntimeEnvironment(config, { config: configPath }, REPO_ROOT);
  const server = await hre.network.createServer("default", "127.0.0.1", options.port ?? 0);
  const { port } = await server.listen();
  return chainAt("hardhat", 31337, port, () => server.close());
}

/** The chain behind `url`'s port: a provider that batches as the daemon's own does, and the test controls. */
function chainAt(node: LocalNode, chainId: number, port: number, stop: () => Promise<void>): LocalChain {
  const url = `http://127.0.0.1:${port}`;
  // Batches requests issued together, as the daemon's own provider does (`createProvider`).
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, batchMaxCount: 16, batchStallTime: 0, cacheTimeout: -1, pollingInterval: 20 });
  const rpc = <T,>(method: string, params: unknown[] = []) => provider.send(method, params) as Promise<T>;
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
    latestTimestamp: async () => BigInt((await rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp),
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

/** A TCP port free on loopback now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * anvil (npm `@foundry-rs/anvil`, its prebuilt binary) on loopback: Hardhat's default accounts (the same mnemonic),
 * automining, the code size limit of mainnet, and a chain id of our choosing. Resolves once it answers.
 */
async function startAnvil(options: LocalChainOptions): Promise<LocalChain> {
  const chainId = options.chainId ?? 1337;
  const port = options.port ?? (await freePort());
  const bin = createRequire(import.meta.url).resolve("@foundry-rs/anvil/bin.mjs", { paths: [REPO_ROOT] });
  const child: ChildProcess = spawn(process.execPath, [bin, "--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--silent"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode} before answering: ${stderr.trim()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`anvil did not answer on port ${port} within 30 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return chainAt("anvil", chainId, port, stop);
}
