/** A real process for the CLI tests: spawned, fed stdin, its output and exit code collected. */
import { spawn } from "node:child_process";
import path from "node:path";

export const AGENT_DIR = path.resolve(import.meta.dirname, "../..");
export const ROOT = path.resolve(AGENT_DIR, "..");
/** The agent's executable, as the workspace links it. */
export const BIN = path.join(AGENT_DIR, "bin/treasury-agent.mjs");

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` (through a shell when `shell` is set), with `input` on stdin; resolves when it exits. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; shell?: boolean; timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, AGENT_CONFIG: "", ...options.env },
      shell: options.shell ?? false,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/**
 * `treasury-agent <args>` as a process (cwd `agent/` unless given), with no AGENT_* variable from the test's own
 * environment.
 */
export function treasuryAgent(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<Finished> {
  const clean = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith("AGENT_"))
      .map((k) => [k, ""]),
  );
  return runProcess(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? AGENT_DIR,
    env: { ...clean, ...options.env },
    input: options.input,
    timeoutMs: options.timeoutMs,
  });
}
