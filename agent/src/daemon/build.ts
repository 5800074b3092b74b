/**
 * Wires a configuration into running parts: provider, reader, per-vault runners, and (for `run`) the executor that
 * holds the key. Converts token-unit settings with each vault's asset decimals, read from one snapshot at start.
 */
import path from "node:path";
import fs from "node:fs";
import { parseEther, parseUnits, type JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import { endpointName, FailoverProvider } from "../chain/provider.js";
import { LensReader, type ChainReader } from "../chain/reader.js";
import type { VaultSnapshot } from "../chain/types.js";
import type { AgentConfig, PlannerConfig } from "../config/schema.js";
import { Executor } from "../executor/executor.js";
import { KeyFunds } from "../executor/funds.js";
import { entriesToKeep } from "../executor/compact.js";
import { FileJournal, JOURNAL_FORMAT, type Journal } from "../executor/journal.js";
import { RecordFolder } from "../executor/records.js";
import { ProviderSimulator, WalletSender, type AgentKey, type TxSender } from "../executor/sender.js";
import { ChainMismatchError, ConfigError, LensFaultError, RpcError } from "../failures.js";
import type { Metrics } from "../obs/metrics.js";
import { EqualWeightPlanner } from "../planner/equal-weight.js";
import type { Planner, PlannerParams } from "../planner/types.js";
import { YieldPlanner } from "../planner/yield-planner.js";
import { QuarantineList } from "../quarantine/store.js";
import { VaultEventLog } from "./event-log.js";
import { DraftStore } from "../drafts/store.js";
import { BoundEvidence } from "../drafts/evidence.js";
import { readCeilings, readExposureRoom } from "../chain/ceilings.js";
import type { Clock } from "../util/clock.js";
import type { EstimateOptions } from "../yield/estimate.js";
import { FilePriceHistory, type HistoryOptions } from "../yield/history.js";
import { TrailingRateModel, type YieldModel } from "../yield/model.js";
import { MarketRateModel } from "../markets/lending-rate.js";
import {
  realizedOver,
  SmoothedMarketModel,
  type SmoothedMarketOptions,
  smoothedModelName,
} from "../markets/smoothed-rate.js";
import { CircuitBreaker } from "./breaker.js";
import { ChainSessionEnds } from "../session/why-ended.js";
import { VaultRunner, type VaultRunnerConfig, type VaultRunnerDeps } from "./vault-runner.js";

const WAD = 10n ** 18n;
const GWEI = 10n ** 9n;
/** Samples kept per strategy in the price history. */
export const HISTORY_MAX_SAMPLES = 2_000;

/**
 * The provider over the configured endpoints, failing over down the list; failures and switches are logged and counted.
 */
export function createProvider(
  config: AgentConfig,
  obs: { log?: Logger; metrics?: Metrics; now?: () => number } = {},
): FailoverProvider {
  const provider = new FailoverProvider({
    urls: config.network.rpcUrls,
    chainId: config.network.chainId,
    requestTimeoutMs: config.network.requestTimeoutMs,
    retryFailedAfterMs: config.network.retryFailedAfterMs,
    pollingIntervalMs: Math.min(config.network.pollIntervalMs, 4_000),
    maxBatchCalls: config.network.maxBatchCalls,
    now: obs.now,
    log: obs.log?.child({ component: "rpc" }),
    onError: (endpoint, kind) => obs.metrics?.rpcErrors.inc({ endpoint, kind }),
    onSwitch: (from, to) => {
      obs.metrics?.rpcFailovers.inc({ from, to });
      obs.metrics?.rpcActive.set({ endpoint: from }, 0);
      obs.metrics?.rpcActive.set({ endpoint: to }, 1);
    },
  });
  obs.metrics?.rpcActive.set({ endpoint: provider.activeEndpoint }, 1);
  return provider;
}

/**
 * Fails unless the endpoints serve the configured chain: every endpoint that answers must name it (a secondary on
 * another chain would be found out only at failover, too late), and at least one must answer. With none answering,
 * the start fails at once, naming each endpoint (scheme, host and port only); there is nothing to retry against. An
 * endpoint down while another answers is a warning: requests go to the others, and it is tried again later.
 */
export async function assertChain(provider: JsonRpcProvider, config: AgentConfig, log?: Logger): Promise<bigint> {
  const expected = BigInt(config.network.chainId);
  const answers: Array<{ endpoint: string; result?: unknown; error?: string }> =
    provider instanceof FailoverProvider
      ? await provider.probeEach("eth_chainId")
      : [
          await provider.send("eth_chainId", []).then(
            (result: unknown) => ({ endpoint: endpointName(config.network.rpcUrl), result }),
            (err: unknown) => ({
              endpoint: endpointName(config.network.rpcUrl),
              result: undefined,
              error: String((err as Error).message),
            }),
          ),
        ];
  const down = answers.filter((a) => a.result === undefined);
  if (down.length === answers.length) {
    const field = config.network.rpcUrls.length > 1 ? "network.rpcUrls" : "network.rpcUrl";
    const detail = down.map((a) => `${a.endpoint} (${a.error})`).join("; ");
    throw new RpcError(
      `cannot reach ${answers.length > 1 ? "any RPC endpoint" : "the RPC endpoint"}: ${detail}. Is the node running, and is ${field} (or AGENT_RPC_URL) right? Nothing was sent`,
    );
  }
  for (const a of answers) {
    if (a.result === undefined) continue;
    let actual: bigint;
    try {
      actual = BigInt(a.result as string);
    } catch {
      throw new RpcError(`${a.endpoint} answered eth_chainId with ${JSON.stringify(a.result)}`);
    }
    if (actual !== expected) throw new ChainMismatchError(expected, actual, a.endpoint);
  }
  for (const a of down) {
    log?.warn(
      { endpoint: a.endpoint, error: a.error },
      `RPC endpoint ${a.endpoint} unreachable at start (${a.error}); using the others, and trying it again every ${config.network.retryFailedAfterMs} ms`,
    );
  }
  return expected;
}

export function plannerFor(name: PlannerConfig["strategy"]): Planner {
  return name === "equal-weight" ? new EqualWeightPlanner() : new YieldPlanner();
}

/**
 * A token-unit amount from the config in base units. The asset's decimals are known only once the vault is read, so a
 * value with more decimals than the asset has is refused here, naming the field.
 */
export function tokenAmount(value: string, decimals: number, field: string): bigint {
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new ConfigError(
      `invalid config: ${field}: "${value}" has ${fraction.length} decimals; the vault's asset has ${decimals}`,
      field,
    );
  }
  return parseUnits(value, decimals);
}

