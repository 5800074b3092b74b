/**
 * The audit's pure parts with literal fixtures: paged log queries against a provider that limits ranges, the verdict
 * on each agent action, the nonces no record holds, the authority warnings, and the protocol maxima they use.
 */
import fs from "node:fs";
import path from "node:path";
import type { Filter, Log } from "ethers";
import { ZeroHash } from "ethers";
import { describe, expect, it } from "vitest";
import { buildProgram, failure } from "../../src/cli.js";
import { buildAudit, unrecordedNonces } from "../../src/audit/audit.js";
import { authorityWarnings, type AuthorityInventory } from "../../src/audit/authority.js";
import { UnmatchedActionsError, getLogsPaged, isRangeLimitError } from "../../src/audit/index.js";
import { PROTOCOL_LIMITS } from "../../src/audit/protocol-limits.js";
import type { RecordSet } from "../../src/audit/records.js";
import type { ChainEvent, VaultHistory } from "../../src/audit/types.js";
import type { IntentRecord } from "../../src/executor/intent.js";
import { RpcError } from "../../src/failures.js";
import { A, AGENT, B, OTHER, SESSION, VAULT } from "../support/fixtures.js";

/** A provider whose logs are one per block, refusing queries over `limit` blocks as Alchemy does. */
function limitedSource(limit: number, refuse = (from: number, to: number) => to - from + 1 > limit) {
  const asked: [number, number][] = [];
  return {
    asked,
    async getLogs(filter: Filter): Promise<Log[]> {
      const [from, to] = [Number(filter.fromBlock), Number(filter.toBlock)];
      asked.push([from, to]);
      if (refuse(from, to))
        throw Object.assign(new Error("could not coalesce error"), {
          error: {
            code: -32602,
            message: `Log response size exceeded. You can make eth_getLogs requests with up to a ${limit} block range`,
          },
        });
      return Array.from({ length: to - from + 1 }, (_, i) => ({ blockNumber: from + i }) as Log);
    },
  };
}

describe("paged log queries", () => {
  it("reads every block once in pages, halving a refused page until the provider accepts it", async () => {
    const source = limitedSource(300);
    const { logs, pages, blockRange } = await getLogsPaged(source, { address: VAULT }, 100, 2_099, 1_000);
    expect(
      logs.map((l) => l.blockNumber),
      "every block once, in order",
    ).toEqual(Array.from({ length: 2_000 }, (_, i) => 100 + i));
    expect(blockRange, "1,000 → 500 → 250").toBe(250);
    expect(pages).toBe(8);
    expect(source.asked.slice(0, 3), "the refused pages, then the first accepted one").toEqual([
      [100, 1_099],
      [100, 599],
      [100, 349],
    ]);
  });

  it("fails on any other error, and when even one block is refused", async () => {
    const broken = { getLogs: async () => Promise.reject(new Error("connect ECONNREFUSED")) };
    await expect(getLogsPaged(broken, {}, 0, 10, 5)).rejects.toThrow(
      new RpcError("log query for blocks 0 to 4 failed"),
    );
    await expect(
      getLogsPaged(
        limitedSource(0, () => true),
        {},
        7,
        9,
        4,
      ),
    ).rejects.toThrow("the provider refuses log queries even for block 7 alone");
    await expect(getLogsPaged(limitedSource(10), {}, 0, 1, 0)).rejects.toThrow(RangeError);
  });

  it.each([
    "query exceeds max block range 2000",
    "eth_getLogs is limited to a 10,000 range",
    "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size",
    "block range is too wide",
    "query returned more than 10000 results",
    "exceed maximum block range: 50000",
  ])("recognises a range refusal: %s", (message) => {
    expect(isRangeLimitError({ error: { code: -32005, message } })).toBe(true);
  });

  it("does not take an outage for a range refusal", () => {
    expect(isRangeLimitError(new Error("connect ECONNREFUSED 127.0.0.1:8545"))).toBe(false);
    expect(isRangeLimitError({ error: { code: -32000, message: "header not found" } })).toBe(false);
  });
});

const HASH_1 = `0x${"11".repeat(32)}`;
const HASH_2 = `0x${"22".repeat(32)}`;
const HASH_3 = `0x${"33".repeat(32)}`;

