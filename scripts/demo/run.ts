/**
 * The main job, end to end on an embedded chain:
 *
 *  1. deploy everything with the LocalStack Ignition module (governance, mock asset and strategies, the treasury);
 *  2. one governance proposal lists the strategies and sets the bounds: propose, vote, wait, queue, execute;
 *  3. outside depositors fill the strategies, a DAO member deposits into the vault;
 *  4. the session admin grants the agent a session inside the ceilings governance set;
 *  5. the real agent daemon (agent/src: reader, planner, mirror, executor, journal) ticks every 6 simulated hours
 *     while strategy yields change, and serves its dashboard;
 *  6. a rogue client holding the agent's key sends a rebalance outside the bounds: the contract rejects it;
 *  7. the guardian pauses every agent (the daemon stands down; a try anyway is rejected); governance unpauses;
 *  8. the session expires: the daemon stands down, and a last try is rejected;
 *  9. the summary: allocations before and after, yield against leaving everything idle and a fixed equal split on the
 *     same yield path, every rebalance with its gas and reason, every rejection with its reason.
 *
 * Time is the chain's: no figure depends on the wall clock, so a seed always gives the same summary.
 *
 * The strategies come from the world (market.ts): mock strategies on a seeded yield path by default; with
 * `world: "lending"`, curated vaults over Morpho Blue markets whose seeded borrowers move the rates (lending.ts), and a
 * tick the daemon cannot complete is reported instead of ending the run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet, ZeroHash, type TransactionReceipt } from "ethers";
import { devKey, startEmbeddedChain as startDemoChain, type EmbeddedChain as DemoChain } from "../../agent/devnet/index.js";
import { LensReader } from "../../agent/src/chain/reader.js";
import type { VaultSnapshot } from "../../agent/src/chain/types.js";
import { erc4626Valuation } from "../../agent/src/checks/valuation.js";
import { parseConfig } from "../../agent/src/config/load.js";
import { loadWallet } from "../../agent/src/config/key.js";
import { assembleDaemon, serveDaemon, type AssembledDaemon } from "../../agent/src/daemon/assemble.js";
import { createProvider } from "../../agent/src/daemon/build.js";
import type { DaemonTick } from "../../agent/src/daemon/daemon.js";
import type { TickResult } from "../../agent/src/daemon/vault-runner.js";
import { createLogger } from "../../agent/src/obs/logger.js";
import { Metrics } from "../../agent/src/obs/metrics.js";
import type { ObservabilityServer } from "../../agent/src/obs/server.js";
import { ChainTimeClock } from "../../agent/src/util/clock.js";
import { deployStack } from "../actions/deploy-stack.js";
import { grantSession } from "../actions/grant-session.js";
import { pauseAgents } from "../actions/pause-agents.js";
import { runBoundsProposal } from "../actions/run-bounds-proposal.js";
import { unpauseAgents } from "../actions/unpause-agents.js";
import { REPO_ROOT } from "../lib/addresses.js";
import { loadContext, withSigner, type TreasuryContext } from "../lib/context.js";
import { decodeRevert, revertDataOf } from "../lib/errors.js";
import {
  amount,
  dayClock,
  percent,
  type AllocationRow,
  type DemoSummary,
  type RebalanceRow,
  type RejectionRow,
  type StandDown,
} from "./summary.js";
import { lendingMarket, type LendingMarket } from "./lending.js";
import { mockMarket, STEP_SECONDS, STEPS_PER_DAY, WORLDS, type DemoMarket, type DemoWorld } from "./market.js";
import { yieldPath, type DayYields } from "./yields.js";

export const MAX_DAYS = 7;
const HOUR = 3_600n;
const BPS = 10_000n;

/** Hardhat's default accounts, as deploy/parameters/local.json names them. */
const ACCOUNT = { deployer: 0, guardian: 1, sessionAdmin: 2, agent: 3, member: 4, outsider: 5 } as const;
/** Account #3 of Hardhat's public development mnemonic: a key for the embedded chain only. */
const AGENT_DEV_KEY = devKey(ACCOUNT.agent);

