/**
 * Drafted proposals on the embedded chain: the yield planner wants more in the strategy that earns than its low cap
 * allows, so the daemon drafts a proposal to raise the cap (once, however many ticks see it), sends nothing for it,
 * and shows it on the dashboard and in `status`. Executed by governance exactly as drafted, the calls raise the cap,
 * the agent places the money, and the draft is marked superseded. A vault no bound clips gets no draft.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { vaultInterface } from "../../src/abi/index.js";
import { statusCommand } from "../../src/cli/report-commands.js";
import { serveDaemon } from "../../src/daemon/assemble.js";
import { dataPaths } from "../../src/daemon/build.js";
import { type Draft, DraftStore } from "../../src/drafts/store.js";
import { safeBatchChecksum } from "../../src/drafts/safe-batch.js";
import { Metrics } from "../../src/obs/metrics.js";
import { formatAmount } from "../../src/util/format.js";
import {
  AGENT,
  assembleTestDaemon,
  cliConfig,
  rebalancedEvents,
  tempDir,
  testConfig,
  useStack,
} from "../support/daemon-harness.js";
import { browserSkipped, launchChromium } from "../support/browser.js";

const env = useStack({ session: { perCall: 2_000_000n, perEpoch: 20_000_000n } });
const u = () => env.stack.unit;

async function daemonIn(dir: string) {
  const config = testConfig(env.chain, env.stack, dir);
  const assembled = await assembleTestDaemon(env.chain, config);
  return { ...assembled, draftsDir: dataPaths(config, AGENT).drafts };
}

/** An hour passes and strategy 1 earns (the others do not): the yield planner prefers it. */
async function strategyOneEarns(): Promise<void> {
  await env.chain.increaseTime(3_600);
  await (await env.stack.strategies[1]!.simulateGain(2_000n * u())).wait();
}

async function status(dir: string): Promise<string> {
  const file = path.join(dir, "agent.json");
  const planner = testConfig(env.chain, env.stack, dir).planner;
  fs.writeFileSync(
    file,
    JSON.stringify({
      ...cliConfig(env.chain, env.stack),
      dataDir: dir,
      agentAddress: AGENT,
      planner: { strategy: "yield", minMove: "1000", nativePriceInAsset: "3000", minSamples: planner.minSamples },
    }),
  );
  const out: string[] = [];
  await statusCommand({ config: file }, (t) => out.push(t));
  return out.join("\n");
}

