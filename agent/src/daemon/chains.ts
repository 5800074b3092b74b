/**
 * Many chains, one daemon: a configuration listing several `networks` runs one agent per chain (createAgent: its own
 * provider, executor with its nonce sequence, journal under `<dataDir>/<chainId>/`, notifier), each ticking in its own
 * loop, so a chain whose node hangs or fails never delays another's tick. What the operator sees is one: one /health,
 * one /ready, one dashboard listing every chain's vaults, each row labelled with its chain.
 */
import type { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import type { AgentConfig, NetworkConfig } from "../config/schema.js";
import type { Metrics } from "../obs/metrics.js";
import type { HealthReport, ObservabilityServer } from "../obs/server.js";
import { startObservabilityServer } from "../obs/server.js";
import type { Clock } from "../util/clock.js";
import { releaseQuarantine } from "./assemble.js";
import { assertChain, createProvider } from "./build.js";
import { createAgent, type Agent, type AgentOptions } from "./create-agent.js";
import type { DaemonTick } from "./daemon.js";

/**
 * The configuration of one of the chains: `network` is it (and `networks` it alone), `vaults` the vaults on it, and
 * `tx` with this chain's fee ceiling and priority fee when it sets them. Everything that works on one chain takes it.
 */
export function chainConfig(config: AgentConfig, network: NetworkConfig): AgentConfig {
  const { maxFeePerGasGwei, priorityFeeGwei } = network;
  return {
    ...config,
    network,
    networks: [network],
    vaults: config.vaults.filter((v) => v.network === network.name),
    tx: {
      ...config.tx,
      ...(maxFeePerGasGwei === undefined ? {} : { maxFeePerGasGwei }),
      ...(priorityFeeGwei === undefined ? {} : { priorityFeeGwei }),
    },
  };
}

/** One configuration per chain that has vaults, in the order the networks are listed. */
export function chainConfigs(config: AgentConfig): AgentConfig[] {
  return config.networks.map((n) => chainConfig(config, n)).filter((c) => c.vaults.length > 0);
}

/** One chain's agent, with the name and chain id it is shown by. */
export interface ChainAgent {
  name: string;
  chainId: number;
  config: AgentConfig;
  agent: Agent;
}

export interface ChainsOptions extends Omit<AgentOptions, "provider" | "log" | "metrics" | "clock"> {
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  /** A provider per network name (tests); otherwise one over each network's endpoints, checked against its chain id. */
  providers?: Record<string, JsonRpcProvider>;
}

export interface Chains {
  chains: ChainAgent[];
  /** One tick on every chain at once; resolves when the slowest chain's tick ends. */
  tick(): Promise<DaemonTick[]>;
  /** Every chain's loop, each at its own pace, until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  health(): HealthReport;
  readiness(): ReturnType<typeof combinedReadiness>;
  /** The dashboard's JSON: every chain's vaults, journal and rejections, each labelled with its chain. */
  view(): unknown;
  history(): unknown;
  /** Serves the dashboard, /metrics, /health and /ready for every chain (nothing when metrics are disabled). */
  serve(options?: { port?: number }): Promise<ObservabilityServer | undefined>;
  close(): Promise<void>;
}

/**
 * Builds one agent per chain. Each provider is checked against its network's chain id first (a wrong endpoint stops
 * the start, naming it); a chain that cannot be reached at start stops the start too: nothing is half-configured.
 */
export async function createChains(config: AgentConfig, options: ChainsOptions): Promise<Chains> {
  const { providers, log, metrics, clock, releaseQuarantine: release, ...passed } = options;
  const chains: ChainAgent[] = [];
  const opened: JsonRpcProvider[] = [];
  try {
    for (const c of chainConfigs(config)) {
      const net = c.network;
      const chainLog = log.child({ chain: net.name });
      let provider = providers?.[net.name];
      if (!provider) {
        const own = createProvider(c, { log: chainLog, metrics });
        opened.push(own);
        await assertChain(own, c, chainLog);
        provider = own;
      }
      const agent = await createAgent(c, { ...passed, provider, log: chainLog, metrics, clock, chain: net.name });
      chains.push({ name: net.name, chainId: net.chainId, config: c, agent });
    }
    // A strategy to release may be on any chain: naming one that no chain's vault holds in quarantine is the error.
    if (release !== undefined)
      releaseQuarantine(
        chains.flatMap((c) => c.agent.runners),
        release,
        log,
      );
  } catch (err) {
    await Promise.all(chains.map((c) => c.agent.close()));
    for (const p of opened) p.destroy();
    throw err;
  }
  const servers: ObservabilityServer[] = [];
  const chainsView = {
    chains,
    async tick() {
      return (await Promise.all(chains.map((c) => c.agent.daemon.tick()))).flat();
    },
    async run(signal: AbortSignal) {
      await Promise.all(chains.map((c) => c.agent.daemon.run(signal)));
    },
    health: () => combinedHealth(chains),
    readiness: () => combinedReadiness(chains),
    view: () => combinedView(chains),
    history: () => ({
      version: chains.reduce((sum, c) => sum + Number((c.agent.dashboard.history() as { version: number }).version), 0),
      vaults: chains.flatMap((c) => (c.agent.dashboard.history() as { vaults: unknown[] }).vaults),
    }),
    async serve(serveOptions: { port?: number } = {}) {
      if (!config.metrics.enabled) return undefined;
      const server = await startObservabilityServer({
        host: config.metrics.host,
        port: serveOptions.port ?? config.metrics.port,
        registry: metrics.registry,
        health: () => chainsView.health(),
        readiness: () => chainsView.readiness(),
        dashboard: () => chainsView.view(),
        history: () => chainsView.history(),
        decision: (intentHash) => {
          for (const c of chains) {
            const found = c.agent.records.read(intentHash);
            if (found !== undefined) return found;
          }
          return undefined;
        },
      });
      servers.push(server);
      return server;
    },
    async close() {
      await Promise.all(servers.splice(0).map((s) => s.close()));
      await Promise.all(chains.map((c) => c.agent.close()));
      for (const p of opened) p.destroy();
    },
  };
  return chainsView;
}

/** Healthy when every chain's loop is; each chain's own report under `chains`. */
function combinedHealth(chains: ChainAgent[]): HealthReport {
  const each = chains.map((c) => [c.name, c.agent.daemon.health()] as const);
  const ticks = each.map(([, h]) => h.lastTickAt as string | null);
  return {
    healthy: each.every(([, h]) => h.healthy),
    // The chain that ticked least recently (null while one has not ticked yet).
    lastTickAt: ticks.includes(null) ? null : ticks.sort()[0]!,
    consecutiveFailures: Math.max(...each.map(([, h]) => Number(h.consecutiveFailures))),
    breakersOpen: each.flatMap(([, h]) => h.breakersOpen as string[]),
    vaults: Object.assign({}, ...each.map(([, h]) => h.vaults)),
    chains: Object.fromEntries(each),
  };
}

/** Ready when every chain is; each reason names its chain. */
function combinedReadiness(chains: ChainAgent[]) {
  const each = chains.map((c) => [c, c.agent.daemon.readiness()] as const);
  return {
    ready: each.every(([, r]) => r.ready),
    status: each.every(([, r]) => r.ready) ? "ready" : "not-ready",
    reasons: each.flatMap(([c, r]) => r.reasons.map((why) => `${c.name}: ${why}`)),
    warnings: each.flatMap(([c, r]) => r.warnings.map((why) => `${c.name}: ${why}`)),
    vaults: Object.assign({}, ...each.map(([, r]) => r.vaults)),
    key: each[0]?.[1].key ?? null,
    chains: Object.fromEntries(each.map(([c, r]) => [c.name, r])),
  };
}

type View = {
  version: number;
  agent: string;
  chainId: string;
  key: unknown;
  vaults: unknown[];
  journal: Array<Record<string, unknown>>;
  rejections: Array<Record<string, unknown>>;
};

/** Every chain's dashboard in one: rows, journal entries and rejections each carry `chain` and `chainId`. */
function combinedView(chains: ChainAgent[]) {
  const views = chains.map((c) => [c, c.agent.dashboard.view() as unknown as View] as const);
  const tag = (c: ChainAgent) => (row: Record<string, unknown>) => ({ ...row, chain: c.name, chainId: c.chainId });
  return {
    version: views.reduce((sum, [, v]) => sum + v.version, 0),
    agent: views[0]?.[1].agent ?? null,
    chainId: views[0]?.[1].chainId ?? null,
    chains: views.map(([c, v]) => ({ name: c.name, chainId: c.chainId, key: v.key })),
    health: combinedHealth(chains),
    readiness: combinedReadiness(chains),
    key: views[0]?.[1].key ?? null,
    vaults: views.flatMap(([, v]) => v.vaults),
    journal: views.flatMap(([c, v]) => v.journal.map(tag(c))),
    rejections: views.flatMap(([c, v]) => v.rejections.map(tag(c))),
  };
}
