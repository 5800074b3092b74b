/**
 * Wall time of the demos, each run as a user runs it (default options), in a child process: the repository's
 * `bash scripts/demo.sh` (deploy, bounds by a governance proposal, a session, the daemon over five simulated days of
 * changing yields with a rogue rebalance, a guardian pause and the session's expiry, the summary) and the agent's
 * `devnet --demo` (chain, stack, the daemon for six ticks with yield changes, a revoke it stands down on, the status
 * table).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface DemoFigures {
  demoSeconds: number;
  devnetSeconds: number;
}

async function timed(command: string, args: string[], cwd: string): Promise<number> {
  const started = Date.now();
  const child = spawn(command, args, { cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}: ${output.slice(-2_000)}`);
  return (Date.now() - started) / 1000;
}

export async function measureDemos(repoRoot: string): Promise<DemoFigures> {
  const demoSeconds = await timed("bash", ["scripts/demo.sh"], repoRoot);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bench-devnet-"));
  try {
    const devnetSeconds = await timed(
      process.execPath,
      ["--import", "tsx", "devnet/main.ts", "--demo", "--port", "0", "--dir", dir],
      path.join(repoRoot, "agent"),
    );
    return { demoSeconds, devnetSeconds };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
