/**
 * The notifier: an observer of the daemon's ticks, like the dashboard. `observe` derives the alerts from each tick's
 * reports (`derive.ts`), dedupes them and queues one request per target; the requests go out on the notifier's own
 * timer, so the tick loop never waits for a webhook. A condition is sent when it begins, again only once the dedupe
 * window has passed while it holds, and as `recovery` when it ends (if its start was sent). A request that fails (no
 * connection, a timeout, HTTP 429 or 5xx) is retried with waits that double, in order, per target; each target's queue
 * is bounded (the oldest is dropped). `alert` is the entry point for an alert raised outside the tick reports.
 */
import type { Logger } from "pino";
import { endpointName } from "../chain/provider.js";
import type { AlertsConfig } from "../config/schema.js";
import type { Metrics } from "../obs/metrics.js";
import type { DaemonTick } from "../obs/tick-report.js";
import type { Clock } from "../util/clock.js";
import { recoveryOf, type Alert } from "./alert.js";
import { alertBody, type AlertFormat, type Notice } from "./bodies.js";
import { AlertRules, type FundsView } from "./derive.js";
import type { NonceWatch } from "./unrecorded.js";

export interface NotifierOptions {
  config: AlertsConfig;
  chainId: bigint;
  /** Dedupe windows and each alert's `at`; the retries' waits are wall time. */
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** The agent key's balance (`gas-low`). */
  funds?: FundsView;
  /** Checked after every tick observed (`unrecorded-action`); its failures are logged, never alerted. */
  nonces?: NonceWatch;
  /** Texts no body may carry (keys, passwords, header values, URLs): replaced wherever they appear. */
  secrets: readonly string[];
}

interface Delivery {
  event: string;
  body: string;
  attempts: number;
  /** Wall time (ms) before which it is not tried again. */
  notBefore: number;
}

interface Target {
  name: string;
  url: string;
  format: AlertFormat;
  headers: Record<string, string>;
  events?: ReadonlySet<string>;
  queue: Delivery[];
  /** Failed attempts in a row (the first of a streak is logged). */
  failedInARow: number;
  /** Its own timer, and whether a request is under way: a slow target never holds another back. */
  timer?: NodeJS.Timeout;
  sending: boolean;
}

/** HTTP statuses worth trying again: the receiver's trouble, not the request's. */
const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

export class Notifier {
  private readonly rules = new AlertRules();
  private readonly targets: Target[];
  /** Conditions holding, by key, and whether their start was sent in this episode. */
  private readonly holding = new Map<string, { alert: Alert; sent: boolean }>();
  /** When each key was last sent (clock ms): not sent again within the window. */
  private readonly lastSent = new Map<string, number>();
  private checking = false;
  /** Closing: no new alerts. Stopped: no more requests either. */
  private closed = false;
  private stopped = false;

  constructor(private readonly o: NotifierOptions) {
    const names = new Set<string>();
    this.targets = o.config.targets.map((t, i) => {
      let name = t.name ?? endpointName(t.url);
      if (names.has(name)) name = `${name}#${i + 1}`;
      names.add(name);
      return {
        name,
        url: t.url,
        format: t.format,
        headers: t.headers,
        events: t.events && new Set(t.events),
        queue: [],
        failedInARow: 0,
        sending: false,
      };
    });
  }

  /**
   * Derives, dedupes and queues the alerts of one daemon tick; returns at once. Pass as (part of) the daemon's
   * `onTick`.
   */
  observe(ticks: DaemonTick[]): void {
    if (this.closed) return;
    const { active, happened } = this.rules.derive(ticks, this.o.funds);
    for (const [key, alert] of active) {
      const held = this.holding.get(key) ?? { alert, sent: false };
      held.alert = alert;
      if (this.fire(alert)) held.sent = true;
      this.holding.set(key, held);
    }
    for (const [key, held] of this.holding) {
      if (active.has(key)) continue;
      this.holding.delete(key);
      if (held.sent) this.enqueue(recoveryOf(held.alert));
    }
    for (const alert of happened) this.fire(alert);
    this.forgetOld();
    this.checkNonces();
  }

  /** Sends an alert raised outside the tick reports (deduped like the others). */
  alert(alert: Alert): void {
    if (!this.closed) this.fire(alert);
  }

  /** Requests waiting, over all targets. */
  get pending(): number {
    return this.targets.reduce((n, t) => n + t.queue.length, 0);
  }

  /** Waits until every queue is empty or `timeoutMs` passes; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.pending > 0 || this.checking) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** Stops taking alerts, gives the queued ones up to `graceMs` to go out, then stops sending. */
  async close(graceMs = 2_000): Promise<void> {
    this.closed = true;
    const drained = await this.drain(graceMs);
    this.stopped = true;
    for (const t of this.targets) clearTimeout(t.timer);
    if (!drained)
      this.o.log.warn({ pending: this.pending }, `stopping with ${this.pending} alert request(s) not delivered`);
  }

