/**
 * The main job, end to end on an embedded chain, told as a story whose steps are the files of story/ (this file only
 * sequences them):
 *
 *  1. deploy.ts: deploy everything with the LocalStack Ignition module (governance, mock asset and strategies, the
 *     treasury);
 *  2. bounds-proposal.ts: one governance proposal lists the strategies and sets the bounds: propose, vote, wait,
 *     queue, execute;
 *  3–4. deposit-session.ts: outside depositors fill the strategies, a DAO member deposits into the vault; the session
 *     admin grants the agent a session inside the ceilings governance set;
 *  5. daemon.ts, agent-days.ts: the real agent daemon (agent/src: reader, planner, mirror, executor, journal) ticks
 *     every 2 simulated hours while strategy yields change, and serves its dashboard;
 *  6. rogue-client.ts: a rogue client holding the agent's key sends a rebalance outside the bounds: the contract
 *     rejects it;
 *  7. pause.ts: the guardian pauses every agent (the daemon stands down; a try anyway is rejected); governance
 *     unpauses;
 *  8. expiry.ts: the session expires: the daemon stands down, and a last try is rejected;
 *  9. summary.ts: allocations before and after, yield against leaving everything idle and a fixed equal split on the
 *     same yield path, every rebalance with its gas and reason, every rejection with its reason; explain.ts: every
 *     rebalance replayed from its record (`treasury-agent explain`), counted reproduced.
 * 10–12. scene-treasury.ts, misbehaving-session.ts, reduce-only-keeper.ts: two scenes on a second vault, on a chain
 *     of its own so the story's chain stays as the story left it: a session revoked in the call that would pass its
 *     own loss allowance, and a reduce-only keeper moving a falling strategy into idle (its try to raise one is
 *     refused).
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
import type { Agent } from "@agent-treasury/agent";
import { startEmbeddedChain as startDemoChain, type EmbeddedChain as DemoChain } from "@agent-treasury/agent/devnet";
import type { JsonRpcProvider } from "ethers";
import { WORLDS, type DemoWorld } from "./market.js";
import { afterExpiry } from "./story/expiry.js";
import { runAgentDays } from "./story/agent-days.js";
import { proposeBounds } from "./story/bounds-proposal.js";
import { startDaemon } from "./story/daemon.js";
import { depositAndGrant } from "./story/deposit-session.js";
import { deploy } from "./story/deploy.js";
import { rogueClient } from "./story/rogue-client.js";
import { misbehavingSession } from "./story/misbehaving-session.js";
import { reduceOnlyKeeper } from "./story/reduce-only-keeper.js";
import { sceneTreasury } from "./story/scene-treasury.js";
import { MAX_DAYS } from "./story/stage.js";
import { explainRebalances } from "./story/explain.js";
import { summarize } from "./story/summary.js";
import type { DemoSummary } from "./summary.js";
import { yieldPath, type DayYields } from "./yields.js";

export { MAX_DAYS } from "./story/stage.js";

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
  daemon: Agent;
  /** The chain, still running until `close` (the dashboard reads it; tests check the summary against it). */
  chain: DemoChain;
  /** The session scenes' own chain, likewise. */
  sceneChain: DemoChain;
  close(): Promise<void>;
}

export function checkOptions(o: { days: number; seed: number; world?: string }): void {
  if (o.world !== undefined && !WORLDS.includes(o.world as DemoWorld)) {
    throw new RangeError(`--world must be one of ${WORLDS.join(", ")}, got ${o.world}`);
  }
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > MAX_DAYS) {
    throw new RangeError(
      `--days must be a whole number from 1 to ${MAX_DAYS} (the session ceiling a first proposal may set), got ${o.days}`,
    );
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
  // No block's time may depend on the wall clock: interest accrues by the second in the lending world, and the state
  // an intent hashes (a strategy's mark time) must be the same for the same seed however long deployment took.
  const chain = await startDemoChain({ pinBlockTimes: true }).catch((err: unknown) => {
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  let sceneChain: DemoChain | undefined;
  let agent: Agent | undefined;
  let rpc: JsonRpcProvider | undefined;
  const closeAll = async () => {
    await agent?.close();
    rpc?.destroy();
    await sceneChain?.close();
    await chain.close();
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    sceneChain = await startDemoChain({ pinBlockTimes: true });
    const story = await tellStory(chain, sceneChain, { ...options, dataDir }, yields, out);
    agent = story.run.daemon;
    rpc = story.rpc;
    return { ...story.run, chain, sceneChain, close: closeAll };
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
}

/** The story, one step after another (each step is a file of story/). */
async function tellStory(
  chain: DemoChain,
  sceneChain: DemoChain,
  options: DemoOptions,
  yields: DayYields[],
  out: (line: string) => void,
) {
  const { days, seed } = options;
  out(
    `Agent treasury demo: seed ${seed}, ${days} simulated day${days === 1 ? "" : "s"}, embedded chain (id 31337, loopback ${chain.url})`,
  );
  const stage = await deploy(chain, options, yields, out);
  const governance = [await proposeBounds(stage)];
  const funding = await depositAndGrant(stage);
  // The lending world's curated vaults answer the market-rate views: the agent rates them by their markets' averaged
  // rate, as the lending bench measures it (the mock strategies have no market: the trailing rate).
  const daemon = await startDaemon(stage, {
    dataDir: options.dataDir!,
    port: options.port,
    ...(options.world === "lending" ? { yieldModel: "market" as const } : {}),
  });
  const rogue = rogueClient(stage, daemon, funding.session.id);
  const agentDays = await runAgentDays(stage, daemon, rogue, funding.session.id, governance, options.paceMs);
  const final = await afterExpiry(stage, rogue, agentDays.last);
  const summary = await summarize(stage, { governance, funding, daemon, rogue, days: agentDays, final });
  summary.explain = await explainRebalances(stage, rogue.rpc, daemon.journalPath, summary.rebalances);
  const scene = await sceneTreasury(stage, sceneChain);
  summary.scenes = {
    vault: scene.stack.vaultAddress,
    misbehaving: await misbehavingSession(stage, scene),
    keeper: await reduceOnlyKeeper(stage, scene),
  };
  const { dashboardUrl, journalPath, logPath } = daemon;
  return {
    rpc: rogue.rpc,
    run: { summary, dashboardUrl, dataDir: options.dataDir!, journalPath, logPath, daemon: daemon.assembled },
  };
}