/** Planner settings in on-chain units. */
export function plannerParams(p: PlannerConfig, decimals: number, field = "planner"): PlannerParams {
  return {
    minMove: tokenAmount(p.minMove, decimals, `${field}.minMove`),
    safetyMarginBps: p.safetyMarginBps,
    horizonSeconds: BigInt(Math.round(p.horizonDays * 86_400)),
    minSpreadWad: (BigInt(p.minSpreadBps) * WAD) / 10_000n,
    riskPremiumWad: Object.fromEntries(
      Object.entries(p.riskPremiumBps).map(([k, v]) => [k.toLowerCase(), (BigInt(v) * WAD) / 10_000n]),
    ),
    volatilityWeightBps: p.volatilityWeightBps,
    plausibleLossWad: (BigInt(p.plausibleLossBps) * WAD) / 10_000n,
    minHoldSeconds: BigInt(Math.round(p.minHoldHours * 3_600)),
  };
}

export function dataPaths(config: AgentConfig, agent: string) {
  const chain = path.join(config.dataDir, String(config.network.chainId));
  return {
    journal: path.join(chain, `journal-${agent.toLowerCase()}.jsonl`),
    prices: (vault: string) => path.join(chain, "vaults", vault.toLowerCase(), "prices.bin"),
    breaker: (vault: string) => path.join(chain, "vaults", vault.toLowerCase(), "breaker.json"),
    quarantine: (vault: string) => path.join(chain, "vaults", vault.toLowerCase(), "quarantine.json"),
    /** The vault's event log: stand-downs, rejections before sending, quarantines (daemon/event-log.ts). */
    events: (vault: string) => path.join(chain, "vaults", vault.toLowerCase(), "events.jsonl"),
    /** The evidence buffer and ceiling drafts rest on: flows, clipped ticks, the operator's hint (drafts/evidence.ts). */
    evidence: (vault: string) => path.join(chain, "vaults", vault.toLowerCase(), "bound-evidence.json"),
    /** Drafted proposals, one file per proposal named by its hash (drafts/store.ts). */
    drafts: path.join(chain, "drafts"),
    /** Published decision records, one file per intent named by its hash. */
    records: path.join(chain, "records"),
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
  wallet?: AgentKey;
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
  /** The agent key's balance, when the runners can send. */
  funds?: KeyFunds;
  /** The published decision records (written as intents are journaled). */
  records: RecordFolder;
  /** Every strategy the vaults listed in their snapshots at start (each once, in order of first appearance). */
  strategies: string[];
}

export async function buildRunners(options: BuildOptions): Promise<Built> {
  const { config, provider, agent, clock, log, metrics } = options;
  const reader = options.reader ?? new LensReader(provider, config.lens);
  const paths = dataPaths(config, agent);
  const journal = options.journal ?? openJournal(paths.journal, config.dataDir, log, options.readOnly);
  const records = new RecordFolder(paths.records);
  const sender =
    options.sender ?? (options.wallet ? new WalletSender(provider, options.wallet.connect(provider)) : undefined);
  // Metrics speak of a vault by its label, as every other one does.
  const labelOf = (vault: string) =>
    config.vaults.find((v) => v.address.toLowerCase() === vault.toLowerCase())?.label ?? vault;
  const funds = sender
    ? new KeyFunds(sender.address, parseEther(config.tx.lowBalanceEth), log.child({ component: "funds" }), metrics)
    : undefined;
  const executor = sender
    ? new Executor(
        sender,
        journal,
        clock,
        log.child({ component: "executor" }),
        {
          confirmations: config.network.confirmations,
          finalityDepth: config.network.finalityDepth,
          stuckAfterMs: config.tx.stuckAfterSeconds * 1_000,
          gasLimitMultiplierPct: config.tx.gasLimitMultiplierPct,
          fees: {
            maxFeePerGasCeiling: parseUnits(config.tx.maxFeePerGasGwei, 9),
            priorityFee: config.tx.priorityFeeGwei === undefined ? undefined : parseUnits(config.tx.priorityFeeGwei, 9),
            bumpPercent: config.tx.feeBumpPercent,
          },
          feeCeilings: new Map(
            config.vaults.flatMap((v) =>
              v.tx?.maxFeePerGasGwei ? [[v.address.toLowerCase(), parseUnits(v.tx.maxFeePerGasGwei, 9)] as const] : [],
            ),
          ),
        },
        {
          onReplaced: (vault) => metrics.replacements.inc({ vault: labelOf(vault) }),
          onFeeWait: (vault, waiting) => metrics.feeWait.set({ vault: labelOf(vault) }, waiting ? 1 : 0),
          onJournaled: (record, intentHash) => {
            try {
              records.publish(record, intentHash);
            } catch (err) {
              log.warn({ intentHash, err: (err as Error).message }, "could not write the published decision record");
            }
          },
          funds,
          onBroadcastFailed: (cause) => metrics.broadcastFailures.inc({ cause }),
        },
      )
    : undefined;
  if (sender && funds) funds.observe(await sender.balance());
  await executor?.readFinality();
  if (executor && journal instanceof FileJournal) compactAtStart(journal, paths.journal, config, executor, log);
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
  const strategies = new Map<string, string>();
  if (!options.reader) await assertContract(provider, config.lens, "lens", "a TreasuryLens");
  for (const [i, v] of config.vaults.entries()) {
    if (!options.reader) await assertContract(provider, v.address, `vaults.${i}.address`, "a treasury vault");
    let first: VaultSnapshot;
    try {
      first = await reader.snapshot(v.address, agent);
    } catch (err) {
      const cause = (err as Error).cause as { code?: string } | undefined;
      // A revert or undecodable answer from a contract that exists: the lens or the vault is not what the config says.
      if (err instanceof LensFaultError || cause?.code === "CALL_EXCEPTION" || cause?.code === "BAD_DATA") {
        throw new ConfigError(
          `invalid config: vaults.${i}.address: the lens ${config.lens} cannot read ${v.address}; is it a treasury vault, and lens a TreasuryLens?`,
          `vaults.${i}.address`,
          { cause: err },
        );
      }
      throw err;
    }
    for (const x of first.strategies)
      if (!strategies.has(x.strategy.toLowerCase())) strategies.set(x.strategy.toLowerCase(), x.strategy);
    const { runnerConfig, history } = vaultSetup(config, i, agent, first.assetDecimals, options.overrides?.planner);
    runnerConfig.yieldModel = yieldModelFor(config, i, runnerConfig.estimate, provider);
    runners.push(
      new VaultRunner(runnerConfig, {
        reader,
        history: new FilePriceHistory(paths.prices(v.address), history, !options.readOnly),
        breaker: new CircuitBreaker(paths.breaker(v.address)),
        quarantine: new QuarantineList(paths.quarantine(v.address), !options.readOnly),
        ...(options.readOnly ? {} : { events: new VaultEventLog(paths.events(v.address)) }),
        ...(options.readOnly || !config.drafts.enabled
          ? {}
          : {
              drafts: new DraftStore(paths.drafts, BigInt(config.network.chainId)),
              evidence: new BoundEvidence(paths.evidence(v.address)),
              ceilings: (sessionManager: string, vault: string, blockTag: bigint) =>
                readCeilings(provider, sessionManager, vault, blockTag),
              rampRoom: (vault: string, blockTag: bigint) => readExposureRoom(provider, vault, blockTag),
            }),
        simulator,
        executor,
        sessionEnds: new ChainSessionEnds(provider),
        code: (address) => provider.getCode(address),
        gasPrice,
        check: options.overrides?.check,
        clock,
        log: log.child({ vault: runnerConfig.label }),
        metrics,
      }),
    );
  }
  return { runners, executor, journal, funds, records, strategies: [...strategies.values()] };
}

/**
 * Opens the journal; a data directory that cannot be created or written is a configuration error naming dataDir. A
 * daemon that writes migrates an older format once (and says so); read-only commands read it as it is.
 */
function openJournal(file: string, dataDir: string, log: Logger, readOnly = false): Journal {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (err) {
    throw new ConfigError(
      `invalid config: dataDir: cannot write to ${dataDir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      "dataDir",
      {
        cause: err,
      },
    );
  }
  const journal = new FileJournal(file, { readOnly });
  if (journal.migratedFrom) {
    log.warn(
      { journal: file, from: journal.migratedFrom.format, to: JOURNAL_FORMAT, backup: journal.migratedFrom.backup },
      `journal migrated from format ${journal.migratedFrom.format} to ${JOURNAL_FORMAT} (every intent and in-flight transaction kept); the old file is kept at ${journal.migratedFrom.backup}`,
    );
  }
  return journal;
}

/**
 * `journal.compactAboveMb`: a journal larger than that is compacted before the first tick, keeping what the daemon still
 * needs up to the block the node calls final (see executor/compact.ts). Not done while that block is unknown.
 */
function compactAtStart(
  journal: FileJournal,
  file: string,
  config: AgentConfig,
  executor: Executor,
  log: Logger,
): void {
  const limit = config.journal.compactAboveMb;
  if (limit === undefined || !fs.existsSync(file) || fs.statSync(file).size <= limit * 1_000_000) return;
  const finalized = executor.finalizedBlock;
  if (finalized === undefined) {
    log.warn(
      { journal: file },
      "journal above journal.compactAboveMb, but the node's final block is unknown: not compacted now",
    );
    return;
  }
  const r = journal.compact(entriesToKeep(journal.entries(), finalized));
  log.info(
    {
      journal: file,
      beforeBytes: r.before,
      afterBytes: r.after,
      kept: r.kept,
      leftOut: r.dropped,
      backup: r.backup,
      finalized,
    },
    `journal compacted at start (above journal.compactAboveMb): ${r.before} → ${r.after} bytes, ${r.kept} intents kept, ${r.dropped} settled and final left out; the old file is kept at ${r.backup}`,
  );
}

/** Fails with a configuration error naming `field` when no contract is deployed at `address`. */
async function assertContract(provider: JsonRpcProvider, address: string, field: string, what: string): Promise<void> {
  let code: string;
  try {
    code = await provider.getCode(address);
  } catch (err) {
    throw new RpcError(`cannot read the code at ${address}`, { cause: err });
  }
  if (code === "0x")
    throw new ConfigError(`invalid config: ${field}: no contract at ${address} (expected ${what})`, field);
}

/**
 * Vault `i`'s yield model: the trailing rate, or (`planner.yieldModel: market`) the smoothed market rate for the
 * strategies that answer the market-rate views, over the trailing rate.
 */
export function yieldModelFor(
  config: AgentConfig,
  i: number,
  estimate: EstimateOptions,
  provider: JsonRpcProvider,
): YieldModel {
  const trailing = new TrailingRateModel(estimate);
  const market = marketOptions(config, i);
  if (!market) return trailing;
  const realized = new TrailingRateModel(realizedOver(estimate, market));
  return new SmoothedMarketModel(new MarketRateModel(provider), trailing, market, realized);
}

/** The name of vault `i`'s yield model, as its decision records carry it (`explain --config` compares it). */
export function yieldModelName(config: AgentConfig, i: number): string {
  const market = marketOptions(config, i);
  return market ? smoothedModelName(market, "trailing") : "trailing";
}

function marketOptions(config: AgentConfig, i: number): SmoothedMarketOptions | undefined {
  const p = { ...config.planner, ...(config.vaults[i]!.planner ?? {}) } as PlannerConfig;
  if (p.yieldModel !== "market") return undefined;
  return {
    halfLifeSeconds: BigInt(Math.round(p.marketHalfLifeHours * 3_600)),
    warmupSeconds: BigInt(Math.round(p.marketWarmupHours * 3_600)),
    impact: p.marketImpact,
    warmupRealized: p.marketWarmupRealized,
  };
}

/** Vault `i`'s runner settings and price-history settings, from the configuration and the asset's decimals. */
export function vaultSetup(
  config: AgentConfig,
  i: number,
  agent: string,
  assetDecimals: number,
  planner?: Planner,
): { runnerConfig: VaultRunnerConfig; history: HistoryOptions } {
  const v = config.vaults[i]!;
  const p = { ...config.planner, ...(v.planner ?? {}) } as PlannerConfig;
  const field = v.planner?.minMove !== undefined ? `vaults.${i}.planner` : "planner";
  const runnerConfig: VaultRunnerConfig = {
    vault: v.address,
    label: v.label ?? v.address,
    coSigner: v.coSigner,
    agent,
    planner: planner ?? plannerFor(p.strategy),
    plannerParams: plannerParams(p, assetDecimals, field),
    estimate: {
      lookbackSeconds: BigInt(Math.round(p.lookbackHours * 3_600)),
      minSamples: p.minSamples,
      minWindowSeconds: BigInt(Math.round(p.minWindowMinutes * 60)),
      halfLifeSeconds: BigInt(Math.round(p.halfLifeHours * 3_600)),
    },
    policy: {
      preferredSessionId: v.sessionId,
      expiryMarginSeconds: BigInt(config.sessions.expiryMarginSeconds),
      warnBeforeExpirySeconds: BigInt(config.sessions.warnBeforeExpirySeconds),
      minVolume: tokenAmount(p.minMove, assetDecimals, `${field}.minMove`),
    },
    quarantine: { ...config.quarantine },
    draftThreshold: {
      minGainBps: config.drafts.minGainBps,
      minGainPerYear: tokenAmount(config.drafts.minGainPerYear, assetDecimals, "drafts.minGainPerYear"),
    },
    bufferDrafts: {
      enabled: config.drafts.buffer.enabled,
      outflowWindowSeconds: BigInt(Math.round(config.drafts.buffer.outflowWindowHours * 3_600)),
      minHistorySeconds: BigInt(Math.round(config.drafts.buffer.minHistoryDays * 86_400)),
      marginBps: config.drafts.buffer.marginBps,
      minCutBps: config.drafts.buffer.minCutBps,
      minGainBps: config.drafts.buffer.minGainBps,
      minGainPerYear: tokenAmount(config.drafts.buffer.minGainPerYear, assetDecimals, "drafts.buffer.minGainPerYear"),
    },
    ceilingDrafts: {
      enabled: config.drafts.ceilings.enabled,
      minTicks: config.drafts.ceilings.minTicks,
      windowSeconds: BigInt(Math.round(config.drafts.ceilings.windowHours * 3_600)),
    },
    losses: {
      realize: config.losses.realize,
      tolerance: tokenAmount(config.losses.tolerance, assetDecimals, "losses.tolerance"),
    },
    gas: {
      baseGas: BigInt(p.baseGas),
      gasPerLeg: BigInt(p.gasPerLeg),
      assetPerNative: tokenAmount(
        p.nativePriceInAsset,
        assetDecimals,
        `${v.planner?.nativePriceInAsset !== undefined ? `vaults.${i}.planner` : "planner"}.nativePriceInAsset`,
      ),
    },
  };
  return {
    runnerConfig,
    history: { minIntervalSeconds: BigInt(p.sampleIntervalSeconds), maxSamples: HISTORY_MAX_SAMPLES },
  };
}
