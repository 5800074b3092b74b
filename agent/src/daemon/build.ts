/**
 * Wires a configuration into running parts: provider, reader, per-vault runners, and (for `run`) the executor that
 * holds the key. Converts token-unit settings with each vault's asset decimals, read from one snapshot at start.
 */
import path from "node:path";
import { JsonRpcProvider, parseUnits, type BaseWallet } from "ethers";
import type { Logger } from "pino";
import { LensReader, type ChainReader } from "../chain/reader.js";
import type { AgentConfig, PlannerConfig } from "../config/schema.js";
import { Executor } from "../executor/executor.js";
import { FileJournal, type Journal } from "../executor/journal.js";
import { ProviderSimulator, WalletSender, type TxSender } from "../executor/sender.js";
import { ChainMismatchError, RpcError } from "../failures.js";
import type { Metrics } from "../obs/metrics.js";
import { EqualWeightPlanner } from "../planner/equal-weight.js";
import type { Planner, PlannerParams } from "../planner/types.js";
import { YieldPlanner } from "../planner/yield-planner.js";
import type { Clock } from "../util/clock.js";
import { FilePriceHistory, type HistoryOptions } from "../yield/history.js";
import { CircuitBreaker } from "./breaker.js";
import { VaultRunner, type VaultRunnerConfig, type VaultRunnerDeps } from "./vault-runner.js";

const WAD = 10n ** 18n;
const GWEI = 10n ** 9n;
/** Samples kept per strategy in the price history. */
export const HISTORY_MAX_SAMPLES = 2_000;

/**
 * The daemon's provider. The chain id is the configured one (checked once by `assertChain`), never asked again.
 * Requests issued together go out as one JSON-RPC batch (one HTTP request) without waiting for more: the executor
 * issues what it needs together (`WalletSender.quote`, `track`) so a tick makes few round trips.
 */
export function createProvider(config: AgentConfig): JsonRpcProvider {
  return new JsonRpcProvider(config.network.rpcUrl, config.network.chainId, {
    staticNetwork: true,
    batchMaxCount: 16,
    batchStallTime: 0,
    cacheTimeout: -1,
    pollingInterval: Math.min(config.network.pollIntervalMs, 4_000),
  });
}

/** Fails unless the endpoint serves the configured chain. */
export async function assertChain(provider: JsonRpcProvider, config: AgentConfig): Promise<bigint> {
  let actual: bigint;
  try {
    actual = BigInt(await provider.send("eth_chainId", []));
  } catch (err) {
    throw new RpcError(`cannot reach ${new URL(config.network.rpcUrl).host}`, { cause: err });
  }
  if (actual !== BigInt(config.network.chainId)) throw new ChainMismatchError(BigInt(config.network.chainId), actual);
  return actual;
}

export function plannerFor(name: PlannerConfig["strategy"]): Planner {
  return name === "equal-weight" ? new EqualWeightPlanner() : new YieldPlanner();
}

/** Planner settings in on-chain units. */
export function plannerParams(p: PlannerConfig, decimals: number): PlannerParams {
  return {
    minMove: parseUnits(p.minMove, decimals),
    safetyMarginBps: p.safetyMarginBps,
    horizonSeconds: BigInt(Math.round(p.horizonDays * 86_400)),
    minSpreadWad: (BigInt(p.minSpreadBps) * WAD) / 10_000n,
    riskPremiumWad: Object.fromEntries(
      Object.entries(p.riskPremiumBps).map(([k, v]) => [k.toLowerCase(), (BigInt(v) * WAD) / 10_000n]),
    ),
    volatilityWeightBps: p.volatilityWeightBps,
  };
}

export function dataPaths(config: AgentConfig, agent: string) {
  const chain = path.join(config.dataDir, String(config.network.chainId));
  return {
    journal: path.join(chain, `journal-${agent.toLowerCase()}.jsonl`),
    prices: (vault: string) => path.join(chain, "vaults", vault.toLowerCase(), "prices.json"),
    breaker: (vault: string) => path.join(chain, "vaults", vault.toLowerCase(), "breaker.json"),
  };
}

