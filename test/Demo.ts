/**
 * The README's first command, end to end with short settings: the demo's structured summary is checked against the
 * chain it ran on (rebalances and their intent hashes, the rejected rogue attempts, the stand-downs, the governance
 * changes), the same seed gives the same summary, and the command line passes its options through.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";
import { main as demoMain } from "../scripts/demo.js";
import { runDemo, type DemoRun } from "../scripts/demo/run.js";
import { renderSummary, summaryJson, type DemoSummary } from "../scripts/demo/summary.js";
import { gainOver, yieldPath } from "../scripts/demo/yields.js";
import { REPO_ROOT } from "../scripts/lib/addresses.js";
import {
  CuratedLendingVault__factory,
  SessionManager__factory,
  TreasuryLens__factory,
  TreasuryVault__factory,
} from "../types/ethers-contracts/index.js";

const run = promisify(execFile);

describe("Demo: the main job on an embedded chain", function () {
  this.timeout(120_000);
  let demo: DemoRun;
  let summary: DemoSummary;
  let provider: JsonRpcProvider;
  /** The session scenes' chain. */
  let sceneProvider: JsonRpcProvider;
  const lines: string[] = [];

  before(async () => {
    demo = await runDemo({ days: 3, seed: 3, port: 0, out: (line) => lines.push(line) });
    summary = demo.summary;
    provider = new JsonRpcProvider(demo.chain.url, 31337, { staticNetwork: true });
    sceneProvider = new JsonRpcProvider(demo.sceneChain.url, 31337, { staticNetwork: true });
  });

  after(async () => {
    provider?.destroy();
    sceneProvider?.destroy();
    await demo?.close();
  });

  it("deploys, sets the bounds by a governance proposal, and lifts the guardian's pause by another", async () => {
    expect(
      summary.governance.map((g) => g.title),
      "two proposals executed",
    ).to.deep.equal(["List the strategies and set the first bounds", "Lift the agent pause"]);
    const vault = TreasuryVault__factory.connect(summary.addresses.vault, provider);
    expect((await vault.bounds()).idleBufferBps, "the idle buffer the proposal set").to.equal(1_200n);
    expect(await vault.withdrawQueue(), "the three strategies listed").to.deep.equal(summary.addresses.strategies);
    const sessions = new Contract(
      summary.addresses.sessionManager,
      ["function agentsPaused() view returns (bool)"],
      provider,
    );
    expect(await sessions.getFunction("agentsPaused")(), "governance lifted the pause").to.equal(false);
  });

  it("rebalances through the real daemon, each with the intent hash it journaled, gas and a reason", async () => {
    expect(summary.rebalances.length, "at least the initial deployment and one move").to.be.greaterThanOrEqual(2);
    const vault = TreasuryVault__factory.connect(summary.addresses.vault, provider);
    const events = await vault.queryFilter(vault.filters.Rebalanced(), 0, "latest");
    expect(
      events.map((e) => e.args.intentHash),
      "every rebalance on chain is one of the summary's, in order",
    ).to.deep.equal(summary.rebalances.map((r) => r.intentHash));
    expect(events.map((e) => e.transactionHash)).to.deep.equal(summary.rebalances.map((r) => r.txHash));
    for (const [i, r] of summary.rebalances.entries()) {
      const receipt = await provider.getTransactionReceipt(r.txHash);
      expect(receipt!.status, `rebalance ${i} succeeded`).to.equal(1);
      expect(receipt!.from, "sent by the agent's key").to.equal(summary.agent);
      expect(r.gasUsed, "gas from the receipt").to.equal(receipt!.gasUsed);
      expect(r.reason, "the planner's reason").to.match(
        /toward best risk-adjusted yield|idle buffer|over-cap|no yield estimate yet: idle above the buffer into an equal split/,
      );
      expect(r.legs.length).to.be.greaterThan(0);
    }
    const journal = demo.daemon.journal.entries();
    const rebalances = journal.filter((e) => e.record.action === undefined);
    expect(
      rebalances.map((e) => e.intentHash),
      "the daemon's journal holds exactly these rebalances",
    ).to.deep.equal(summary.rebalances.map((r) => r.intentHash));
    for (const e of journal.filter((e) => e.record.action !== undefined)) {
      expect(e.outcome?.status, `the loss write-down of ${e.record.action!.strategy} was mined`).to.equal("confirmed");
    }
    expect(summary.gas.gasUsed).to.equal(summary.rebalances.reduce((s, r) => s + r.gasUsed, 0n));
  });

  it("the rogue rebalances are rejected by the contract, each with its decoded error", async () => {
    expect(
      summary.rejections.map((r) => r.error),
      "cap breach, then paused, then expired",
    ).to.deep.equal(["RelativeCapExceeded", "AgentsPaused", "SessionExpired"]);
    for (const r of summary.rejections) {
      expect(r.stage, "rejected by the contract in a mined transaction").to.equal("chain");
      const receipt = await provider.getTransactionReceipt(r.txHash!);
      expect(receipt!.status, `${r.error}: the transaction reverted`).to.equal(0);
      expect(receipt!.from).to.equal(summary.agent);
      expect(r.gasUsed).to.equal(receipt!.gasUsed);
    }
    const [cap, , expired] = summary.rejections;
    expect(cap!.detail).to.match(/^RelativeCapExceeded\(strategy=0x[0-9a-fA-F]{40}, allocation=\d+, cap=\d+\)$/);
    const [allocation, limit] = /allocation=(\d+), cap=(\d+)/.exec(cap!.detail)!.slice(1).map(BigInt) as [
      bigint,
      bigint,
    ];
    expect(allocation > limit, "the attempt was above the cap").to.equal(true);
    expect(expired!.detail).to.equal(
      `SessionExpired(sessionId=${summary.session.id}, validUntil=${summary.session.validUntil})`,
    );
    expect(
      summary.rejections.some((r) => r.who === "the daemon"),
      "the daemon itself never sent anything out of bounds",
    ).to.equal(false);
    expect(
      lines.filter((l) => l.includes("rejected by the contract")),
      "each rejection printed as it happened",
    ).to.have.length(3);
  });

  it("stands down while paused and when the session expires", async () => {
    expect(summary.standDowns.length).to.be.greaterThanOrEqual(2);
    expect(summary.standDowns[0]!.reason).to.match(/session #1 paused/);
    const lastStandDown = summary.standDowns[summary.standDowns.length - 1]!;
    expect(lastStandDown.reason).to.match(/session #1 expired/);
    expect(lastStandDown.at, "at the session's end").to.equal(summary.session.validUntil);
    expect(summary.final).to.deep.equal({ result: "stand-down", reason: lastStandDown.reason });
    expect(summary.ticks.total).to.equal(3 * 12 + 1);
    expect(summary.ticks.byResult.sent).to.equal(summary.rebalances.length);
  });

  it("reports allocations and the yield against idle and an equal split, from the chain's figures", async () => {
    const lens = TreasuryLens__factory.connect(summary.addresses.lens, provider);
    const snap = await lens.snapshot(summary.addresses.vault, summary.agent);
    const live = snap.idle + snap.strategies.reduce((s, x) => s + x.currentValue, 0n);
    expect(summary.outcome.agent.endValue, "the agent's end value is the vault's live value").to.equal(live);
    expect(summary.outcome.agent.earned).to.equal(live - summary.deposits);
    expect(summary.outcome.idle.earned, "idle earns nothing").to.equal(0n);
    expect(summary.outcome.equalSplit.earned, "the equal split earned something on this path").to.not.equal(0n);
    expect(
      summary.allocations.before.find((r) => r.name === "Idle")!.assets,
      "everything idle before the agent acts",
    ).to.equal(summary.deposits);
    const after = summary.allocations.after;
    expect(after.map((r) => r.assets)).to.deep.equal([...snap.strategies.map((x) => x.currentValue), snap.idle]);
    for (const r of after.filter((x) => x.capBps !== undefined)) {
      expect(r.shareBps, `${r.name} within its cap`).to.be.at.most(r.capBps!);
    }
    expect(after.find((r) => r.name === "Idle")!.shareBps, "idle at least the buffer").to.be.at.least(1_200);
    const text = renderSummary(summary);
    expect(text).to.contain("Rejections (3)");
    expect(text).to.contain(`Rebalances (${summary.rebalances.length})`);
    expect(text).to.match(/fixed equal split/);
  });

  it("shows a session revoked for passing its own loss allowance, and a reduce-only keeper, on a second vault", async () => {
    const scenes = summary.scenes!;
    expect(scenes.vault, "not the story's vault").to.not.equal(summary.addresses.vault);
    const vault = TreasuryVault__factory.connect(scenes.vault, sceneProvider);
    const sessions = SessionManager__factory.connect(await vault.sessionManager(), sceneProvider);

    const m = scenes.misbehaving;
    const lossy = await sceneProvider.getTransactionReceipt(m.txHash);
    expect(lossy!.status, "the lossy rebalance returned").to.equal(1);
    expect(lossy!.from, "sent straight from the second key").to.equal(m.agent);
    const names = lossy!.logs.map(
      (log) => (log.address === scenes.vault ? vault : sessions).interface.parseLog(log)?.name ?? "other",
    );
    expect(names, "revoked in the same call, nothing moved").to.include.members([
      "SessionLossBudgetSpent",
      "SessionRevoked",
    ]);
    expect(names, "no Rebalanced, no leg").to.not.include.members(["Rebalanced", "RebalanceLeg"]);
    expect(m.lossUsed > m.maxLoss, "the loss passed the allowance").to.equal(true);
    expect(m.lossUsed, "the entry fee").to.equal((m.volume * BigInt(m.entryFeeBps)) / 10_000n);
    expect(m.revokedBy, "the vault revoked it").to.equal(scenes.vault);
    expect((await sessions.getSession(m.sessionId)).revoked, "revoked on chain").to.equal(true);

    const k = scenes.keeper;
    const exit = await sceneProvider.getTransactionReceipt(k.exit.txHash);
    expect([exit!.status, exit!.from, exit!.gasUsed], "the keeper's exit").to.deep.equal([1, k.agent, k.exit.gasUsed]);
    const session = await sessions.getSession(k.sessionId);
    expect([session.agent, session.reduceOnly], "a reduce-only session of the keeper").to.deep.equal([k.agent, true]);
    const [s0] = await vault.withdrawQueue();
    expect((await vault.strategyConfig(s0!)).listed, "strategy 0 still listed").to.equal(true);
    expect(await vault.allocation(s0!), "nothing left in strategy 0").to.equal(0n);
    expect(k.refused, "the raise refused").to.deep.equal({
      error: "ReduceOnlySession",
      detail: `ReduceOnlySession(sessionId=${k.sessionId}, raisedMask=2)`,
    });

    expect(
      lines.filter((l) => /^\[scene [12]\]/.test(l)),
      "one opening line per scene",
    ).to.have.length(2);
    expect(
      lines.some((l) => l.includes("SessionRevoked(by=the vault)")),
      "the revocation printed",
    ).to.equal(true);
    expect(
      lines.some((l) => l.includes("refused, ReduceOnlySession(")),
      "the refusal printed",
    ).to.equal(true);
    const text = renderSummary(summary);
    expect(text, "in the summary").to.contain("Session scenes (a second vault");
    expect(text).to.contain(`its try to raise a strategy: ${k.refused.detail}`);
  });

  it("serves the dashboard's JSON during the run, with the rejections", async () => {
    const res = await fetch(`${demo.dashboardUrl}api/dashboard`);
    expect(res.status).to.equal(200);
    const view = (await res.json()) as { journal: unknown[]; rejections: { error: string }[] };
    expect(view.journal, "every journaled intent: rebalances and loss write-downs").to.have.length(
      demo.daemon.journal.entries().length,
    );
    expect(view.rejections.map((r) => r.error.split("(")[0])).to.deep.equal([
      "SessionExpired",
      "AgentsPaused",
      "RelativeCapExceeded",
    ]);
  });

  it("gives the same summary for the same seed, and another for another seed", async () => {
    const again = await runDemo({ days: 3, seed: 3, port: 0, out: () => {} });
    try {
      expect(summaryJson(again.summary), "same seed, same summary").to.equal(summaryJson(summary));
    } finally {
      await again.close();
    }
    const a = yieldPath({ seed: 3, days: 5, strategies: 3 });
    expect(yieldPath({ seed: 3, days: 5, strategies: 3 })).to.deep.equal(a);
    expect(yieldPath({ seed: 4, days: 5, strategies: 3 }), "the seed changes the market").to.not.deep.equal(a);
    expect(gainOver(1_000_000n * 10n ** 6n, 1_000, 31_536_000n), "10% a year for a year").to.equal(
      100_000n * 10n ** 6n,
    );
  });

  it("the command line passes --days and --seed through, and refuses bad options", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "demo-cli-")), "summary.json");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "demo-tmpdir-"));
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/demo.ts", "--days", "1", "--seed", "7", "--port", "0", "--json", out],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CI: "true", TMPDIR: tmp },
      },
    );
    expect(demoFolders(tmp), "the run's temporary folder is removed").to.deep.equal([]);
    expect(stdout).to.contain(
      "Decision journal and daemon log: removed with the run's temporary folder (--keep keeps them)",
    );
    expect(stdout).to.match(/^\[12\/12\] d2 00:00 {2}daemon: stand-down: session #1 expired/m);
    expect(stdout).to.contain("Summary: seed 7, 1 day of simulated time");
    const json = JSON.parse(fs.readFileSync(out, "utf8")) as { days: number; seed: number; rejections: unknown[] };
    expect([json.days, json.seed]).to.deep.equal([1, 7]);
    expect(json.rejections).to.have.length(3);
    const errors: string[] = [];
    const error = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await demoMain(["--days", "9"]), "days above the session ceiling").to.equal(2);
      expect(await demoMain(["--seed", "x"])).to.equal(2);
      expect(await demoMain(["--bogus"])).to.equal(2);
    } finally {
      console.error = error;
    }
    expect(errors[0]).to.contain("--days must be a whole number from 1 to 7");
  });

  it("leaves no temporary folder behind when it fails or is interrupted, unless --keep", async () => {
    // Fails: the dashboard port it was told to use is taken (after the chain, the deployment and the daemon's folder).
    const busy = http.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = String((busy.address() as AddressInfo).port);
    const failed = await demoProcess(["--days", "1", "--port", port]);
    await new Promise<void>((r) => busy.close(() => r()));
    expect(failed.code, failed.stderr).to.equal(1);
    expect(failed.stderr).to.contain("EADDRINUSE");
    expect(demoFolders(failed.tmp), "removed after a failure").to.deep.equal([]);

    // Ctrl-C while the daemon runs.
    const interrupted = await demoProcess(["--days", "1", "--port", "0"], "SIGINT");
    expect(interrupted.code).to.equal(130);
    expect(interrupted.stderr).to.contain("interrupted (SIGINT); removed the run's temporary folder");
    expect(demoFolders(interrupted.tmp), "removed after Ctrl-C").to.deep.equal([]);

    // --keep: the journal and the log stay where the message says.
    const kept = await demoProcess(["--days", "1", "--port", "0", "--keep"], "SIGTERM");
    expect(kept.code).to.equal(143);
    const folders = demoFolders(kept.tmp);
    expect(folders).to.have.length(1);
    expect(kept.stderr).to.contain(
      `interrupted (SIGTERM); the journal and the daemon log stay in ${path.join(kept.tmp, folders[0]!)}`,
    );
    expect(fs.existsSync(path.join(kept.tmp, folders[0]!, "agent", "31337")), "the daemon's data folder").to.equal(
      true,
    );
  });
});

