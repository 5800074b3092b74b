/**
 * A DAO member's check of the demo, with only the RPC endpoint and the daemon's journal: `treasury-agent audit` lists
 * every event of the run, matches every rebalance with its journaled decision, and flags exactly the rogue client's
 * transactions (rejected on chain: no event, found by the agent key's nonces). `authority` lists the Timelock the
 * governance proposals went through. `explain` replays every rebalance from its record. Through the agent's executable,
 * as a member runs it. `propose --what-if` (the operator CLI) replays the run's rebalances under a proposed cap before
 * the proposal is sent, and the proposal's description carries the summary.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { formatUnits } from "ethers";
import { runDemo, type DemoRun } from "../scripts/demo/run.js";
import { REPO_ROOT } from "../scripts/lib/addresses.js";
import { main } from "../scripts/treasury.js";

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, "agent/bin/treasury-agent.mjs");

interface AuditJson {
  rows: { event: string; match?: string }[];
  actions: { kind: string; status: string; txHash?: string; intentHash?: string }[];
  unmatched: number;
}

/** Runs the agent's command line; returns its exit code and output (a non-zero exit is an answer, not an error). */
async function agent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("Demo: audited from the chain", function () {
  this.timeout(180_000);
  let demo: DemoRun;

  before(async () => {
    demo = await runDemo({ days: 3, seed: 3, port: 0, out: () => {} });
  });

  after(async () => {
    await demo?.close();
  });

  it("lists every event, matches every rebalance, and flags exactly the rogue client's transactions", async () => {
    const { summary } = demo;
    const { code, stdout, stderr } = await agent([
      "audit",
      "--vault",
      summary.addresses.vault,
      "--rpc-url",
      demo.chain.url,
      "--journal",
      demo.journalPath,
      "--json",
    ]);
    const report = JSON.parse(stdout) as AuditJson;
    const rebalances = report.actions.filter((a) => a.kind === "rebalance");
    expect(
      rebalances.map((a) => a.intentHash),
      "every rebalance of the run, in order",
    ).to.deep.equal(summary.rebalances.map((r) => r.intentHash));
    expect(
      rebalances.map((a) => a.status),
      "each matches its journaled decision",
    ).to.deep.equal(summary.rebalances.map(() => "matched"));

    const rogue = summary.rejections.filter((r) => r.who !== "the daemon" && r.stage === "chain").map((r) => r.txHash);
    expect(rogue.length, "the rogue client's rejected transactions").to.be.greaterThan(0);
    const flagged = report.actions.filter((a) => a.status !== "matched");
    expect(flagged.map((a) => a.txHash).sort(), "exactly the rogue client's transactions are flagged").to.deep.equal(
      [...rogue].sort(),
    );
    expect(code, stderr).to.equal(3);
    expect(report.unmatched).to.equal(rogue.length);

    const events = new Set(report.rows.map((r) => r.event));
    for (const name of [
      "SessionGranted",
      "Rebalanced",
      "AgentsPausedSet",
      "IdleBufferSet",
      "StrategyAdded",
      "CeilingsSet",
    ]) {
      expect(events.has(name), `the history holds ${name}`).to.equal(true);
    }
    expect(report.rows.filter((r) => r.event === "Rebalanced").length).to.equal(summary.rebalances.length);
  });

  it("explains every rebalance of the run exactly from its record", async () => {
    const { summary } = demo;
    expect(summary.rebalances.length, "the run rebalanced").to.be.greaterThan(0);
    expect(summary.explain, "the demo's own count: every rebalance reproduced").to.deep.equal({
      reproduced: summary.rebalances.length,
      total: summary.rebalances.length,
      diverged: [],
    });
    // As a DAO member runs it: the agent's executable, by transaction hash, from the journal.
    for (const r of summary.rebalances) {
      const { code, stdout, stderr } = await agent([
        "explain",
        r.txHash,
        "--rpc-url",
        demo.chain.url,
        "--lens",
        summary.addresses.lens,
        "--journal",
        demo.journalPath,
      ]);
      expect(code, `${stdout}${stderr}`).to.equal(0);
      expect(stdout).to.contain(`intent ${r.intentHash}`);
      expect(stdout).to.contain("reproduced: the planner re-derives the recorded targets exactly");
    }
  });

  it("lists the Timelock behind governance, its roles and its Governor", async () => {
    const { summary } = demo;
    const { code, stdout } = await agent([
      "authority",
      "--vault",
      summary.addresses.vault,
      "--rpc-url",
      demo.chain.url,
      "--json",
    ]);
    expect(code).to.equal(0);
    const inv = JSON.parse(stdout) as {
      governance: string;
      timelock?: { roles: Record<string, string[]>; governor?: { address: string; proposals: unknown[] } };
    };
    expect(inv.governance).to.equal(summary.addresses.timelock);
    expect(inv.timelock?.roles.PROPOSER, "the Governor proposes").to.include(summary.addresses.governor);
    expect(inv.timelock?.governor?.address, "and is recognised as the Timelock's Governor").to.equal(
      summary.addresses.governor,
    );
    expect(inv.timelock?.governor?.proposals, "both of the run's proposals were executed: none is open").to.deep.equal(
      [],
    );
  });

  it("replays the run's rebalances under a proposed cap before proposing it, and the proposal carries the summary", async () => {
    const { summary } = demo;
    const { ethers } = demo.chain.connection;
    const treasury = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, {
        connection: demo.chain.connection,
        addresses: { chainId: 31337, module: "demo", deploymentId: "demo", ...summary.addresses },
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    // The strategy the agent gave the most, and a cap at half of that.
    const rebalances = demo.daemon.journal.entries().filter((e) => e.record.action === undefined);
    const targets = rebalances.flatMap((e) => e.record.targets);
    const top = targets.reduce((a, b) => (b.assets > a.assets ? b : a));
    const cap = top.assets / 2n;
    const config = await (await ethers.getContractAt("TreasuryVault", summary.addresses.vault)).strategyConfig(
      top.strategy,
    );
    const units = (v: bigint) => formatUnits(v, summary.decimals);
    const proposeCap = (absoluteCap: bigint, ...options: string[]) =>
      treasury(
        "propose",
        "--caps",
        `${top.strategy}:${units(absoluteCap)}:${config.relativeCapBps}`,
        "--what-if",
        ...options,
      );

    // A change that changes nothing (the caps it has): every rebalance allowed, no yield difference; nothing sent.
    const unchanged = await proposeCap(config.absoluteCap, "--journal", demo.journalPath, "--dry-run");
    expect(unchanged.code, unchanged.err).to.equal(0);
    const n = summary.rebalances.length;
    expect(unchanged.out).to.contain(
      `${n} past rebalances replayed under the proposed bounds: 0 blocked, 0 changed, ${n} allowed`,
    );
    expect(unchanged.out).to.match(/\(\+0\)\.$/m);
    expect(unchanged.out, "nothing proposed").not.to.contain("Proposal ");

    // From the daemon's configuration (its published records folder), without sending: the replay below, line for line.
    const configFile = path.join(demo.dataDir, "what-if-config.json");
    await writeFile(
      configFile,
      JSON.stringify({
        network: { rpcUrl: demo.chain.url, chainId: 31337 },
        lens: summary.addresses.lens,
        dataDir: path.dirname(path.dirname(demo.journalPath)),
        tx: { maxFeePerGasGwei: "100" },
        planner: { strategy: "yield", minMove: "1000", nativePriceInAsset: "3000" },
        metrics: { port: 0 },
        vaults: [{ address: summary.addresses.vault }],
      }),
    );
    const viaConfig = await proposeCap(cap, "--config", configFile, "--dry-run");
    expect(viaConfig.code, viaConfig.err).to.equal(0);

    // Half the cap: the rebalances that took the strategy past it are blocked, with the vault's error and figures.
    const lowered = await proposeCap(cap, "--journal", demo.journalPath);
    expect(lowered.code, lowered.err).to.equal(0);
    const summaryLines = (text: string) => text.split("\n").slice(0, 2);
    expect(summaryLines(viaConfig.out), "the same replay from the published records").to.deep.equal(
      summaryLines(lowered.out),
    );
    const blocked = lowered.out.split("\n").filter((l) => / blocked: /.test(l));
    expect(blocked.length, "at least the rebalance that gave it the most").to.be.greaterThan(0);
    for (const line of blocked) {
      expect(line).to.contain(`AbsoluteCapExceeded(strategy=${top.strategy}`);
      expect(line).to.contain(`cap=${Number(units(cap)).toLocaleString("en-US", { maximumFractionDigits: 6 })}`);
    }
    // The proposal went out with the what-if in its description.
    expect(lowered.out).to.contain("  | ## What-if");
    expect(lowered.out).to.match(/ {2}\| What-if over the last 30 days .*: \d+ blocked/);
    expect(lowered.out).to.contain("Proposal ");

    // No records: the error names the option.
    const none = await proposeCap(1n, "--journal", "/nonexistent");
    expect(none.code).to.equal(2);
    expect(none.err).to.contain("--journal /nonexistent: no such file");
    const unlisted = await treasury(
      "propose",
      "--caps",
      `${summary.agent}:1:1`,
      "--what-if",
      "--journal",
      demo.journalPath,
    );
    expect(unlisted.code, "an unlisted strategy is refused before the replay").to.equal(2);
    expect(unlisted.err).to.contain(`unknown strategy ${summary.agent}`);
    const emptyDir = await mkdtemp(path.join(demo.dataDir, "no-records-"));
    const empty = await proposeCap(1n, "--journal", emptyDir);
    expect(empty.code).to.equal(2);
    expect(empty.err).to.contain(`--journal ${emptyDir}: no decision record of vault ${summary.addresses.vault}`);
  });
});
