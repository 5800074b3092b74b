/**
 * The daemon killed at every step of a tick, for real: `treasury-agent run` in a child process talks to the embedded
 * chain through the fault proxy, and the proxy SIGKILLs it at the exact request that marks the step (no cleanup code
 * runs, as in a power cut):
 *
 * | step                 | the daemon is killed when it sends                     | at that moment
 * |
 * |----------------------|--------------------------------------------------------|-------------------------------------|
 * | after planning       | the simulation of its plan (estimate of `rebalance`)    | nothing journaled, nothing sent
 * |
 * | after journaling     | eth_sendRawTransaction (not forwarded)                  | intent journaled, node has nothing
 * |
 * | after broadcast      | eth_sendRawTransaction, once the node accepted it        | node has it, daemon never heard
 * back |
 * | before confirmation  | the node answered its first receipt query for it        | mined, outcome not journaled
 * |
 *
 * Then a new process starts on the same data directory. Checked: exactly one transaction of the agent's on chain
 * (nonce + 1) and one Rebalanced event; one signed transaction ever reached the node; the journal reads back, holds
 * one intent with one attempt, and that intent is settled (nothing in flight forgotten); the transaction mined is the
 * one journaled before the kill.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { vaultInterface } from "../../src/abi/index.js";
import { FileJournal } from "../../src/executor/journal.js";
import { AGENT, AGENT_KEY, rebalancedEvents, tempDir, useStack } from "../support/daemon-harness.js";
import { FaultProxy, type RpcCall } from "../support/fault-proxy.js";

const AGENT_DIR = path.resolve(import.meta.dirname, "../..");
const REBALANCE = vaultInterface.getFunction("rebalance")!.selector;

let proxy: FaultProxy;

const env = useStack({ session: { perCall: 1_000_000n, perEpoch: 5_000_000n } });

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: env.chain.url, seed: 5 });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
});

beforeEach(async () => {
  await env.chain.setAutomine(true);
  proxy.intercept = undefined;
  proxy.afterForward = undefined;
});

interface Daemon {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function writeConfig(dir: string): string {
  const file = path.join(dir, "agent.config.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      network: {
        rpcUrl: proxy.url,
        chainId: env.chain.chainId,
        confirmations: 1,
        pollIntervalMs: 100,
        requestTimeoutMs: 5_000,
      },
      lens: env.stack.lensAddress,
      dataDir: "state",
      tx: { maxFeePerGasGwei: "500", stuckAfterSeconds: 600 },
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
      metrics: { enabled: false },
      log: { level: "debug" },
      vaults: [{ address: env.stack.vaultAddress, label: "main" }],
    }),
  );
  return file;
}

function spawnDaemon(config: string): Daemon {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "run", "--config", config], {
    cwd: AGENT_DIR,
    env: { ...process.env, AGENT_PRIVATE_KEY: AGENT_KEY, AGENT_CONFIG: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on("data", (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, exited };
}

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `check` holds (every 50 ms, at most `ms`). */
async function until(ms: number, what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The journal's complete lines, read without opening it for writing (the daemon may be appending). */
function journalLines(
  dir: string,
): Array<{ type: string; intentHash: string; attempt?: { hash: string }; outcome?: { status: string } }> {
  const file = path.join(dir, "state", String(env.chain.chainId), `journal-${AGENT.toLowerCase()}.jsonl`);
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  return text
    .split("\n")
    .slice(0, text.endsWith("\n") ? undefined : -1)
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { type: string; intentHash: string });
}

async function stop(d: Daemon): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  d.child.kill("SIGTERM");
  try {
    return await within(10_000, "graceful stop", d.exited);
  } catch (err) {
    d.child.kill("SIGKILL");
    throw err;
  }
}

type Step = "after planning" | "after journaling" | "after broadcast" | "before confirmation";

/** The simulation of a plan: its gas estimate (the executor's quote), or an eth_call (a dry run, a re-check). */
const isSimulation = (c: RpcCall) =>
  (c.method === "eth_call" || c.method === "eth_estimateGas") &&
  String((c.params?.[0] as { data?: string })?.data ?? "").startsWith(REBALANCE) &&
  (c.params?.[0] as { to?: string })?.to?.toLowerCase() === env.stack.vaultAddress.toLowerCase();

/** Arms the proxy to SIGKILL `d` at `step`; resolves with what was true at the moment of the kill. */
function killAt(step: Step, daemon: () => Daemon, dir: string, forwarded0: Set<string>) {
  let fired = false;
  const seen: { journaled: string[]; txOnChain?: boolean; sentHash?: string } = { journaled: [] };
  let resolveKilled!: () => void;
  const killed = new Promise<void>((r) => (resolveKilled = r));
  const kill = async () => {
    fired = true;
    seen.journaled = journalLines(dir)
      .filter((l) => l.type === "intent")
      .map((l) => l.attempt!.hash);
    daemon().child.kill("SIGKILL");
    await daemon().exited;
    resolveKilled();
  };
  proxy.intercept = async (call) => {
    if (fired) return "close";
    if (step === "after planning" && isSimulation(call)) return kill().then(() => "close" as const);
    if (step === "after journaling" && call.method === "eth_sendRawTransaction")
      return kill().then(() => "close" as const);
    return "forward";
  };
  proxy.afterForward = async (call) => {
    // The node answered the first look at the transaction it was sent (in the broadcast's own batch): the daemon
    // never hears the answer.
    const asked = String(call.params?.[0] ?? "");
    if (
      step === "before confirmation" &&
      call.method === "eth_getTransactionReceipt" &&
      proxy.forwarded.has(asked) &&
      !forwarded0.has(asked) &&
      !fired
    ) {
      seen.sentHash = asked;
      seen.txOnChain = (await env.chain.provider.getTransactionReceipt(asked)) !== null;
      return kill().then(() => "close" as const);
    }
    if (step === "after broadcast" && call.method === "eth_sendRawTransaction" && !fired) {
      seen.sentHash = [...proxy.forwarded.keys()].pop();
      return kill().then(() => "close" as const);
    }
    return "forward";
  };
  return { killed, seen };
}

