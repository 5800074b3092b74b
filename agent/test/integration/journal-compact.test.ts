/**
 * `treasury-agent journal compact` on a real daemon's journal (the embedded chain, the real contracts): two rebalances
 * settled and a third in flight (automine off) when the daemon stops; the command leaves the first settled one out,
 * and the restarted daemon resumes the same in-flight intent (the same transaction confirmed, nothing sent again) and
 * takes the same next nonce.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fund } from "../../devnet/stack.js";
import { FileJournal, releaseJournalLocks } from "../../src/executor/journal.js";
import {
  AGENT,
  AGENT_KEY,
  rebalancedEvents,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";
import { treasuryAgent } from "../support/process.js";

const env = useStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } });

afterEach(async () => {
  await env.chain.setAutomine(true);
});

describe("journal compaction of a running daemon's journal", () => {
  it("the restarted daemon resumes the same in-flight intent and nonce after `journal compact`", async () => {
    const dir = tempDir("agent-compact-");
    const config = testConfig(env.chain, env.stack, path.join(dir, "state"), {
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
    });
    const first = await startDaemon(env.chain, config);
    // Two rebalances mined, then a third left in flight: each after a deposit and a day.
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        await fund(env.stack, env.stack.users[0]!, 200_000n * env.stack.unit);
        await env.chain.rpc("evm_increaseTime", [86_400]);
        await env.chain.mine();
      }
      if (round === 2) await env.chain.setAutomine(false);
      const [tick] = await first.daemon.tick();
      expect(
        tick!.report?.result.kind,
        `round ${round}: ${JSON.stringify(tick!.report?.result ?? tick!.error?.message)}`,
      ).toBe("sent");
    }
    const journalFile = path.join(dir, "state", "31337", `journal-${AGENT.toLowerCase()}.jsonl`);
    const inFlight = first.journal.inFlight();
    expect(inFlight.length, "one intent in flight").toBe(1);
    const [settledFirst, settledSecond] = first.journal.entries();
    expect(settledFirst!.outcome?.status).toBe("confirmed");
    releaseJournalLocks(config.dataDir); // the daemon stopped

    const file = path.join(dir, "agent.config.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        network: { rpcUrl: env.chain.url, chainId: 31337 },
        lens: env.stack.lensAddress,
        dataDir: "state",
        tx: { maxFeePerGasGwei: "500" },
        planner: { minMove: "1000", nativePriceInAsset: "3000" },
        vaults: [{ address: env.stack.vaultAddress, label: "main" }],
      }),
    );
    const before = fs.statSync(journalFile).size;
    const run = await treasuryAgent(["journal", "compact", "--config", file], {
      env: { AGENT_PRIVATE_KEY: AGENT_KEY },
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/kept 2 intents .*; left out 1 settled and final/);
    expect(fs.statSync(journalFile).size).toBeLessThan(before);
    const compacted = new FileJournal(journalFile, { readOnly: true });
    expect(
      compacted.entries().map((e) => e.intentHash),
      "the first settled intent left out",
    ).toEqual([settledSecond!.intentHash, inFlight[0]!.intentHash]);

    // Restart: the same intent is followed to its receipt; nothing is sent again.
    const second = await startDaemon(env.chain, config);
    expect(second.journal.inFlight().map((e) => ({ h: e.intentHash, a: e.attempts }))).toEqual(
      inFlight.map((e) => ({ h: e.intentHash, a: e.attempts })),
    );
    await env.chain.mine();
    await env.chain.setAutomine(true);
    await second.daemon.tick();
    const events = await rebalancedEvents(env.stack);
    expect(events.length, "three rebalances, none twice").toBe(3);
    expect(events[2]!.transactionHash).toBe(inFlight[0]!.attempts[0]!.hash);
    expect(second.journal.entries().find((e) => e.intentHash === inFlight[0]!.intentHash)?.outcome?.status).toBe(
      "confirmed",
    );
    expect(await env.chain.provider.getTransactionCount(AGENT, "latest"), "next nonce").toBe(
      inFlight[0]!.record.nonce + 1,
    );
    releaseJournalLocks(config.dataDir);
  }, 120_000);
  it("`journal.compactAboveMb`: a journal above it is compacted at start, and the daemon resumes as before", async () => {
    const dir = tempDir("agent-compact-auto-");
    const planner = { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 };
    const config = testConfig(env.chain, env.stack, path.join(dir, "state"), { planner });
    const first = await startDaemon(env.chain, config);
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        await fund(env.stack, env.stack.users[0]!, 200_000n * env.stack.unit);
        await env.chain.rpc("evm_increaseTime", [86_400]);
        await env.chain.mine();
      }
      if (round === 2) await env.chain.setAutomine(false);
      const [tick] = await first.daemon.tick();
      expect(tick!.report?.result.kind).toBe("sent");
    }
    const inFlight = first.journal.inFlight()[0]!;
    const all = first.journal.entries().map((e) => e.intentHash);
    releaseJournalLocks(config.dataDir);

    // Below the limit: untouched.
    const big = testConfig(env.chain, env.stack, path.join(dir, "state"), { planner, journal: { compactAboveMb: 1 } });
    const untouched = await startDaemon(env.chain, big);
    expect(untouched.journal.entries().map((e) => e.intentHash)).toEqual(all);
    releaseJournalLocks(config.dataDir);

    const small = testConfig(env.chain, env.stack, path.join(dir, "state"), {
      planner,
      journal: { compactAboveMb: 0.000_5 },
    });
    const second = await startDaemon(env.chain, small);
    const said = second.logs.lines.find((l) => /journal compacted at start/.test(l.msg));
    expect(said?.msg).toMatch(/2 intents kept, 1 settled and final left out; the old file is kept at .*\.bak$/);
    expect(second.journal.entries().map((e) => e.intentHash)).toEqual(all.slice(1));
    expect(second.journal.inFlight().map((e) => e.attempts)).toEqual([inFlight.attempts]);
    await env.chain.mine();
    await env.chain.setAutomine(true);
    await second.daemon.tick();
    const events = await rebalancedEvents(env.stack);
    expect(events.length, "three rebalances, none twice").toBe(3);
    expect(events[2]!.transactionHash).toBe(inFlight.attempts[0]!.hash);
    releaseJournalLocks(config.dataDir);
  }, 120_000);
});
