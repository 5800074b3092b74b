/**
 * The agent internals the benches measure, in one place: the agent benches time the daemon's parts (reader, runner,
 * check mirror, breaker, history) one by one, and the lending bench reads the market-rate model, none of which the
 * agent's front door exposes. This is the one file outside agent/ that reaches into agent/src, by design (benchmarks
 * measure internals); everything else in scripts/, test/ and bench/ uses "@agent-treasury/agent" and
 * "@agent-treasury/agent/devnet" only.
 */
export { lensInterface, vaultInterface } from "../../agent/src/abi/index.js";
export { decodeSnapshot, LensReader, toSnapshot, type ChainReader } from "../../agent/src/chain/reader.js";
export type { StrategyState, VaultSnapshot } from "../../agent/src/chain/types.js";
export { checkRebalance, type RebalanceCheckInput } from "../../agent/src/checks/rebalance-check.js";
export { parseConfig } from "../../agent/src/config/load.js";
export type { AgentConfig } from "../../agent/src/config/schema.js";
export { CircuitBreaker } from "../../agent/src/daemon/breaker.js";
export { assertChain, buildRunners, createProvider, dataPaths, vaultSetup } from "../../agent/src/daemon/build.js";
export { Daemon, type DaemonTick } from "../../agent/src/daemon/daemon.js";
export { VaultRunner } from "../../agent/src/daemon/vault-runner.js";
export { MarketRateModel } from "../../agent/src/markets/lending-rate.js";
export type { CallSimulator } from "../../agent/src/executor/sender.js";
export { createLogger } from "../../agent/src/obs/logger.js";
export { Metrics } from "../../agent/src/obs/metrics.js";
export { QuarantineList } from "../../agent/src/quarantine/store.js";
export { systemClock } from "../../agent/src/util/clock.js";
export { FilePriceHistory, type PriceHistory } from "../../agent/src/yield/history.js";
export { encodeHistoryFile } from "../../agent/src/yield/history-file.js";
export { PriceSeries } from "../../agent/src/yield/series.js";
