/**
 * Drafted ceiling raises on the embedded chain: the agent's session moves 50,000 a call while its plan wants far more
 * in the strategy that earns. At the governance ceiling (the session admin can grant no more) the daemon drafts
 * `SessionManager.setCeilings` once the plan was clipped in three ticks, with how often and how much was left unmoved,
 * sends nothing for it, and shows it on the dashboard and in `status`; executed by governance exactly as drafted, the
 * draft is superseded and `status` says the session admin can now grant the session. Below the ceiling, no proposal:
 * a hint in `status`. Clipped in fewer ticks than asked, no draft; with no session admin (nobody grants within the
 * ceilings), no draft either: governance grants the session itself.
 */
import fs from "node:fs";
import path from "node:path";
import { ZeroAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { sessionManagerInterface } from "../../src/abi/index.js";
import { statusCommand } from "../../src/cli/report-commands.js";
import { serveDaemon } from "../../src/daemon/assemble.js";
import { dataPaths } from "../../src/daemon/build.js";
import { Metrics } from "../../src/obs/metrics.js";
import { BoundEvidence } from "../../src/drafts/evidence.js";
import { DraftStore } from "../../src/drafts/store.js";
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

const env = useStack({ session: { perCall: 50_000n, perEpoch: 2_000_000n } });
const u = () => env.stack.unit;
const WEEK = 7n * 86_400n;

async function daemonIn(dir: string, over: Record<string, unknown> = {}) {
  const config = testConfig(env.chain, env.stack, dir, over);
  const assembled = await assembleTestDaemon(env.chain, config);
  return { ...assembled, paths: dataPaths(config, AGENT) };
}

async function setCeilings(perCall: bigint, perEpoch: bigint): Promise<void> {
  const { sessions, governance, vaultAddress } = env.stack;
  await (
    await sessions.connect(governance).setCeilings(vaultAddress, {
      maxDuration: WEEK,
      maxVolumePerCall: perCall * u(),
      maxVolumePerEpoch: perEpoch * u(),
    })
  ).wait();
}

/** The first tick (no yield estimate yet), then `n` ticks an hour apart in which strategy 1 earns. */
async function ticks(d: Awaited<ReturnType<typeof daemonIn>>, n: number): Promise<void> {
  await d.daemon.tick();
  for (let i = 0; i < n; i++) {
    await env.chain.increaseTime(3_600);
    await (await env.stack.strategies[1]!.simulateGain(2_000n * u())).wait();
    await d.daemon.tick();
  }
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

const ceilingDrafts = (dir: string) => DraftStore.read(dir).filter((x) => x.kind === "ceilings");

describe("drafted ceiling raises", () => {
  it("at the ceiling: drafted after three clipped ticks, never sent, shown; executed, superseded and a grant hinted", async () => {
    await setCeilings(50_000n, 2_000_000n);
    const dir = tempDir("agent-drafts-ceilings-");
    const d = await daemonIn(dir);
    await ticks(d, 2);
    expect(ceilingDrafts(d.paths.drafts), "two clipped ticks: not yet").toEqual([]);
    await ticks(d, 2);
    const drafts = ceilingDrafts(d.paths.drafts);
    expect(drafts, "one draft however many ticks see the ceiling").toHaveLength(1);
    const draft = drafts[0]!;
    expect(draft.status).toBe("open");
    const change = draft.changes[0]!;
    expect(change.kind).toBe("setCeilings");
    const proposedPerCall = BigInt(change.maxVolumePerCall as string);
    expect(proposedPerCall, "above the ceiling that binds").toBeGreaterThan(50_000n * u());
    expect(BigInt(change.maxVolumePerEpoch as string)).toBe(2_000_000n * u());
    expect(change.maxDuration).toBe(Number(WEEK));
    expect(draft.bound).toEqual([
      {
        maxDuration: WEEK.toString(),
        maxVolumePerCall: (50_000n * u()).toString(),
        maxVolumePerEpoch: (2_000_000n * u()).toString(),
      },
    ]);
    expect(draft.calls[0]!.target).toBe(await env.stack.sessions.getAddress());
    expect(draft.calls[0]!.data).toBe(
      sessionManagerInterface.encodeFunctionData("setCeilings", [
        env.stack.vaultAddress,
        { maxDuration: WEEK, maxVolumePerCall: proposedPerCall, maxVolumePerEpoch: 2_000_000n * u() },
      ]),
    );
    expect(draft.safeBatch.transactions[0]!.data).toBe(draft.calls[0]!.data);
    // The evidence: how often (the clipped ticks of the window), how much was left unmoved.
    const evidence = new BoundEvidence(d.paths.evidence(env.stack.vaultAddress));
    expect(evidence.clips.length).toBeGreaterThanOrEqual(3);
    expect(draft.evidence).toMatch(/^the volume per call clipped the plan in \d+ ticks since /);
    expect(BigInt(draft.figures.extraPlaced)).toBeGreaterThan(0n);
    expect(draft.rationale).toContain("the session admin cannot grant it");
    expect(draft.rationale).toContain(formatAmount(50_000n * u(), 6, 2));

    // Nothing was sent for it: the ceilings stand, every transaction of the agent key is a journaled rebalance.
    expect((await env.stack.sessions.ceilings(env.stack.vaultAddress)).maxVolumePerCall).toBe(50_000n * u());
    const sent = await env.chain.provider.getTransactionCount(AGENT);
    expect(sent).toBe((await rebalancedEvents(env.stack)).length);
    expect(d.journal.entries()).toHaveLength(sent);

    const view = d.dashboard.view() as { drafts: { hash: string; kind: string; evidence: string }[] };
    expect(view.drafts.find((x) => x.hash === draft.hash)).toMatchObject({
      kind: "ceilings",
      evidence: draft.evidence,
    });
    if (!browserSkipped("the drafted ceiling raise on the page")) {
      const server = (await serveDaemon(d, testConfig(env.chain, env.stack, dir), new Metrics()))!;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${server.port}/`);
        const row = page.locator(`[data-testid=draft-row][data-hash="${draft.hash}"]`);
        await row.waitFor();
        expect(await row.getAttribute("data-status")).toBe("open");
        expect(await row.locator("[data-testid=draft-evidence]").textContent()).toBe(`Evidence: ${draft.evidence}`);
        const shown = (await row.textContent()) ?? "";
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
    expect(text).toContain(`${draft.hash} [open] ceilings`);
    expect(text).toContain(draft.calls[0]!.summary);
    expect(text).toContain(`evidence: ${draft.evidence}`);

    // Governance executes it as drafted: the ceilings change, the draft is superseded, and the session admin can now
    // grant what the plan needs: a hint, no new draft.
    for (const c of draft.calls)
      await (await env.stack.governance.sendTransaction({ to: c.target, data: c.data })).wait();
    await ticks(d, 1);
    const after = DraftStore.read(d.paths.drafts).find((x) => x.hash === draft.hash)!;
    expect(after.status).toBe("superseded");
    expect(after.superseded?.reason).toMatch(/changed on chain/);
    expect(ceilingDrafts(d.paths.drafts).filter((x) => x.status === "open")).toEqual([]);
    expect(await status(dir)).toMatch(
      /hint \(.*\): the session's volume per call clipped the plan .* the session admin can grant it, no proposal is needed/,
    );
  }, 180_000);

  it("no session admin: raising the ceilings would grant nothing, so no proposal; the hint says governance grants", async () => {
    await setCeilings(50_000n, 2_000_000n);
    await (await env.stack.sessions.connect(env.stack.governance).setSessionAdmin(ZeroAddress)).wait();
    const dir = tempDir("agent-drafts-noadmin-");
    const d = await daemonIn(dir);
    await ticks(d, 4);
    expect(ceilingDrafts(d.paths.drafts)).toEqual([]);
    expect(BoundEvidence.hintOf(d.paths.evidence(env.stack.vaultAddress))?.text).toMatch(
      /no session admin, so raising the ceilings grants nothing; governance grants a larger session itself/,
    );
  }, 180_000);

  it("below the ceiling: a hint in status, no proposal", async () => {
    await setCeilings(2_000_000n, 20_000_000n);
    const dir = tempDir("agent-drafts-grant-");
    const d = await daemonIn(dir);
    await ticks(d, 4);
    expect(ceilingDrafts(d.paths.drafts)).toEqual([]);
    const hint = BoundEvidence.hintOf(d.paths.evidence(env.stack.vaultAddress));
    expect(hint?.text).toMatch(/fits under the ceiling/);
    const text = await status(dir);
    expect(text).toContain(`hint (`);
    expect(text).toContain("no proposal is needed");
  }, 180_000);
});