describe("killed at every step of a tick, then restarted", () => {
  it.each<[Step, boolean]>([
    ["after planning", true],
    ["after journaling", true],
    ["after broadcast", true],
    ["before confirmation", true],
    ["after journaling", false],
    ["after broadcast", false],
    ["before confirmation", false],
  ])("%s (automine %s): one transaction, nothing forgotten, the journal readable", async (step, automine) => {
    const dir = tempDir("agent-kill-");
    const config = writeConfig(dir);
    const nonce0 = await env.chain.provider.getTransactionCount(AGENT, "latest");
    const forwarded0 = new Set(proxy.forwarded.keys());
    await env.chain.setAutomine(automine);

    let first!: Daemon;
    const { killed, seen } = killAt(step, () => first, dir, forwarded0);
    first = spawnDaemon(config);
    try {
      await within(30_000, `the kill ${step}`, killed);
    } catch (err) {
      first.child.kill("SIGKILL"); // never reached the step: do not leave it running
      throw new Error(`${String(err)}\n${first.lines.slice(-20).join("\n")}`);
    }
    expect((await first.exited).signal, "killed, not exited").toBe("SIGKILL");
    proxy.intercept = undefined;
    proxy.afterForward = undefined;

    // What was true at the moment of the kill.
    const sentBeforeKill = [...proxy.forwarded.keys()].filter((h) => !forwarded0.has(h));
    if (step === "after planning") {
      expect(seen.journaled, "nothing journaled yet").toEqual([]);
      expect(sentBeforeKill, "nothing sent").toEqual([]);
    } else {
      expect(seen.journaled, "the intent is journaled before anything is sent").toHaveLength(1);
    }
    if (step === "after journaling") expect(sentBeforeKill, "the node never got it").toEqual([]);
    if (step === "after broadcast") expect(sentBeforeKill, "the node has it").toEqual(seen.journaled);
    if (step === "before confirmation") {
      expect(seen.txOnChain, automine ? "mined, but the daemon does not know" : "waiting in the mempool").toBe(
        automine,
      );
      expect([seen.sentHash], "the node has the journaled transaction").toEqual(seen.journaled);
    }

    // A new process on the same data directory.
    const receipts0 = proxy.stats.byMethod.eth_getTransactionReceipt ?? 0;
    const second = spawnDaemon(config);
    try {
      if (!automine) {
        // Three ticks find the transaction still in the mempool; none sends anything.
        await until(
          20_000,
          "the restarted daemon to look at its transaction",
          () => (proxy.stats.byMethod.eth_getTransactionReceipt ?? 0) >= receipts0 + 3,
        );
        expect(await env.chain.provider.getTransactionCount(AGENT, "pending"), "still just the one transaction").toBe(
          nonce0 + 1,
        );
        expect(
          [...proxy.forwarded.keys()].filter((h) => !forwarded0.has(h)),
          "nothing new signed",
        ).toEqual(seen.journaled);
        await env.chain.mine();
      }
      await until(20_000, "the intent to be settled", () => journalLines(dir).some((l) => l.type === "outcome"));
      await new Promise((r) => setTimeout(r, 400)); // a few more ticks: nothing else may be sent
    } finally {
      const exit = await stop(second);
      expect(exit, second.lines.filter((l) => l.startsWith("stderr")).join("\n")).toEqual({ code: 0, signal: null });
    }

    // Exactly one transaction; the journal holds one settled intent with one attempt; the mined one is the journaled
    // one.
    expect(await env.chain.provider.getTransactionCount(AGENT, "latest"), "one transaction of the agent").toBe(
      nonce0 + 1,
    );
    const sent = [...proxy.forwarded.keys()].filter((h) => !forwarded0.has(h));
    expect(sent, "one signed transaction ever reached the node").toHaveLength(1);
    const journal = new FileJournal(
      path.join(dir, "state", String(env.chain.chainId), `journal-${AGENT.toLowerCase()}.jsonl`),
    );
    expect(journal.repairedBytes, "nothing torn").toBe(0);
    expect(journal.entries()).toHaveLength(1);
    const [entry] = journal.entries();
    expect(entry!.attempts, "no second attempt signed").toHaveLength(1);
    expect(entry!.outcome?.status, "the in-flight intent was resolved after the restart").toBe("confirmed");
    expect(journal.inFlight()).toHaveLength(0);
    expect(entry!.outcome?.hash).toBe(sent[0]);
    if (step !== "after planning")
      expect(seen.journaled, "the transaction journaled before the kill is the one mined").toEqual([
        entry!.outcome!.hash,
      ]);
    const events = await rebalancedEvents(env.stack);
    expect(events, "one rebalance").toHaveLength(1);
    expect(events[0]!.args.intentHash).toBe(entry!.intentHash);
    if (step === "after journaling") {
      expect(
        second.lines.some((l) =>
          l.includes("node does not know the journaled transaction; re-broadcasting the same bytes"),
        ),
      ).toBe(true);
    }
  });
});
