/**
 * A lens snapshot that does not add up is refused, on literal fixtures: allocations that do not sum to totalAllocated
 * (a strategy hidden), a strategy listed twice by address or by index, a queued strategy missing from the list.
 */
import { describe, expect, it } from "vitest";
import { snapshotFaults } from "../../src/chain/consistency.js";
import { A, B, C, strategy, vaultSnapshot } from "../support/fixtures.js";

describe("snapshotFaults", () => {
  it("test_snapshotFaults_consistentSnapshot: none", () => {
    expect(snapshotFaults(vaultSnapshot())).toEqual([]);
  });

  it("test_snapshotFaults_allocationSumShort: names both figures and the difference", () => {
    // The lens hid C (100,000) after a delist and relist: the vault still counts it.
    const snap = vaultSnapshot({
      strategies: [strategy(A, 0, 300_000n), strategy(B, 1, 200_000n)],
      totalAllocated: 600_000n,
      withdrawQueue: [A, B],
    });
    expect(snapshotFaults(snap)).toEqual([
      {
        code: "allocation-sum",
        detail: `strategy allocations add up to 500000 but the vault's totalAllocated is 600000 (off by -100000; listed: #0 ${A}=300000, #1 ${B}=200000)`,
      },
    ]);
  });

  it("test_snapshotFaults_allocationSumOver: one unit over is refused too", () => {
    const snap = vaultSnapshot({ totalAllocated: 599_999n });
    expect(snapshotFaults(snap).map((f) => f.code)).toEqual(["allocation-sum"]);
    expect(snapshotFaults(snap)[0]!.detail).toMatch(
      /add up to 600000 but the vault's totalAllocated is 599999 \(off by \+1;/,
    );
  });

  it("test_snapshotFaults_duplicateAddress: the lens bug (one hidden, another listed twice)", () => {
    const strategies = [strategy(A, 0, 300_000n), strategy(B, 1, 200_000n), strategy(B, 1, 200_000n)];
    const snap = vaultSnapshot({ strategies, totalAllocated: 600_000n, withdrawQueue: [A, B, C] });
    const faults = snapshotFaults(snap);
    expect(faults.map((f) => f.code)).toEqual(["duplicate-strategy", "allocation-sum", "queue-not-listed"]);
    expect(faults[0]!.detail).toBe(`strategy ${B} is listed twice (entries 1 and 2, allocations 200000 and 200000)`);
    expect(faults[1]!.detail).toMatch(
      /^strategy allocations add up to 700000 but the vault's totalAllocated is 600000 \(off by \+100000;/,
    );
    expect(faults[2]!.detail).toBe(`strategy ${C} is in the withdraw queue but missing from the listed strategies`);
  });

  it("test_snapshotFaults_duplicateAddressOtherCase: addresses compare without their checksum", () => {
    const strategies = [strategy(A, 0, 300_000n), strategy(A.toLowerCase(), 1, 0n)];
    expect(snapshotFaults(vaultSnapshot({ strategies, withdrawQueue: [A] })).map((f) => f.code)).toEqual([
      "duplicate-strategy",
    ]);
  });

  it("test_snapshotFaults_duplicateIndex: two strategies on one index, even when the sum is right", () => {
    const strategies = [strategy(A, 0, 300_000n), strategy(B, 0, 200_000n), strategy(C, 2, 100_000n)];
    const faults = snapshotFaults(vaultSnapshot({ strategies }));
    expect(faults).toEqual([{ code: "duplicate-index", detail: `index #0 is given to two strategies, ${A} and ${B}` }]);
  });
});