export interface BuildOptions {
  config: AgentConfig;
  provider: JsonRpcProvider;
  agent: string;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Present for `run`: the executor signs with it. Absent: read-only runners (dry run, status). */
  wallet?: BaseWallet;
  /** Read-only use (dry run, status): the price history is not written. */
  readOnly?: boolean;
  /** Test seams. */
  reader?: ChainReader;
  sender?: TxSender;
  journal?: Journal;
  overrides?: Partial<Pick<VaultRunnerDeps, "check">> & { planner?: Planner };
}

export interface Built {
  runners: VaultRunner[];
  executor?: Executor;
  journal: Journal;
}

export async function buildRunners(options: BuildOptions): Promise<Built> {
  const { config, provider, agent, clock, log, metrics } = options;
  const reader = options.reader ?? new LensReader(provider, config.lens);
  const paths = dataPaths(config, agent);
  const journal = options.journal ?? new FileJournal(paths.journal);
  const sender = options.sender ?? (options.wallet ? new WalletSender(provider, options.wallet.connect(provider)) : undefined);
  const executor = sender
    ? new Executor(
        sender,
        journal,
        clock,
        log.child({ component: "executor" }),
        {
          confirmations: config.network.confirmations,
          stuckAfterMs: config.tx.stuckAfterSeconds * 1_000,
          gasLimitMultiplierPct: config.tx.gasLimitMultiplierPct,
          fees: {
            maxFeePerGasCeiling: parseUnits(config.tx.maxFeePerGasGwei, 9),
            priorityFee: config.tx.priorityFeeGwei === undefined ? undefined : parseUnits(config.tx.priorityFeeGwei, 9),
            bumpPercent: config.tx.feeBumpPercent,
          },
        },
        { onReplaced: (vault) => metrics.replacements.inc({ vault }) },
      )
    : undefined;
  const simulator = sender ?? new ProviderSimulator(provider, agent);
  const gasPrice = async () => {
    if (sender) {
      const { baseFee, tip } = await sender.fees();
      return baseFee + tip;
    }
    const data = await provider.getFeeData();
    return data.gasPrice ?? data.maxFeePerGas ?? GWEI;
  };

  const runners: VaultRunner[] = [];
  for (const v of config.vaults) {
    const first = await reader.snapshot(v.address, agent);
    const { runnerConfig, history } = vaultSetup(config, v, agent, first.assetDecimals, options.overrides?.planner);
    runners.push(
      new VaultRunner(runnerConfig, {
        reader,
        history: new FilePriceHistory(paths.prices(v.address), history, !options.readOnly),
        breaker: new CircuitBreaker(paths.breaker(v.address)),
        simulator,
        executor,
        gasPrice,
        check: options.overrides?.check,
        clock,
        log: log.child({ vault: runnerConfig.label }),
        metrics,
      }),
    );
  }
  return { runners, executor, journal };
}

/** One vault's runner settings and price-history settings, from the configuration and the asset's decimals. */
export function vaultSetup(
  config: AgentConfig,
  v: AgentConfig["vaults"][number],
  agent: string,
  assetDecimals: number,
  planner?: Planner,
): { runnerConfig: VaultRunnerConfig; history: HistoryOptions } {
  const p = { ...config.planner, ...(v.planner ?? {}) } as PlannerConfig;
  const runnerConfig: VaultRunnerConfig = {
    vault: v.address,
    label: v.label ?? v.address,
    agent,
    planner: planner ?? plannerFor(p.strategy),
    plannerParams: plannerParams(p, assetDecimals),
    estimate: {
      lookbackSeconds: BigInt(Math.round(p.lookbackHours * 3_600)),
      minSamples: p.minSamples,
      minWindowSeconds: BigInt(Math.round(p.minWindowMinutes * 60)),
    },
    policy: {
      preferredSessionId: v.sessionId,
      expiryMarginSeconds: BigInt(config.sessions.expiryMarginSeconds),
      warnBeforeExpirySeconds: BigInt(config.sessions.warnBeforeExpirySeconds),
      minVolume: parseUnits(p.minMove, assetDecimals),
    },
    gas: {
      baseGas: BigInt(p.baseGas),
      gasPerLeg: BigInt(p.gasPerLeg),
      assetPerNative: parseUnits(p.nativePriceInAsset, assetDecimals),
    },
  };
  return { runnerConfig, history: { minIntervalSeconds: BigInt(p.sampleIntervalSeconds), maxSamples: HISTORY_MAX_SAMPLES } };
}
