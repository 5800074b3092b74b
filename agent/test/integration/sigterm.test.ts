/**
 * SIGTERM in the middle of a tick, to a real `treasury-agent run` process (as systemd stops it): the signal arrives
 * while the tick's rebalance is on its way to the node. The tick is finished (or, when the node drops the request, left
 * journaled in flight; when the node holds it past STOP_TIMEOUT_SECONDS, the process stops at the bound), the process
 * exits 0, and the journal holds whole lines only: no half-written intent.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FileJournal } from "../../src/executor/journal.js";
import { AGENT, AGENT_KEY, rebalancedEvents, tempDir, useStack } from "../support/daemon-harness.js";
import { FaultProxy } from "../support/fault-proxy.js";
import { BIN } from "../support/process.js";
import { STOP_TIMEOUT_SECONDS } from "../../src/cli/run.js";

const env = useStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } });
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: env.chain.url, seed: 19 });
});

afterAll(async () => {
  await proxy?.close();
});

afterEach(() => {
  proxy.intercept = undefined;
});

function writeConfig(requestTimeoutMs = 2_000): { file: string; journal: string } {
  const dir = tempDir("agent-sigterm-");
  const file = path.join(dir, "agent.config.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      network: {
        rpcUrl: proxy.url,
        chainId: 31337,
        confirmations: 1,
        pollIntervalMs: 200,
        requestTimeoutMs,
        retryFailedAfterMs: 100,
      },
      lens: env.stack.lensAddress,
      dataDir: "state",
      tx: { maxFeePerGasGwei: "100", stuckAfterSeconds: 60 },
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
      metrics: { enabled: false },
      log: { level: "info" },
      vaults: [{ address: env.stack.vaultAddress, label: "main" }],
    }),
  );
  return { file, journal: path.join(dir, "state", "31337", `journal-${AGENT.toLowerCase()}.jsonl`) };
}

/** Runs the daemon until it exits; `atSend` runs when its transaction reaches the proxy, with the child to signal. */
async function runUntilExit(config: string, atSend: (kill: () => void) => Promise<"forward" | "close">) {
  const clean = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith("AGENT_"))
      .map((k) => [k, ""]),
  );
  const child = spawn(process.execPath, [BIN, "run", "--config", config], {
    env: { ...process.env, ...clean, AGENT_PRIVATE_KEY: AGENT_KEY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  proxy.intercept = async (call) =>
    call.method === "eth_sendRawTransaction" ? atSend(() => child.kill("SIGTERM")) : "forward";
  const timer = setTimeout(() => child.kill("SIGKILL"), (STOP_TIMEOUT_SECONDS + 15) * 1_000);
  const result = await exited;
  clearTimeout(timer);
  const msgs = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
  return { ...result, msgs, stderr };
}

/** Every line of the journal is whole (ends with a newline and parses); the journal reads back. */
function wholeJournal(file: string): FileJournal {
  const text = fs.readFileSync(file, "utf8");
  expect(text.endsWith("\n"), "the last line is whole").toBe(true);
  for (const line of text.trimEnd().split("\n")) expect(() => JSON.parse(line), line).not.toThrow();
  return new FileJournal(file, { readOnly: true });
}

describe("treasury-agent run on SIGTERM mid-tick", () => {
  it("finishes the tick under way (its rebalance confirmed and journaled), then exits 0", async () => {
    const { file, journal } = writeConfig();
    const r = await runUntilExit(file, async (kill) => {
      kill();
      await new Promise((res) => setTimeout(res, 300)); // the signal is handled while the send is still under way
      return "forward";
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.signal).toBeNull();
    const received = r.msgs.indexOf(
      "received SIGTERM: stopping after the current tick (a second SIGTERM ends the process at once)",
    );
    expect(received, r.msgs.join("\n")).toBeGreaterThanOrEqual(0);
    expect(r.msgs.indexOf("rebalance confirmed"), "confirmed after the signal: the tick went on").toBeGreaterThan(
      received,
    );
    expect(r.msgs.at(-1)).toBe("daemon stopped (SIGTERM) after 1 tick");
    const entries = wholeJournal(journal).entries();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.outcome?.status).toBe("confirmed");
    expect(await rebalancedEvents(env.stack)).toHaveLength(1);
  });

  it("a node that does not answer the send: the intent stays journaled in flight, the process exits 0, the next start settles it", async () => {
    const { file, journal } = writeConfig();
    const r = await runUntilExit(file, async (kill) => {
      kill();
      await new Promise((res) => setTimeout(res, 300));
      return "close"; // the connection drops: the daemon never hears whether the node got it (it did not)
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.msgs.at(-1)).toMatch(
      /^daemon stopped \(SIGTERM\) after 1 tick; a transaction is still in flight for main: it stays in the journal and the next start settles it first$/,
    );
    const left = wholeJournal(journal);
    expect(left.entries()).toHaveLength(1);
    expect(left.inFlight(), "journaled, signed, in flight").toHaveLength(1);
    expect(left.inFlight()[0]!.attempts).toHaveLength(1);

    // The next start sends the same bytes (the node never got them) and records the outcome.
    const next = await runUntilExit(file, async (kill) => {
      setTimeout(kill, 300);
      return "forward";
    });
    expect(next.code, next.stderr).toBe(0);
    const settled = wholeJournal(journal).entries();
    expect(settled).toHaveLength(1);
    expect(settled[0]!.outcome?.status).toBe("confirmed");
    expect(settled[0]!.outcome?.hash).toBe(left.inFlight()[0]!.attempts[0]!.hash);
    expect(await rebalancedEvents(env.stack)).toHaveLength(1);
  });

  it(
    `a tick the node holds up past the bound: the process exits 0 ${STOP_TIMEOUT_SECONDS} s after SIGTERM, saying so, the intent journaled`,
    async () => {
      const { file, journal } = writeConfig(120_000); // the node's silence outlasts the bound, not the request timeout
      let release: () => void = () => {};
      const held = new Promise<void>((res) => (release = res));
      let signalledAt = 0;
      const r = await runUntilExit(file, async (kill) => {
        kill();
        signalledAt = Date.now();
        await held; // no answer until the test is over
        return "close";
      });
      const took = Date.now() - signalledAt;
      release();
      expect(r.code, r.stderr).toBe(0);
      expect(r.signal).toBeNull();
      expect(took, "within the bound, and not before it").toBeGreaterThanOrEqual(STOP_TIMEOUT_SECONDS * 1_000);
      expect(took).toBeLessThan((STOP_TIMEOUT_SECONDS + 5) * 1_000);
      expect(r.msgs.at(-1)).toBe(
        `the tick under way did not finish within ${STOP_TIMEOUT_SECONDS} s of SIGTERM; exiting now. Whatever it signed is in the journal: the next start settles it first`,
      );
      const left = wholeJournal(journal);
      expect(left.inFlight(), "journaled before the send: in flight").toHaveLength(1);
      expect(fs.existsSync(`${journal}.lock`), "no lock left behind").toBe(false);
    },
    (STOP_TIMEOUT_SECONDS + 30) * 1_000,
  );
});
