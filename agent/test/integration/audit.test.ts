/**
 * `treasury-agent audit` against the real contracts on the local chain: a daemon rebalances, the guardian and
 * governance act, then a rogue client with the agent's key rebalances (and sends one that reverts). The audit rebuilds
 * the history from events alone and flags exactly the rogue transactions, through the journal or the published
 * records, and through a provider that refuses wide log queries.
 */
import fs from "node:fs";
import path from "node:path";
import { id, Transaction, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { devKey, grantSession } from "../../devnet/stack.js";
import { runCli } from "../../src/cli.js";
import { dataPaths } from "../../src/daemon/build.js";
import { createAgent } from "../../src/daemon/create-agent.js";
import { intentHash } from "../../src/executor/intent.js";
import { shortAddress } from "../../src/util/format.js";
import { canonicalJson } from "../../src/util/json.js";
import { FaultProxy } from "../support/fault-proxy.js";
import { runCommand } from "../support/cli-run.js";
import { memoryLogger } from "../support/logs.js";
import {
  AGENT,
  AGENT_KEY,
  rebalancedEvents,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";

const env = useStack();

interface AuditJson {
  rows: { event: string; sender: string; match?: string; detail: string }[];
  actions: { kind: string; status: string; txHash?: string; intentHash?: string; note: string }[];
  unmatched: number;
  pages: number;
  blockRange: number;
  nonceCheck: string;
}

const audit = (args: string[]) => runCommand(["audit", "--vault", env.stack.vaultAddress, ...args]);

/** A daemon's rebalances, the guardian's and governance's moves, then the rogue client's two transactions. */
async function story() {
  const { stack, chain } = env;
  const u = stack.unit;
  const sessionId = await grantSession(stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 600_000n * u,
    maxVolumePerEpoch: 3_000_000n * u,
  });
  const config = testConfig(chain, stack, tempDir());
  const { daemon, journal } = await startDaemon(chain, config);
  expect((await daemon.tick())[0]!.report!.result.kind, "the daemon's split").toBe("sent");
  await chain.increaseTime(3_600);
  await (await stack.strategies[1]!.simulateGain(2n * u)).wait();
  expect((await daemon.tick())[0]!.report!.result.kind, "the daemon's move toward yield").toBe("sent");
  await daemon.tick(); // settles anything still in flight (anvil)
  const daemonRebalances = await rebalancedEvents(stack);
  expect(daemonRebalances, "two rebalances by the daemon").toHaveLength(2);

  // Governance and the guardian act: a cap lowered by the guardian, agents paused and unpaused.
  await (
    await stack.vault.connect(stack.guardian).setCaps(stack.strategyAddresses[2]!, 900_000_000n * u, 4_000)
  ).wait();
  await (await stack.sessions.connect(stack.guardian).pauseAgents()).wait();
  await (await stack.sessions.connect(stack.governance).unpauseAgents()).wait();
  const lastDaemonBlock = await chain.provider.getBlockNumber();

  // The rogue client: the agent's key, a rebalance of its own (within every bound), then one that reverts.
  await chain.increaseTime(120);
  const rogue = new Wallet(AGENT_KEY, chain.provider);
  const s0 = stack.strategyAddresses[0]!;
  const held = await stack.vault.allocation(s0);
  const rogueTx = await stack.vault
    .connect(rogue)
    .rebalance([{ strategy: s0, assets: held - 10_000n * u }], sessionId, id("not a journaled decision"));
  const rogueReceipt = (await rogueTx.wait())!;
  await chain.increaseTime(120);
  // Past the relative cap, sent without estimating: mined, and reverted (no event). Hardhat's node mines it and then
  // answers with the revert; anvil just mines it.
  const request = await stack.vault
    .connect(rogue)
    .rebalance.populateTransaction([{ strategy: s0, assets: 900_000n * u }], sessionId, id("another"));
  const signed = await rogue.signTransaction(await rogue.populateTransaction({ ...request, gasLimit: 2_000_000n }));
  const revertedHash = Transaction.from(signed).hash!;
  await chain.provider.send("eth_sendRawTransaction", [signed]).catch(() => undefined);
  const revertedReceipt = await chain.provider.waitForTransaction(revertedHash, 1, 10_000);
  expect(revertedReceipt?.status, "the rogue client's failing transaction was mined, and reverted").toBe(0);
  const journalFile = dataPaths(config, AGENT).journal;
  const recordsDir = dataPaths(config, AGENT).records;
  return {
    journal,
    journalFile,
    recordsDir,
    daemonRebalances,
    rogueHash: rogueReceipt.hash,
    revertedHash,
    lastDaemonBlock,
  };
}

describe("audit", () => {
  it("lists every event, matches the daemon's rebalances and flags exactly the rogue client's transactions", async () => {
    const s = await story();
    const rpc = ["--rpc-url", env.chain.url];

    const text = await audit([...rpc, "--journal", s.journalFile]);
    expect(text.code, text.err).toBe(3);
    expect(text.err).toContain("2 actions of agent keys with no matching record");
    expect(text.out).toContain("2 of 4 agent actions have no matching record.");

    const { code, out } = await audit([...rpc, "--journal", s.journalFile, "--json"]);
    expect(code).toBe(3);
    const report = JSON.parse(out) as AuditJson;
    const events = report.rows.map((r) => r.event);
    for (const name of [
      "SessionGranted",
      "Rebalanced",
      "RebalanceLeg",
      "SessionConsumed",
      "CapsSet",
      "AgentsPausedSet",
      "StrategyAdded",
      "GovernanceSet",
      "GuardianSet",
      "SessionAdminSet",
    ]) {
      expect(events, `the history holds ${name}`).toContain(name);
    }
    expect(
      events.filter((e) => e === "Rebalanced"),
      "every rebalance, the rogue one included",
    ).toHaveLength(3);
    expect(events.filter((e) => e === "AgentsPausedSet")).toHaveLength(2);
    expect(
      report.rows.find((r) => r.event === "CapsSet" && r.sender === env.stack.guardian.address)?.detail,
      "the guardian's cap cut",
    ).toContain("40.00%, by");

    const flagged = report.actions.filter((a) => a.status !== "matched");
    expect(flagged.map((a) => a.txHash).sort(), "exactly the rogue client's transactions are flagged").toEqual(
      [s.rogueHash, s.revertedHash].sort(),
    );
    expect(flagged.find((a) => a.txHash === s.rogueHash)).toMatchObject({
      kind: "rebalance",
      status: "unmatched",
      note: "no record has this intent hash",
    });
    expect(flagged.find((a) => a.txHash === s.revertedHash)).toMatchObject({
      kind: "transaction",
      status: "unmatched",
    });
    expect(flagged.find((a) => a.txHash === s.revertedHash)!.note).toMatch(
      /^nonce \d+ has no record: reverted transaction to /,
    );
    const matched = report.actions.filter((a) => a.status === "matched").map((a) => a.intentHash);
    expect(matched, "both of the daemon's rebalances match their journaled records").toEqual(
      s.daemonRebalances.map((e) => e.args.intentHash),
    );
    expect(report.nonceCheck).toBe("4 transactions sent by agent keys in these blocks, 2 with no record");

    // Up to the daemon's last move, everything matches: exit 0.
    const clean = await audit([...rpc, "--journal", s.journalFile, "--to-block", String(s.lastDaemonBlock)]);
    expect(clean.code, clean.err).toBe(0);
    expect(clean.out).toContain("All 2 agent actions match a record.");
  }, 120_000);

  it("matches against the records the daemon published, and an edited record no longer matches", async () => {
    const s = await story();
    const dir = tempDir("agent-records-");
    const names = fs.readdirSync(s.recordsDir).sort();
    expect(names, "the daemon published one record per journaled intent, named by its hash").toEqual(
      s.journal
        .entries()
        .map((e) => `${e.intentHash}.json`)
        .sort(),
    );
    for (const e of s.journal.entries()) {
      const text = fs.readFileSync(path.join(s.recordsDir, `${e.intentHash}.json`), "utf8");
      expect(text, "a published record is the record's canonical JSON").toBe(`${canonicalJson(e.record)}\n`);
    }
    for (const name of names) fs.copyFileSync(path.join(s.recordsDir, name), path.join(dir, name));
    const published = JSON.parse(
      await audit(["--rpc-url", env.chain.url, "--records", dir, "--json"]).then((r) => r.out),
    ) as AuditJson;
    expect(
      published.actions
        .filter((a) => a.status !== "matched")
        .map((a) => a.txHash)
        .sort(),
    ).toEqual([s.rogueHash, s.revertedHash].sort());

    // An edited record hashes to something else: its rebalance is flagged with the rogue ones.
    const first = s.journal.entries()[0]!;
    fs.writeFileSync(
      path.join(dir, `${first.intentHash}.json`),
      canonicalJson({ ...first.record, reason: "edited after the fact" }),
    );
    expect(intentHash({ ...first.record, reason: "edited after the fact" })).not.toBe(first.intentHash);
    const edited = await audit(["--rpc-url", env.chain.url, "--records", dir, "--json"]);
    expect(edited.code).toBe(3);
    const flagged = (JSON.parse(edited.out) as AuditJson).actions.filter((a) => a.status !== "matched");
    expect(flagged.map((a) => a.intentHash ?? a.txHash)).toContain(first.intentHash);
    expect(flagged, "the edited record's rebalance and the two rogue transactions").toHaveLength(3);
  }, 120_000);

  it("pages its log queries through a provider that refuses wide ranges, with the same result", async () => {
    const s = await story();
    const proxy = await FaultProxy.start({ upstream: env.chain.url, seed: 1 });
    try {
      proxy.logRangeLimit = 4;
      const direct = JSON.parse(
        (await audit(["--rpc-url", env.chain.url, "--journal", s.journalFile, "--json"])).out,
      ) as AuditJson;
      const { code, out } = await audit([
        "--rpc-url",
        proxy.url,
        "--journal",
        s.journalFile,
        "--json",
        "--max-block-range",
        "50",
      ]);
      expect(code).toBe(3);
      const paged = JSON.parse(out) as AuditJson;
      expect(proxy.refusedLogRanges, "the wide queries were refused").toBeGreaterThan(0);
      expect(paged.blockRange, "halved until accepted").toBeLessThanOrEqual(4);
      expect(paged.pages, "in several pages").toBeGreaterThan(direct.pages);
      expect({ rows: paged.rows, actions: paged.actions }, "the same history and verdicts").toEqual({
        rows: direct.rows,
        actions: direct.actions,
      });
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it("follows a session moved to another key: the new key's rebalance matches, the old key's call after is flagged", async () => {
    const { stack, chain } = env;
    const u = stack.unit;
    const newKey = new Wallet(devKey(8), chain.provider);
    await (
      await stack.sessions.connect(stack.governance).setCeilings(stack.vaultAddress, {
        maxDuration: 7 * 86_400,
        maxVolumePerCall: 1_000_000n * u,
        maxVolumePerEpoch: 5_000_000n * u,
      })
    ).wait();
    const sessionId = await grantSession(stack, {
      agent: AGENT,
      durationSeconds: 7 * 86_400,
      maxVolumePerCall: 600_000n * u,
      maxVolumePerEpoch: 3_000_000n * u,
    });
    await (await stack.sessions.connect(stack.sessionAdmin).rotateAgent(sessionId, newKey.address)).wait();

    // A daemon with the new key acts through the session and publishes its record.
    const config = testConfig(chain, stack, tempDir(), {
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
      vaults: [{ address: stack.vaultAddress, label: "main", sessionId: Number(sessionId) }],
    });
    const d = await createAgent(config, { wallet: newKey, provider: chain.provider, log: memoryLogger().log });
    expect((await d.daemon.tick())[0]!.report!.result.kind, "the new key's split").toBe("sent");

    // The old key tries the session after the move: mined, and reverted (no event).
    const old = new Wallet(AGENT_KEY, chain.provider);
    const request = await stack.vault
      .connect(old)
      .rebalance.populateTransaction([{ strategy: stack.strategyAddresses[0]!, assets: 0n }], sessionId, id("old key"));
    const signed = await old.signTransaction(await old.populateTransaction({ ...request, gasLimit: 2_000_000n }));
    const oldHash = Transaction.from(signed).hash!;
    await chain.provider.send("eth_sendRawTransaction", [signed]).catch(() => undefined);
    expect((await chain.provider.waitForTransaction(oldHash, 1, 10_000))?.status).toBe(0);

    const records = dataPaths(config, newKey.address).records;
    const { code, out } = await audit(["--rpc-url", chain.url, "--records", records, "--json"]);
    expect(code).toBe(3);
    const report = JSON.parse(out) as AuditJson;
    expect(report.rows.find((r) => r.event === "SessionAgentRotated")).toMatchObject({
      sender: stack.sessionAdmin.address,
      detail: `session #${sessionId} moved from agent ${shortAddress(AGENT)} to ${shortAddress(newKey.address)} by ${shortAddress(stack.sessionAdmin.address)}`,
    });
    expect(report.actions.map((a) => [a.kind, a.status, a.txHash])).toEqual([
      ["rebalance", "matched", (await rebalancedEvents(stack)).at(-1)!.transactionHash],
      ["transaction", "unmatched", oldHash],
    ]);
  }, 120_000);

  it("says what is wrong with its arguments", async () => {
    const noRecords = await audit(["--rpc-url", env.chain.url, "--journal", "/nonexistent/journal.jsonl"]);
    expect(noRecords.code).toBe(2);
    expect(noRecords.err).toContain("--journal /nonexistent/journal.jsonl: no such file");
    const both = await audit(["--rpc-url", env.chain.url, "--journal", "a", "--records", "b"]);
    expect(both.code).toBe(2);
    const notVault = await runCli(["node", "treasury-agent", "audit", "--vault", AGENT, "--rpc-url", env.chain.url], {
      print: () => {},
      writeErr: () => {},
      writeOut: () => {},
    });
    expect(notVault, "an account is no vault").toBe(2);
  });
});