function record(over: Partial<IntentRecord> = {}): IntentRecord {
  return {
    version: 1,
    chainId: 31337n,
    vault: VAULT,
    agent: AGENT,
    sessionId: 7n,
    nonce: 0,
    stateDigest: ZeroHash,
    blockNumber: 10n,
    planner: "yield",
    reason: "toward yield",
    targets: [],
    volume: 1n,
    expectedGain: 0n,
    createdAt: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

function event(
  name: string,
  args: Record<string, unknown>,
  block: number,
  sender = AGENT,
  txHash = `0x${block.toString(16).padStart(64, "0")}`,
): ChainEvent {
  return {
    contract: "vault",
    name,
    args,
    blockNumber: block,
    logIndex: 0,
    txHash,
    sender,
    timestamp: 1_000n + BigInt(block),
  };
}

const rebalanced = (block: number, intentHash: string, sessionId = 7n) =>
  event(
    "Rebalanced",
    { sessionId, agent: AGENT, intentHash, volume: 5n, totalAssetsBefore: 10n, totalAssetsAfter: 10n, loss: 0n },
    block,
  );

function history(events: ChainEvent[]): VaultHistory {
  return {
    chainId: 31337n,
    vault: VAULT,
    sessionManager: OTHER,
    assetDecimals: 6,
    strategies: [{ index: 0, address: A, name: "Alpha", listed: true }],
    fromBlock: 0,
    toBlock: 100,
    pages: 1,
    blockRange: 10_000,
    events,
    sessionAgents: new Map([[7n, AGENT]]),
    otherLogs: 0,
  };
}

function records(list: [string, IntentRecord, string[]?][]): RecordSet {
  return {
    source: "test",
    problems: [],
    byHash: new Map(list.map(([h, r, tx]) => [h, { intentHash: h, record: r, txHashes: tx ?? [] }])),
  };
}

describe("buildAudit", () => {
  const set = records([
    [HASH_1, record({ nonce: 0 })],
    [HASH_2, record({ nonce: 1, sessionId: 8n })],
    [HASH_3, record({ nonce: 2, action: { kind: "realize-loss", strategy: A, allocation: 5n, value: 4n } })],
  ]);

  it("matches a rebalance by intent hash, and says how a record differs or that none exists", () => {
    const report = buildAudit(
      history([
        rebalanced(1, HASH_1),
        rebalanced(2, HASH_2),
        rebalanced(3, `0x${"44".repeat(32)}`),
        rebalanced(4, ZeroHash),
      ]),
      set,
    );
    expect(report.actions.map((a) => [a.block, a.status, a.note])).toEqual([
      [1, "matched", "yield: toward yield"],
      [2, "mismatch", "the record differs: session #8"],
      [3, "unmatched", "no record has this intent hash"],
      [4, "unmatched", "no intent hash"],
    ]);
    expect(report.unmatched).toBe(3);
    expect(report.rows.map((r) => r.match)).toEqual(["matched", "mismatch", "unmatched", "unmatched"]);
  });

  it("judges a loss write-down sent by an agent key, and leaves others' marks alone", () => {
    const mark = (block: number, sender: string) =>
      event("StrategyMarked", { strategy: A, previousAllocation: 5_000_000n, allocation: 4_250_000n }, block, sender);
    const report = buildAudit(history([mark(1, AGENT), mark(2, AGENT), mark(3, B)]), set);
    expect(report.actions.map((a) => [a.block, a.kind, a.status])).toEqual([
      [1, "loss write-down", "matched"],
      [2, "loss write-down", "unmatched"],
    ]);
    expect(report.rows[0]!.detail).toBe("Alpha (#0) marked 5 → 4.25");
  });

  it("adds the unrecorded transactions found by nonce that no event accounts for", () => {
    const report = buildAudit(history([rebalanced(3, `0x${"44".repeat(32)}`)]), set, {
      note: "checked",
      unrecorded: [
        {
          agent: AGENT,
          nonce: 5,
          blockNumber: 3,
          txHash: `0x${(3).toString(16).padStart(64, "0")}`,
          to: VAULT,
          reverted: false,
        },
        { agent: AGENT, nonce: 6, blockNumber: 9, txHash: `0x${"ab".repeat(32)}`, to: VAULT, reverted: true },
      ],
    });
    expect(report.actions.map((a) => [a.block, a.kind, a.note])).toEqual([
      [3, "rebalance", "no record has this intent hash"],
      [9, "transaction", "nonce 6 has no record: reverted transaction to 0x9999…9999"],
    ]);
    expect(report.unmatched).toBe(2);
  });

  it("lists a session's loss allowance passed and its move to another key, and audits both keys after", () => {
    const spent = event("SessionLossBudgetSpent", { sessionId: 7n, lossUsed: 1_500n, maxLoss: 1_000n }, 5, B);
    const rotated = event(
      "SessionAgentRotated",
      { sessionId: 7n, previousAgent: AGENT, newAgent: B, by: OTHER },
      6,
      OTHER,
    );
    // The session manager's events: the history keeps the session's current agent, the new key.
    const h = { ...history([spent, { ...rotated, contract: "sessions" as const }]), sessionAgents: new Map([[7n, B]]) };
    const report = buildAudit(h, undefined);
    expect(report.rows.map((r) => [r.event, r.category, r.sender, r.detail])).toEqual([
      [
        "SessionLossBudgetSpent",
        "session",
        B,
        "session #7 went over its own loss allowance (0.0015 with the refused rebalance, allowed 0.001): the rebalance was undone and the session revoked",
      ],
      [
        "SessionAgentRotated",
        "session",
        OTHER,
        "session #7 moved from agent 0x4444…4444 to 0x2222…2222 by 0x5555…5555",
      ],
    ]);
    expect(report.agents, "the key the session left is still an agent key").toEqual([B, AGENT].sort());
  });

  it("lists a broken strategy's forced write-down with who made it", () => {
    const down = event(
      "StrategyWrittenDown",
      { strategy: A, previousBook: 300_000_000n, book: 60_000_000n, by: OTHER },
      4,
      OTHER,
    );
    const report = buildAudit(history([down]), undefined);
    expect(report.rows.map((r) => [r.event, r.category, r.sender, r.detail])).toEqual([
      ["StrategyWrittenDown", "accounting", OTHER, "Alpha (#0) written down 300 → 60 (its views fail), by 0x5555…5555"],
    ]);
  });

  it("lists the share-price rate bound, a freeze and its clearance", () => {
    const rows = buildAudit(
      history([
        event("MaxPriceRateSet", { maxPriceRateBps: 100n, by: OTHER }, 4, OTHER),
        event("StrategyFrozen", { strategy: A, markPrice: 10n ** 18n, price: 11n * 10n ** 17n }, 5, AGENT),
        event("FreezeCleared", { strategy: A, price: 11n * 10n ** 17n, by: OTHER }, 6, OTHER),
      ]),
      undefined,
    ).rows.map((r) => [r.event, r.category, r.detail]);
    expect(rows).toEqual([
      ["MaxPriceRateSet", "bounds", "share-price rate bound 1.00% a day, by 0x5555…5555"],
      [
        "StrategyFrozen",
        "strategy",
        "Alpha (#0) frozen to exit-only: its share price moved 1000000000000000000 → 1100000000000000000 beyond the rate bound",
      ],
      ["FreezeCleared", "strategy", "Alpha (#0) freeze cleared, re-marked at 1100000000000000000, by 0x5555…5555"],
    ]);
  });

  it("matches a rebalance by a rotated session's new key, and flags the old key's transaction after", () => {
    const rotated = event(
      "SessionAgentRotated",
      { sessionId: 7n, previousAgent: AGENT, newAgent: B, by: OTHER },
      6,
      OTHER,
    );
    const byNewKey = event(
      "Rebalanced",
      {
        sessionId: 7n,
        agent: B,
        intentHash: HASH_1,
        volume: 5n,
        totalAssetsBefore: 10n,
        totalAssetsAfter: 10n,
        loss: 0n,
      },
      8,
      B,
    );
    const set = records([[HASH_1, record({ agent: B, nonce: 0 })]]);
    const report = buildAudit(history([rotated, byNewKey]), set, {
      note: "checked",
      unrecorded: [
        { agent: AGENT, nonce: 3, blockNumber: 9, txHash: `0x${"cd".repeat(32)}`, to: VAULT, reverted: true },
      ],
    });
    expect(report.actions.map((a) => [a.block, a.agent, a.status, a.note])).toEqual([
      [8, B, "matched", "yield: toward yield"],
      [9, AGENT, "unmatched", "nonce 3 has no record: reverted transaction to 0x9999…9999"],
    ]);
    expect(report.unmatched).toBe(1);
  });

  it("matches nothing without records, and flags nothing", () => {
    const report = buildAudit(history([rebalanced(1, HASH_1)]), undefined);
    expect(report.actions.map((a) => a.status)).toEqual(["unchecked"]);
    expect(report.unmatched).toBe(0);
    expect(report.records).toBeUndefined();
  });

  it("lists the nonces an agent key used that no record of that agent holds", () => {
    expect(unrecordedNonces(AGENT, { first: 0, end: 5 }, set)).toEqual([3, 4]);
    expect(unrecordedNonces(OTHER, { first: 2, end: 4 }, set)).toEqual([2, 3]);
  });

  it("exits 3 when agent actions have no record", () => {
    expect(failure(new UnmatchedActionsError(2))).toEqual({
      code: 3,
      message: "2 actions of agent keys with no matching record",
    });
  });
});

function inventory(over: Partial<AuthorityInventory> = {}): AuthorityInventory {
  return {
    chainId: 1n,
    vault: VAULT,
    sessionManager: OTHER,
    blockNumber: 100,
    now: 2_000n,
    assetDecimals: 6,
    strategies: [],
    governance: B,
    timelock: { address: B, minDelay: 86_400n, roles: {}, queued: [] },
    guardian: A,
    sessionAdmin: OTHER,
    agentsPaused: false,
    ceilings: { maxDuration: 7n * 86_400n, maxVolumePerCall: 1n, maxVolumePerEpoch: 1n },
    bounds: { maxLossPerCallBps: 50n, epochLossBudgetBps: 100n, gainRateBps: 2_500n, maxDrawdownBps: 1_000n },
    sessions: [
      {
        id: 7n,
        granter: B,
        // A careful grant: a loss allowance of its own.
        session: { ...SESSION, reduceOnly: false, maxLoss: 1_000n, lossUsed: 0n },
        scope: [],
        remaining: {
          active: true,
          timeLeft: 5n * 86_400n,
          volumePerCall: 1n,
          volumeInEpoch: 1n,
          callsInEpoch: 1n,
          nextCallAt: 0n,
          epochEndsAt: 0n,
          lossLeft: 1_000n,
        },
      },
    ],
    otherVaults: {},
    ...over,
  };
}

describe("authorityWarnings", () => {
  it("raises none for a careful set-up", () => {
    expect(authorityWarnings(inventory())).toEqual([]);
  });

  it("flags figures at 90% of their protocol maximum and above, not below", () => {
    const bounds = { maxLossPerCallBps: 450n, epochLossBudgetBps: 899n, gainRateBps: 20_000n, maxDrawdownBps: 4_500n };
    expect(authorityWarnings(inventory({ bounds })).map((w) => w.message)).toEqual([
      "the per-call loss limit 4.50% is near the protocol maximum 5.00%",
      "the gain rate 200.00% is near the protocol maximum 200.00%",
      "the drawdown limit 45.00% is near the protocol maximum 50.00%",
    ]);
  });

  it("flags a session without a loss allowance of its own", () => {
    const careful = inventory().sessions[0]!;
    const sessions = [{ ...careful, session: { ...careful.session, maxLoss: 0n } }];
    expect(authorityWarnings(inventory({ sessions })).map((w) => [w.code, w.message])).toEqual([
      [
        "session-no-loss-allowance",
        "session #7 (agent 0x4444…4444) has no loss allowance of its own: only the vault's loss limits bound what its rebalances may lose (grant it with a max loss)",
      ],
    ]);
  });

  it("flags governance without a delay, and an agent holding a role", () => {
    const warnings = authorityWarnings(inventory({ timelock: undefined, guardian: AGENT }));
    expect(warnings.map((w) => w.code)).toEqual(["no-governance-delay", "agent-holds-role"]);
    expect(warnings[1]!.message).toBe(
      `agent ${AGENT} is also the guardian: the key that moves money can also widen its own powers`,
    );
  });
});

describe("protocol limits", () => {
  it("are ConstantsLib's", () => {
    const source = fs.readFileSync(
      path.resolve(import.meta.dirname, "../../../contracts/libraries/ConstantsLib.sol"),
      "utf8",
    );
    const value = (name: string) => {
      const m = new RegExp(`constant ${name} = ([\\d_]+)( days)?;`).exec(source);
      expect(m, `${name} in ConstantsLib.sol`).not.toBeNull();
      return BigInt(m![1]!.replaceAll("_", "")) * (m![2] ? 86_400n : 1n);
    };
    for (const [name, v] of Object.entries(PROTOCOL_LIMITS)) expect(v, name).toBe(value(name));
  });
});

describe("audit and authority help", () => {
  it.each([
    [
      "audit",
      [
        "--vault",
        "--rpc-url",
        "--from-block",
        "--to-block",
        "--max-block-range",
        "--journal",
        "--records",
        "--json",
        "3 some have none",
      ],
    ],
    ["authority", ["--vault", "--rpc-url", "--expiry-margin", "--json", "every live authority"]],
  ])("%s --help", (command, expected) => {
    let out = "";
    const program = buildProgram()
      .exitOverride()
      .configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (out += t) });
    for (const c of program.commands)
      c.exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (out += t) });
    expect(() => program.parse(["node", "cli", command, "--help"])).toThrow();
    for (const e of expected) expect(out).toContain(e);
  });
});
