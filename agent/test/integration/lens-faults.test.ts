/**
 * A broken lens is not a broken node, against the real contracts on the embedded chain: a snapshot that does not add up
 * (the lens bug that hid a strategy after a delist and relist and listed another twice) and a snapshot call that
 * reverts while the node answers. Either way the daemon stands down for the vault: one error-level log line per
 * distinct fault with its figures or its decoded revert, the vault's result and a gauge saying which fault, nothing
 * planned or sent, no endpoint failed over, and it carries on by itself once the lens answers properly again.
 */
import { describe, expect, it } from "vitest";
import { LensReader, type ChainReader } from "../../src/chain/reader.js";
import type { VaultSnapshot } from "../../src/chain/types.js";
import { hintFor, treasuryErrors } from "../../src/errors.js";
import { LensFaultError } from "../../src/failures.js";
import {
  metricValue,
  rebalancedEvents,
  startDaemon,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";

const env = useStack({ session: { perCall: 2_000_000n, perEpoch: 20_000_000n } });

const equalWeight = { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" };
const config = () => testConfig(env.chain, env.stack, tempDir("agent-lens-"), { planner: equalWeight });
const errorLines = (lines: { level: number; msg: string }[]) => lines.filter((l) => l.level === 50);

/** The lens bug, reproduced on top of the real lens: the last strategy hidden, the one before it listed twice. */
class BuggyLens implements ChainReader {
  buggy = false;
  constructor(private readonly inner: ChainReader) {}
  async snapshot(vault: string, agent: string): Promise<VaultSnapshot> {
    const s = await this.inner.snapshot(vault, agent);
    if (!this.buggy) return s;
    const strategies = [...s.strategies];
    strategies[strategies.length - 1] = strategies[strategies.length - 2]!;
    return { ...s, strategies };
  }
}

/** Runtime code that reverts every call with `selector` as its data. */
const revertingCode = (selector: string) => `0x63${selector.slice(2)}60e01b60005260046000fd`;

describe("the daemon tells a broken lens from a broken node", () => {
  it("a snapshot whose strategies do not add up: stands down with the figures, logged once, then carries on", async () => {
    const reader = new BuggyLens(new LensReader(env.chain.provider, env.stack.lensAddress));
    const d = await startDaemon(env.chain, config(), { reader });
    expect((await d.daemon.tick())[0]!.report!.result.kind, "a sound snapshot: spread equally").toBe("sent");
    const [s0, s1, s2] = env.stack.strategyAddresses as [string, string, string];
    const [a1, a2] = [await env.stack.vault.allocation(s1), await env.stack.vault.allocation(s2)];
    const total = await env.stack.vault.totalAllocated();

    reader.buggy = true;
    // A plan would be made on the buggy picture: strategy 2 looks empty, so equal weight would move money into it.
    await env.stack.strategies[0]!.simulateGain(50_000n * env.stack.unit).then((tx) => tx.wait());
    await env.chain.increaseTime(120);
    const sentBefore = (await rebalancedEvents(env.stack)).length;
    for (let i = 0; i < 2; i++) {
      const [tick] = await d.daemon.tick();
      expect(tick!.report, "no report: nothing was planned").toBeUndefined();
      expect(tick!.error, "a lens fault, not a crash").toBeInstanceOf(LensFaultError);
      expect((tick!.error as LensFaultError).kind).toBe("snapshot-inconsistent");
    }
    expect((await rebalancedEvents(env.stack)).length, "nothing sent").toBe(sentBefore);
    expect(d.journal.inFlight(), "nothing journaled").toEqual([]);

    const errors = errorLines(d.logs.lines);
    expect(errors, "one error line for two ticks in the same fault").toHaveLength(1);
    expect(errors[0]).toMatchObject({
      vault: "main",
      kind: "snapshot-inconsistent",
      faults: ["duplicate-strategy", "allocation-sum", "queue-not-listed"],
    });
    const sum = a1 * 2n + (await env.stack.vault.allocation(s0));
    expect(errors[0]!.msg).toContain(`strategy ${s1} is listed twice (entries 1 and 2, allocations ${a1} and ${a1})`);
    expect(errors[0]!.msg).toContain(
      `strategy allocations add up to ${sum} but the vault's totalAllocated is ${total} (off by ${sum - total > 0n ? "+" : ""}${sum - total};`,
    );
    expect(errors[0]!.msg).toContain(`strategy ${s2} is in the withdraw queue but missing from the listed strategies`);
    expect(errors[0]!.msg).toMatch(/standing down for this vault \(not a node outage: no plan, nothing sent\)/);
    expect(a2, "the hidden strategy does hold money").toBeGreaterThan(0n);
    expect(await metricValue(d.metrics, "agent_lens_fault", { vault: "main", kind: "snapshot-inconsistent" })).toBe(1);
    expect(
      await metricValue(d.metrics, "agent_tick_errors_total", { vault: "main", kind: "snapshot-inconsistent" }),
    ).toBe(2);
    expect(d.daemon.health().vaults, "the status names the fault").toEqual({ main: "snapshot-inconsistent" });

    reader.buggy = false;
    const [again] = await d.daemon.tick();
    expect(again!.report, "a sound snapshot again: the vault is managed again").toBeDefined();
    expect(d.logs.lines.filter((l) => l.level === 30).map((l) => l.msg)).toContain("the lens answers properly again");
    expect(await metricValue(d.metrics, "agent_lens_fault", { vault: "main", kind: "snapshot-inconsistent" })).toBe(0);
  });

  it("a lens whose snapshot reverts while the node answers: lens-reverted with the decoded revert, not an RPC outage", async () => {
    const cfg = config();
    const d = await startDaemon(env.chain, cfg, { viaConfig: true });
    const code = await env.chain.provider.getCode(env.stack.lensAddress);
    const selector = treasuryErrors.getError("GuardianCannotLoosen")!.selector;
    await env.chain.rpc("hardhat_setCode", [env.stack.lensAddress, revertingCode(selector)]);

    for (let i = 0; i < 3; i++) {
      const [tick] = await d.daemon.tick();
      expect(tick!.error).toBeInstanceOf(LensFaultError);
      expect((tick!.error as LensFaultError).kind).toBe("lens-reverted");
    }
    const errors = errorLines(d.logs.lines);
    expect(errors, "logged once, not at every tick").toHaveLength(1);
    expect(errors[0]).toMatchObject({
      kind: "lens-reverted",
      revert: `GuardianCannotLoosen(): ${hintFor("GuardianCannotLoosen")}`,
      revertData: selector,
    });
    expect(errors[0]!.msg).toBe(
      `lens ${env.stack.lensAddress} reverted reading vault ${env.stack.vaultAddress} (GuardianCannotLoosen(): ${hintFor("GuardianCannotLoosen")}) while the node answers; ` +
        "standing down for this vault (not a node outage: no plan, nothing sent) until the lens answers properly",
    );
    expect(await metricValue(d.metrics, "agent_tick_errors_total", { kind: "lens-reverted" })).toBe(3);
    expect(
      await metricValue(d.metrics, "agent_tick_errors_total", { kind: "rpc" }),
      "not counted as an RPC failure",
    ).toBe(0);
    expect(await metricValue(d.metrics, "agent_rpc_errors_total"), "the endpoint is not blamed").toBe(0);
    expect(await metricValue(d.metrics, "agent_lens_fault", { kind: "lens-reverted" })).toBe(1);
    expect(d.daemon.health().vaults).toEqual({ main: "lens-reverted" });

    // Another fault is a new line: the lens now holds the vault's code, which has no `snapshot` (a bare revert).
    await env.chain.rpc("hardhat_setCode", [
      env.stack.lensAddress,
      await env.chain.provider.getCode(env.stack.vaultAddress),
    ]);
    await d.daemon.tick();
    const second = errorLines(d.logs.lines);
    expect(second).toHaveLength(2);
    expect(second[1]!.msg).toMatch(
      /^lens 0x[0-9a-fA-F]{40} reverted reading vault 0x[0-9a-fA-F]{40} \(no revert data\) while the node answers;/,
    );

    // A treasury error is shown decoded, with its arguments and what to do about it (not as raw revert data).
    await env.chain.rpc("hardhat_setCode", [
      env.stack.lensAddress,
      revertingCode(treasuryErrors.getError("InvalidSessionParams")!.selector),
    ]);
    await d.daemon.tick();
    const third = errorLines(d.logs.lines);
    expect(third).toHaveLength(3);
    expect((third[2] as { revert?: string }).revert).toBe(`InvalidSessionParams(): ${hintFor("InvalidSessionParams")}`);
    expect(third[2]!.msg).toContain(
      `(InvalidSessionParams(): the session's parameters were refused when it was granted: `,
    );

    await env.chain.rpc("hardhat_setCode", [env.stack.lensAddress, code]);
    const [ok] = await d.daemon.tick();
    expect(ok!.report?.result.kind, "managed again").toBe("sent");
    expect(await metricValue(d.metrics, "agent_lens_fault", { kind: "lens-reverted" })).toBe(0);
  });
});
