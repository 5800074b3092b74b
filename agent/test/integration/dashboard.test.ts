/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a running daemon on the
 * embedded chain: the figures on the page are the chain's (read through the lens), the journal shows each
 * transaction with the intent hash it put on chain, a rejected attempt is listed, the history charts end at the chain's
 * figures with strategies named by their ERC-20 name, and the page follows the daemon live. Saves a screenshot to
 * agent/.data/dashboard.png (ignored by git).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, toUtf8Bytes } from "ethers";
import type { LocalChain } from "../../devnet/chain.js";
import { grantSession, type Stack } from "../../devnet/stack.js";
import { serveDaemon, type AssembledDaemon } from "../../src/daemon/assemble.js";
import { decodeRevert } from "../../src/errors.js";
import { Metrics } from "../../src/obs/metrics.js";
import type { ObservabilityServer } from "../../src/obs/server.js";
import { formatAmount } from "../../src/util/format.js";
import { browserSkipped, launchChromium } from "../support/browser.js";
import {
  AGENT,
  assembleTestDaemon,
  rebalancedEvents,
  startStack,
  tempDir,
  testConfig,
} from "../support/daemon-harness.js";
import { vaultInterface } from "../../src/abi/index.js";

const SCREENSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.data/dashboard.png");
const skip = browserSkipped("the dashboard browser test");

