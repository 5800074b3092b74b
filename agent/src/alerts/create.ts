/** The notifier as the daemon wires it: none without targets; with the nonce check when asked for and a key signs. */
import type { Provider } from "ethers";
import type { Logger } from "pino";
import type { AgentConfig } from "../config/schema.js";
import type { Journal } from "../executor/journal.js";
import type { Metrics } from "../obs/metrics.js";
import type { Clock } from "../util/clock.js";
import type { FundsView } from "./derive.js";
import { Notifier } from "./notifier.js";
import { NonceWatch } from "./unrecorded.js";

/** Every secret of a configuration that an alert body must never carry. */
export function alertSecrets(config: AgentConfig): string[] {
  const urls = [...config.network.rpcUrls, ...config.alerts.targets.map((t) => t.url)];
  const out = [...urls, ...config.alerts.targets.flatMap((t) => Object.values(t.headers))];
  // A URL's password, and its path and query (where providers and webhooks put their keys), on their own too.
  for (const u of urls) {
    const { password, pathname, search } = new URL(u);
    out.push(...[decodeURIComponent(password), `${pathname}${search}`].filter((s) => s.length >= 8));
  }
  for (const s of [config.key.privateKey, config.key.privateKey?.slice(2), config.key.keystorePassword])
    if (s) out.push(s);
  // Longest first, so a secret inside another is not left half replaced.
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

export function createNotifier(options: {
  config: AgentConfig;
  chainId: bigint;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  provider: Provider;
  agent: string;
  journal: Journal;
  /** Absent in read-only runs (no key, nothing signed). */
  funds?: FundsView;
}): Notifier | undefined {
  const { config, provider, agent } = options;
  if (config.alerts.targets.length === 0) return undefined;
  const nonces =
    config.alerts.checkNonces && options.funds
      ? new NonceWatch(agent, options.journal, () => provider.getTransactionCount(agent, "latest"))
      : undefined;
  return new Notifier({
    config: config.alerts,
    chainId: options.chainId,
    clock: options.clock,
    log: options.log.child({ component: "alerts" }),
    metrics: options.metrics,
    funds: options.funds,
    nonces,
    secrets: alertSecrets(config),
  });
}
