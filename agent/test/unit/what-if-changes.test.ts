/**
 * The what-if's change model on literal snapshots: each bound a proposal sets is what the check mirror then measures a
 * rebalance against (caps, the idle buffer, loss limits, risk groups, the step-up, ceilings, the liquidity floor), the
 * snapshot given is left as it was, and changes a snapshot cannot express are named rather than applied.
 */
import { describe, expect, it } from "vitest";
import type { VaultSnapshot } from "../../src/chain/types.js";
import { checkRebalance, sessionFromSnapshot } from "../../src/checks/rebalance-check.js";
import { applyChanges, type BoundsChange, changeModel } from "../../src/whatif/changes.js";
import { A, AGENT, B, C, NOW, oneToOne, vaultSnapshot } from "../support/fixtures.js";

/** Strategy A raised by 100,000 from idle (300,000 -> 400,000): what the vault's check says under `changes`. */
function raiseA(changes: BoundsChange[], snapshot: VaultSnapshot = vaultSnapshot()) {
  const proposed = applyChanges(snapshot, changes);
  return checkRebalance({
    snapshot: proposed,
    targets: [{ strategy: A, assets: 400_000n }],
    sessionId: 7n,
    session: sessionFromSnapshot(proposed, 7n),
    agent: AGENT,
    valuation: oneToOne(proposed),
    now: NOW,
  }).error;
}

describe("what-if changes", () => {
  it("the recorded move passes under today's bounds", () => {
    expect(raiseA([])).toBeUndefined();
  });

  it("a lower cap blocks it with the vault's error and figures", () => {
    const cap = { kind: "setCaps", strategy: A, absoluteCap: 350_000n, relativeCapBps: 10_000 } as const;
    expect(raiseA([cap])).toEqual({
      name: "AbsoluteCapExceeded",
      args: { strategy: A, allocation: 400_000n, cap: 350_000n },
    });
  });

  it("a larger idle buffer, tighter risk groups, a step-up, ceilings and a disabled strategy each block it", () => {
    expect(raiseA([{ kind: "setIdleBuffer", idleBufferBps: 4_000 }])?.name, "buffer").toBe("IdleBufferBreached");
    expect(
      raiseA([
        { kind: "setRiskGroupCap", id: 3, absoluteCap: 450_000n, relativeCapBps: 10_000 },
        { kind: "setRiskGroups", strategy: A, riskGroups: 1 << 3 },
        { kind: "setRiskGroups", strategy: B, riskGroups: 1 << 3 },
      ]),
      "A and B together above 450,000",
    ).toEqual({ name: "RiskGroupCapExceeded", args: { id: 3n, value: 600_000n, cap: 450_000n } });
    expect(raiseA([{ kind: "setStepUp", threshold: 50_000n, policySigner: C }])?.name, "step-up").toBe(
      "CoSignatureRequired",
    );
    expect(
      raiseA([
        { kind: "setCeilings", maxDuration: 7 * 86_400, maxVolumePerCall: 50_000n, maxVolumePerEpoch: 10n ** 9n },
      ])?.name,
      "a session granted within a 50,000 per-call ceiling",
    ).toBe("VolumeExceedsCallLimit");
    expect(raiseA([{ kind: "setStrategyEnabled", strategy: A, enabled: false }])?.name, "disabled").toBe(
      "StrategyDisabled",
    );
  });

  it("leaves the snapshot it is given as it was", () => {
    const snapshot = vaultSnapshot();
    const before = JSON.stringify(snapshot, (_, v) => (typeof v === "bigint" ? v.toString() : v));
    applyChanges(snapshot, [
      { kind: "setCaps", strategy: A, absoluteCap: 1n, relativeCapBps: 1 },
      { kind: "setIdleBuffer", idleBufferBps: 9_000 },
      { kind: "setLossLimits", maxLossPerCallBps: 1, epochLossBudgetBps: 2, lossEpochLength: 60 },
      { kind: "setCeilings", maxDuration: 60, maxVolumePerCall: 1n, maxVolumePerEpoch: 1n },
      { kind: "setRiskGroups", strategy: B, riskGroups: 1 },
    ]);
    expect(JSON.stringify(snapshot, (_, v) => (typeof v === "bigint" ? v.toString() : v))).toBe(before);
  });

  it("names what it cannot model and what has no bearing on rebalances", () => {
    const model = changeModel([
      { kind: "addStrategy", strategy: C, absoluteCap: 1n, relativeCapBps: 1 },
      { kind: "setGuardian", guardian: B },
      { kind: "setDeadManSwitch", staleAfter: 86_400, dropBps: 1_000, maxExitBps: 2_500 },
      { kind: "setLiquidityFloor", liquidityFloorBps: 3_000 },
    ]);
    expect(model.applied.map((c) => c.kind)).toEqual(["setLiquidityFloor"]);
    expect(model.notModeled).toEqual([`listing ${C}: the recorded snapshots hold no state or yield estimate for it`]);
    expect(model.noBearing).toHaveLength(2);
    expect(model.assumptions[0]).toContain("a cut is ramped");
  });
});
