/**
 * Peak memory of the daemon managing 50 vaults: the real executable (`bin/treasury-agent.mjs run`, TypeScript run
 * through tsx as operators run it) in a child process, against the embedded chain over loopback, with each vault's
 * price history already at its steady-state size (2,000 samples per strategy). Its resident set is sampled from
 * /proc every 100 ms while it ticks; the peak is the kernel's high-water mark (VmHWM) when it is stopped. Node runs
 * with the options of the executable's `#!` line, as when operators run it by name. For
 * diagnosis only (`memory-run.ts`): `BENCH_DAEMON_ENTRY=dist` runs the compiled agent, `BENCH_DAEMON_NODE_ARGS` adds
 * Node options.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@agent-treasury/agent/devnet";
import { Wallet } from "ethers";
import { dataPaths, parseConfig, type LensReader } from "./agent-internals.js";
import { AGENT_KEY, benchConfigFile } from "./config.js";
import type { Fleet, FleetVault } from "./fleet.js";
import { writeHistoryFile } from "./synthetic.js";

const AGENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../agent");

export interface MemoryFigures {
  vaults: number;
  strategiesPerVault: number;
  /** Kernel high-water mark of the daemon's resident set, MiB. */
  peakRssMiB: number;
  /** Largest resident set seen while sampling, MiB. */
  sampledMaxRssMiB: number;
  /** Resident set after its first full tick, MiB. */
  afterFirstTickRssMiB: number;
  /** V8 heap in use at the end (the daemon's own `nodejs_heap_size_used_bytes`), MiB. */
  heapUsedMiB: number;
  ticks: number;
  seconds: number;
  /** CPU time the daemon used (user + system, from /proc), seconds: what the memory options cost. */
  cpuSeconds: number;
}

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, in clock ticks of 1/100 s), NaN once it is gone. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Node options the executable's first line gives (`#!/usr/bin/env -S node <options>`): operators run it by name
 * (the package's `bin`, the systemd unit's `ExecStart`), so the kernel starts Node with them; the daemon here runs
 * with them too, under this process's Node.
 */
export function executableNodeOptions(file = path.join(AGENT_DIR, "bin/treasury-agent.mjs")): string[] {
  const first = fs.readFileSync(file, "utf8").split("\n", 1)[0]!;
  const options = /^#!\S*env -S node(?:\s(.*))?$/.exec(first);
  return options?.[1]?.trim().split(/\s+/) ?? [];
}

/** A field of /proc/<pid>/status in MiB (the kernel reports kB), or undefined once the process is gone. */
function statusMiB(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A gauge of the daemon's own /metrics, in MiB. */
async function metricMiB(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) / 2 ** 20 : NaN;
}

/** The daemon's last completed tick, from /health (cheap: /metrics would make the daemon render every series). */
async function lastTickAt(port: number): Promise<string | null> {
  try {
    return ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { lastTickAt: string | null })
      .lastTickAt;
  } catch {
    return null;
  }
}

export async function measureDaemonMemory(
  fleet: Fleet,
  reader: LensReader,
  vaults: FleetVault[],
  options: { ticks: number; pollIntervalMs: number; timeoutMs: number },
): Promise<MemoryFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bench-memory-"));
  const port = await freePort();
  const agent = new Wallet(AGENT_KEY).address;
  const file = benchConfigFile({
    rpcUrl: fleet.chain.url,
    lens: fleet.lensAddress,
    dataDir: dir,
    vaults: vaults.map((v, i) => ({ address: v.address, label: `vault-${i}` })),
    pollIntervalMs: options.pollIntervalMs,
    metricsPort: port,
    // The whole fleet's reads are one request, which the embedded chain answers by executing 50 lens calls one after
    // the other: on a loaded machine that can pass the default 10 s. This figure is memory, not latency.
    requestTimeoutMs: 120_000,
  });
  const configPath = path.join(dir, "agent.config.json");
  fs.writeFileSync(configPath, JSON.stringify(file, null, 2));
  const paths = dataPaths(parseConfig(file, { AGENT_PRIVATE_KEY: AGENT_KEY }, dir), agent);
  for (const v of vaults) writeHistoryFile(paths.prices(v.address), await reader.snapshot(v.address, agent));

  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      ...executableNodeOptions(),
      ...(process.env.BENCH_DAEMON_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      process.env.BENCH_DAEMON_ENTRY === "dist"
        ? path.join(AGENT_DIR, "dist/cli.js")
        : path.join(AGENT_DIR, "bin/treasury-agent.mjs"),
      "run",
      "--config",
      configPath,
    ],
    {
      cwd: AGENT_DIR,
      env: { ...process.env, AGENT_PRIVATE_KEY: AGENT_KEY, AGENT_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // The daemon logs to stdout (warnings and errors only at this level): kept, to say why it did not tick.
  child.stdout.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const pid = child.pid!;
  let sampledMax = 0;
  let afterFirst = 0;
  let ticks = 0;
  let last: string | null = null;
  let hwm = 0;
  let heap = NaN;
  let cpu = NaN;
  try {
    // A daemon tick over 50 vaults takes far longer than the 100 ms between polls, so no tick goes unseen.
    while (Date.now() - started < options.timeoutMs) {
      const rss = statusMiB(pid, "VmRSS");
      if (rss === undefined) throw new Error(`the daemon exited early: ${stderr.slice(-2_000)}`);
      sampledMax = Math.max(sampledMax, rss);
      const at = await lastTickAt(port);
      if (at !== null && at !== last) {
        last = at;
        ticks++;
        if (ticks === 1) afterFirst = rss;
      }
      if (ticks >= options.ticks) break;
      await sleep(100);
    }
    heap = await metricMiB(port, "nodejs_heap_size_used_bytes");
    hwm = statusMiB(pid, "VmHWM") ?? sampledMax;
    cpu = cpuSecondsOf(pid);
    if (ticks < options.ticks)
      throw new Error(
        `the daemon ran ${ticks} ticks of ${options.ticks} in ${options.timeoutMs} ms: ${stderr.slice(-2_000)}`,
      );
  } finally {
    child.kill("SIGTERM");
    const code = await Promise.race([exited, sleep(10_000).then(() => "timeout" as const)]);
    if (code === "timeout") child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    vaults: vaults.length,
    strategiesPerVault: vaults[0]!.strategies.length,
    peakRssMiB: hwm,
    sampledMaxRssMiB: sampledMax,
    afterFirstTickRssMiB: afterFirst,
    heapUsedMiB: heap,
    ticks,
    seconds: (Date.now() - started) / 1000,
    cpuSeconds: cpu,
  };
}
