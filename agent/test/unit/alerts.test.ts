/**
 * Webhook alerts: what each tick report raises (literal reports), the bodies of each format with every secret kept
 * out, the config section, and the notifier against a real HTTP receiver on loopback: dedupe and recovery, a receiver
 * that refuses connections then answers 500 then 200, a 4xx given up at once, a bounded queue.
 */
import { parseEther } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import {
  alertBody,
  AlertRules,
  alertSecrets,
  Notifier,
  scrub,
  type Alert,
  type FundsView,
  type Notice,
} from "../../src/alerts/index.js";
import { parseConfig, redactedConfig } from "../../src/config/load.js";
import type { AlertsConfig } from "../../src/config/schema.js";
import { ConfigError, RevertError } from "../../src/failures.js";
import { Metrics } from "../../src/obs/metrics.js";
import type { DaemonTick, TickReport, TickResult } from "../../src/obs/tick-report.js";
import { assessVault } from "../../src/session/assess.js";
import { ManualClock } from "../../src/util/clock.js";
import { A, B, SESSION, sessionState, VAULT, vaultSnapshot } from "../support/fixtures.js";
import { memoryLogger } from "../support/logs.js";
import { startReceiver, until } from "../support/webhook-receiver.js";
import { metricValue } from "../support/daemon-harness.js";

const POLICY = { expiryMarginSeconds: 60n, warnBeforeExpirySeconds: 3_600n, minVolume: 1n };

function report(result: TickResult, over: Partial<TickReport> = {}): TickReport {
  const snapshot = vaultSnapshot();
  return {
    vault: VAULT,
    label: "main",
    snapshot,
    yields: new Map(),
    assessment: assessVault(snapshot, POLICY),
    settled: [],
    result,
    breaker: { open: false },
    quarantine: [],
    ...over,
  };
}
const tick = (r: TickReport): DaemonTick[] => [{ vault: r.label, report: r }];
const HOLD: TickResult = { kind: "hold", code: "balanced", reason: "balanced" };
const keys = (m: Map<string, Alert>) => [...m.keys()].sort();