describe("drafted proposals", () => {
  it("a low cap on the best strategy: one draft over several ticks, never sent, shown; executed, it is superseded", async () => {
    const { vault, governance, strategyAddresses } = env.stack;
    const best = strategyAddresses[1]!;
    const lowCap = 150_000n * u();
    await (await vault.connect(governance).setCaps(best, lowCap, 10_000)).wait();
    const dir = tempDir("agent-drafts-");
    const d = await daemonIn(dir);

    await d.daemon.tick();
    for (let i = 0; i < 4; i++) {
      await strategyOneEarns();
      await d.daemon.tick();
    }
    const drafts = DraftStore.read(d.draftsDir);
    expect(drafts.length, "one draft however many ticks see the cap").toBe(1);
    const draft = drafts[0]!;
    expect(draft.status).toBe("open");
    expect(draft.changes).toEqual([
      expect.objectContaining({ kind: "setCaps", strategy: best, relativeCapBps: 10_000 }),
    ]);
    const proposedCap = BigInt(draft.changes[0]!.absoluteCap as string);
    expect(proposedCap, "the cap proposed is above the one that binds").toBeGreaterThan(lowCap);
    expect(draft.kind).toBe("caps");
    expect(draft.bound).toEqual([{ strategy: best, absoluteCap: lowCap.toString(), relativeCapBps: 10_000 }]);
    // The figures: the gain is the difference of the two plans' yields, and material (0.1% APR on the extra at least).
    const f = draft.figures;
    expect(BigInt(f.gainPerYear)).toBe(BigInt(f.yieldPerYearProposed) - BigInt(f.yieldPerYearNow));
    expect(BigInt(f.gainPerYear) * 10_000n).toBeGreaterThanOrEqual(BigInt(f.extraPlaced) * 10n);
    expect(draft.rationale).toContain(formatAmount(BigInt(f.gainPerYear), 6, 2));
    expect(draft.calls).toHaveLength(1);
    expect(draft.calls[0]!.data).toBe(vaultInterface.encodeFunctionData("setCaps", [best, proposedCap, 10_000]));
    expect(draft.calls[0]!.summary).toContain(`${formatAmount(lowCap, 6, 2)} -> ${formatAmount(proposedCap, 6, 2)}`);
    expect(draft.safeBatch.transactions[0]!.data).toBe(draft.calls[0]!.data);
    // The plan under the proposal, from the tick's own state (no chain read for it: the RPC budget per tick holds);
    // the replay of past rebalances is `propose --what-if`, which the batch's description names.
    expect(draft.whatIf).toMatch(/^Under the proposal the agent would move /);
    expect(draft.safeBatch.meta.description).toContain("--what-if");
    expect(draft.safeBatch.meta.checksum).toBe(safeBatchChecksum(draft.safeBatch));

    // Nothing was sent for it: the cap stands, and every transaction of the agent key is a journaled rebalance.
    expect((await vault.strategyConfig(best)).absoluteCap).toBe(lowCap);
    const sent = await env.chain.provider.getTransactionCount(AGENT);
    expect(sent).toBe((await rebalancedEvents(env.stack)).length);
    expect(d.journal.entries()).toHaveLength(sent);
    expect(await vault.allocation(best)).toBeLessThanOrEqual(lowCap);

    // The dashboard and status show it.
    const view = d.dashboard.view() as { drafts: { hash: string; status: string; rationale: string }[] };
    expect(view.drafts.map((x) => [x.hash, x.status])).toEqual([[draft.hash, "open"]]);
    if (!browserSkipped("the drafted proposals on the page")) {
      const metrics = new Metrics();
      const server = (await serveDaemon(d, testConfig(env.chain, env.stack, dir), metrics))!;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${server.port}/`);
        const row = page.locator(`[data-testid=draft-row][data-hash="${draft.hash}"]`);
        await row.waitFor();
        expect(await row.getAttribute("data-status")).toBe("open");
        const shown = (await row.textContent()) ?? "";
        expect(shown).toContain(`${formatAmount(BigInt(f.gainPerYear), 6, 2)} mUSD a year`);
        expect(shown).toContain(draft.calls[0]!.summary);
        expect(shown).toContain(draft.whatIf);
        const batch = await row.locator("a[download]").getAttribute("href");
        expect(JSON.parse(decodeURIComponent(batch!.split(",").slice(1).join(",")))).toEqual(draft.safeBatch);
      } finally {
        await browser.close();
        await server.close();
      }
    }
    const text = await status(dir);
    expect(text).toContain("drafted proposals (never sent");
    expect(text).toContain(`${draft.hash} [open]`);
    expect(text).toContain(draft.calls[0]!.summary);

    // Governance executes the draft's calls as drafted: the agent places the money, the draft is superseded.
    for (const c of draft.calls) await (await governance.sendTransaction({ to: c.target, data: c.data })).wait();
    expect((await vault.strategyConfig(best)).absoluteCap).toBe(proposedCap);
    // Past the planner's minimum hold (a strategy it lowered is not raised within a day).
    await env.chain.increaseTime(86_400);
    await strategyOneEarns();
    await d.daemon.tick();
    expect(await vault.allocation(best), "the agent placed more once the cap was raised").toBeGreaterThan(lowCap);
    const after: Draft[] = DraftStore.read(d.draftsDir);
    expect(after.find((x) => x.hash === draft.hash)?.status).toBe("superseded");
    expect(after.find((x) => x.hash === draft.hash)?.superseded?.reason).toMatch(/changed on chain/);
    expect(after.filter((x) => x.status === "open")).toEqual([]);
  }, 120_000);

  it("a vault no bound clips gets no draft", async () => {
    const d = await daemonIn(tempDir("agent-drafts-none-"));
    await d.daemon.tick();
    for (let i = 0; i < 3; i++) {
      // Every strategy earns alike: the equal split is the best plan, and no cap is near.
      await env.chain.increaseTime(3_600);
      for (const s of env.stack.strategies) await (await s.simulateGain(1_000n * u())).wait();
      await d.daemon.tick();
    }
    expect(DraftStore.read(d.draftsDir)).toEqual([]);
    expect((d.dashboard.view() as { drafts: unknown[] }).drafts).toEqual([]);
  }, 120_000);
});