describe.skipIf(skip)("dashboard in a real browser", () => {
  let chain: LocalChain;
  let stack: Stack;
  let daemon: AssembledDaemon;
  let server: ObservabilityServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    // Session #1 has a loss allowance of its own: 5 mUSD.
    ({ chain, stack } = await startStack({
      session: { perCall: 600_000n, perEpoch: 3_000_000n, maxLoss: 5_000_000n },
    }));
    const config = testConfig(chain, stack, tempDir());
    const metrics = new Metrics();
    daemon = await assembleTestDaemon(chain, config, metrics);
    server = (await serveDaemon(daemon, config, metrics))!;
    url = `http://127.0.0.1:${server.port}/`;

    // Two ticks: no yield history (idle above the buffer goes out in an equal split), then a rebalance toward the
    // strategy that earned.
    await daemon.daemon.tick();
    await chain.increaseTime(3_600);
    await (await stack.strategies[1]!.simulateGain(2n * stack.unit)).wait();
    const [tick] = await daemon.daemon.tick();
    expect(tick!.report!.result.kind, "the daemon rebalanced").toBe("sent");

    // A rebalance the contract refuses (strategy 1 above its 50% cap), as a client with the agent's key would try it
    // once the session's one-minute cooldown is over.
    await chain.increaseTime(120);
    const data = vaultInterface.encodeFunctionData("rebalance", [
      [{ strategy: stack.strategyAddresses[1]!, assets: 560_000n * stack.unit }],
      1n,
      `0x${"00".repeat(32)}`,
    ]);
    const revert = await chain.provider.call({ from: AGENT, to: stack.vaultAddress, data }).then(
      () => undefined,
      (err: { data?: string }) => err.data,
    );
    const decoded = decodeRevert(revert);
    expect(decoded?.name).toBe("RelativeCapExceeded");
    daemon.dashboard.recordRejection({
      at: await chain.now(),
      vault: stack.vaultAddress,
      source: "test client (agent key)",
      stage: "simulation",
      error: decoded!.text,
    });

    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await chain?.close();
  });

  it("shows the chain's figures, the journal with intent hashes, the rejection, and follows the daemon live", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.locator("[data-testid=strategy-row]").first().waitFor();

    // Figures against the chain, read through the lens.
    const snap = await stack.lens.snapshot(stack.vaultAddress, AGENT);
    // The page truncates to two decimals: 399500.123456 -> "399,500.12 mUSD".
    const mUSD = (v: bigint) =>
      `${formatAmount(v - (v % 10_000n), 6)
        .replace(/^([\d,]+)$/, "$1.00")
        .replace(/\.(\d)$/, ".$10")} mUSD`;
    expect(await page.locator("[data-testid=total-assets]").getAttribute("data-raw")).toBe(snap.totalAssets.toString());
    expect(await page.locator("[data-testid=idle]").getAttribute("data-raw")).toBe(snap.idle.toString());
    const rows = page.locator("[data-testid=strategy-row]");
    expect(await rows.count()).toBe(snap.strategies.length);
    for (const s of snap.strategies) {
      const row = page.locator(`[data-testid=strategy-row][data-strategy="${s.strategy}"]`);
      expect(await row.locator(".value").getAttribute("data-raw"), `strategy ${s.index} value`).toBe(
        s.currentValue.toString(),
      );
      expect(await row.locator(".value").textContent(), "formatted as the asset").toBe(mUSD(s.currentValue));
      const share = Number((s.currentValue * 1_000_000n) / snap.totalAssets) / 10_000;
      expect(await row.locator("[data-testid=strategy-share]").textContent()).toBe(
        `${share.toFixed(2)}% of ${(Number(s.relativeCapBps) / 100).toFixed(2)}% cap`,
      );
    }
    expect(Number(snap.strategies[1]!.currentValue), "the rebalance filled strategy 1").toBeGreaterThan(0);
    expect(await page.locator("[data-testid=idle]").textContent()).toBe(mUSD(snap.idle));
    expect(await page.locator("[data-testid=total-assets]").textContent()).toBe(mUSD(snap.totalAssets));

    // Strategies named by their ERC-20 name, the address in the tooltip.
    for (const [i, s] of snap.strategies.entries()) {
      const name = page.locator(
        `[data-testid=strategy-row][data-strategy="${s.strategy}"] [data-testid=strategy-name]`,
      );
      expect(await name.getAttribute("title")).toBe(s.strategy);
      expect(await name.textContent(), `strategy ${i} by its name`).toBe(await stack.strategies[i]!.name());
    }

    // History charts: one stacked area per strategy plus idle, the share price and the yield against idle; each
    // series' last point is the chain's figure now, exactly.
    const history = page.locator("[data-testid=history]");
    const areas = history.locator("svg[data-chart=allocations] path[data-series]");
    expect(await areas.count(), "strategies + idle").toBe(snap.strategies.length + 1);
    for (const [i, s] of snap.strategies.entries()) {
      expect(await areas.nth(i).getAttribute("data-series"), "named by its ERC-20 name").toBe(
        await stack.strategies[i]!.name(),
      );
      expect(await areas.nth(i).getAttribute("data-last"), `strategy ${i} now`).toBe(s.currentValue.toString());
    }
    expect(await areas.nth(snap.strategies.length).getAttribute("data-series")).toBe("Idle");
    expect(await areas.nth(snap.strategies.length).getAttribute("data-last"), "idle now").toBe(snap.idle.toString());
    const points = Number(await areas.first().getAttribute("data-points"));
    expect(points, "a point per tick with a new block").toBeGreaterThanOrEqual(2);
    const price = history.locator("svg[data-chart=share-price] path[data-series]");
    expect(await price.count()).toBe(1);
    expect(await price.getAttribute("data-last"), "share price now").toBe(snap.sharePrice.toString());
    const yieldLines = history.locator("svg[data-chart=yield] path[data-series]");
    expect(await yieldLines.count(), "the vault and idle").toBe(2);
    expect(await yieldLines.nth(1).getAttribute("data-last"), "idle earns nothing").toBe("0");
    const api = (await (await fetch(`${url}api/history`)).json()) as {
      vaults: { points: { time: number; sharePrice: string }[] }[];
    };
    const [first, last] = [api.vaults[0]!.points[0]!, api.vaults[0]!.points.at(-1)!];
    const annual =
      ((BigInt(last.sharePrice) - BigInt(first.sharePrice)) * 1_000_000n * 31_536_000n) /
      (BigInt(first.sharePrice) * BigInt(last.time - first.time));
    expect(await yieldLines.nth(0).getAttribute("data-last"), "annualised since the first point").toBe(
      annual.toString(),
    );
    expect(await history.locator("[data-slot=legend] li").count()).toBe(snap.strategies.length + 1);

    // Sessions: budgets left, as the session manager reports them.
    const session = page.locator("[data-testid=session-row][data-session='1']");
    expect(await session.locator("[data-testid=session-volume-left]").getAttribute("data-raw")).toBe(
      snap.sessions[0]!.remaining.volumeInEpoch.toString(),
    );
    expect(
      await session.locator("[data-testid=session-status]").textContent(),
      "the daemon's last tick was in the cooldown",
    ).toBe("cooldown");

    // The journal, newest first: the transaction and the intent hash it put on chain.
    const events = await rebalancedEvents(stack);
    const journalRows = page.locator("[data-testid=journal-row]");
    expect(await journalRows.count()).toBe(events.length);
    expect(await journalRows.first().getAttribute("data-intent")).toBe(events.at(-1)!.args.intentHash);
    expect(await journalRows.first().getAttribute("data-tx")).toBe(events.at(-1)!.transactionHash);
    expect(await journalRows.first().locator(".status").textContent()).toBe("confirmed");
    // Each row links to its published decision record, which hashes to the intent hash on chain.
    const link = await journalRows.first().locator("[data-testid=decision-link]").getAttribute("href");
    expect(link).toBe(`/api/decisions/${events.at(-1)!.args.intentHash}`);
    const published = await page.request.get(new URL(link!, page.url()).toString());
    expect(published.status()).toBe(200);
    expect(keccak256(toUtf8Bytes((await published.text()).trimEnd()))).toBe(events.at(-1)!.args.intentHash);

    // The rejected attempt.
    const rejection = page.locator("[data-testid=rejection-row]");
    expect(await rejection.count()).toBe(1);
    expect(await rejection.getAttribute("data-error")).toBe("RelativeCapExceeded");

    // Live: a second session, reduce-only and without a loss allowance of its own, is granted (shorter, so #1 stays
    // the one to act through) and the guardian pauses every agent; after the daemon's next tick the page says so
    // without a reload.
    const version = Number(await page.locator("body").getAttribute("data-version"));
    await grantSession(stack, {
      agent: AGENT,
      durationSeconds: 86_400,
      maxVolumePerCall: 1_000n * stack.unit,
      maxVolumePerEpoch: 1_000n * stack.unit,
      reduceOnly: true,
    });
    await (await stack.sessions.connect(stack.guardian).pauseAgents()).wait();
    await daemon.daemon.tick();
    await page.waitForFunction(`Number(document.body.dataset.version) > ${version}`, undefined, { timeout: 10_000 });
    expect(await page.locator("[data-testid=vault-mode]").textContent()).toBe("paused");
    expect(Number(await areas.first().getAttribute("data-points")), "the charts follow: one more point").toBe(
      points + 1,
    );
    expect(await session.locator("[data-testid=session-status]").textContent()).toBe("paused");

    // Each session's own loss allowance, used of max and left, as the session manager reports it; the reduce-only one
    // says so, and that it has no allowance of its own.
    const [one, two] = (await stack.lens.snapshot(stack.vaultAddress, AGENT)).sessions;
    const exactMUSD = (v: bigint) => `${formatAmount(v, 6, 6)} mUSD`;
    expect(await session.locator("[data-testid=session-loss-allowance]").textContent()).toBe(
      `${exactMUSD(one!.session.lossUsed)} of ${exactMUSD(5_000_000n)} used, ${exactMUSD(one!.remaining.lossLeft)} left`,
    );
    expect(await session.locator("[data-testid=session-loss-allowance]").getAttribute("data-raw")).toBe(
      one!.remaining.lossLeft.toString(),
    );
    expect(await session.locator("[data-testid=session-reduce-only]").count(), "#1 may raise strategies").toBe(0);
    const reduceOnly = page.locator("[data-testid=session-row][data-session='2']");
    expect(two!.session.reduceOnly).toBe(true);
    expect(await reduceOnly.locator("[data-testid=session-reduce-only]").textContent()).toBe("reduce-only");
    expect(await reduceOnly.locator("[data-testid=session-loss-allowance]").textContent()).toBe("none of its own");
    expect(await page.locator("[data-testid=live]").textContent()).toBe("live");
    expect(pageErrors, "no script errors").toEqual([]);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
  }, 60_000);

  it("says amounts in token units and every time in chain time: journal, rejections, sessions, gains not yet recognised, the key's gas", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.locator("[data-testid=journal-row]").first().waitFor();
    const chainTime = (s: number | bigint) =>
      `${new Date(Number(s) * 1000).toISOString().replace("T", " ").slice(0, 19)} UTC`;
    const RAW_TIME = /\b1[6-9]\d{8}\b/; // a bare unix timestamp
    const RAW_AMOUNT = /=\d{7,}\b/; // an argument in base units

    // The journal's "decided" is the chain time of the block the plan was made from, not the wall clock.
    const entry = daemon.journal.entries().at(-1)!;
    const block = await chain.provider.getBlock(Number(entry.record.blockNumber));
    expect(await page.locator("[data-testid=journal-decided]").first().textContent(), "decided at chain time").toBe(
      chainTime(block!.timestamp),
    );

    // The rejection's arguments in token units, not base units.
    const args = await page.locator("[data-testid=rejection-row] .args").textContent();
    expect(args, "amounts in mUSD").toMatch(/allocation=560,000 mUSD, cap=[\d,.]+ mUSD/);
    expect(args).not.toMatch(RAW_AMOUNT);

    // Total assets below the live value: the page says why (gains recognised at the vault's yearly rate).
    const view = (await (await fetch(`${url}api/dashboard`)).json()) as {
      vaults: { unrecognised: string; gainRateBps: number }[];
    };
    const v = view.vaults[0]!;
    if (BigInt(v.unrecognised) > 0n) {
      const note = await page.locator("[data-testid=unrecognised]").textContent();
      expect(note).toBe(
        ` · gains recognised at ${(v.gainRateBps / 100).toFixed(2)}%/yr; ${mUSDExact(BigInt(v.unrecognised))} not yet recognised`,
      );
    } else {
      expect(await page.locator("[data-testid=unrecognised]").count(), "no note when nothing is pending").toBe(0);
    }

    // The key's gas, in ETH.
    expect(await page.locator("[data-testid=key-balance]").textContent()).toMatch(/^gas [\d,]+\.\d{4} ETH$/);

    // A session past its end: no "next call now"; every reason on the page names times as chain time.
    await chain.increaseTime(8 * 86_400);
    const version = Number(await page.locator("body").getAttribute("data-version"));
    await daemon.daemon.tick();
    await page.waitForFunction(`Number(document.body.dataset.version) > ${version}`, undefined, { timeout: 10_000 });
    const session = page.locator("[data-testid=session-row][data-session='1']");
    expect(await session.locator("[data-testid=session-status]").textContent()).toBe("expired");
    expect(
      await session.locator("[data-testid=session-next-call]").textContent(),
      "an expired session has no next call",
    ).toBe("none: expired");
    const text = await page.locator("main").textContent();
    expect(text, "no bare unix time on the page").not.toMatch(RAW_TIME);
    expect(await page.locator(".mode-reason").first().textContent()).toMatch(/expired/);
    expect(pageErrors, "no script errors").toEqual([]);
  }, 60_000);
});

/** Truncated to two decimals, as the page shows amounts: 1234.5678 -> "1,234.56 mUSD". */
function mUSDExact(v: bigint): string {
  const whole = formatAmount(v - (v % 1_000_000n), 6);
  const cents = ((v % 1_000_000n) / 10_000n).toString().padStart(2, "0");
  return `${whole}.${cents} mUSD`;
}
