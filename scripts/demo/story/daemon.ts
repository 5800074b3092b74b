/**
 * 5. The real agent daemon (reader, planner, mirror, executor, journal), created by `createAgent` as
 * `treasury-agent run` creates it, on a clock that reads chain time, serving its dashboard.
 */
import fs from "node:fs";
import path from "node:path";
import {
  ChainTimeClock,
  createAgent,
  createLogger,
  loadWallet,
  parseConfig,
  type Agent,
  type ObservabilityServer,
} from "@agent-treasury/agent";
import { AGENT_DEV_KEY, type Stage } from "./stage.js";

export interface DemoDaemon {
  assembled: Agent;
  /** Set to each tick's chain time before the daemon ticks. */
  clock: ChainTimeClock;
  dashboardUrl: string;
  journalPath: string;
  logPath: string;
}

export interface DaemonOptions {
  dataDir: string;
  /** Port of the dashboard; 0 for any free one. Default 9464, or any free port when that one is taken. */
  port?: number;
  /** The daemon's planner (default `yield`). */
  planner?: "yield" | "equal-weight";
  /** The planner's yield model (default `trailing`); `market` for the lending world's strategies. */
  yieldModel?: "trailing" | "market";
  /** Half-life of the market model's averages, hours (the config's default when absent). */
  marketHalfLifeHours?: number;
  marketImpact?: boolean;
  /** The market model's warm-up, hours (the config's default when absent). */
  marketWarmupHours?: number;
  /** Whether the market model's warm-up gives the realized rate (the config's default when absent). */
  marketWarmupRealized?: boolean;
  /** Level of the daemon's log file (default `info`). */
  logLevel?: "info" | "warn";
}

export async function startDaemon(stage: Stage, options: DaemonOptions): Promise<DemoDaemon> {
  const { chain, addresses: a, agentAddress } = stage;
  const { dataDir } = options;
  fs.mkdirSync(dataDir, { recursive: true });
  const logPath = path.join(dataDir, "daemon.log");
  const config = parseConfig(
    {
      network: { rpcUrl: chain.url, chainId: 31337, confirmations: 1, pollIntervalMs: 1_000 },
      lens: a.lens,
      dataDir: path.join(dataDir, "agent"),
      tx: { maxFeePerGasGwei: "100", stuckAfterSeconds: 60 },
      planner: {
        strategy: options.planner ?? "yield",
        minMove: "1000",
        minSpreadBps: 25,
        horizonDays: 30,
        lookbackHours: 24,
        minSamples: 2,
        minWindowMinutes: 60,
        sampleIntervalSeconds: 0,
        nativePriceInAsset: "3000",
        ...(options.yieldModel ? { yieldModel: options.yieldModel } : {}),
        ...(options.marketHalfLifeHours ? { marketHalfLifeHours: options.marketHalfLifeHours } : {}),
        ...(options.marketImpact ? { marketImpact: true } : {}),
        ...(options.marketWarmupHours !== undefined ? { marketWarmupHours: options.marketWarmupHours } : {}),
        ...(options.marketWarmupRealized !== undefined ? { marketWarmupRealized: options.marketWarmupRealized } : {}),
      },
      sessions: { warnBeforeExpirySeconds: 86_400, expiryMarginSeconds: 600 },
      metrics: { host: "127.0.0.1", port: options.port ?? 9464 },
      log: { level: options.logLevel ?? "info" },
      vaults: [{ address: a.vault, label: "treasury" }],
    },
    { AGENT_PRIVATE_KEY: AGENT_DEV_KEY },
  );
  const wallet = await loadWallet(config, 31337n);
  if (wallet.address !== agentAddress)
    throw new Error(`the demo's agent key is for ${wallet.address}, not account #3 ${agentAddress}`);
  const log = createLogger(config.log.level, { write: (line: string) => fs.appendFileSync(logPath, line) });
  const clock = new ChainTimeClock();
  clock.set(stage.start);
  const assembled = await createAgent(config, { wallet, clock, log });
  const server = await serveWithFallback(assembled, options.port === undefined);
  const dashboardUrl = `http://127.0.0.1:${server.port}/`;
  const { journalPath } = assembled;
  stage.out(`[daemon]     dashboard ${dashboardUrl}   (journal ${journalPath}, log ${logPath})`);
  return { assembled, clock, dashboardUrl, journalPath, logPath };
}

/**
 * Serves the dashboard on the configured port, or (`fallback`, when no port was asked for) any free one if it is taken.
 */
export async function serveWithFallback(agent: Pick<Agent, "serve">, fallback: boolean): Promise<ObservabilityServer> {
  try {
    return (await agent.serve())!;
  } catch (err) {
    if (!fallback || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    return (await agent.serve({ port: 0 }))!;
  }
}