export interface DemoOptions {
  days: number;
  seed: number;
  /** The strategies' world: mock strategies on a seeded yield path (default), or curated vaults over Morpho Blue
   *  markets with seeded borrowers. */
  world?: DemoWorld;
  /** Port of the daemon's dashboard; 0 for any free one. Default 9464, or any free port when that one is taken. */
  port?: number;
  /** Wall-clock pause after each step (ms), to watch the dashboard; 0 by default. */
  paceMs?: number;
  /**
   * Where the daemon's journal, price history and log go. By default a fresh temporary folder, removed by `close` (and
   * when the run fails); a folder given here is the caller's and is left in place.
   */
  dataDir?: string;
  /** Progress lines. */
  out?: (line: string) => void;
}

export interface DemoRun {
  summary: DemoSummary;
  dashboardUrl: string;
  dataDir: string;
  journalPath: string;
  logPath: string;
  /** The daemon and its dashboard, still serving until `close`. */
  daemon: AssembledDaemon;
  /** The chain, still running until `close` (the dashboard reads it; tests check the summary against it). */
  chain: DemoChain;
  close(): Promise<void>;
}


export function checkOptions(o: { days: number; seed: number; world?: string }): void {
  if (o.world !== undefined && !WORLDS.includes(o.world as DemoWorld)) {
    throw new RangeError(`--world must be one of ${WORLDS.join(", ")}, got ${o.world}`);
  }
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > MAX_DAYS) {
    throw new RangeError(`--days must be a whole number from 1 to ${MAX_DAYS} (the session ceiling a first proposal may set), got ${o.days}`);
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw new RangeError(`--seed must be a whole number from 0 to 4294967295, got ${o.seed}`);
  }
}

