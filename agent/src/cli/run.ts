/**
 * `run`: the daemon. Loads the key, checks the chain, serves the dashboard, /metrics and /health, ticks until stopped.
 */
import type { Logger } from "pino";
import type { FailoverProvider } from "../chain/provider.js";
import { loadConfig, redactedConfig } from "../config/load.js";
import type { AgentConfig } from "../config/schema.js";
import type { ReconcileReport } from "../executor/executor.js";
import { ConfigError, errorDetail, LeaseLostError, TickFailedError } from "../failures.js";
import { loadWallet } from "../config/key.js";
import { assertChain, createProvider } from "../daemon/build.js";
import { releaseJournalLocks } from "../executor/journal.js";
import { createAgent, type Agent } from "../daemon/create-agent.js";
import type { ObservabilityServer } from "../obs/server.js";
import { chainConfigs, createChains } from "../daemon/chains.js";
import { createLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { systemClock } from "../util/clock.js";
import { formatDuration } from "../util/format.js";
import { keepRenewing, openHaNode, serveStandby, takeoverAlert, waitForLease } from "../ha/node.js";
import { PgJournal } from "../ha/postgres.js";

export interface RunOptions {
  config?: string;
  once?: boolean;
  resetBreakers?: boolean;
  /** A strategy address, or true for every quarantined strategy. */
  releaseQuarantine?: string | true;
}

/**
 * How long the daemon takes at most to stop after SIGTERM or SIGINT: the tick under way is given this long to finish,
 * then the process exits 0 anyway. Safe at any point: whatever the tick signed is in the journal before it is broadcast
 * (journal writes are synchronous, never cut in half), and the next start settles it first. A service manager's stop
 * timeout must be longer (agent/deploy/treasury-agent.service: TimeoutStopSec).
 */
export const STOP_TIMEOUT_SECONDS = 30;

export async function runCommand(options: RunOptions, signal: AbortSignal): Promise<void> {
  const config = loadConfig(options.config);
  const log = createLogger(config.log.level);
  announceStop(signal, log);
  const bound = boundStop(signal, STOP_TIMEOUT_SECONDS * 1_000, () => {
    log.warn(
      { stopTimeoutSeconds: STOP_TIMEOUT_SECONDS },
      `the tick under way did not finish within ${STOP_TIMEOUT_SECONDS} s of ${String(signal.reason)}; exiting now. ` +
        "Whatever it signed is in the journal: the next start settles it first",
    );
    process.exit(0);
  });
  const metrics = new Metrics({ defaultMetrics: true });
  if (config.networks.length > 1) {
    try {
      await runChains(config, log, metrics, options, signal);
    } finally {
      bound.disarm();
      releaseJournalLocks(config.dataDir);
    }
    return;
  }
  const provider = createProvider(config, { log, metrics });
  try {
    await runWith(config, provider, log, metrics, options, signal);
  } finally {
    bound.disarm();
    provider.destroy();
    releaseJournalLocks(config.dataDir);
  }
}

/**
 * Once `signal` aborts, calls `expire` unless disarmed within `ms`. The timer does not keep the process alive: a
 * daemon that stops in time exits as usual.
 */
export function boundStop(signal: AbortSignal, ms: number, expire: () => void): { disarm(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(expire, ms);
    timer.unref();
  };
  if (signal.aborted) arm();
  else signal.addEventListener("abort", arm, { once: true });
  return {
    disarm: () => {
      signal.removeEventListener("abort", arm);
      clearTimeout(timer);
    },
  };
}

async function runWith(
  config: AgentConfig,
  provider: FailoverProvider,
  log: Logger,
  metrics: Metrics,
  options: RunOptions,
  signal: AbortSignal,
): Promise<void> {
  const chainId = await assertChain(provider, config, log);
  const wallet = await loadKey(config, chainId, log, { chainId: chainId.toString() });
  if (config.ha) return runHa(config, provider, wallet, chainId, log, metrics, options, signal);
  const agent = await createAgent(config, { wallet, provider, ...runnerOptions(log, metrics, options) });
  await runUntilStopped(
    {
      serve: () => agent.serve(),
      loop: () => agent.daemon.run(signal),
      once: () => once(agent, config, log, signal),
      close: () => agent.close(),
    },
    config,
    log,
    options,
  );
}

/**
 * `run` with `ha`: stands by until this node holds the lease in PostgreSQL, then runs the daemon on the PostgreSQL
 * journal (its first tick settles what the previous leader left in flight) while renewing the lease. A lost lease
 * stops the daemon (a tick under way can neither journal nor send anything more) and the node stands by again; a
 * stop (SIGTERM, `--once` done) releases the lease, so a standby takes over at its next look.
 */
async function runHa(
  config: AgentConfig,
  provider: FailoverProvider,
  wallet: Awaited<ReturnType<typeof loadKey>>,
  chainId: bigint,
  log: Logger,
  metrics: Metrics,
  options: RunOptions,
  signal: AbortSignal,
): Promise<void> {
  const ha = config.ha!;
  const node = await openHaNode(ha, chainId, wallet.address);
  const haLog = log.child({ component: "ha", nodeId: node.nodeId });
  haLog.info(
    { database: node.database, scope: node.lease.scope, leaseSeconds: ha.leaseSeconds },
    `high availability: node ${node.nodeId}, lease ${node.lease.scope} in ${node.database}`,
  );
  try {
    while (!signal.aborted) {
      const standbySince = Date.now();
      const standby = config.metrics.enabled
        ? await serve({ serve: () => serveStandby(node, metrics, config.metrics.host, config.metrics.port) }, config)
        : undefined;
      if (standby)
        haLog.info(
          { url: `http://${config.metrics.host}:${standby.port}/` },
          "standing by: serving /health, /ready (503) and /metrics until this node takes over",
        );
      const taken = await waitForLease(node, signal, haLog, metrics).finally(() => standby?.close());
      if (!taken) break;
      haLog.info(
        {
          token: taken.token.toString(),
          expires: taken.expiresAt.toISOString(),
          waitedMs: Date.now() - standbySince,
        },
        `took the lease (token ${taken.token}): active; settling what was left in flight before planning`,
      );
      const journal = await PgJournal.open(node.pool, node.lease);
      const lost = new AbortController();
      const renewing = keepRenewing(node, journal, lost, haLog, metrics);
      const stopped = AbortSignal.any([signal, lost.signal]);
      try {
        const agent = await createAgent(config, {
          wallet,
          provider,
          journal,
          lease: () => ({ nodeId: node.nodeId, token: node.lease.token, expiresAt: node.lease.expiresAt }),
          ...runnerOptions(log, metrics, options),
        });
        // Taken over from another node (not a first start, not this node again): the operators are told.
        if (taken.previous && taken.previous.nodeId !== node.nodeId)
          agent.notifier?.alert(takeoverAlert(node.nodeId, taken, taken.previous, Date.now() - standbySince));
        await runUntilStopped(
          {
            serve: () => agent.serve(),
            loop: () => agent.daemon.run(stopped),
            once: () => once(agent, config, log, stopped),
            close: () => agent.close(),
          },
          config,
          log,
          options,
        );
        await journal.flush();
      } catch (err) {
        if (!lost.signal.aborted && !(err instanceof LeaseLostError)) {
          // A failure of this node's (the agent could not be built, `--once` failed): a standby need not wait for the
          // lease to expire.
          await node.lease.release().catch(() => undefined);
          metrics.haLeader.set(0);
          throw err;
        }
      } finally {
        renewing.stop();
      }
      if (!lost.signal.aborted && !journal.failed) {
        await node.lease.release().catch(() => undefined);
        metrics.haLeader.set(0);
        haLog.info({ token: taken.token.toString() }, "released the lease: a standby takes over at its next look");
        break;
      }
      metrics.haLeader.set(0);
      if (options.once) throw new TickFailedError("run --once: lost the HA lease during the tick");
    }
  } finally {
    await node.close().catch(() => undefined);
  }
}

/**
 * `run` on several chains (`networks`): one agent per chain, each in its own loop (a chain whose node hangs delays
 * no other), one dashboard and /health for all. `--once` ticks every chain once, together, and fails naming each
 * chain's problems.
 */
async function runChains(
  config: AgentConfig,
  log: Logger,
  metrics: Metrics,
  options: RunOptions,
  signal: AbortSignal,
): Promise<void> {
  // One key for every chain: a raw key is accepted only when every network is a local chain (the schema checks).
  const first = chainConfigs(config)[0]!;
  const wallet = await loadKey(first, BigInt(first.network.chainId), log, {
    chains: config.networks.map((n) => `${n.name} (${n.chainId})`),
  });
  const chains = await createChains(config, { wallet, ...runnerOptions(log, metrics, options) });
  const onceEach = async () => {
    const results = await Promise.allSettled(chains.chains.map((c) => once(c.agent, c.config, log, signal)));
    const problems = [
      ...results.flatMap((r, i) =>
        r.status === "rejected" ? [`${chains.chains[i]!.name}: ${errorDetail(r.reason as Error)}`] : [],
      ),
      ...chains.waiting.map((w) => `${w.name}: not reached: ${errorDetail(w.error)}`),
    ];
    if (problems.length > 0) throw new TickFailedError(problems.join("; "));
  };
  await runUntilStopped(
    { serve: () => chains.serve(), loop: () => chains.run(signal), once: onceEach, close: () => chains.close() },
    config,
    log,
    options,
  );
}

/** Loads the key, checks it against `agentAddress`, and logs the configuration (secrets removed). */
async function loadKey(config: AgentConfig, chainId: bigint, log: Logger, where: Record<string, unknown>) {
  const wallet = await loadWallet(config, chainId);
  if (config.agentAddress && config.agentAddress !== wallet.address) {
    throw new ConfigError(
      `invalid config: agentAddress: ${config.agentAddress} is not the key's address ${wallet.address}`,
      "agentAddress",
    );
  }
  log.info({ config: redactedConfig(config), agent: wallet.address, ...where }, "configuration loaded");
  return wallet;
}

/** What `run` gives every agent it builds: the system clock, its logger and metrics, and the operator's flags. */
function runnerOptions(log: Logger, metrics: Metrics, options: RunOptions) {
  return {
    clock: systemClock,
    log,
    metrics,
    resetBreakers: options.resetBreakers,
    releaseQuarantine: options.releaseQuarantine,
  };
}

/** Serves the dashboard, then ticks until stopped (or once, with `--once`); closes what it served either way. */
async function runUntilStopped(
  running: {
    serve(): Promise<ObservabilityServer | undefined>;
    loop(): Promise<void>;
    once(): Promise<void>;
    close(): Promise<void>;
  },
  config: AgentConfig,
  log: Logger,
  options: RunOptions,
): Promise<void> {
  try {
    const server = await serve(running, config);
    if (server) {
      log.info(
        { url: `http://${config.metrics.host}:${server.port}/` },
        "serving the dashboard (/), /metrics and /health",
      );
    }
    if (options.once) await running.once();
    else await running.loop();
  } finally {
    await running.close();
  }
}

/**
 * Says so when SIGINT or SIGTERM arrives: the tick under way is finished (within STOP_TIMEOUT_SECONDS), then the daemon
 * stops.
 */
function announceStop(signal: AbortSignal, log: Logger): void {
  const announce = () =>
    log.info(
      { signal: String(signal.reason) },
      `received ${String(signal.reason)}: stopping after the current tick (a second ${String(signal.reason)} ends the process at once)`,
    );
  if (signal.aborted) announce();
  else signal.addEventListener("abort", announce, { once: true });
}

/**
 * `run --once`: one tick per vault, then a bounded wait for what it sent. The wait follows each transaction to its
 * receipt and `network.confirmations` (sending nothing more: no re-broadcast, no replacement) for at most
 * `tx.stuckAfterSeconds`, the time after which a running daemon would replace it, and records the outcome in the
 * journal. What is still in flight then stays in the journal, and the next run settles it before planning anything
 * new for that vault; that is said, not left silent. Fails (exit 1) when a vault's tick failed or its transaction
 * reverted on chain.
 */
async function once(assembled: Agent, config: AgentConfig, log: Logger, signal: AbortSignal): Promise<void> {
  const ticks = await assembled.daemon.tick();
  const revertedLine = (vault: string, r: ReconcileReport) =>
    `${vault}: transaction ${r.hash} reverted on chain${r.revert?.decoded ? ` (${r.revert.decoded.text})` : ""}`;
  const reverted: string[] = ticks.flatMap((t) =>
    (t.report?.settled ?? []).filter((r) => r.state === "reverted").map((r) => revertedLine(t.vault, r)),
  );
  if (assembled.executor) {
    const pollMs = Math.min(config.network.pollIntervalMs, 2_000);
    const deadline = Date.now() + config.tx.stuckAfterSeconds * 1_000;
    let waiting = assembled.runners.filter((r) => r.inFlight());
    if (waiting.length > 0) {
      log.info(
        { vaults: waiting.map((r) => r.config.label), waitSeconds: config.tx.stuckAfterSeconds },
        `waiting for the transaction${waiting.length === 1 ? "" : "s"} sent (receipt and ${config.network.confirmations} confirmation${config.network.confirmations === 1 ? "" : "s"}), at most ${formatDuration(config.tx.stuckAfterSeconds)} (tx.stuckAfterSeconds)`,
      );
    }
    while (waiting.length > 0 && Date.now() < deadline && !signal.aborted) {
      await systemClock.sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
      for (const runner of waiting) {
        for (const r of await runner.follow()) {
          if (r.state === "reverted") reverted.push(revertedLine(runner.config.label, r));
        }
      }
      waiting = waiting.filter((r) => r.inFlight());
    }
    for (const runner of waiting) {
      const entry = runner.inFlight()!;
      const last = entry.attempts[entry.attempts.length - 1]!;
      log.warn(
        { vault: runner.config.label, intentHash: entry.intentHash, tx: last.hash, nonce: entry.record.nonce },
        `left intent ${entry.intentHash} (tx ${last.hash}, nonce ${entry.record.nonce}) in flight for ${runner.config.label}: ` +
          `no receipt with ${config.network.confirmations} confirmation${config.network.confirmations === 1 ? "" : "s"} yet. It is in the journal; the next run settles it first ` +
          `(records it if mined, sends the same bytes again if the node lost them, replaces it with higher fees once stuck, or cancels it if the plan no longer passes) ` +
          `and plans nothing new for this vault until then`,
      );
    }
  }
  const failed = ticks.filter((t) => t.error).map((t) => `${t.vault}: ${errorDetail(t.error!)}`);
  log.info({ failed: failed.length, reverted: reverted.length }, "stopped after one tick (--once)");
  const problems = [...failed, ...reverted];
  if (problems.length > 0) throw new TickFailedError(`run --once: ${problems.join("; ")}`);
}

/** Serves the dashboard, /metrics and /health; an address it cannot listen on is a configuration error naming
 * metrics.port or metrics.host. */
async function serve(agent: { serve(): Promise<ObservabilityServer | undefined> }, config: AgentConfig) {
  const { host, port } = config.metrics;
  try {
    return await agent.serve();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const field = code === "EADDRINUSE" || code === "EACCES" ? "metrics.port" : "metrics.host";
    throw new ConfigError(
      `invalid config: ${field}: cannot listen on ${host}:${port} (${code ?? String(err)})`,
      field,
      { cause: err },
    );
  }
}