  /** Queues `alert` unless its key was sent within the window; whether it was queued. */
  private fire(alert: Alert): boolean {
    const now = this.o.clock.nowMs();
    const last = this.lastSent.get(alert.key);
    if (last !== undefined && now - last < this.o.config.dedupeWindowSeconds * 1_000) return false;
    this.lastSent.set(alert.key, now);
    this.enqueue(alert);
    return true;
  }

  /** Keys past the window are dropped, so the map holds at most a window's worth of alerts. */
  private forgetOld(): void {
    const now = this.o.clock.nowMs();
    for (const [key, at] of this.lastSent) {
      if (now - at >= this.o.config.dedupeWindowSeconds * 1_000 && !this.holding.has(key)) this.lastSent.delete(key);
    }
  }

  private enqueue(alert: Alert): void {
    const notice: Notice = {
      ...alert,
      chainId: this.o.chainId.toString(),
      at: new Date(this.o.clock.nowMs()).toISOString(),
    };
    const subject = alert.event === "recovery" ? alert.details.resolves! : alert.event;
    for (const t of this.targets) {
      if (t.events && !t.events.has(subject)) continue;
      t.queue.push({
        event: alert.event,
        body: alertBody(notice, t.format, this.o.secrets),
        attempts: 0,
        notBefore: 0,
      });
      if (t.queue.length > this.o.config.queueSize) {
        // The oldest not under way (the request in flight settles on its own).
        const [dropped] = t.queue.splice(t.sending ? 1 : 0, 1) as [Delivery];
        this.o.metrics.alertsFailed.inc({ target: t.name });
        this.o.log.warn(
          { target: t.name, event: dropped.event, queueSize: this.o.config.queueSize },
          `alert queue for ${t.name} full: the oldest alert dropped`,
        );
      }
      this.schedule(t);
    }
  }

  /** The agent key's nonce against the journal, one check at a time, in the background. */
  private checkNonces(): void {
    const watch = this.o.nonces;
    if (!watch || this.checking) return;
    this.checking = true;
    watch
      .check()
      .then((alert) => alert && this.alert(alert))
      .catch((err: unknown) =>
        this.o.log.debug({ err }, "agent key nonce check failed; tried again after the next tick"),
      )
      .finally(() => (this.checking = false));
  }

  /** Arms the target's timer for its first request (never holding the process open); nothing while one is under way. */
  private schedule(t: Target): void {
    const head = t.queue[0];
    if (this.stopped || t.sending || !head) return;
    clearTimeout(t.timer);
    t.timer = setTimeout(() => void this.sendDue(t), Math.max(0, head.notBefore - Date.now()));
    t.timer.unref();
  }

  /** Sends the target's due requests in order, stopping at the first that must wait; then arms its timer again. */
  private async sendDue(t: Target): Promise<void> {
    t.sending = true;
    try {
      await this.sendQueue(t);
    } finally {
      t.sending = false;
      this.schedule(t);
    }
  }

  private async sendQueue(t: Target): Promise<void> {
    for (let d = t.queue[0]; d && d.notBefore <= Date.now(); d = t.queue[0]) {
      const failure = await this.post(t, d);
      if (failure === undefined) {
        t.queue.splice(t.queue.indexOf(d), 1);
        this.o.metrics.alertsSent.inc({ target: t.name, event: d.event });
        if (t.failedInARow > 0)
          this.o.log.info({ target: t.name, failedAttempts: t.failedInARow }, `alert target ${t.name} answers again`);
        t.failedInARow = 0;
        continue;
      }
      d.attempts++;
      t.failedInARow++;
      const { maxAttempts, initialDelayMs, maxDelayMs } = this.o.config.retry;
      if (!failure.retry || d.attempts >= maxAttempts) {
        t.queue.splice(t.queue.indexOf(d), 1);
        this.o.metrics.alertsFailed.inc({ target: t.name });
        this.o.log.error(
          { target: t.name, event: d.event, attempts: d.attempts },
          `alert to ${t.name} given up after ${d.attempts} attempt(s): ${failure.reason}`,
        );
        continue;
      }
      const waitMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (d.attempts - 1));
      d.notBefore = Date.now() + waitMs;
      if (t.failedInARow === 1) {
        this.o.log.warn(
          { target: t.name, event: d.event },
          `alert target ${t.name} failed (${failure.reason}); retrying with backoff (logged again when it answers)`,
        );
      }
      return;
    }
  }

  /** One request; undefined when the receiver accepted it, else why not and whether to try again. */
  private async post(t: Target, d: Delivery): Promise<{ reason: string; retry: boolean } | undefined> {
    try {
      const res = await fetch(t.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...t.headers },
        body: d.body,
        signal: AbortSignal.timeout(this.o.config.requestTimeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return undefined;
      return { reason: `HTTP ${res.status}`, retry: RETRYABLE_STATUS(res.status) };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      // Never the URL: fetch's errors may name it.
      const reason =
        e.name === "TimeoutError" ? `no answer within ${this.o.config.requestTimeoutMs} ms` : (e.cause?.code ?? e.name);
      return { reason, retry: true };
    }
  }
}
