/** The doctor's judgements on literal facts: endpoints, sessions near their end, gas, clock skew, journal formats. */
import { describe, expect, it } from "vitest";
import {
  chainUsable,
  CLOCK_SKEW_WARN_SECONDS,
  exitCode,
  judgeClock,
  judgeEndpoints,
  judgeGas,
  judgeJournal,
  judgeSession,
  renderChecks,
} from "../../src/doctor/checks.js";
import { AGENT, NOW, SESSION, sessionState, vaultSnapshot } from "../support/fixtures.js";

const policy = { expiryMarginSeconds: 60n, warnBeforeExpirySeconds: 86_400n, minVolume: 1n };

describe("judgeEndpoints", () => {
  it("a secondary that does not answer is a warning while another serves the chain", () => {
    const checks = judgeEndpoints(
      [
        { endpoint: "http://a:1", chainId: 10n },
        { endpoint: "http://b:1", error: "connection: ECONNREFUSED" },
      ],
      10,
      "network.rpcUrls",
    );
    expect(checks.map((c) => c.status)).toEqual(["ok", "warn"]);
    expect(checks[1]!.fix).toBe(
      "start the node or correct network.rpcUrls (or AGENT_RPC_URL); the daemon uses the other endpoints meanwhile",
    );
    expect(chainUsable(checks)).toBe(true);
    expect(exitCode(checks)).toBe(0);
  });
  it("none answering fails, and the chain checks cannot run", () => {
    const checks = judgeEndpoints([{ endpoint: "http://a:1", error: "timeout" }], 10, "network.rpcUrl");
    expect(checks[0]).toMatchObject({ status: "fail", field: "network.rpcUrl", detail: "does not answer (timeout)" });
    expect(chainUsable(checks)).toBe(false);
    expect(exitCode(checks)).toBe(1);
  });
  it("an endpoint on another chain fails even when another is right", () => {
    const checks = judgeEndpoints(
      [
        { endpoint: "http://a:1", chainId: 10n },
        { endpoint: "http://b:1", chainId: 1n },
      ],
      10,
      "network.rpcUrls",
    );
    expect(checks[1]).toMatchObject({
      status: "fail",
      field: "network.chainId",
      detail: "serves chain 1, but network.chainId is 10",
    });
    expect(chainUsable(checks)).toBe(false);
  });
});

describe("judgeSession", () => {
  it("a session to act through is ok, with its id, end and scope", () => {
    const c = judgeSession("main", 0, vaultSnapshot(), AGENT, policy);
    expect(c.status).toBe("ok");
    expect(c.detail).toMatch(
      /^session #7 until .* \(in 6d 23h\), scope 2 of 3 strategies \(0x1111111111111111111111111111111111111111, 0x2222222222222222222222222222222222222222\)$/,
    );
  });
  it("one that ends within sessions.warnBeforeExpirySeconds is a warning", () => {
    const ending = { ...SESSION, validUntil: NOW + 3_600n };
    const c = judgeSession("main", 0, vaultSnapshot({ sessions: [sessionState(ending)] }), AGENT, policy);
    expect(c.status).toBe("warn");
    expect(c.detail).toMatch(
      /^session #7 until .* \(in 1h 0m\), scope .*: ends within sessions\.warnBeforeExpirySeconds \(1d 0h\)$/,
    );
    expect(c.fix).toBe(`governance grants agent ${AGENT} a new session before this one ends`);
  });
  it("one that only waits out its cooldown is ok and says so", () => {
    const cooling = { ...SESSION, lastCallAt: NOW - 10n };
    const c = judgeSession("main", 0, vaultSnapshot({ sessions: [sessionState(cooling)] }), AGENT, policy);
    expect(c.status).toBe("ok");
    expect(c.detail).toMatch(/; waiting: session #7 cooldown: next call at /);
  });
  it("a preferred session that is not the agent's fails naming vaults.<i>.sessionId", () => {
    const c = judgeSession("main", 2, vaultSnapshot(), AGENT, { ...policy, preferredSessionId: 9n });
    expect(c).toMatchObject({ status: "fail", field: "vaults.2.sessionId" });
    expect(c.detail).toBe(
      `no active session for agent ${AGENT}: session #9 is not one of the agent's sessions for this vault`,
    );
  });
});

describe("judgeGas, judgeClock, judgeJournal", () => {
  it("gas: none fails, below tx.lowBalanceEth warns, above is ok", () => {
    expect(judgeGas(AGENT, 0n, 10n ** 17n).status).toBe("fail");
    expect(judgeGas(AGENT, 10n ** 16n, 10n ** 17n)).toMatchObject({ status: "warn", field: "tx.lowBalanceEth" });
    expect(judgeGas(AGENT, 10n ** 18n, 10n ** 17n).status).toBe("ok");
  });
  it("clock: a skew above the threshold either way is a warning", () => {
    expect(judgeClock(1_000, 990n, 5).status).toBe("ok");
    const ahead = judgeClock(10_000, BigInt(10_000 - CLOCK_SKEW_WARN_SECONDS - 1), 5);
    expect(ahead).toMatchObject({ status: "warn" });
    expect(ahead.detail).toBe("the host's clock is 2m 1s ahead of block 5's timestamp (more than 2m 0s)");
    const behind = judgeClock(10_000, 10_600n, 5);
    expect(behind.status).toBe("warn");
    expect(behind.detail).toMatch(/^the host's clock is 10m 0s behind block 5's timestamp/);
  });
  it("journal: an older format is a warning (run migrates it); a newer agent's fails", () => {
    expect(judgeJournal({ file: "j", exists: true, format: 1, current: 2, entries: 3, inFlight: 0 })).toMatchObject({
      status: "warn",
      detail: "j is in format 1 (3 intents, 0 in flight)",
    });
    expect(judgeJournal({ file: "j", exists: true, format: 2, current: 2, entries: 1, inFlight: 1 })).toMatchObject({
      status: "ok",
      detail: "j: format 2, 1 intent, 1 in flight",
    });
    expect(judgeJournal({ file: "j", exists: true, current: 2, error: "journal j is in format 3" }).status).toBe(
      "fail",
    );
  });
  it("renders one line per check and a verdict", () => {
    const text = renderChecks([judgeGas(AGENT, 0n, 1n), judgeClock(1_000, 1_000n, 1)]);
    expect(text.split("\n")).toEqual([
      `fail  gas: the agent key ${AGENT} holds 0 ETH: it cannot pay for any transaction. Fix: send ETH to ${AGENT}`,
      "ok    clock: the host's clock is 0s ahead of block 1's timestamp",
      "",
      "1 failed, 0 warnings: fix the failures before running",
    ]);
  });
});