describe("alerts from tick reports", () => {
  it("a vault that acts raises nothing; stand-down, breaker, quarantine and an expiring session are conditions", () => {
    const rules = new AlertRules();
    expect(rules.derive(tick(report(HOLD))).active.size, "a healthy tick").toBe(0);

    const paused = vaultSnapshot({ agentsPaused: true });
    const down = rules.derive(
      tick(
        report(
          { kind: "stand-down", reason: "session #7 paused" },
          { snapshot: paused, assessment: assessVault(paused, POLICY) },
        ),
      ),
    );
    expect([...down.active.values()]).toEqual([
      expect.objectContaining({
        key: "main:stand-down",
        event: "stand-down",
        severity: "critical",
        vault: VAULT,
        label: "main",
        message: "main: standing down: session #7 paused",
      }),
    ]);

    const quarantine = [
      { strategy: A, code: "price-crash" as const, reason: "share price fell", exit: true, block: "90", since: "" },
    ];
    const breaker = { open: true, reason: "chain: Unauthorized()" };
    // The breaker ends the tick before the sessions are judged: the stand-down is kept, not taken as over.
    const open = rules.derive(
      tick(report({ kind: "breaker-open", reason: breaker.reason }, { assessment: undefined, breaker, quarantine })),
    );
    expect(keys(open.active)).toEqual(["main:breaker-open", `main:quarantine:${A.toLowerCase()}`, "main:stand-down"]);

    const soon = vaultSnapshot({ timestamp: 1_000n + 7n * 86_400n - 1_800n });
    const expiring = rules.derive(tick(report(HOLD, { snapshot: soon, assessment: assessVault(soon, POLICY) })));
    expect(keys(expiring.active), "stand-down over; breaker and quarantine gone with the report").toEqual([
      "main:session-expiring:7",
    ]);
    expect(expiring.active.get("main:session-expiring:7")!.message).toBe(
      "main: session #7 expires in 30m 0s; ask the session admin for a new one",
    );
  });

  it("a stand-down says why the chain ended the session; a loss allowance nearly spent is a warning until it is not", () => {
    const rules = new AlertRules();
    const revoked = vaultSnapshot({ sessions: [sessionState({ ...SESSION, revoked: true }, 7n)] });
    const end = { kind: "loss-allowance" as const, loss: 1_500_000n, lossLeft: 250_000n, maxLoss: 1_000_000n };
    const assessment = assessVault(revoked, POLICY, revoked.timestamp, new Map([[7n, end]]));
    const down = rules.derive(
      tick(report({ kind: "stand-down", reason: assessment.reason }, { snapshot: revoked, assessment })),
    );
    expect(down.active.get("main:stand-down")!.message).toBe(
      "main: standing down: session #7 revoked on chain: a rebalance from this key would have lost 1.5, more than the 0.25 its own loss allowance had left",
    );

    const low = (lossUsed: bigint) => {
      const s = sessionState({ ...SESSION, reduceOnly: false, maxLoss: 1_000_000n, lossUsed });
      const snapshot = vaultSnapshot({
        sessions: [{ ...s, remaining: { ...s.remaining, lossLeft: 1_000_000n - lossUsed } }],
      });
      return rules.derive(tick(report(HOLD, { snapshot, assessment: assessVault(snapshot, POLICY) })));
    };
    const nearly = low(950_000n);
    expect(keys(nearly.active), "the stand-down is over").toEqual(["main:session-loss-allowance-low:7"]);
    expect(nearly.active.get("main:session-loss-allowance-low:7")).toMatchObject({
      severity: "warning",
      message:
        "main: session #7 has 0.05 of its own loss allowance of 1 left (0.95 used); a rebalance losing more revokes it: ask the session admin for a new one",
    });
    expect(keys(low(100_000n).active), "nine tenths left: nothing").toEqual([]);
  });

  it("a rejected plan and a reverted transaction happen once; a failing tick keeps the vault's conditions and adds its own", () => {
    const rules = new AlertRules();
    const revert = new RevertError("reverted", "0x", {
      name: "CooldownActive",
      text: "CooldownActive(until=5)",
      args: {},
    } as never);
    const r = report(
      { kind: "rejected", stage: "simulation", error: "SessionVolumeExceeded(volume=5, room=4)", class: "wait" },
      {
        settled: [{ intentHash: "0xi", vault: VAULT, state: "reverted", hash: "0xtx", revert }],
        quarantine: [
          { strategy: B, code: "call-reverted", reason: "its call failed", exit: false, block: "90", since: "" },
        ],
      },
    );
    const d = rules.derive(tick(r));
    expect(d.happened.map((a) => [a.key, a.event, a.message])).toEqual([
      [
        "main:submission-rejected:simulation:SessionVolumeExceeded",
        "submission-rejected",
        "main: plan rejected by the simulation (SessionVolumeExceeded(volume=5, room=4)); not sent",
      ],
      [
        "main:submission-reverted:0xtx",
        "submission-reverted",
        "main: rebalance 0xtx reverted on chain (CooldownActive(until=5))",
      ],
    ]);
    const failed = rules.derive([{ vault: "main", error: new Error("connection refused") }]);
    expect(keys(failed.active), "the quarantine is not known to be over").toEqual([
      `main:quarantine:${B.toLowerCase()}`,
      "main:tick-failing",
    ]);
    expect(failed.happened).toEqual([]);
    expect(keys(rules.derive(tick(report(HOLD))).active), "ticks again").toEqual([]);
  });

  it("the agent key's gas: below the threshold a warning, unable to pay critical", () => {
    const funds = (balance: bigint, cannotPay = false): FundsView => ({
      address: "0xKey",
      balance,
      lowBalance: parseEther("0.05"),
      low: balance < parseEther("0.05"),
      cannotPay,
    });
    const rules = new AlertRules();
    expect(rules.derive([], funds(parseEther("1"))).active.size).toBe(0);
    expect(rules.derive([], funds(parseEther("0.01"))).active.get("gas-low")).toMatchObject({
      severity: "warning",
      message:
        "the agent key 0xKey holds 0.01 ETH, below tx.lowBalanceEth (0.05 ETH): fund it, or its transactions will be refused",
    });
    expect(rules.derive([], funds(0n, true)).active.get("gas-low")).toMatchObject({ severity: "critical" });
  });
});

