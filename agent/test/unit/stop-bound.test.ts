/**
 * `run`'s stop bound: once SIGTERM (or SIGINT) aborts the run, the tick under way has STOP_TIMEOUT_SECONDS to finish.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { boundStop, STOP_TIMEOUT_SECONDS } from "../../src/cli/run.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("boundStop", () => {
  it("expires the bound after the signal, not before it", () => {
    const controller = new AbortController();
    const expire = vi.fn();
    boundStop(controller.signal, STOP_TIMEOUT_SECONDS * 1_000, expire);
    vi.advanceTimersByTime(10 * STOP_TIMEOUT_SECONDS * 1_000);
    expect(expire, "no signal, no bound: the daemon runs on").not.toHaveBeenCalled();
    controller.abort("SIGTERM");
    vi.advanceTimersByTime(STOP_TIMEOUT_SECONDS * 1_000 - 1);
    expect(expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expire).toHaveBeenCalledOnce();
  });

  it("a run that stops in time disarms it", () => {
    const controller = new AbortController();
    const expire = vi.fn();
    const bound = boundStop(controller.signal, 1_000, expire);
    controller.abort("SIGTERM");
    vi.advanceTimersByTime(500);
    bound.disarm();
    vi.advanceTimersByTime(10_000);
    expect(expire).not.toHaveBeenCalled();
  });

  it("a signal already given arms it at once; disarming before any signal leaves nothing armed", () => {
    const given = new AbortController();
    given.abort("SIGINT");
    const expire = vi.fn();
    boundStop(given.signal, 1_000, expire);
    vi.advanceTimersByTime(1_000);
    expect(expire).toHaveBeenCalledOnce();

    const later = new AbortController();
    const never = vi.fn();
    boundStop(later.signal, 1_000, never).disarm();
    later.abort("SIGTERM");
    vi.advanceTimersByTime(5_000);
    expect(never).not.toHaveBeenCalled();
  });
});
