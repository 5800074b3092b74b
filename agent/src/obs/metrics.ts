/** Prometheus metrics, declared once per daemon on its own registry. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class Metrics {
  readonly registry = new Registry();
  readonly ticks = new Counter({
    name: "agent_ticks_total",
    help: "Vault ticks run",
    labelNames: ["vault"],
    registers: [this.registry],
  });
  readonly tickErrors = new Counter({
    name: "agent_tick_errors_total",
    help: "Vault ticks that failed",
    labelNames: ["vault", "kind"],
    registers: [this.registry],
  });
  readonly tickSeconds = new Histogram({
    name: "agent_tick_duration_seconds",
    help: "Duration of a vault tick",
    labelNames: ["vault"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15],
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: "agent_decisions_total",
    help: "Tick results by kind (sent, hold, wait, stand-down, rejected, ...)",
    labelNames: ["vault", "result"],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: "agent_plans_rejected_total",
    help: "Plans not sent, by the stage that rejected them",
    labelNames: ["vault", "stage", "error"],
    registers: [this.registry],
  });
  readonly outcomes = new Counter({
    name: "agent_rebalance_outcomes_total",
    help: "Rebalance transactions by outcome",
    labelNames: ["vault", "status"],
    registers: [this.registry],
  });
  readonly lossesRealized = new Counter({
    name: "agent_losses_realized_total",
    help: "Loss write-downs (realizeLoss) sent, by strategy",
    labelNames: ["vault", "strategy"],
    registers: [this.registry],
  });
  readonly replacements = new Counter({
    name: "agent_tx_replacements_total",
    help: "Stuck transactions replaced with higher fees",
    labelNames: ["vault"],
    registers: [this.registry],
  });
  readonly breaker = new Gauge({
    name: "agent_circuit_breaker_open",
    help: "1 when the vault's circuit breaker is open",
    labelNames: ["vault"],
    registers: [this.registry],
  });
  readonly quarantined = new Gauge({
    name: "agent_strategy_quarantined",
    help: "1 while the daemon keeps a strategy in quarantine (no new deposits)",
    labelNames: ["vault", "strategy"],
    registers: [this.registry],
  });
  readonly lensFault = new Gauge({
    name: "agent_lens_fault",
    help: "1 while the vault's lens snapshot reverts (lens-reverted) or does not add up (snapshot-inconsistent)",
    labelNames: ["vault", "kind"],
    registers: [this.registry],
  });
  readonly mode = new Gauge({
    name: "agent_vault_mode",
    help: "1 for the vault's current mode (act, wait, stand-down)",
    labelNames: ["vault", "mode"],
    registers: [this.registry],
  });
  readonly sessionTimeLeft = new Gauge({
    name: "agent_session_time_left_seconds",
    help: "Seconds until the session expires",
    labelNames: ["vault", "session"],
    registers: [this.registry],
  });
  readonly sessionVolumeLeft = new Gauge({
    name: "agent_session_epoch_volume_left",
    help: "Volume left in the session's epoch, in asset units",
    labelNames: ["vault", "session"],
    registers: [this.registry],
  });
  readonly totalAssets = new Gauge({
    name: "agent_vault_total_assets",
    help: "Vault total assets, in asset units",
    labelNames: ["vault"],
    registers: [this.registry],
  });
  readonly idle = new Gauge({
    name: "agent_vault_idle",
    help: "Vault idle assets, in asset units",
    labelNames: ["vault"],
    registers: [this.registry],
  });
  readonly allocation = new Gauge({
    name: "agent_strategy_value",
    help: "Current value of the vault's position, in asset units",
    labelNames: ["vault", "strategy"],
    registers: [this.registry],
  });
  readonly apr = new Gauge({
    name: "agent_strategy_apr_estimate",
    help: "Estimated APR of a strategy (1 = 100%)",
    labelNames: ["vault", "strategy"],
    registers: [this.registry],
  });
  readonly rpcErrors = new Counter({
    name: "agent_rpc_errors_total",
    help: "Failed JSON-RPC requests by endpoint (scheme://host:port) and kind (timeout, connection, http-429, http-5xx, bad-response, rpc-error)",
    labelNames: ["endpoint", "kind"],
    registers: [this.registry],
  });
  readonly rpcFailovers = new Counter({
    name: "agent_rpc_failovers_total",
    help: "Times requests moved from one RPC endpoint to another",
    labelNames: ["from", "to"],
    registers: [this.registry],
  });
  readonly rpcActive = new Gauge({
    name: "agent_rpc_active_endpoint",
    help: "1 for the RPC endpoint that answered last",
    labelNames: ["endpoint"],
    registers: [this.registry],
  });
  readonly keyBalance = new Gauge({
    name: "agent_key_balance_eth",
    help: "ETH held by the agent key, which pays for its transactions (read at start and with every send quote)",
    registers: [this.registry],
  });
  readonly keyBalanceLow = new Gauge({
    name: "agent_key_balance_low",
    help: "1 while the agent key holds less ETH than tx.lowBalanceEth",
    registers: [this.registry],
  });
  readonly broadcastFailures = new Counter({
    name: "agent_broadcast_failures_total",
    help: "Signed transactions the node refused, by cause (insufficient-funds, other)",
    labelNames: ["cause"],
    registers: [this.registry],
  });
  readonly alertsSent = new Counter({
    name: "agent_alerts_sent_total",
    help: "Alerts a webhook target accepted, by target (its name, or scheme://host:port) and event",
    labelNames: ["target", "event"],
    registers: [this.registry],
  });
  readonly alertsFailed = new Counter({
    name: "agent_alerts_failed_total",
    help: "Alerts given up on (attempts spent, refused with a 4xx, or dropped from a full queue), by target",
    labelNames: ["target"],
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: "agent_ready",
    help: "1 when the daemon can act for every vault (as /ready answers 200)",
    registers: [this.registry],
  });
  readonly feeWait = new Gauge({
    name: "agent_fee_ceiling_wait",
    help: "1 while the vault waits for the base fee to fall under its fee ceiling (tx.maxFeePerGasGwei)",
    labelNames: ["vault"],
    registers: [this.registry],
  });
  readonly chainStalled = new Gauge({
    name: "agent_chain_stalled",
    help: "1 while a vault waits for a chain time no block reaches: the node has mined no block for longer than the wait",
    labelNames: ["vault"],
    registers: [this.registry],
  });
  readonly lastTick = new Gauge({
    name: "agent_last_tick_timestamp_seconds",
    help: "Wall-clock time of the last completed tick",
    registers: [this.registry],
  });

  readonly haLeader = new Gauge({
    name: "agent_ha_leader",
    help: "High availability: 1 while this node holds the lease (the active daemon), 0 while it stands by",
    registers: [this.registry],
  });
  readonly haToken = new Gauge({
    name: "agent_ha_lease_token",
    help: "High availability: the fencing token of the lease this node last took",
    registers: [this.registry],
  });
  readonly haLeaseExpires = new Gauge({
    name: "agent_ha_lease_expires_timestamp_seconds",
    help: "High availability: when the lease this node holds expires unless renewed (the database's clock)",
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