/** The demo's temporary folders under `tmp`. */
function demoFolders(tmp: string): string[] {
  return fs.readdirSync(tmp).filter((f) => f.startsWith("treasury-demo-"));
}

/**
 * `scripts/demo.ts` in a process with its own TMPDIR; with `signal`, sent once the daemon is running (its `[daemon]`
 * line is out), else run to the end.
 */
function demoProcess(
  args: string[],
  signal?: NodeJS.Signals,
): Promise<{ code: number | null; stdout: string; stderr: string; tmp: string }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "demo-tmpdir-"));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: "true", TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (signal && !sent && stdout.includes("[daemon]")) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, tmp });
    });
  });
}

describe("Demo: --world lending, curated vaults over Morpho Blue markets", function () {
  this.timeout(120_000);
  let demo: DemoRun;
  let summary: DemoSummary;
  let provider: JsonRpcProvider;
  const lines: string[] = [];

  before(async () => {
    demo = await runDemo({ days: 2, seed: 2, world: "lending", port: 0, out: (line) => lines.push(line) });
    summary = demo.summary;
    provider = new JsonRpcProvider(demo.chain.url, 31337, { staticNetwork: true });
  });

  after(async () => {
    provider?.destroy();
    await demo?.close();
  });

  it("lists the curated vaults as the treasury's strategies, and runs to the session's end", async () => {
    expect(summary.world).to.equal("lending");
    const report = summary.lending!;
    expect(
      report.vaults.map((v) => v.address),
      "the summary's strategies are the curated vaults",
    ).to.deep.equal(summary.addresses.strategies);
    const vault = TreasuryVault__factory.connect(summary.addresses.vault, provider);
    expect(await vault.withdrawQueue(), "listed by the first proposal").to.deep.equal(summary.addresses.strategies);
    for (const v of report.vaults) {
      const curated = CuratedLendingVault__factory.connect(v.address, provider);
      expect(await curated.asset(), `${v.name} lends the treasury's asset`).to.equal(summary.addresses.asset);
      expect(await curated.marketCount(), `${v.name}'s markets`).to.equal(BigInt(v.markets.length));
    }
    expect(summary.ticks.total).to.equal(2 * 12 + 1);
    expect(summary.final.result, "the daemon stood down at the end").to.equal("stand-down");
    expect(summary.final.reason).to.match(/session #1 expired/);
    const rogue = summary.rejections.filter((r) => r.who !== "the daemon").map((r) => r.error);
    expect(rogue, "the rogue client is rejected as in the default world").to.deep.equal([
      "RelativeCapExceeded",
      "AgentsPaused",
      "SessionExpired",
    ]);
  });

  it("the borrowers move the markets: a default leaves bad debt on the seeded day, and the summary says what the daemon made of it", async () => {
    const report = summary.lending!;
    const defaults = report.events.filter((e) => /defaults on/.test(e.text));
    expect(defaults.length, "one default on day 2").to.equal(1);
    expect(defaults[0]!.at - summary.start, "two hours into day 2").to.equal(86_400 + 7_200);
    expect(
      lines.some((l) => l.includes("vault APRs after fees")),
      "each day opens with utilization and the vaults' rates",
    ).to.equal(true);
    const text = renderSummary(summary);
    expect(text).to.contain("Lending world: curated vaults over Morpho Blue markets");
    expect(text).to.contain(`Quarantined by the daemon (${report.quarantines.length})`);
    expect(text).to.contain(`Market events (${report.events.length})`);
    const snap = await TreasuryLens__factory.connect(summary.addresses.lens, provider).snapshot(
      summary.addresses.vault,
      summary.agent,
    );
    expect(summary.outcome.agent.endValue, "end value from the chain").to.equal(
      snap.idle + snap.strategies.reduce((s, x) => s + x.currentValue, 0n),
    );
  });

  it("refuses an unknown world", async () => {
    const errors: string[] = [];
    const error = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await demoMain(["--world", "moon"])).to.equal(2);
    } finally {
      console.error = error;
    }
    expect(errors[0]).to.equal("error: --world must be one of mock, lending, got moon");
  });
});
