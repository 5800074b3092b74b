/**
 * The governance report's pure parts with literal fixtures: the passive comparisons, the sampled blocks, the figures
 * built from events, the journal and the quarantine list (each with its source), and the two pages: one series per
 * strategy and idle with a point per sample, nothing fetched, text escaped.
 */
import fs from "node:fs";
import path from "node:path";
import { ZeroAddress } from "ethers";
import { describe, expect, it } from "vitest";
import type { ChainEvent, VaultHistory } from "../../src/audit/types.js";
import type { VaultSnapshot } from "../../src/chain/types.js";
import { VaultEventLog } from "../../src/daemon/event-log.js";
import type { JournalEntry } from "../../src/executor/journal.js";
import type { IntentRecord } from "../../src/executor/intent.js";
import { buildReport, renderHtml, renderMarkdown, type ReportInputs, sampleBlocks } from "../../src/report/index.js";
import { passiveOutcomes } from "../../src/yield/passive.js";
import { tempDir } from "../support/daemon-harness.js";
import { A, AGENT, B, C, VAULT, strategy, vaultSnapshot } from "../support/fixtures.js";

const HOUR = 3_600n;

function at(block: number, time: bigint, over: Partial<VaultSnapshot> = {}): VaultSnapshot {
  return vaultSnapshot({ blockNumber: BigInt(block), timestamp: time, ...over });
}

function event(
  name: string,
  block: number,
  args: Record<string, unknown>,
  contract: ChainEvent["contract"] = "vault",
): ChainEvent {
  return {
    contract,
    name,
    args,
    blockNumber: block,
    logIndex: 0,
    txHash: `0x${block.toString(16).padStart(64, "0")}`,
    sender: AGENT,
    timestamp: 1_000n + BigInt(block) * 10n,
  };
}

function journalEntry(hash: string, block: bigint, outcome: JournalEntry["outcome"]): JournalEntry {
  const record = { vault: VAULT, blockNumber: block, reason: `because ${hash}`, createdAt: "1970-01-01T00:20:00.000Z" };
  return { intentHash: hash, record: record as unknown as IntentRecord, attempts: [], outcome };
}

describe("passive comparisons", () => {
  it("splits equally at the first snapshot's prices, keeps the idle buffer, and values at the last one's", () => {
    const totals = (assets: bigint) => ({ strategyTotalAssets: assets, strategyTotalSupply: 1_000n });
    const first = vaultSnapshot({
      strategies: [
        strategy(A, 0, 0n, totals(1_000n)),
        strategy(B, 1, 0n, totals(1_000n)),
        strategy(C, 2, 0n, totals(1_000n)),
      ],
    });
    // A gained 10%, B nothing, C was delisted.
    const end = vaultSnapshot({ strategies: [strategy(A, 0, 0n, totals(1_100n)), strategy(B, 1, 0n, totals(1_000n))] });
    const out = passiveOutcomes(first, end, 1_000_000n);
    expect(out.idle).toBe(1_000_000n);
    // 10% buffer kept; 300,000 each: A's 300,000 shares redeem for 300,000 * 1,101 / 1,001; C counts nothing.
    expect(out.equalSplit).toBe(100_000n + (300_000n * 1_101n) / 1_001n + 300_000n);
    expect(passiveOutcomes(vaultSnapshot({ strategies: [] }), end, 5n)).toEqual({ idle: 5n, equalSplit: 5n });
  });
});

describe("sampled blocks", () => {
  it("spaces the samples evenly, both ends included, each block once", () => {
    expect(sampleBlocks(10, 20, 3)).toEqual([10, 15, 20]);
    expect(sampleBlocks(0, 2, 6)).toEqual([0, 1, 2]);
    expect(sampleBlocks(7, 7, 5)).toEqual([7]);
  });
});

