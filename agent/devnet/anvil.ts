/**
 * anvil (npm `@foundry-rs/anvil`, its prebuilt binary) on loopback: Hardhat's default accounts (the same mnemonic),
 * automining, and a chain id of our choosing. Its npm launcher starts the binary as its child, so anvil runs in a
 * process group of its own and `stop` ends the whole group.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import { REPO_ROOT } from "./repo-root.js";

export interface AnvilOptions {
  chainId: number;
  /** A free port by default. */
  port?: number;
  /** Lifts the 24,576-byte code size limit (for instrumented coverage builds); enforced by default, as on mainnet. */
  noCodeSizeLimit?: boolean;
}

export interface Anvil {
  chainId: number;
  port: number;
  url: string;
  /** Ends anvil's process group and waits for the launcher to exit. */
  stop(): Promise<void>;
}

/** Starts anvil; resolves once it answers JSON-RPC (30 s at most). */
export async function startAnvil(options: AnvilOptions): Promise<Anvil> {
  const { chainId } = options;
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const bin = createRequire(import.meta.url).resolve("@foundry-rs/anvil/bin.mjs", { paths: [REPO_ROOT] });
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--silent"];
  if (options.noCodeSizeLimit) args.push("--disable-code-size-limit");
  const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`anvil exited with code ${child.exitCode} before answering: ${stderr.trim()}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
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
  return { chainId, port, url, stop };
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
