/**
 * Many chains, one daemon: a configuration listing several `networks` runs one agent per chain (createAgent: its own
 * provider, executor with its nonce sequence, journal under `<dataDir>/<chainId>/`, notifier), each ticking in its own
 * loop, so a chain whose node hangs or fails never delays another's tick (and one down at start is tried again while
 * the others run). What the operator sees is one: one /health, one /ready, one dashboard listing every chain's vaults,
 * each row labelled with its chain.
 */
import type { JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import type { AgentConfig, NetworkConfig } from "../config/schema.js";
import type { Metrics } from "../obs/metrics.js";
import type { HealthReport, ObservabilityServer } from "../obs/server.js";
import { startObservabilityServer } from "../obs/server.js";
import type { Clock } from "../util/clock.js";
import { ChainMismatchError, ConfigError, errorDetail, KeyError } from "../failures.js";
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

/** A chain whose node could not be reached at start: tried again every poll interval while the others run. */
export interface WaitingChain {
  name: string;
  chainId: number;
  config: AgentConfig;
  /** Why it has not started: the last failure. */
  error: Error;
}

export interface Chains {
  /** The chains running, in the order the networks are listed. */
  chains: ChainAgent[];
  /** The chains not reached yet (their node down at start): each joins `chains` once it answers. */
  waiting: WaitingChain[];
  /** One tick on every running chain at once; resolves when the slowest chain's tick ends. */
  tick(): Promise<DaemonTick[]>;
  /** Every chain's loop, each at its own pace, until `signal` aborts; a waiting chain starts its own once reached. */
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

/** Failures that are the configuration's (or the key's), not a node's: they stop the start, on any chain. */
const fatal = (err: unknown) =>
  err instanceof ConfigError || err instanceof ChainMismatchError || err instanceof KeyError;

/**
 * Builds one agent per chain. Each provider is checked against its network's chain id first. A wrong configuration
 * (a wrong chain behind an endpoint, no contract at an address, a bad key) stops the start, naming the field; a chain
 * whose node cannot be reached is said and left waiting (`waiting`): the others start, and `run` tries it again every
 * poll interval, so no chain's outage stalls the others, at start or later.
 */
export async function createChains(config: AgentConfig, options: ChainsOptions): Promise<Chains> {
  const { providers, log, metrics, clock, releaseQuarantine: release, ...passed } = options;
  const chains: ChainAgent[] = [];
  const waiting: WaitingChain[] = [];
  const opened = new Map<string, JsonRpcProvider>();
  const order = config.networks.map((n) => n.name);

  /** Builds the agent of chain `c`; on failure, closes the provider it opened and throws. */
  const start = async (c: AgentConfig): Promise<ChainAgent> => {
    const net = c.network;
    const chainLog = log.child({ chain: net.name });
    let provider = providers?.[net.name];
    if (!provider) {
      const own = createProvider(c, { log: chainLog, metrics });
      try {
        await assertChain(own, c, chainLog);
      } catch (err) {
        own.destroy();
        throw err;
      }
      opened.set(net.name, own);
      provider = own;
    }
    try {
      const agent = await createAgent(c, { ...passed, provider, log: chainLog, metrics, clock, chain: net.name });
      return { name: net.name, chainId: net.chainId, config: c, agent };
    } catch (err) {
      opened.get(net.name)?.destroy();
      opened.delete(net.name);
      throw err;
    }
  };
  const join = (c: ChainAgent) => {
    chains.push(c);
    chains.sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));
  };

  try {
    for (const c of chainConfigs(config)) {
      try {
        join(await start(c));
      } catch (err) {
        if (fatal(err)) throw err;
        const net = c.network;
        waiting.push({ name: net.name, chainId: net.chainId, config: c, error: err as Error });
        log.error(
          { chain: net.name, err },
          `chain ${net.name} (${net.chainId}) cannot be reached at start: ${errorDetail(err as Error)}; the other chains start, and this one is tried again every ${net.pollIntervalMs} ms`,
        );
      }
    }
    if (chains.length === 0) throw waiting[0]!.error;
    // A strategy to release may be on any chain: naming one that no chain's vault holds in quarantine is the error.
    if (release !== undefined)
      releaseQuarantine(
        chains.flatMap((c) => c.agent.runners),
        release,
        log,
      );
  } catch (err) {
    await Promise.all(chains.map((c) => c.agent.close()));
    for (const p of opened.values()) p.destroy();
    throw err;
  }

  /** Tries a waiting chain every poll interval until it starts (then runs its loop) or `signal` aborts. */
  const startWhenReached = async (w: WaitingChain, signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      await clock.sleep(w.config.network.pollIntervalMs, signal);
      if (signal.aborted) return;
      try {
        const started = await start(w.config);
        waiting.splice(waiting.indexOf(w), 1);
        join(started);
        log.info({ chain: w.name }, `chain ${w.name} (${w.chainId}) reached: its vaults tick from now on`);
        await started.agent.daemon.run(signal);
        return;
      } catch (err) {
        w.error = err as Error;
        if (fatal(err)) {
          // Reached, but not what the configuration says: trying again would not change it.
          log.error(
            { chain: w.name, err },
            `chain ${w.name} (${w.chainId}) not started: ${errorDetail(err as Error)}; fix the configuration and restart`,
          );
          return;
        }
      }
    }
  };

  const servers: ObservabilityServer[] = [];
  const chainsView = {
    chains,
    waiting,
    async tick() {
      return (await Promise.all(chains.map((c) => c.agent.daemon.tick()))).flat();
    },
    async run(signal: AbortSignal) {
      await Promise.all([
        ...chains.map((c) => c.agent.daemon.run(signal)),
        ...waiting.slice().map((w) => startWhenReached(w, signal)),
      ]);
    },
    health: () => combinedHealth(chains, waiting),
    readiness: () => combinedReadiness(chains, waiting),
    view: () => combinedView(chains, waiting),
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
      for (const p of opened.values()) p.destroy();
    },
  };
  return chainsView;
}