const NOTICE: Notice = {
  key: "main:stand-down",
  event: "stand-down",
  severity: "critical",
  vault: VAULT,
  label: "main",
  message: "main: standing down: node http://user:pw@rpc.example:8545/v3/KEY said agents are paused",
  details: { reason: "paused", token: "Bearer s3cret-token" },
  chainId: "31337",
  at: "2026-12-06T07:00:00.000Z",
};

describe("alert bodies", () => {
  const secrets = ["Bearer s3cret-token"];
  it("generic JSON has the documented fields; URLs are cut to scheme, host and port and secrets replaced", () => {
    const body = JSON.parse(alertBody(NOTICE, "json", secrets));
    expect(Object.keys(body), "the documented fields").toEqual([
      "event",
      "severity",
      "vault",
      "label",
      "chainId",
      "message",
      "details",
      "at",
    ]);
    expect(body).toMatchObject({
      event: "stand-down",
      severity: "critical",
      vault: VAULT,
      label: "main",
      chainId: "31337",
      at: NOTICE.at,
    });
    expect(body.message).toBe("main: standing down: node http://rpc.example:8545 said agents are paused");
    expect(body.details).toEqual({ reason: "paused", token: "[redacted]" });
  });

  it("Slack: {text, blocks}; Discord: {content, embeds}; neither carries a secret", () => {
    for (const format of ["slack", "discord"] as const) {
      const raw = alertBody(NOTICE, format, secrets);
      expect(raw, format).not.toMatch(/s3cret|user:pw|KEY/);
      const body = JSON.parse(raw);
      if (format === "slack") {
        expect(body.text).toBe("[CRITICAL] main: standing down: node http://rpc.example:8545 said agents are paused");
        expect(body.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn", text: body.text } });
      } else {
        expect(body.content).toBe(
          "[CRITICAL] main: standing down: node http://rpc.example:8545 said agents are paused",
        );
        expect(body.embeds[0]).toMatchObject({ title: "stand-down · main", color: 0xd32f2f, timestamp: NOTICE.at });
        expect(body.embeds[0].fields).toContainEqual({ name: "vault", value: "main", inline: true });
      }
    }
    expect(scrub("see https://hooks.slack.com/services/T0/B0/XyZ now", [])).toBe("see https://hooks.slack.com now");
    const quoted = JSON.parse(alertBody({ ...NOTICE, message: 'node "http://u:p@h:1/k" refused' }, "json", []));
    expect(quoted.message, "a URL before a quote: the body stays JSON").toBe('node "http://h:1" refused');
  });
});

const BASE = {
  network: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
  lens: "0x1111111111111111111111111111111111111111",
  tx: { maxFeePerGasGwei: "100" },
  planner: { minMove: "1000", nativePriceInAsset: "3000" },
  vaults: [{ address: "0x2222222222222222222222222222222222222222" }],
};

describe("alerts config", () => {
  it("defaults to no targets (no alerts); a target defaults to generic JSON", () => {
    expect(parseConfig(BASE, {}).alerts).toEqual({
      targets: [],
      dedupeWindowSeconds: 3_600,
      requestTimeoutMs: 5_000,
      retry: { maxAttempts: 8, initialDelayMs: 1_000, maxDelayMs: 300_000 },
      queueSize: 1_000,
      checkNonces: true,
    });
    const c = parseConfig({ ...BASE, alerts: { targets: [{ url: "https://hooks.example/x" }] } }, {});
    expect(c.alerts.targets).toEqual([{ url: "https://hooks.example/x", format: "json", headers: {} }]);
  });

  it("logged without the webhooks' paths or header values; every secret listed for the bodies", () => {
    const c = parseConfig(
      {
        ...BASE,
        alerts: {
          targets: [
            {
              url: "https://hooks.slack.com/services/T0/B0/XyZsecret",
              format: "slack",
              headers: { Authorization: "Bearer s3cret-token" },
            },
          ],
        },
      },
      {
        AGENT_PRIVATE_KEY: `0x${"ab".repeat(32)}`,
        AGENT_RPC_URL: "https://user:rpc-password@rpc.example/v3/0123456789abcdef",
      },
    );
    const logged = JSON.stringify(redactedConfig(c));
    expect(logged).toContain(
      '"targets":[{"url":"https://hooks.slack.com","format":"slack","headers":["Authorization"]}]',
    );
    expect(logged).not.toMatch(/XyZsecret|s3cret-token/);
    const secrets = alertSecrets(c);
    for (const s of [
      "Bearer s3cret-token",
      "/services/T0/B0/XyZsecret",
      "rpc-password",
      "/v3/0123456789abcdef",
      "ab".repeat(32),
    ])
      expect(secrets).toContain(s);
    const text = `${"ab".repeat(32)} rpc-password /v3/0123456789abcdef`;
    expect(scrub(text, secrets)).toBe("[redacted] [redacted] [redacted]");
  });

  it("is strict: an unknown field, format or event is refused with its path", () => {
    const field = (alerts: unknown) => {
      try {
        parseConfig({ ...BASE, alerts }, {});
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).field;
      }
      return "accepted";
    };
    expect(field({ targets: [{ url: "https://h/x", format: "teams" }] })).toBe("alerts.targets.0.format");
    expect(field({ targets: [{ url: "https://h/x", events: ["everything"] }] })).toBe("alerts.targets.0.events.0");
    expect(field({ targets: [{ url: "ftp://h/x" }] })).toBe("alerts.targets.0.url");
    expect(field({ dedupe: 5 })).toBe("alerts");
  });
});

