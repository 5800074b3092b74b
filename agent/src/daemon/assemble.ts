/**
 * The daemon as `run` puts it together: runners, executor and journal (build.ts), the loop, and the dashboard state
 * fed by every tick; then the HTTP server for the dashboard, /metrics and /health. Every caller, `run` included,
 * uses it through `createAgent` (create-agent.ts).
 */
import type { RecordFolder } from "../executor/records.js";
import type { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import { createNotifier, type Notifier } from "../alerts/index.js";
import { assetSymbols } from "../chain/asset-symbol.js";
import type { AgentConfig } from "../config/schema.js";
import type { Executor } from "../executor/executor.js";
import type { Journal } from "../executor/journal.js";
import type { AgentKey } from "../executor/sender.js";
import { UsageError } from "../failures.js";
import { StrategyNames } from "../chain/token-name.js";
import { type DashboardOptions, DashboardState } from "../obs/dashboard.js";
import type { Metrics } from "../obs/metrics.js";
import { startObservabilityServer, type ObservabilityServer } from "../obs/server.js";
import type { Clock } from "../util/clock.js";
import { buildRunners, type BuildOptions, dataPaths } from "./build.js";
import { DraftStore } from "../drafts/store.js";
import { Daemon } from "./daemon.js";
import type { VaultRunner } from "./vault-runner.js";

export interface AssembledDaemon {
  daemon: Daemon;
  dashboard: DashboardState;
  runners: VaultRunner[];
  journal: Journal;
  executor?: Executor;
  /** Webhook alerts; absent without `alerts.targets`. */
  notifier?: Notifier;
  /** The published decision records (`<dataDir>/<chainId>/records/<intentHash>.json`). */
  records: RecordFolder;
}

export async function assembleDaemon(options: {
  config: AgentConfig;
  provider: JsonRpcProvider;
  wallet: AgentKey;
  chainId: bigint;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  resetBreakers?: boolean;
  /** A strategy address, or true for every quarantined strategy: released before the first tick. */
  releaseQuarantine?: string | true;
  /** Read each vault again after a tick that sent or settled, for the dashboard (default true). */
  readAfter?: boolean;
  /** The network's name, when the daemon runs on several chains: the dashboard labels each vault with it. */
  chain?: string;
  /** Test seams (`createAgent` passes them through). */
  overrides?: BuildOptions["overrides"];
  sender?: BuildOptions["sender"];
  reader?: BuildOptions["reader"];
  /** The journal, when it is not the file under `dataDir` (high availability: PostgreSQL's). */
  journal?: BuildOptions["journal"];
  /** High availability: the lease this daemon holds, for the dashboard. */
  lease?: DashboardOptions["lease"];
}): Promise<AssembledDaemon> {
  const { config, provider, wallet, clock, log, metrics } = options;
  const { runners, journal, executor, funds, records, strategies } = await buildRunners({
    config,
    provider,
    agent: wallet.address,
    clock,
    log,
    metrics,
    wallet,
    overrides: options.overrides,
    sender: options.sender,
    reader: options.reader,
    journal: options.journal,
  });
  if (options.resetBreakers) {
    for (const r of runners) {
      if (r.breaker.open)
        log.warn({ vault: r.config.label, was: r.breaker.reason }, "circuit breaker reset by the operator");
      r.breaker.reset();
    }
  }
  if (options.releaseQuarantine !== undefined) releaseQuarantine(runners, options.releaseQuarantine, log);
  // Each strategy's ERC-20 name, read at start for the strategies the vaults list (one batch), so that an idle tick
  // is the vaults' snapshots alone; a strategy listed later is named the first time a tick shows it.
  const names = new StrategyNames(provider);
  await names.learn(strategies);
  const dashboard: DashboardState = new DashboardState({
    agent: wallet.address,
    chainId: options.chainId,
    chain: options.chain,
    journal,
    vaults: runners.map((r) => ({ label: r.config.label, vault: r.config.vault, policy: r.config.policy })),
    health: () => daemon.health(),
    readiness: () => daemon.readiness(),
    funds,
    symbols: await assetSymbols(
      provider,
      runners.map((r) => r.config.vault),
    ),
    strategyLabel: (address) => names.label(address),
    historyPoints: config.metrics.historyPoints,
    drafts: () => DraftStore.read(dataPaths(config, wallet.address).drafts),
    lease: options.lease,
  });
  const notifier = createNotifier({
    config,
    chainId: options.chainId,
    clock,
    log,
    metrics,
    provider,
    agent: wallet.address,
    journal,
    funds,
  });
  const daemon: Daemon = new Daemon(runners, clock, log, metrics, {
    pollIntervalMs: config.network.pollIntervalMs,
    funds,
    readAfter: options.readAfter ?? true,
    onTick: async (ticks) => {
      // The name of a strategy listed since start, read the first time a tick shows it (no request otherwise).
      await names.learn(ticks.flatMap((t) => t.report?.snapshot.strategies.map((x) => x.strategy) ?? []));
      dashboard.observe(ticks);
      notifier?.observe(ticks);
    },
  });
  return { daemon, dashboard, runners, journal, executor, notifier, records };
}

/** Serves the dashboard, /metrics and /health as the configuration says (nothing when metrics are disabled). */
export async function serveDaemon(
  assembled: AssembledDaemon,
  config: AgentConfig,
  metrics: Metrics,
): Promise<ObservabilityServer | undefined> {
  if (!config.metrics.enabled) return undefined;
  return await startObservabilityServer({
    host: config.metrics.host,
    port: config.metrics.port,
    registry: metrics.registry,
    health: () => assembled.daemon.health(),
    readiness: () => assembled.daemon.readiness(),
    dashboard: () => assembled.dashboard.view(),
    history: () => assembled.dashboard.history(),
    decision: (intentHash) => assembled.records.read(intentHash),
  });
}

/** Takes strategies out of quarantine, logging each; naming one that no vault has in quarantine is a usage error. */
export function releaseQuarantine(runners: VaultRunner[], which: string | true, log: Logger): void {
  const strategy = which === true ? undefined : which;
  if (strategy !== undefined && !runners.some((r) => r.quarantine.get(strategy))) {
    throw new UsageError(`--release-quarantine: no vault has strategy ${strategy} in quarantine`);
  }
  for (const r of runners) {
    for (const e of r.quarantine.release(strategy)) {
      log.warn(
        { vault: r.config.label, strategy: e.strategy, was: e.reason },
        `strategy ${e.strategy} released from quarantine by the operator`,
      );
    }
  }
}
