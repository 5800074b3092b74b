/** The dashboard's history: the bounded ring of samples, thinned evenly, and its charts; and strategy names. */
import { AbiCoder, type Provider } from "ethers";
import { describe, expect, it } from "vitest";
import { cleanName, MAX_NAME_CHARS, readTokenName, StrategyNames } from "../../src/chain/token-name.js";
import type { Journal } from "../../src/executor/journal.js";
import { DashboardState } from "../../src/obs/dashboard.js";
import { historyCharts, type HistorySample, VaultHistory } from "../../src/obs/history.js";
import type { TickReport } from "../../src/obs/tick-report.js";
import { A, B, C, strategy, VAULT, vaultSnapshot } from "../support/fixtures.js";

const sample = (i: number): HistorySample => ({
  time: 1_000 + 12 * i,
  block: 100 + i,
  sharePrice: 1_000_000n + BigInt(i),
  idle: 10n * BigInt(i),
  values: [BigInt(i)],
});

describe("VaultHistory", () => {
  it("keeps at most `cap` points, evenly spaced from the first tick, the newest always last", () => {
    const h = new VaultHistory(8);
    for (let i = 0; i < 1_000; i++) {
      h.push(sample(i));
      const points = h.points();
      expect(points.length, `after tick ${i}`).toBeLessThanOrEqual(8);
      expect(points[0]!.block, "the first tick stays").toBe(100);
      expect(points.at(-1)!.block, "the newest tick is last").toBe(100 + i);
      // Every kept point but the newest sits at the same stride of ticks.
      const kept = points.slice(0, -1).map((p) => p.block - 100);
      for (const [k, t] of kept.entries()) expect(t, `point ${k} after tick ${i}`).toBe(k * h.tickStride);
    }
    expect(h.tickStride, "1,000 ticks in 8 points").toBe(256);
    expect(h.points().map((p) => p.block - 100)).toEqual([0, 256, 512, 768, 999]);
  });

  it("replaces the sample of a block read again, and aligns values to strategies as they appear", () => {
    const h = new VaultHistory(4);
    h.add(vaultSnapshot({ strategies: [strategy(A, 0, 1n)] }));
    h.add(vaultSnapshot({ strategies: [strategy(A, 0, 2n)], idle: 9n }));
    expect(h.points(), "same block: one point, the later read").toHaveLength(1);
    expect(h.points()[0]).toMatchObject({ idle: 9n, values: [2n] });
    h.add(
      vaultSnapshot({ blockNumber: 101n, timestamp: 2_012n, strategies: [strategy(B, 1, 5n), strategy(A, 0, 3n)] }),
    );
    expect(h.strategies).toEqual([A.toLowerCase(), B.toLowerCase()]);
    expect(h.points().map((p) => p.values)).toEqual([[2n], [3n, 5n]]);
  });

  it("refuses a cap below two points", () => {
    expect(() => new VaultHistory(1)).toThrow(RangeError);
  });

  it("charts one area per strategy plus idle, the share price and the yield against idle, last values exact", () => {
    const h = new VaultHistory(16);
    h.add(vaultSnapshot({ sharePrice: 1_000_000n }));
    const last = vaultSnapshot({ blockNumber: 200n, timestamp: 2_000n + 86_400n, sharePrice: 1_000_100n });
    h.add(last);
    const charts = historyCharts(h, h.points(), 6, (a) => `name of ${a.slice(0, 6)}`);
    const series = [...charts.allocations.matchAll(/data-series="([^"]*)" data-points="2" data-last="(\d+)"/g)];
    expect(series.map((m) => m[1])).toEqual(["name of 0x1111", "name of 0x2222", "name of 0x3333", "Idle"]);
    expect(series.map((m) => m[2])).toEqual([
      ...last.strategies.map((x) => x.currentValue.toString()),
      last.idle.toString(),
    ]);
    expect(charts.sharePrice).toContain('data-last="1000100"');
    // 0.01% in a day: 3.65% a year, in hundredths of a bp.
    expect(charts.yield).toMatch(/data-series="the vault \(annualised\)" data-points="2" data-last="36500"/);
    expect(charts.yield).toContain('data-series="idle" data-points="2" data-last="0"');
    expect(charts.legend).toContain(`title="${A.toLowerCase()}"`);
  });
});

