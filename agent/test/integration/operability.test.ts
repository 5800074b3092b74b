/**
 * What an operator needs to see, against the real contracts on the embedded chain: a key without ETH is named (log,
 * metrics, readiness) and nothing is signed; a wait that only a new block can end on a node that mines only on
 * transactions is said once, with what to do; `/ready` says whether the agent can act while `/health` stays live.
 */
import { parseEther } from "ethers";
import { describe, expect, it } from "vitest";
import { grantSession } from "../../devnet/stack.js";
import { ManualClock } from "../../src/util/clock.js";
import { AGENT, metricValue, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";

const env = useStack();

/** A session for the agent starting `delay` seconds from the chain's now, room for any rebalance. */
async function session(delay = 0) {
  const { stack, chain } = env;
  const validAfter = (await chain.now()) + BigInt(delay);
  return grantSession(stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    validAfter,
    maxVolumePerCall: 600_000n * stack.unit,
    maxVolumePerEpoch: 3_000_000n * stack.unit,
    minInterval: 0,
  });
}

describe("operability", () => {
  it("a key without ETH: named in the log, the metrics and /ready; nothing signed; acts once funded", async () => {
    const { chain, stack } = env;
    await session();
    await chain.provider.send("hardhat_setBalance", [AGENT, "0x0"]);
    const config = testConfig(chain, stack, tempDir(), {
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
    });
    const d = await startDaemon(chain, config);
    expect(await metricValue(d.metrics, "agent_key_balance_eth"), "read at start").toBe(0);
    expect(await metricValue(d.metrics, "agent_key_balance_low"), "below tx.lowBalanceEth").toBe(1);
    expect(
      d.logs.messages().some((m) => /holds 0\.0 ETH, below tx\.lowBalanceEth \(0\.05 ETH\)/.test(m)),
      "warned once at start",
    ).toBe(true);

    const [tick] = await d.daemon.tick();
    expect(tick!.report!.result, "held back before signing, with the cause").toMatchObject({
      kind: "deferred",
      reason: expect.stringMatching(/holds 0\.0 ETH but the transaction may cost up to [\d.]+ ETH .*fund the key/),
    });
    expect(d.journal.entries(), "nothing journaled or signed").toHaveLength(0);
    const ready = d.daemon.readiness();
    expect(ready, "not ready: the key cannot pay").toMatchObject({
      ready: false,
      status: "not-ready",
      key: { cannotPay: true, low: true, balanceWei: "0" },
    });
    expect(ready.reasons.join("; ")).toMatch(/cannot pay for a transaction/);
    expect(d.daemon.health().healthy, "the loop itself is live").toBe(true);
    expect(await metricValue(d.metrics, "agent_ready")).toBe(0);

    await chain.provider.send("hardhat_setBalance", [AGENT, `0x${parseEther("1").toString(16)}`]);
    const [funded] = await d.daemon.tick();
    expect(funded!.report!.result.kind, "funded: it sends").toBe("sent");
    expect(d.daemon.readiness().ready, "ready again").toBe(true);
    expect(await metricValue(d.metrics, "agent_key_balance_low")).toBe(0);
    expect(await metricValue(d.metrics, "agent_ready")).toBe(1);
  }, 60_000);

  it("a wait no block reaches on a node that mines only on transactions: said once, with the chain time and what to do", async () => {
    const { chain, stack } = env;
    await session(3_600);
    const clock = new ManualClock();
    const d = await startDaemon(chain, testConfig(chain, stack, tempDir()), { clock });
    const wait = async () => (await d.daemon.tick())[0]!.report!;

    const first = await wait();
    expect(first.result.kind, "the session starts in an hour").toBe("wait");
    expect(first.chainStall, "not stalled yet").toBeUndefined();
    expect(d.daemon.readiness(), "waiting is ready").toMatchObject({
      ready: true,
      vaults: { main: { state: "waiting" } },
    });

    // Wall time passes the session's start by more than the grace, with no block: the node makes none by itself.
    for (let i = 0; i < 3; i++) {
      clock.advance(4_000_000);
      const r = await wait();
      expect(r.result.kind).toBe("wait");
      expect(r.chainStall, "said in the tick's result").toMatch(
        /mined no block for .* the wait ends at chain time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, which only a new block reaches.*Mine a block \(evm_mine or hardhat_mine\)/,
      );
      expect(r.result.kind === "wait" && r.result.reason).toContain("only a new block reaches");
    }
    const said = d.logs.lines.filter((l) => /only a new block reaches/.test(l.msg));
    expect(said, "logged once, at warn").toHaveLength(1);
    expect(said[0]!.level).toBe(40);
    expect(await metricValue(d.metrics, "agent_chain_stalled", { vault: "main" })).toBe(1);

    // A block past the start: the wait is over and the note is gone.
    await chain.increaseTime(3_600);
    const after = await wait();
    expect(after.result.kind, "acting or holding, no longer waiting").not.toBe("wait");
    expect(after.chainStall).toBeUndefined();
    expect(await metricValue(d.metrics, "agent_chain_stalled", { vault: "main" })).toBe(0);
  }, 60_000);

  it("/ready is 503 while the agent stands down (no session), /health stays 200", async () => {
    const { chain, stack } = env;
    const d = await startDaemon(chain, testConfig(chain, stack, tempDir()));
    const [t] = await d.daemon.tick();
    expect(t!.report!.result).toMatchObject({ kind: "stand-down", reason: "no session for this vault" });
    expect(d.daemon.health().healthy, "live").toBe(true);
    const ready = d.daemon.readiness();
    expect(ready).toMatchObject({ ready: false, vaults: { main: { state: "cannot-act", result: "stand-down" } } });
    expect(ready.reasons).toEqual(["main: no session for this vault"]);
  }, 60_000);
});
