/**
 * Two daemons on one key and vault (an operator's mistake): the second `treasury-agent run`, a real process, refuses
 * to start while the first holds the journal's lock, naming it, and sends nothing; once the first lets go, it runs.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { FileJournal } from "../../src/executor/journal.js";
import { AGENT_KEY, rebalancedEvents, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";
import { treasuryAgent } from "../support/process.js";

const env = useStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } });

describe("two daemons on one key", () => {
  it("the second refuses to start while the first runs, naming it, and sends nothing; it runs once the first is gone", async () => {
    const dataDir = tempDir();
    const first = await startDaemon(env.chain, testConfig(env.chain, env.stack, dataDir));
    const file = path.join(dataDir, "agent.config.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        network: { rpcUrl: env.chain.url, chainId: env.chain.chainId, confirmations: 1, pollIntervalMs: 200 },
        lens: env.stack.lensAddress,
        dataDir,
        tx: { maxFeePerGasGwei: "100" },
        planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
        metrics: { enabled: false },
        vaults: [{ address: env.stack.vaultAddress, label: "main" }],
      }),
    );
    const run = () =>
      treasuryAgent(["run", "--once", "--config", file], { env: { AGENT_PRIVATE_KEY: AGENT_KEY }, timeoutMs: 60_000 });

    const refused = await run();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is in use by another daemon (pid ${process.pid} on ${os.hostname()}, since `);
    expect(refused.stderr).toContain(
      "two daemons on one key would send the same plans with the same nonces. Stop that one first",
    );
    expect(await rebalancedEvents(env.stack), "the second sent nothing").toHaveLength(0);

    (first.journal as FileJournal).close();
    const alone = await run();
    expect(alone.code, alone.stderr).toBe(0);
    expect(await rebalancedEvents(env.stack)).toHaveLength(1);
  });
});