describe("DashboardState history", () => {
  const journal = { entries: () => [] } as unknown as Journal;
  const report = (snapshot = vaultSnapshot()): TickReport => ({
    vault: VAULT,
    label: "main",
    snapshot,
    yields: new Map(),
    settled: [],
    result: { kind: "wait", reason: "nothing to do" },
    breaker: { open: false },
    quarantine: [],
  });

  it("samples each tick, names strategies by the label it is given, and serves the charts as JSON", () => {
    const state = new DashboardState({
      agent: "0x4444444444444444444444444444444444444444",
      chainId: 31337n,
      journal,
      vaults: [
        {
          label: "main",
          vault: VAULT,
          policy: { expiryMarginSeconds: 120n, warnBeforeExpirySeconds: 3_600n, minVolume: 1_000n },
        },
      ],
      health: () => ({ healthy: true }),
      strategyLabel: (a) => (a.toLowerCase() === B.toLowerCase() ? "B token" : `${a.slice(0, 6)}…`),
      historyPoints: 4,
    });
    for (let i = 0; i < 10; i++)
      state.observe([
        {
          vault: "main",
          report: report(vaultSnapshot({ blockNumber: 100n + BigInt(i), timestamp: 2_000n + BigInt(i) })),
        },
      ]);
    const view = state.history() as { version: number; vaults: unknown[] };
    const v = view.vaults[0]! as {
      points: { block: number }[];
      strategies: { address: string; name: string }[];
      charts: { allocations: string };
    };
    expect(v.points.length).toBeLessThanOrEqual(4);
    expect(v.points.at(-1)!.block).toBe(109);
    expect(v.strategies.map((s) => s.name)).toEqual(["0x1111…", "B token", "0x3333…"]);
    expect(v.charts.allocations).toContain('data-series="B token"');
    const strategies = (state.view() as { vaults: { strategies: { name: string }[] }[] }).vaults[0]!.strategies;
    expect(strategies.map((s) => s.name)).toEqual(["0x1111…", "B token", "0x3333…"]);
  });
});

describe("strategy names", () => {
  const coder = AbiCoder.defaultAbiCoder();
  /** A provider whose every `eth_call` answers `answer` (or throws it). */
  const answering = (answer: string | Error) => {
    let calls = 0;
    const provider = {
      provider: null,
      call: async () => {
        calls++;
        if (answer instanceof Error) throw answer;
        return answer;
      },
      calls: () => calls,
    };
    return provider as unknown as Provider & { calls(): number };
  };
  const revert = Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", data: "0x" });

  it("reads a name, and reads nothing for one that reverts, is empty or is not a string", async () => {
    expect(await readTokenName(answering(coder.encode(["string"], ["Aave USDC"])), A)).toBe("Aave USDC");
    expect(await readTokenName(answering(revert), A), "reverts").toBe("");
    expect(await readTokenName(answering(coder.encode(["string"], [""])), A), "empty").toBe("");
    expect(await readTokenName(answering("0x1234"), A), "garbage bytes").toBe("");
    expect(await readTokenName(answering("0x"), A), "no return data").toBe("");
    const badUtf8 = coder.encode(["bytes"], ["0xffff"]);
    expect(await readTokenName(answering(badUtf8), A), "invalid UTF-8").toBe("");
  });

  it("cuts a 10 kB name and drops control characters", async () => {
    const long = await readTokenName(answering(coder.encode(["string"], ["x".repeat(10_000)])), A);
    expect([...long]).toHaveLength(MAX_NAME_CHARS);
    expect(long.endsWith("…")).toBe(true);
    expect(cleanName("Vault\n<b>\u0000USDC\u2028")).toBe("Vault <b> USDC");
    expect(cleanName(42)).toBe("");
  });

  it("reads each strategy once; one without a name is shown by its short address", async () => {
    const named = answering(coder.encode(["string"], ["Morpho USDC"]));
    const names = new StrategyNames(named);
    expect(names.label(A), "before it is read").toBe("0x1111…1111");
    await Promise.all([names.learn([A, A.toUpperCase().replace("0X", "0x")]), names.learn([A])]);
    await names.learn([A]);
    expect(named.calls(), "one read").toBe(1);
    expect(names.label(A)).toBe("Morpho USDC");
    const reverting = answering(revert);
    const broken = new StrategyNames(reverting);
    await broken.learn([C]);
    expect(broken.label(C)).toBe("0x3333…3333");
    await broken.learn([C]);
    expect(broken.label(C), "a revert is final").toBe("0x3333…3333");
    expect(reverting.calls(), "asked once").toBe(1);
  });

  it("asks again for a name the node did not answer", async () => {
    let down = true;
    const provider = {
      provider: null,
      call: async () => {
        if (down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "NETWORK_ERROR" });
        return coder.encode(["string"], ["Euler USDC"]);
      },
    } as unknown as Provider;
    const names = new StrategyNames(provider);
    await names.learn([B]);
    expect(names.label(B), "no answer yet").toBe("0x2222…2222");
    down = false;
    await names.learn([B]);
    expect(names.label(B)).toBe("Euler USDC");
  });
});
