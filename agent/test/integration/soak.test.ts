/**
 * The soak (see test/support/soak.ts): thousands of ticks with random faults against the real contracts, through two
 * fault proxies. The default run is short enough for CI; the long profile is `SOAK_TICKS=2000` (README, Tests).
 */
import { describe, expect, it } from "vitest";
import { FAULT_KINDS } from "../support/fault-proxy.js";
import { describeSoak, runSoak } from "../support/soak.js";

const TICKS = Number(process.env.SOAK_TICKS ?? 150);
const SEED = Number(process.env.SOAK_SEED ?? 7_2024);

describe("soak", () => {
  it(
    `${TICKS} ticks with random faults: no duplicate, nothing outside the bounds sent, recovery within one tick`,
    async () => {
      const f = await runSoak({ ticks: TICKS, seed: SEED });
      for (const line of describeSoak(f)) console.log(line);
      const story = `\nrecovery failures: ${f.recoveryFailures.join("\n")}\nproblems: ${f.problems.join("\n")}\nwarnings: ${JSON.stringify(f.warnings)}\nlast logs:\n${f.logTail?.join("\n")}`;
      expect(f.recoveryFailures, `every episode: recovered in the next tick${story}`).toEqual([]);
      expect(f.problems, `chain and journal reconciled, nothing left in flight${story}`).toEqual([]);
      expect(f.recoveries).toBe(f.episodes);
      expect(f.duplicateSubmissions, "no transaction or decision twice").toBe(0);
      expect(
        f.mirrorRejectedSubmissions,
        "every rebalance that reached a node passed the mirror on the true state",
      ).toBe(0);
      expect(f.unjournaledSubmissions, "every transaction was journaled before it reached a node").toBe(0);
      expect(f.revertedOnChain).toBe(0);
      expect(f.breakerTrips, "no transient fault opens the breaker").toBe(0);
      expect(f.quarantines, "no transient fault or ordinary yield quarantines a strategy").toBe(0);
      expect(f.dropped).toBe(0);
      // The run exercised what it claims to.
      expect(f.ticks).toBe(TICKS);
      expect(f.rebalances, "rebalances happened").toBeGreaterThan(TICKS / 20);
      for (const kind of FAULT_KINDS) expect(f.faultsInjected[kind], `${kind} injected`).toBeGreaterThan(0);
      expect(f.failovers).toBeGreaterThan(0);
      expect(f.restarts).toBeGreaterThan(0);
      expect(f.lostSubmissionEpisodes, "submissions lost on every endpoint").toBeGreaterThan(0);
      expect(f.agentTransactions).toBe(f.rebalances + f.cancellations);
    },
    60_000 + TICKS * 1_000,
  );
});