export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  checkOptions(options);
  const out = options.out ?? ((line: string) => console.log(line));
  const { days, seed } = options;
  const yields = yieldPath({ seed, days, strategies: 3 });
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "treasury-demo-"));
  // Interest accrues by the second in the lending world: no block's time may depend on the wall clock.
  const chain = await startDemoChain({ pinBlockTimes: options.world === "lending" }).catch((err: unknown) => {
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  let server: ObservabilityServer | undefined;
  let rpc: JsonRpcProvider | undefined;
  let daemonProvider: JsonRpcProvider | undefined;
  const closeAll = async () => {
    await server?.close();
    daemonProvider?.destroy();
    rpc?.destroy();
    await chain.close();
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const story = await tellStory(chain, { ...options, dataDir }, yields, out);
    server = story.server;
    rpc = story.rpc;
    daemonProvider = story.daemonProvider;
    return { ...story.run, chain, close: closeAll };
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
}

async function tellStory(chain: DemoChain, options: DemoOptions, yields: DayYields[], out: (line: string) => void) {
  const { days, seed } = options;
  const lending = options.world === "lending";
  const { connection } = chain;
  out(`Agent treasury demo: seed ${seed}, ${days} simulated day${days === 1 ? "" : "s"}, embedded chain (id 31337, loopback ${chain.url})`);

  // 1. Deploy.
  const deployed = await deployStack(connection, {
    module: "local",
    parameters: path.join(REPO_ROOT, "deploy", "parameters", "local.json"),
    addressesFile: false,
    log: () => {},
  });
  const a = deployed.addresses;
  const actionLines: string[] = [];
  const ctx = await loadContext(connection, { addresses: a, log: (line) => actionLines.push(line) });
  const as = (account: keyof typeof ACCOUNT) => withSigner(ctx, String(ACCOUNT[account]));
  const { symbol, decimals } = ctx.asset;
  const unit = 10n ** BigInt(decimals);
  const fmt = { symbol, decimals };
  const signers = await ctx.ethers.getSigners();
  const agentAddress = signers[ACCOUNT.agent]!.address;
  out(`[deploy]     LocalStack (Ignition): ${deployed.transactionsSent} transactions; vault ${a.vault}, governor ${a.governor}, 3 strategies`);
  let start = 0n;
  const lendingWorld: LendingMarket | undefined = lending
    ? await lendingMarket(ctx, a, { seed, days, start: () => start, deployer: signers[ACCOUNT.deployer]! })
    : undefined;
  const market: DemoMarket = lendingWorld ?? (await mockMarket(ctx, a, yields, signers[ACCOUNT.outsider]!));
  const lendingReport = lendingWorld?.report;
  if (lendingWorld) {
    const w = lendingWorld.world;
    out(`[deploy]     lending world (test-only, never deployed by deploy/): Morpho Blue ${await w.morpho.getAddress()}, ${w.markets.length} markets, ${w.vaults.length} curated vaults listed instead of the mock strategies`);
  }

  // 2. Governance sets the bounds.
  const bounds = await runBoundsProposal(ctx, {
    title: "List the strategies and set the first bounds",
    changes: [
      ...market.strategies.map((s) => ({ kind: "addStrategy" as const, strategy: s.address, absoluteCap: s.absoluteCap, relativeCapBps: s.relativeCapBps })),
      { kind: "setIdleBuffer", idleBufferBps: 1_200 },
      { kind: "setLossLimits", maxLossPerCallBps: 25, epochLossBudgetBps: 100 },
      { kind: "setCeilings", maxDuration: MAX_DAYS * 86_400, maxVolumePerCall: 500_000n * unit, maxVolumePerEpoch: 2_000_000n * unit },
    ],
    fastForward: true,
  });
  const governance: DemoSummary["governance"] = [{ title: "List the strategies and set the first bounds", proposalId: bounds.proposalId.toString(), calls: bounds.calls.length }];
  out(`[governance] proposal ${shortId(bounds.proposalId)}: propose, vote, wait for the vote to end, queue, wait out the Timelock, execute`);
  for (const c of bounds.calls) out(`             ${c.summary}`);

  // 3. Money: outside depositors in each strategy, then a DAO member into the vault.
  const member = signers[ACCOUNT.member]!;
  const asset = await ctx.ethers.getContractAt("MockERC20", a.asset);
  const outside = await market.fund();
  const deposits = 1_000_000n * unit;
  await (await asset.mint(member.address, deposits)).wait();
  await (await asset.connect(member).approve(a.vault, deposits)).wait();
  await (await ctx.vault.connect(member).deposit(deposits, member.address)).wait();
  out(`[funds]      a DAO member deposits ${amount(deposits, fmt)}; ${outside}`);

  // 4. The session, from the next whole hour.
  start = ((await chain.now()) / HOUR + 1n) * HOUR;
  await chain.mineAt(start);
  const duration = days * 86_400;
  const grant = await grantSession(await as("sessionAdmin"), {
    agent: agentAddress,
    strategies: "all",
    duration,
    maxVolumePerCall: 500_000n * unit,
    maxVolumePerEpoch: 1_500_000n * unit,
    epochLength: 86_400,
    minInterval: 3_600,
    maxCallsPerEpoch: 6,
  });
  const sessionId = grant.sessionId;
  const validUntil = Number(start) + duration;
  out(`[session]    the session admin grants session #${sessionId} to the agent ${agentAddress}: ${days} d, ${amount(500_000n * unit, fmt)} per call, ${amount(1_500_000n * unit, fmt)} and 6 calls a day, 1 h apart`);

  // 5. The daemon, assembled as `treasury-agent run` assembles it.
  const dataDir = options.dataDir!;
  fs.mkdirSync(dataDir, { recursive: true });
  const logPath = path.join(dataDir, "daemon.log");
  const config = parseConfig(
    {
      network: { rpcUrl: chain.url, chainId: 31337, confirmations: 1, pollIntervalMs: 1_000 },
      lens: a.lens,
      dataDir: path.join(dataDir, "agent"),
      tx: { maxFeePerGasGwei: "100", stuckAfterSeconds: 60 },
      planner: {
        strategy: "yield",
        minMove: "1000",
        minSpreadBps: 25,
        horizonDays: 30,
        lookbackHours: 24,
        minSamples: 2,
        minWindowMinutes: 60,
        sampleIntervalSeconds: 0,
        nativePriceInAsset: "3000",
      },
      sessions: { warnBeforeExpirySeconds: 86_400, expiryMarginSeconds: 600 },
      metrics: { host: "127.0.0.1", port: options.port ?? 9464 },
      log: { level: "info" },
      vaults: [{ address: a.vault, label: "treasury" }],
    },
    { AGENT_PRIVATE_KEY: AGENT_DEV_KEY },
  );
  const daemonProvider = createProvider(config);
  const wallet = await loadWallet(config, 31337n);
  if (wallet.address !== agentAddress) throw new Error(`the demo's agent key is for ${wallet.address}, not account #3 ${agentAddress}`);
  const log = createLogger(config.log.level, { write: (line: string) => fs.appendFileSync(logPath, line) });
  const metrics = new Metrics();
  const clock = new ChainTimeClock();
  clock.set(start);
  const assembled = await assembleDaemon({ config, provider: daemonProvider, wallet, chainId: 31337n, clock, log, metrics });
  const server = await serveWithFallback(assembled, config, metrics, options.port === undefined);
  const dashboardUrl = `http://127.0.0.1:${server.port}/`;
  const journalPath = path.join(config.dataDir, "31337", `journal-${agentAddress.toLowerCase()}.jsonl`);
  out(`[daemon]     dashboard ${dashboardUrl}   (journal ${journalPath}, log ${logPath})`);

  // Direct calls with the agent's key, as a rogue client would make them, over the same JSON-RPC endpoint.
  const rpc = new JsonRpcProvider(chain.url, 31337, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1, pollingInterval: 20 });
  const rogueKey = new Wallet(AGENT_DEV_KEY, rpc);
  const reader = new LensReader(rpc, a.lens);
  const snapshot = () => reader.snapshot(a.vault, agentAddress);

  const rejections: RejectionRow[] = [];
  const standDowns: StandDown[] = [];
  const rebalanceSnapshots = new Map<string, VaultSnapshot>();
  const byResult: Record<string, number> = {};
  let ticks = 0;
  let last: TickResult | undefined;
  let warned = false;

  const indent = " ".repeat(String(days * STEPS_PER_DAY).length * 2 + 14);
  /** Sends a rebalance signed with the agent's key, bypassing the daemon; the contract must reject it. */
  const rogue = async (attempt: string, targets: { strategy: string; assets: bigint }[]) => {
    const data = ctx.vault.interface.encodeFunctionData("rebalance", [targets, sessionId, ZeroHash]);
    const at = Number(await chain.now()) + 1;
    const sent = await rogueKey.sendTransaction({ to: a.vault, data, gasLimit: 1_000_000n });
    const receipt = (await rpc.getTransactionReceipt(sent.hash)) as TransactionReceipt;
    if (receipt.status !== 0) throw new Error(`the rogue rebalance was not rejected: ${attempt} (tx ${sent.hash})`);
    let revertData: string | undefined;
    try {
      await rpc.call({ from: agentAddress, to: a.vault, data, blockTag: receipt.blockNumber });
    } catch (err) {
      revertData = revertDataOf(err);
    }
    const decoded = decodeRevert(revertData);
    const row: RejectionRow = {
      at,
      who: "a rogue client with the agent's key",
      attempt,
      stage: "chain",
      error: decoded?.name ?? "unknown",
      detail: decoded?.text ?? `reverted without a known error (${revertData ?? "no data"})`,
      txHash: sent.hash,
      gasUsed: receipt.gasUsed,
    };
    rejections.push(row);
    assembled.dashboard.recordRejection({ at: BigInt(at), vault: a.vault, source: "rogue client (agent key)", stage: "chain", error: row.detail, txHash: row.txHash, gasUsed: row.gasUsed });
    out(`${indent}rejected by the contract: ${row.detail}`);
    out(`${indent}(tx ${sent.hash} reverted, ${receipt.gasUsed.toLocaleString("en-US")} gas burnt, no budget spent)`);
  };

  const totalSteps = days * STEPS_PER_DAY;
  const pauseStep = market.pauseStep;
  const quarantines = assembled.runners[0]!.quarantine;
  const quarantinesSeen = new Set<string>();
  let rogueDone = false;
  let firstSnapshot: VaultSnapshot | undefined;
  let lastShown = "";
  const width = String(totalSteps).length;
  const pad = " ".repeat(width * 2 + 12);
  out(`[agent]      the daemon ticks every ${STEP_SECONDS / HOUR} h of chain time; the market moves in between (lines show what changed)`);

  for (let k = 0; k <= totalSteps; k++) {
    const at = start + BigInt(k) * STEP_SECONDS;
    const label = `[${String(k).padStart(width)}/${totalSteps}] ${dayClock(Number(at), Number(start))}`;
    if (k < totalSteps && k % STEPS_PER_DAY === 0) {
      for (const line of await market.dayOpens(k / STEPS_PER_DAY)) out(`${label}  ${line}`);
    }
    // The market over the step that just ended.
    if (k > 0) for (const line of await market.step(k)) out(`${label}  ${line}`);

    if (k === pauseStep) {
      await pauseAgents(await as("guardian"));
      out(`${label}  guardian: pauses every agent at once, while the DAO looks at the market`);
    }

    await chain.mineAt(at);
    clock.set(at);
    if (k === 0) firstSnapshot = await snapshot();
    const [tick] = (await assembled.daemon.tick()) as [DaemonTick];
    ticks++;
    if (tick.error || !tick.report) {
      const error = tick.error?.message ?? "the tick gave no report";
      // The lending world runs to its end whatever the daemon makes of it: a failed tick is reported, not fatal.
      if (!lendingReport) throw new Error(`the daemon's tick failed: ${error}`, { cause: tick.error });
      byResult.error = (byResult.error ?? 0) + 1;
      lendingReport.tickErrors.push({ at: Number(at), error });
      out(`${label}  daemon: the tick failed: ${error}`);
    } else {
      const report = tick.report;
      last = report.result;
      byResult[last.kind] = (byResult[last.kind] ?? 0) + 1;
      const shown = last.kind === "hold" ? `hold:${last.code}` : last.kind === "sent" ? `sent:${k}` : describeResult(last);
      if (shown !== lastShown || k === totalSteps) {
        lastShown = shown;
        const apr = report.snapshot.strategies
          .map((s) => {
            const e = report.yields.get(s.strategy);
            return e ? `${(Number(e.aprWad) / 1e16).toFixed(2)}%` : "n/a";
          })
          .join(" ");
        out(`${label}  daemon: ${describeResult(last)}  (estimated APRs ${apr})`);
        if (last.kind === "sent" && report.plan?.kind === "rebalance") out(`${pad}  reason: ${report.plan.reason}`);
      }
      if (report.writeDown && report.writeDown !== last) out(`${label}  daemon: ${describeResult(report.writeDown)}`);
      if (last.kind === "sent") rebalanceSnapshots.set(last.intentHash, report.snapshot);
      if (last.kind === "stand-down") standDowns.push({ at: Number(at), reason: last.reason });
      if (!warned && report.assessment?.expiringSoon.length) {
        warned = true;
        out(`${label}  daemon: warns the operator that session #${sessionId} ends in ${report.assessment.expiringSoon[0]!.timeLeft / HOUR} h`);
      }
    }
    if (lendingReport) {
      for (const q of quarantines.entries()) {
        const key = `${q.strategy.toLowerCase()}:${q.exit}`;
        if (quarantinesSeen.has(key)) continue;
        quarantinesSeen.add(key);
        const index = market.strategies.findIndex((x) => x.address.toLowerCase() === q.strategy.toLowerCase());
        lendingReport.quarantines.push({ at: Number(at), strategy: index, code: q.code, reason: q.reason, exit: q.exit });
        out(`${label}  daemon: quarantines strategy ${index} (${lendingReport.vaults[index]?.name ?? q.strategy}): ${q.reason}`);
      }
    }

    if (k === pauseStep) {
      const snap = await snapshot();
      const smallest = [...snap.strategies].sort((x, y) => (x.currentValue < y.currentValue ? -1 : 1))[0]!;
      out(`${label}  rogue: a client with the agent's key tries a rebalance anyway`);
      await rogue("a rebalance while agents are paused", [{ strategy: smallest.strategy, assets: smallest.currentValue + 1_000n * unit }]);
      const unpause = await unpauseAgents(ctx, { fastForward: true, title: `Lift the agent pause (day ${Math.floor(k / STEPS_PER_DAY) + 1})` });
      governance.push({ title: "Lift the agent pause", proposalId: unpause.proposalId.toString(), calls: unpause.calls.length });
      out(`${dayClock(Number(await chain.now()), Number(start)).padStart(label.length)}  governance: proposal ${shortId(unpause.proposalId)} lifts the pause (propose, vote, queue, Timelock delay, execute)`);
    }

    if (!rogueDone && last?.kind === "sent" && k < totalSteps) {
      // An hour later, between two ticks: a client holding the agent's key pushes money past a cap.
      rogueDone = true;
      await chain.mineAt(at + HOUR + 60n);
      const snap = await snapshot();
      const target = closestToCap(snap);
      const over = target.cap - target.value + snap.totalAssets / 20n;
      const when = dayClock(Number(await chain.now()), Number(start)).padStart(label.length);
      out(`${when}  rogue: a client with the agent's key moves ${amount(over, fmt)} from idle into strategy ${target.index}, past its ${percent(target.capBps)} cap`);
      await rogue(`push strategy ${target.index} past its ${percent(target.capBps)} cap`, [{ strategy: target.strategy, assets: target.value + over }]);
    }
    if (options.paceMs) await new Promise((r) => setTimeout(r, options.paceMs));
  }
  if (last?.kind !== "stand-down") throw new Error(`the daemon did not stand down at the end of its session (last: ${last?.kind})`);

  // 8. After expiry: the key still signs, the contract still refuses.
  {
    const snap = await snapshot();
    const s = snap.strategies[0]!;
    out(`${dayClock(Number(await chain.now()), Number(start)).padStart(width * 2 + 12)}  rogue: a client with the agent's key tries one more rebalance after the expiry`);
    await rogue("a rebalance after the session expired", [{ strategy: s.strategy, assets: s.currentValue + 1_000n * unit }]);
  }

  // 9. Summary.
  const end = await snapshot();
  const journal = assembled.journal.entries();
  const rebalances: RebalanceRow[] = journal
    .filter((e) => e.outcome?.status === "confirmed" && e.record.action === undefined)
    .map((e) => {
      const before = rebalanceSnapshots.get(e.intentHash);
      return {
        at: Math.floor(Date.parse(e.record.createdAt) / 1000),
        txHash: e.outcome!.hash!,
        intentHash: e.intentHash,
        gasUsed: e.outcome!.gasUsed!,
        reason: e.record.reason,
        volume: e.record.volume,
        legs: e.record.targets.map((t) => {
          const s = before?.strategies.find((x) => x.strategy === t.strategy);
          return { strategy: s?.index ?? market.strategies.findIndex((x) => x.address === t.strategy), from: s?.currentValue ?? 0n, to: t.assets };
        }),
      };
    });
  for (const e of journal.filter((x) => x.outcome && x.outcome.status !== "confirmed")) {
    rejections.push({ at: Math.floor(Date.parse(e.record.createdAt) / 1000), who: "the daemon", attempt: e.record.reason, stage: "chain", error: e.outcome!.error?.split("(")[0] ?? e.outcome!.status, detail: e.outcome!.error ?? e.outcome!.status, txHash: e.outcome!.hash, gasUsed: e.outcome!.gasUsed });
  }
  let paidWei = 0n;
  for (const r of rebalances) {
    const receipt = await rpc.getTransactionReceipt(r.txHash);
    paidWei += receipt!.gasUsed * receipt!.gasPrice;
  }
  rejections.sort((x, y) => x.at - y.at);

  const summary: DemoSummary = {
    seed,
    days,
    symbol,
    decimals,
    agent: agentAddress,
    addresses: { vault: a.vault, sessionManager: a.sessionManager, lens: a.lens, governor: a.governor!, timelock: a.timelock!, asset: a.asset, strategies: market.strategies.map((x) => x.address) },
    start: Number(start),
    end: Number(end.timestamp),
    governance,
    session: { id: sessionId, validAfter: Number(start), validUntil, maxVolumePerCall: 500_000n * unit, maxVolumePerEpoch: 1_500_000n * unit, maxCallsPerEpoch: 6, minInterval: 3_600 },
    deposits,
    allocations: { before: allocations(firstSnapshot!), after: allocations(end) },
    outcome: outcomes(firstSnapshot!, end, deposits, totalSteps),
    gas: { rebalances: rebalances.length, gasUsed: rebalances.reduce((s, r) => s + r.gasUsed, 0n), paidWei },
    rebalances,
    rejections,
    standDowns,
    ticks: { total: ticks, byResult },
    final: { result: last.kind, reason: last.reason },
    ...(lendingReport ? { world: "lending" as const, lending: lendingReport } : {}),
  };
  return {
    server,
    rpc,
    daemonProvider,
    run: { summary, dashboardUrl, dataDir, journalPath, logPath, daemon: assembled },
  };
}

async function serveWithFallback(
  assembled: AssembledDaemon,
  config: Parameters<typeof serveDaemon>[1],
  metrics: Metrics,
  fallback: boolean,
): Promise<ObservabilityServer> {
  try {
    return (await serveDaemon(assembled, config, metrics))!;
  } catch (err) {
    if (!fallback || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    return (await serveDaemon(assembled, { ...config, metrics: { ...config.metrics, port: 0 } }, metrics))!;
  }
}

function shortId(id: bigint): string {
  const s = id.toString();
  return `${s.slice(0, 8)}…${s.slice(-4)}`;
}

function describeResult(r: TickResult): string {
  switch (r.kind) {
    case "sent":
      return `rebalance ${r.hash.slice(0, 12)}… ${r.confirmed ? "confirmed" : "sent"} (intent ${r.intentHash.slice(0, 12)}…)`;
    case "realize-loss":
      return `loss written down ${r.hash.slice(0, 12)}… ${r.confirmed ? "confirmed" : "sent"}: ${r.reason}`;
    case "hold":
      return `hold: ${r.reason}`;
    case "wait":
    case "stand-down":
    case "deferred":
    case "stale":
    case "breaker-open":
      return `${r.kind}: ${r.reason}`;
    case "rejected":
      return `rejected by the ${r.stage}: ${r.error}`;
    case "in-flight":
      return `in flight: ${r.intentHash} ${r.state}`;
    case "dry-run":
      return `dry run: ${r.simulation}`;
  }
}

/** The strategy with the least room under its cap (relative cap on current total assets, or absolute cap). */
function closestToCap(s: VaultSnapshot) {
  const rows = s.strategies.map((x) => {
    const relative = (s.totalAssets * BigInt(x.relativeCapBps)) / BPS;
    const cap = relative < x.absoluteCap ? relative : x.absoluteCap;
    return { strategy: x.strategy, index: x.index, value: x.currentValue, cap, capBps: x.relativeCapBps };
  });
  return rows.sort((x, y) => (x.cap - x.value < y.cap - y.value ? -1 : 1))[0]!;
}

function liveValue(s: VaultSnapshot): bigint {
  return s.idle + s.strategies.reduce((sum, x) => sum + x.currentValue, 0n);
}

function allocations(s: VaultSnapshot): AllocationRow[] {
  const total = liveValue(s);
  const share = (v: bigint) => (total === 0n ? 0 : Number((v * BPS) / total));
  return [
    ...s.strategies.map((x) => ({ name: `Strategy ${x.index}`, address: x.strategy, assets: x.currentValue, shareBps: share(x.currentValue), capBps: x.relativeCapBps })),
    { name: "Idle", assets: s.idle, shareBps: share(s.idle) },
  ];
}

/**
 * What the agent earned, against two passive choices on the same yield path, from the first tick to the end:
 * everything left idle (earns nothing), and the deposits split equally across the strategies at the first tick
 * (keeping the idle buffer) and never touched. The split buys shares at the first tick's share prices and is valued
 * at the last tick's, with each strategy's exact ERC-4626 math: gains and losses were applied in proportion to each
 * strategy's assets, so those prices are what the split would have seen too.
 */
function outcomes(first: VaultSnapshot, end: VaultSnapshot, deposits: bigint, steps: number): DemoSummary["outcome"] {
  const agentValue = liveValue(end);
  const buffer = (deposits * BigInt(first.bounds.idleBufferBps) + BPS - 1n) / BPS;
  const each = (deposits - buffer) / BigInt(first.strategies.length);
  const kept = deposits - each * BigInt(first.strategies.length);
  const at = (s: VaultSnapshot) =>
    erc4626Valuation(s.strategies.map((x) => ({ strategy: x.strategy, totalAssets: x.strategyTotalAssets, totalSupply: x.strategyTotalSupply })));
  const then = at(first);
  const now = at(end);
  let split = kept;
  for (const x of first.strategies) split += now.previewRedeem(x.strategy, then.previewDeposit(x.strategy, each));
  return {
    agent: { endValue: agentValue, earned: agentValue - deposits },
    idle: { endValue: deposits, earned: 0n },
    equalSplit: { endValue: split, earned: split - deposits },
    periodSeconds: steps * Number(STEP_SECONDS),
  };
}