function alertsConfig(
  over: Partial<AlertsConfig> & {
    url: string;
    format?: "json" | "slack" | "discord";
    events?: AlertsConfig["targets"][number]["events"];
  },
): AlertsConfig {
  const { url, format = "json", events, ...rest } = over;
  return {
    targets: [{ url, format, headers: { authorization: "Bearer s3cret-token" }, ...(events ? { events } : {}) }],
    dedupeWindowSeconds: 600,
    requestTimeoutMs: 1_000,
    retry: { maxAttempts: 100, initialDelayMs: 20, maxDelayMs: 100 },
    queueSize: 100,
    checkNonces: false,
    ...rest,
  };
}

describe("the notifier against a local receiver", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  async function setup(over: Partial<AlertsConfig> & { events?: AlertsConfig["targets"][number]["events"] } = {}) {
    const receiver = await startReceiver();
    closers.push(receiver.close);
    const clock = new ManualClock();
    const metrics = new Metrics();
    const logs = memoryLogger();
    const notifier = new Notifier({
      config: alertsConfig({ url: receiver.url(), ...over }),
      chainId: 31337n,
      clock,
      log: logs.log,
      metrics,
      secrets: ["Bearer s3cret-token"],
    });
    closers.push(() => notifier.close(100));
    return { receiver, clock, metrics, notifier, logs };
  }
  const paused = vaultSnapshot({ agentsPaused: true });
  const standDown = () =>
    tick(
      report(
        { kind: "stand-down", reason: "agents are paused" },
        { snapshot: paused, assessment: assessVault(paused, POLICY) },
      ),
    );

  it("sends a condition once while it holds, again after the window, and its recovery once when it ends", async () => {
    const { receiver, clock, notifier, metrics } = await setup();
    for (let i = 0; i < 5; i++) notifier.observe(standDown());
    await notifier.drain(5_000);
    expect(
      receiver.received.map((r) => r.body.event),
      "once within the window",
    ).toEqual(["stand-down"]);
    expect(receiver.received[0]!.headers.authorization, "the configured header is sent").toBe("Bearer s3cret-token");
    clock.advance(600_000);
    notifier.observe(standDown());
    notifier.observe(tick(report(HOLD)));
    notifier.observe(tick(report(HOLD)));
    await notifier.drain(5_000);
    expect(
      receiver.received.map((r) => [r.body.event, r.body.severity]),
      "a reminder after the window, then one recovery",
    ).toEqual([
      ["stand-down", "critical"],
      ["stand-down", "critical"],
      ["recovery", "info"],
    ]);
    expect(receiver.received[2]!.body).toMatchObject({
      message: "main: acts again (no longer standing down)",
      details: { resolves: "stand-down" },
    });
    expect(await metricValue(metrics, "agent_alerts_sent_total", { event: "stand-down" })).toBe(2);
    expect(await metricValue(metrics, "agent_alerts_sent_total", { event: "recovery" })).toBe(1);
    for (const r of receiver.received) expect(r.raw, "no header value in a body").not.toContain("s3cret");
  });

  it("a receiver that refuses connections, then answers 500, then 200: retried in order, each alert delivered once", async () => {
    const { receiver, notifier, metrics, logs } = await setup();
    await receiver.down();
    const started = performance.now();
    notifier.observe(standDown());
    notifier.alert({
      key: "custom",
      event: "unrecorded-action",
      severity: "critical",
      message: "nonce 4 has no record",
      details: {},
    });
    expect(performance.now() - started, "observe and alert return at once").toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 300));
    await receiver.restart();
    receiver.answer(500);
    await until(() => receiver.arrived.length >= 3, 5_000, "retries answered 500");
    expect(receiver.received, "nothing accepted yet").toHaveLength(0);
    receiver.answer(200);
    await notifier.drain(5_000);
    expect(
      receiver.received.map((r) => r.body.event),
      "delivered once up, in order, none twice",
    ).toEqual(["stand-down", "unrecorded-action"]);
    expect(await metricValue(metrics, "agent_alerts_failed_total"), "nothing given up").toBe(0);
    const warned = logs.lines.filter((l) => /failed \(.*\); retrying with backoff/.test(l.msg));
    expect(warned, "the failing streak logged once").toHaveLength(1);
    expect(warned[0]!.msg).toMatch(/ECONNREFUSED/);
    expect(logs.raw.join(""), "the target's path never logged").not.toContain("/hook");
    expect(logs.messages(), "named by scheme, host and port").toContain(
      `alert target http://127.0.0.1:${receiver.port} answers again`,
    );
  });

  it("a 4xx is given up at once; a full queue drops its oldest; an event filter applies to the recovery too", async () => {
    const { receiver, notifier, metrics } = await setup({ queueSize: 2, events: ["quarantine"] });
    receiver.answer(403);
    const q = { strategy: A, code: "price-crash" as const, reason: "fell", exit: true, block: "1", since: "" };
    notifier.observe(standDown());
    notifier.observe(tick(report(HOLD, { quarantine: [q] })));
    await notifier.drain(5_000);
    expect(receiver.arrived, "the stand-down is filtered out; the quarantine tried once").toHaveLength(1);
    expect(await metricValue(metrics, "agent_alerts_failed_total")).toBe(1);

    receiver.answer(200);
    await receiver.down();
    for (const s of [A, B, VAULT])
      notifier.alert({ key: s, event: "quarantine", severity: "warning", message: s, details: {} });
    expect(notifier.pending, "bounded").toBe(2);
    await receiver.restart();
    await notifier.drain(5_000);
    expect(
      receiver.received.map((r) => r.body.message),
      "the oldest dropped",
    ).toEqual([B, VAULT]);
    expect(await metricValue(metrics, "agent_alerts_failed_total")).toBe(2);
  });
});