const notReached = (w: WaitingChain) => `not reached since start: ${errorDetail(w.error)}`;

/** Healthy when every chain's loop is; each chain's own report under `chains`. */
function combinedHealth(chains: ChainAgent[], waiting: WaitingChain[]): HealthReport {
  const each: Array<readonly [string, HealthReport]> = [
    ...chains.map((c) => [c.name, c.agent.daemon.health()] as const),
    ...waiting.map(
      (w) =>
        [
          w.name,
          {
            healthy: false,
            lastTickAt: null,
            consecutiveFailures: 0,
            breakersOpen: [],
            vaults: {},
            reason: notReached(w),
          },
        ] as const,
    ),
  ];
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
function combinedReadiness(chains: ChainAgent[], waiting: WaitingChain[]) {
  const each = chains.map((c) => [c, c.agent.daemon.readiness()] as const);
  const ready = waiting.length === 0 && each.every(([, r]) => r.ready);
  return {
    ready,
    status: ready ? "ready" : "not-ready",
    reasons: [
      ...each.flatMap(([c, r]) => r.reasons.map((why) => `${c.name}: ${why}`)),
      ...waiting.map((w) => `${w.name}: ${notReached(w)}`),
    ],
    warnings: each.flatMap(([c, r]) => r.warnings.map((why) => `${c.name}: ${why}`)),
    vaults: Object.assign({}, ...each.map(([, r]) => r.vaults)),
    key: each[0]?.[1].key ?? null,
    chains: Object.fromEntries([
      ...each.map(([c, r]) => [c.name, r] as const),
      ...waiting.map((w) => [w.name, { ready: false, status: "not-ready", reasons: [notReached(w)] }] as const),
    ]),
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
  drafts?: Array<Record<string, unknown>>;
};

/** Every chain's dashboard in one: rows, journal entries and rejections each carry `chain` and `chainId`. */
function combinedView(chains: ChainAgent[], waiting: WaitingChain[]) {
  const views = chains.map((c) => [c, c.agent.dashboard.view() as unknown as View] as const);
  // A chain not reached yet: its vaults, each with why it shows nothing.
  const unreached = waiting.flatMap((w) =>
    w.config.vaults.map((v) => ({
      label: v.label ?? v.address,
      address: v.address,
      chain: w.name,
      chainId: w.chainId,
      ready: false,
      error: `chain ${w.name} ${notReached(w)}`,
    })),
  );
  const tag = (c: ChainAgent) => (row: Record<string, unknown>) => ({ ...row, chain: c.name, chainId: c.chainId });
  return {
    version: views.reduce((sum, [, v]) => sum + v.version, 0),
    agent: views[0]?.[1].agent ?? null,
    chainId: views[0]?.[1].chainId ?? null,
    chains: [
      ...views.map(([c, v]) => ({ name: c.name, chainId: c.chainId, key: v.key, reached: true })),
      ...waiting.map((w) => ({ name: w.name, chainId: w.chainId, key: null, reached: false })),
    ],
    health: combinedHealth(chains, waiting),
    readiness: combinedReadiness(chains, waiting),
    key: views[0]?.[1].key ?? null,
    vaults: [...views.flatMap(([, v]) => v.vaults), ...unreached],
    journal: views.flatMap(([c, v]) => v.journal.map(tag(c))),
    rejections: views.flatMap(([c, v]) => v.rejections.map(tag(c))),
    drafts: views.flatMap(([c, v]) => (v.drafts ?? []).map(tag(c))),
  };
}