function inputs(over: Partial<ReportInputs> = {}): ReportInputs {
  const history: VaultHistory = {
    chainId: 31337n,
    vault: VAULT,
    sessionManager: ZeroAddress,
    assetDecimals: 6,
    strategies: [
      { index: 0, address: A, name: "Alpha <Lend|ing>", listed: true },
      { index: 1, address: B, name: "Beta", listed: true },
      { index: 2, address: C, name: "", listed: true },
    ],
    fromBlock: 100,
    toBlock: 200,
    pages: 1,
    blockRange: 10_000,
    sessionAgents: new Map([[7n, AGENT]]),
    otherLogs: 0,
    events: [
      event("Rebalanced", 120, {
        sessionId: 7n,
        agent: AGENT,
        volume: 50_000n,
        loss: 1n,
        intentHash: `0x${"ab".repeat(32)}`,
        totalAssetsBefore: 0n,
        totalAssetsAfter: 0n,
      }),
      event("RebalanceLeg", 120, { strategy: A, allocationBefore: 300_000n, allocationAfter: 250_000n }),
      event(
        "SessionConsumed",
        120,
        { sessionId: 7n, volume: 50_000n, epoch: 1n, volumeInEpoch: 50_000n, callsInEpoch: 1n },
        "sessions",
      ),
      event(
        "SessionConsumed",
        150,
        { sessionId: 7n, volume: 20_000n, epoch: 1n, volumeInEpoch: 70_000n, callsInEpoch: 2n },
        "sessions",
      ),
      event("AgentsPausedSet", 160, { paused: true, by: B }, "sessions"),
      event("StrategyFrozen", 170, { strategy: B, markPrice: 1n, price: 2n }),
      event("SessionLossBudgetSpent", 180, { sessionId: 7n, lossUsed: 6n, maxLoss: 5n }, "sessions"),
    ],
  };
  return {
    history,
    lens: "0x1234567890123456789012345678901234567890",
    symbol: "mUSD",
    days: 7,
    snapshots: [
      at(100, 1_000n),
      at(150, 1_000n + 12n * HOUR),
      at(200, 1_000n + 24n * HOUR, { sharePrice: 1_010_000n }),
    ],
    sessions: new Map([
      [
        7n,
        {
          agent: AGENT,
          validUntil: 1_000n + 20n * HOUR,
          revoked: false,
          maxLoss: 5n,
          lossUsed: 6n,
          maxVolumePerCall: 60_000n,
          maxVolumePerEpoch: 100_000n,
          maxCallsPerEpoch: 5n,
        },
      ],
    ]),
    journal: {
      file: "journal.jsonl",
      entries: [
        journalEntry("0x01", 130n, { status: "confirmed", at: 0 }),
        journalEntry("0x02", 140n, { status: "reverted", error: "CapExceeded(…)", blockNumber: 141, at: 0 }),
        journalEntry("0x03", 40n, { status: "reverted", blockNumber: 41, at: 0 }),
      ],
    },
    quarantine: {
      file: "quarantine.json",
      entries: [
        {
          strategy: C,
          code: "views-fail" as never,
          reason: "its views revert",
          exit: true,
          block: "190",
          since: "1970-01-02T00:00:00.000Z",
        },
        {
          strategy: A,
          code: "views-fail" as never,
          reason: "old",
          exit: false,
          block: "10",
          since: "1970-01-01T00:00:00.000Z",
        },
      ],
    },
    ...over,
  };
}

