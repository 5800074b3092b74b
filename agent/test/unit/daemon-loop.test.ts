/** The loop: ticks every vault until stopped, keeps going past a failing vault, and reports health. */
import { describe, expect, it } from "vitest";
import { Daemon } from "../../src/daemon/daemon.js";
import type { VaultRunner } from "../../src/daemon/vault-runner.js";
import { RpcError } from "../../src/failures.js";
import { Metrics } from "../../src/obs/metrics.js";
import { ManualClock } from "../../src/util/clock.js";
import { memoryLogger } from "../support/logs.js";

function fakeRunner(label: string, behaviour: () => Promise<unknown>, breakerOpen = false): VaultRunner {
  return {
    config: { label, vault: label },
    breaker: { open: breakerOpen },
    tick: behaviour,
    readSnapshot: async () => ({}),
    inFlight: () => undefined,
  } as unknown as VaultRunner;
}

describe("daemon loop", () => {
  it("ticks each vault every interval until stopped, past a failing one", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const calls: string[] = [];
    const good = fakeRunner("good", async () => {
      calls.push("good");
      if (calls.filter((c) => c === "good").length === 3) controller.abort("SIGTERM");
      return { result: { kind: "hold" } };
    });
    const bad = fakeRunner("bad", async () => {
      calls.push("bad");
      throw new RpcError("node down");
    });
    const { log, lines } = memoryLogger();
    const metrics = new Metrics();
    const daemon = new Daemon([bad, good], clock, log, metrics, { pollIntervalMs: 1_000 });
    const start = clock.nowMs();
    await daemon.run(controller.signal);
    expect(calls).toEqual(["bad", "good", "bad", "good", "bad", "good"]);
    expect(clock.nowMs() - start, "slept between ticks").toBe(2_000);
    const errors = lines.filter((l) => l.level === 50);
    expect(
      errors.map((l) => l.msg),
      "the outage is logged once, with its cause",
    ).toEqual([
      "tick failed: node down; retrying every 1s (logged again when the failure changes, and when it recovers)",
    ]);
    expect(
      lines.filter((l) => l.msg === "tick failed again: node down"),
      "the repeats are debug lines",
    ).toHaveLength(2);
    expect(lines.at(-1)?.msg, "the shutdown line names the reason").toBe("daemon stopped (SIGTERM) after 3 ticks");
    const counted = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === "agent_tick_errors_total");
    expect(counted?.values[0]).toMatchObject({ value: 3, labels: { vault: "bad", kind: "rpc" } });
    expect(daemon.health()).toMatchObject({ healthy: true, vaults: { bad: "error", good: "hold" } });
  });

  it("asks for every vault's snapshot before the first vault's tick, each tick taking its own; a failed read fails its vault alone", async () => {
    const events: string[] = [];
    const runner = (label: string, read: () => Promise<unknown>): VaultRunner =>
      ({
        config: { label, vault: label },
        breaker: { open: false },
        inFlight: () => undefined,
        readSnapshot: () => {
          events.push(`read ${label}`);
          return read();
        },
        tick: async (options: { snapshot: Promise<{ vault: string }> }) => {
          events.push(`tick ${label}`);
          return { result: { kind: "hold" }, seen: (await options.snapshot).vault };
        },
      }) as unknown as VaultRunner;
    const { log } = memoryLogger();
    const daemon = new Daemon(
      [
        runner("a", async () => ({ vault: "a" })),
        runner("b", async () => Promise.reject(new RpcError("lens snapshot of b failed"))),
        runner("c", async () => ({ vault: "c" })),
      ],
      new ManualClock(),
      log,
      new Metrics(),
      { pollIntervalMs: 1_000 },
    );
    const ticks = await daemon.tick();
    expect(events, "the reads go out together, before any tick").toEqual([
      "read a",
      "read b",
      "read c",
      "tick a",
      "tick b",
      "tick c",
    ]);
    expect(ticks.map((t) => (t.report as unknown as { seen: string } | undefined)?.seen ?? t.error?.message)).toEqual([
      "a",
      "lens snapshot of b failed",
      "c",
    ]);
  });

  it("says recovered when a failing vault ticks again, and logs a changed failure again", async () => {
    const clock = new ManualClock();
    let failure: Error | undefined = new RpcError("lens snapshot of v failed", {
      cause: new Error("connect ECONNREFUSED 127.0.0.1:8545"),
    });
    const runner = fakeRunner("v", async () => {
      if (failure) throw failure;
      return { result: { kind: "hold" } };
    });
    const { log, lines } = memoryLogger();
    const daemon = new Daemon([runner], clock, log, new Metrics(), { pollIntervalMs: 12_000 });
    await daemon.tick();
    clock.advance(12_000);
    await daemon.tick();
    failure = new RpcError("eth_estimateGas failed", { cause: new Error("timeout") });
    clock.advance(12_000);
    await daemon.tick(); // the same outage, cutting another request: not a new failure
    failure = new Error("planner yield changed its targets with the gas price");
    clock.advance(12_000);
    await daemon.tick();
    failure = undefined;
    clock.advance(12_000);
    await daemon.tick();
    await daemon.tick();
    expect(lines.filter((l) => l.level >= 30).map((l) => l.msg)).toEqual([
      "tick failed: lens snapshot of v failed: connect ECONNREFUSED 127.0.0.1:8545; retrying every 12s (logged again when the failure changes, and when it recovers)",
      "tick still failing, now: planner yield changed its targets with the gas price",
      "recovered: vault v ticks again after 4 failed ticks over 48s",
    ]);
    expect(lines.find((l) => l.msg.startsWith("recovered"))).toMatchObject({
      vault: "v",
      failedTicks: 4,
      downSeconds: 48,
    });
  });

  it("is unhealthy before the first tick, after three ticks where every vault failed, when stale, or with a breaker open", async () => {
    const clock = new ManualClock();
    const { log } = memoryLogger();
    const failing = new Daemon(
      [fakeRunner("v", async () => Promise.reject(new Error("x")))],
      clock,
      log,
      new Metrics(),
      { pollIntervalMs: 1_000 },
    );
    expect(failing.health().healthy, "no tick yet").toBe(false);
    await failing.tick();
    await failing.tick();
    expect(failing.health().healthy).toBe(true);
    await failing.tick();
    expect(failing.health()).toMatchObject({ healthy: false, consecutiveFailures: 3 });

    const fine = new Daemon([fakeRunner("v", async () => ({ result: { kind: "hold" } }))], clock, log, new Metrics(), {
      pollIntervalMs: 1_000,
    });
    await fine.tick();
    expect(fine.health().healthy).toBe(true);
    clock.advance(33_001);
    expect(fine.health().healthy, "no tick for longer than 3 intervals + 30 s").toBe(false);

    const lagging = new Daemon(
      [fakeRunner("v", async () => ({ result: { kind: "stale" } }))],
      clock,
      log,
      new Metrics(),
      { pollIntervalMs: 1_000 },
    );
    for (let i = 0; i < 3; i++) await lagging.tick();
    expect(lagging.health(), "three ticks on a node that answers from the past").toMatchObject({
      healthy: false,
      consecutiveFailures: 3,
      vaults: { v: "stale" },
    });

    const tripped = new Daemon(
      [fakeRunner("v", async () => ({ result: { kind: "breaker-open" } }), true)],
      clock,
      log,
      new Metrics(),
      { pollIntervalMs: 1_000 },
    );
    await tripped.tick();
    expect(tripped.health()).toMatchObject({ healthy: false, breakersOpen: ["v"] });
  });
});
