/**
 * 5. The real agent daemon (agent/src: reader, planner, mirror, executor, journal), assembled as `treasury-agent run`
 * assembles it, on a clock that reads chain time, serving its dashboard.
 */
import fs from "node:fs";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import {
  assembleDaemon,
  ChainTimeClock,
  createLogger,
  createProvider,
  loadWallet,
  Metrics,
  parseConfig,
  serveDaemon,
  type AssembledDaemon,
  type ObservabilityServer,
} from "../../../agent/src/index.js";
import { AGENT_DEV_KEY, type Stage } from "./stage.js";

export interface DemoDaemon {
  assembled: AssembledDaemon;
  /** Set to each tick's chain time before the daemon ticks. */
  clock: ChainTimeClock;
  /** The daemon's own connection to the chain. */
  provider: JsonRpcProvider;
  server: ObservabilityServer;
  dashboardUrl: string;
  journalPath: string;
  logPath: string;
}

export async function startDaemon(stage: Stage, options: { dataDir: string; port?: number }): Promise<DemoDaemon> {
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
        strategy: "yield",
        minMove: "1000",
        minSpreadBps: 25,
        horizonDays: 30,
        lookbackHours: 24,
        minSamples: 2,
        minWindowMinutes: 60,
        sampleIntervalSeconds: 0,
        nativePriceInAsset: "3000",
      },
      sessions: { warnBeforeExpirySeconds: 86_400, expiryMarginSeconds: 600 },
      metrics: { host: "127.0.0.1", port: options.port ?? 9464 },
      log: { level: "info" },
      vaults: [{ address: a.vault, label: "treasury" }],
    },
    { AGENT_PRIVATE_KEY: AGENT_DEV_KEY },
  );
  const provider = createProvider(config);
  const wallet = await loadWallet(config, 31337n);
  if (wallet.address !== agentAddress) throw new Error(`the demo's agent key is for ${wallet.address}, not account #3 ${agentAddress}`);
  const log = createLogger(config.log.level, { write: (line: string) => fs.appendFileSync(logPath, line) });
  const metrics = new Metrics();
  const clock = new ChainTimeClock();
  clock.set(stage.start);
  const assembled = await assembleDaemon({ config, provider, wallet, chainId: 31337n, clock, log, metrics });
  const server = await serveWithFallback(assembled, config, metrics, options.port === undefined);
  const dashboardUrl = `http://127.0.0.1:${server.port}/`;
  const journalPath = path.join(config.dataDir, "31337", `journal-${agentAddress.toLowerCase()}.jsonl`);
  stage.out(`[daemon]     dashboard ${dashboardUrl}   (journal ${journalPath}, log ${logPath})`);
  return { assembled, clock, provider, server, dashboardUrl, journalPath, logPath };
}

/** Serves the dashboard on the configured port, or (`fallback`, when no port was asked for) any free one if it is taken. */
async function serveWithFallback(
  assembled: AssembledDaemon,
  config: Parameters<typeof serveDaemon>[1],
  metrics: Metrics,
  fallback: boolean,
): Promise<ObservabilityServer> {
  try {
    return (await serveDaemon(assembled, config, metrics))!;
  } catch (err) {
    if (!fallback || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    return (await serveDaemon(assembled, { ...config, metrics: { ...config.metrics, port: 0 } }, metrics))!;
  }
}