describe("the report's figures", () => {
  it("takes each figure from its source: chain events, the journal, the quarantine list", () => {
    const r = buildReport(inputs());
    expect(r.strategies.map((s) => s.label)).toEqual(["Alpha <Lend|ing> (#0)", "Beta (#1)", "0x3333…3333 (#2)"]);
    expect(r.samples.map((s) => s.block)).toEqual([100, 150, 200]);
    expect(r.samples[0]!.values[A]).toBe(300_000n);
    expect(r.rebalances).toHaveLength(1);
    expect(r.rebalances[0]).toMatchObject({
      volume: 50_000n,
      loss: 1n,
      legs: [{ strategy: A, before: 300_000n, after: 250_000n }],
    });
    expect(r.rebalances[0]!.reason, "no record has its intent hash").toBeUndefined();
    expect(r.budgets).toEqual([
      expect.objectContaining({
        sessionId: 7n,
        calls: 2,
        volume: 70_000n,
        largestCall: 50_000n,
        peakEpochVolume: 70_000n,
        peakEpochCalls: 2n,
      }),
    ]);
    expect(
      r.rejections.map((o) => o.source),
      "the journal's revert in the period, then the chain's refusal, by time",
    ).toEqual(["journal", "chain"]);
    expect(r.rejections[0]!.what).toContain("reverted: CapExceeded(…)");
    expect(r.standDowns.map((o) => [o.source, o.what])).toEqual([
      ["chain", "agents paused by 0x2222…2222"],
      ["chain", "session #7 expired (1970-01-01 20:16:40 UTC)"],
    ]);
    expect(
      r.quarantines.map((o) => o.source),
      "the vault's freeze, and the daemon's quarantine in the period",
    ).toEqual(["chain", "quarantine list"]);
    // The share price rose 1%: the agent's end value is the principal grown by it.
    const principal = 400_000n + 600_000n;
    expect(r.yield).toMatchObject({
      principal,
      agent: (principal * 101n) / 100n,
      idle: principal,
      periodSeconds: 86_400,
    });
  });

  it("writes both pages with every table, the HTML self-contained with one series per strategy and idle", () => {
    const r = buildReport(inputs());
    const md = renderMarkdown(r);
    for (const title of [
      "Allocations and share price by block",
      "Yield over",
      "Rebalances (1)",
      "Budget used per session",
      "Rejections (2)",
      "Stand-downs (2)",
      "Quarantines (2)",
    ])
      expect(md).toContain(`## ${title}`);
    expect(md, "a pipe in a name does not break the table").toContain("Alpha <Lend\\|ing> (#0)");
    const html = renderHtml(r);
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html, "names escaped").toContain("Alpha &lt;Lend|ing&gt; (#0)");
    const allocations = html.slice(
      html.indexOf('data-chart="allocations"'),
      html.indexOf("</svg>", html.indexOf('data-chart="allocations"')),
    );
    expect([...allocations.matchAll(/data-points="(\d+)"/g)].map((m) => m[1])).toEqual(["3", "3", "3", "3"]);
    expect(html).toContain('data-field="intentHash"');
  });
});

describe("the daemon's event log", () => {
  it("appends what the chain cannot show, once per change, and reads past a torn last line", () => {
    const file = path.join(tempDir(), "vaults", "v", "events.jsonl");
    const log = new VaultEventLog(file);
    const down = { kind: "stand-down" as const, at: "10", block: "5", reason: "agents paused" };
    expect(log.append(down)).toBe(true);
    expect(log.append({ ...down, at: "20", block: "6" }), "the same stand-down, tick after tick").toBe(false);
    expect(log.append({ kind: "resumed", at: "30", block: "7", reason: "tick result: hold" })).toBe(true);
    fs.appendFileSync(file, '{"kind":"rejec');
    expect(VaultEventLog.read(file).map((e) => e.kind)).toEqual(["stand-down", "resumed"]);
    expect(new VaultEventLog(file).latest?.kind, "a restart knows the last line").toBe("resumed");
  });

  it("feeds the report's stand-downs, rejections and quarantines, in the period only", () => {
    const events = [
      { kind: "stand-down" as const, at: "1500", block: "150", reason: "agents paused" },
      { kind: "resumed" as const, at: "1600", block: "160", reason: "tick result: hold" },
      { kind: "rejected" as const, at: "1700", block: "170", reason: "refused by the simulation: CapExceeded" },
      {
        kind: "quarantine" as const,
        at: "1800",
        block: "190",
        reason: `${C} (views-fail, moving out): its views revert`,
      },
      { kind: "stand-down" as const, at: "900", block: "90", reason: "before the period" },
    ];
    const r = buildReport(inputs({ events: { file: "events.jsonl", entries: events } }));
    expect(r.standDowns.filter((o) => o.source === "event log").map((o) => o.what)).toEqual([
      "the daemon stood down: agents paused",
      "the daemon resumed (tick result: hold)",
    ]);
    expect(r.rejections.filter((o) => o.source === "event log").map((o) => o.what)).toEqual([
      "refused by the simulation: CapExceeded",
    ]);
    expect(
      r.quarantines.map((o) => o.source),
      "the event log says when C was quarantined (its list entry is not repeated), then the vault's freeze, by time",
    ).toEqual(["event log", "chain"]);
  });
});
