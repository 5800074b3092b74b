/**
 * The agent internals the agent benches measure, in one place: the benches time the daemon's parts (reader, runner,
 * check mirror, breaker, history) one by one, which the agent's front door does not expose. Nothing else in bench/
 * reaches into agent/src.
 */
export { lensInterface } from "../../agent/src/abi/index.js";
export { LensReader, toSnapshot, type ChainReader } from "../../agent/src/chain/reader.js";
export type { StrategyState, VaultSnapshot } from "../../agent/src/chain/types.js";
export { checkRebalance, type RebalanceCheckInput } from "../../agent/src/checks/rebalance-check.js";
export { parseConfig } from "../../agent/src/config/load.js";
export type { AgentConfig } from "../../agent/src/config/schema.js";
export { CircuitBreaker } from "../../agent/src/daemon/breaker.js";
export { assertChain, buildRunners, createProvider, dataPaths, vaultSetup } from "../../agent/src/daemon/build.js";
export { Daemon, type DaemonTick } from "../../agent/src/daemon/daemon.js";
export { VaultRunner } from "../../agent/src/daemon/vault-runner.js";
export type { CallSimulator } from "../../agent/src/executor/sender.js";
export { createLogger } from "../../agent/src/obs/logger.js";
export { Metrics } from "../../agent/src/obs/metrics.js";
export { QuarantineList } from "../../agent/src/quarantine/store.js";
export { systemClock } from "../../agent/src/util/clock.js";
export { FilePriceHistory, type PriceHistory } from "../../agent/src/yield/history.js";
