/**
 * What-if before a vote, against the real contracts on the local chain: the daemon rebalances three times; the
 * rebalances are replayed from the journal and from the published records under proposed bounds. A cap lowered below
 * what the daemon allocated blocks the rebalances that raised that strategy past it, with the vault's error and its
 * figures; a change that changes nothing allows every rebalance with no yield difference; a proposal's roles are named
 * as without bearing; no records in the window is an error naming the option.
 */
import { describe, expect, it } from "vitest";
import { journalRecords } from "../../src/audit/records.js";
import { dataPaths } from "../../src/daemon/build.js";
import { renderWhatIf, whatIf, whatIfRecords, whatIfSummary } from "../../src/whatif/index.js";
import { AGENT, rebalancedEvents, tempDir, useStack } from "../support/daemon-harness.js";
import { threeRebalances } from "../support/three-rebalances.js";

const env = useStack();

describe("what-if", () => {
  it("replays the daemon's rebalances under proposed bounds: blocked by a lower cap, all allowed unchanged", async () => {
    const { stack, chain } = env;
    const u = stack.unit;
    const { config } = await threeRebalances(chain, stack);
    const events = await rebalancedEvents(stack);
    expect(events, "three rebalances").toHaveLength(3);

    const paths = dataPaths(config, AGENT);
    const records = journalRecords(paths.journal);
    const recorded = [...records.byHash.values()]
      .map((k) => k.record)
      .sort((a, b) => Number(a.blockNumber - b.blockNumber));
    const base = { vault: stack.vaultAddress, lens: stack.lensAddress, records, origin: "--journal x", days: 30 };
    const s1 = stack.strategyAddresses[1]!;
    const cap = 1_000n * u;

    // Nothing changed: every rebalance allowed as it was, the same expected yield.
    const same = await whatIf(chain.provider, { ...base, changes: [] });
    expect(same.rebalances.map((r) => r.status)).toEqual(["allowed", "allowed", "allowed"]);
    expect(same.rebalances.map((r) => r.txHash)).toEqual(events.map((e) => e.transactionHash));
    expect(same.recordedYield, "the yield moves earn something over the window").toBeGreaterThan(0n);
    expect(same.proposedYield - same.recordedYield, "no yield difference").toBe(0n);
    expect(whatIfSummary(same)[0]).toContain(
      "3 past rebalances replayed under the proposed bounds: 0 blocked, 0 changed, 3 allowed",
    );

    // Strategy 1's cap below what the daemon gave it: each rebalance that raised it past the cap is blocked with the
    // vault's error and figures (the recorded target, the proposed cap); the planner would have planned otherwise.
    const lowered = await whatIf(chain.provider, {
      ...base,
      changes: [{ kind: "setCaps", strategy: s1, absoluteCap: cap, relativeCapBps: 10_000 }],
    });
    const s1Target = (i: number) =>
      recorded[i]!.targets.find((t) => t.strategy.toLowerCase() === s1.toLowerCase())!.assets;
    expect(s1Target(0), "the split gave strategy 1 more than the proposed cap").toBeGreaterThan(cap);
    expect(s1Target(1), "the yield move raised strategy 1 again").toBeGreaterThan(s1Target(0));
    expect(lowered.rebalances.map((r) => r.status)).toEqual(["blocked", "blocked", "changed"]);
    for (const i of [0, 1]) {
      // The allocation the error names is what the vault booked for strategy 1 in that rebalance (its leg event).
      const receipt = await chain.provider.getTransactionReceipt(events[i]!.transactionHash);
      const booked = receipt!.logs
        .map((log) => stack.vault.interface.parseLog(log))
        .find((e) => e?.name === "RebalanceLeg" && e.args.strategy === s1)!.args.allocationAfter as bigint;
      expect(s1Target(i) - booked, "booked within a unit of the target").toBeLessThanOrEqual(1n);
      expect(lowered.rebalances[i]!.error, `rebalance ${i}'s error`).toEqual({
        name: "AbsoluteCapExceeded",
        args: { strategy: s1, allocation: booked, cap },
      });
    }
    const third = lowered.rebalances[2]!;
    expect(third.error, "the third lowers strategy 1: the cap does not stop it").toBeUndefined();
    expect(third.replanned.kind, "but the planner keeps strategy 1 higher than it would hold").toBe("rebalance");
    // Under the cap the yield move into strategy 1 does not happen: its yield over the next hour is lost.
    expect(lowered.recordedYield).toBe(same.recordedYield);
    expect(lowered.proposedYield).toBeLessThan(lowered.recordedYield);
    const text = renderWhatIf(lowered);
    expect(text).toContain("2 blocked, 1 changed, 0 allowed");
    expect(text).toContain(`blocked: AbsoluteCapExceeded(strategy=${s1}`);
    expect(text).toContain("cap=1,000)");

    // From the published records folder (--journal <dir>): the same replay. Roles and listings are named, not modeled.
    const published = whatIfRecords({ journal: paths.records });
    expect(published.origin).toBe(`--journal ${paths.records}`);
    const fromFolder = await whatIf(chain.provider, {
      ...base,
      records: published.records,
      origin: published.origin,
      changes: [
        { kind: "setCaps", strategy: s1, absoluteCap: cap, relativeCapBps: 10_000 },
        { kind: "setGuardian", guardian: AGENT },
        { kind: "addStrategy", strategy: AGENT, absoluteCap: cap, relativeCapBps: 100 },
      ],
    });
    expect(fromFolder.rebalances.map((r) => r.error)).toEqual(lowered.rebalances.map((r) => r.error));
    expect(fromFolder.proposedYield).toBe(lowered.proposedYield);
    const summary = whatIfSummary(fromFolder).join("\n");
    expect(summary).toContain(`Not modeled: listing ${AGENT}`);
    expect(summary).toContain("No bearing on the agent's rebalances: setGuardian (a role, not a bound)");

    // No record in the window: an error naming the option the records came from.
    const empty = whatIfRecords({ journal: tempDir() });
    await expect(
      whatIf(chain.provider, { ...base, records: empty.records, origin: empty.origin, changes: [] }),
    ).rejects.toThrow(`${empty.origin}: no decision record of vault ${stack.vaultAddress} in the last 30 days`);
  });
});
