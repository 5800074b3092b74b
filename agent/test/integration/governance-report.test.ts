/**
 * `treasury-agent report` against the real contracts on the local chain: a daemon rebalances three times, the guardian
 * pauses the agents and governance unpauses them, then the report is written. Its figures are checked against the
 * chain read directly (the vault's and each strategy's own views at the sampled blocks, the events), and report.html is
 * opened from disk in Debian's chromium: the charts draw one series per strategy and idle with a point per sample,
 * the page's figures are the chain's, nothing is fetched, and a screenshot is written to agent/.data/report.png.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../devnet/chain.js";
import type { Stack } from "../../devnet/stack.js";
import { eventsInterface } from "../../src/abi/index.js";
import { dataPaths } from "../../src/daemon/build.js";
import { browserSkipped, launchChromium } from "../support/browser.js";
import { runCommand } from "../support/cli-run.js";
import {
  AGENT,
  cliConfig,
  rebalancedEvents,
  startDaemon,
  startStack,
  tempDir,
  testConfig,
} from "../support/daemon-harness.js";

const SCREENSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.data/report.png");
const skipBrowser = browserSkipped("the report's browser test");
const SAMPLES = 6;

const cli = (args: string[]) => runCommand(["report", ...args]);

let chain: LocalChain;
let stack: Stack;
let outDir: string;
let journalFile: string;
let dataDir: string;

/** A cell's exact figure in the HTML text, by table row and field (no browser needed). */
function rows(html: string, table: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const m of html.matchAll(new RegExp(`<tr data-row="${table}">(.*?)</tr>`, "g"))) {
    const cells = new Map<string, string>();
    for (const c of m[1]!.matchAll(/<td data-raw="([^"]*)" data-field="([^"]*)"/g)) cells.set(c[2]!, c[1]!);
    out.push(cells);
  }
  return out;
}

beforeAll(async () => {
  ({ chain, stack } = await startStack({ session: { perCall: 600_000n, perEpoch: 3_000_000n } }));
  dataDir = tempDir();
  const config = testConfig(chain, stack, dataDir);
  const { daemon } = await startDaemon(chain, config);
  // An equal split, then two moves toward the strategy that earned.
  expect((await daemon.tick())[0]!.report!.result.kind, "the daemon's split").toBe("sent");
  for (const [strategy, gain] of [
    [1, 2n],
    [2, 6n],
  ] as const) {
    await chain.increaseTime(3_600);
    await (await stack.strategies[strategy]!.simulateGain(gain * stack.unit)).wait();
    const [tick] = await daemon.tick();
    expect(
      tick!.report!.result.kind,
      `the daemon's move toward strategy ${strategy}: ${JSON.stringify(tick!.report!.result)}`,
    ).toBe("sent");
  }
  // The guardian pauses the agents: the daemon stands down; governance unpauses them: it resumes.
  await (await stack.sessions.connect(stack.guardian).pauseAgents()).wait();
  expect((await daemon.tick())[0]!.report!.result.kind, "paused").toBe("stand-down");
  await chain.increaseTime(3_600);
  await (await stack.sessions.connect(stack.governance).unpauseAgents()).wait();
  expect((await daemon.tick())[0]!.report!.result.kind, "unpaused").not.toBe("stand-down");
  journalFile = dataPaths(config, AGENT).journal;
  outDir = tempDir("agent-report-");
  const { code, out, err } = await cli([
    "--vault",
    stack.vaultAddress,
    "--rpc-url",
    chain.url,
    "--lens",
    stack.lensAddress,
    "--journal",
    journalFile,
    "--events",
    dataPaths(config, AGENT).events(stack.vaultAddress),
    "--samples",
    String(SAMPLES),
    "--out",
    outDir,
  ]);
  expect(code, err).toBe(0);
  expect(out).toContain(`wrote ${path.join(outDir, "report.md")} and ${path.join(outDir, "report.html")}`);
}, 120_000);

afterAll(async () => {
  await chain?.close();
});

describe("report", () => {
  it("samples allocations and the share price as the vault and its strategies read at each block", async () => {
    const html = fs.readFileSync(path.join(outDir, "report.html"), "utf8");
    const samples = rows(html, "samples");
    expect(samples, "one row per sample").toHaveLength(SAMPLES);
    const deployed = Number((await stack.vault.deploymentTransaction()?.wait())?.blockNumber ?? 0);
    const latest = await chain.provider.getBlockNumber();
    expect(
      Number(samples[0]!.get("block")),
      "the period starts where the vault and the lens exist",
    ).toBeGreaterThanOrEqual(deployed);
    expect(Number(samples.at(-1)!.get("block")), "and ends at the latest block").toBe(latest);
    const unit = 10n ** (await stack.vault.decimals());
    for (const s of samples) {
      const blockTag = Number(s.get("block"));
      for (const [i, strategy] of stack.strategies.entries()) {
        // Before its deployment a strategy holds nothing of the vault's.
        const deployedYet = (await chain.provider.getCode(stack.strategyAddresses[i]!, blockTag)) !== "0x";
        const shares = deployedYet ? await strategy.balanceOf(stack.vaultAddress, { blockTag }) : 0n;
        const value = deployedYet ? await strategy.previewRedeem(shares, { blockTag }) : 0n;
        expect(s.get(stack.strategyAddresses[i]!), `strategy ${i} at block ${blockTag}`).toBe(value.toString());
      }
      expect(s.get("idle"), `idle at block ${blockTag}`).toBe((await stack.vault.idle({ blockTag })).toString());
      expect(s.get("totalAssets")).toBe((await stack.vault.totalAssets({ blockTag })).toString());
      expect(s.get("sharePrice")).toBe((await stack.vault.convertToAssets(unit, { blockTag })).toString());
    }
    const md = fs.readFileSync(path.join(outDir, "report.md"), "utf8");
    for (const strategy of stack.strategies)
      expect(md, "strategies named by their ERC-20 name").toContain(`${await strategy.name()} (#`);
  });

  it("lists every rebalance with its intent hash, the budget each session used, the pause, and the yield comparison", async () => {
    const html = fs.readFileSync(path.join(outDir, "report.html"), "utf8");
    const events = await rebalancedEvents(stack);
    expect(events, "three rebalances on chain").toHaveLength(3);
    const listed = rows(html, "rebalances");
    expect(
      listed.map((r) => r.get("intentHash")),
      "every Rebalanced event, with its intent hash",
    ).toEqual(events.map((e) => e.args.intentHash));
    expect(listed.map((r) => r.get("tx"))).toEqual(events.map((e) => e.transactionHash));
    expect(html, "each rebalance's reason, from the journal").toContain("(journal)</td>");

    const consumed = (await chain.provider.getLogs({ address: await stack.sessions.getAddress(), fromBlock: 0 }))
      .map((l) => eventsInterface.parseLog(l))
      .filter((e) => e?.name === "SessionConsumed");
    const [budget] = rows(html, "budgets");
    expect(budget!.get("session")).toBe("1");
    expect(budget!.get("calls"), "one SessionConsumed per call").toBe(String(consumed.length));
    expect(budget!.get("volume"), "the volume the session consumed").toBe(
      consumed.reduce((s, e) => s + (e!.args.volume as bigint), 0n).toString(),
    );

    const standDowns = rows(html, "stand-downs");
    expect(
      standDowns.map((r) => r.get("source")),
      "the pause on chain, the daemon standing down, the unpause on chain, the daemon resuming",
    ).toEqual(["chain", "event log", "chain", "event log"]);
    expect(html).toContain("agents paused by ");
    expect(html).toContain("the daemon stood down: ");
    expect(html).toContain("the daemon resumed (");

    // The agent's end value is the first sample's value grown at the share price; idle stays the same.
    const [agent, idle, split] = rows(html, "yield");
    const samples = rows(html, "samples");
    // The comparison starts at the first sample where the vault held assets.
    const first = samples.find((s) => BigInt(s.get("totalAssets")!) > 0n)!;
    const last = samples.at(-1)!;
    const principal =
      BigInt(first.get("idle")!) + stack.strategyAddresses.reduce((s, a) => s + BigInt(first.get(a)!), 0n);
    expect(idle!.get("idle")).toBe(principal.toString());
    expect(agent!.get("agent")).toBe(
      ((principal * BigInt(last.get("sharePrice")!)) / BigInt(first.get("sharePrice")!)).toString(),
    );
    expect(BigInt(split!.get("equalSplit")!), "the strategies earned: the split beats idle").toBeGreaterThan(principal);
  });

  it("finds the endpoint, the lens, the journal and the event log through the daemon's configuration", async () => {
    const dir = tempDir("agent-report-config-");
    const file = path.join(dir, "agent.config.json");
    fs.writeFileSync(file, JSON.stringify(cliConfig(chain, stack, { dataDir, agentAddress: AGENT })));
    const out = tempDir();
    const { code, err } = await cli(["--vault", stack.vaultAddress, "--config", file, "--out", out]);
    expect(code, err).toBe(0);
    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    expect(md).toContain(`journal ${journalFile}`);
    expect(md).toContain("| event log | the daemon stood down: ");
    expect(md, "every rebalance's reason, from the journal").not.toContain("no record given");
  });

  it("names the option on bad input", async () => {
    const base = ["--vault", stack.vaultAddress, "--rpc-url", chain.url, "--lens", stack.lensAddress];
    const days = await cli([...base, "--days", "0"]);
    expect(days.code).toBe(2);
    expect(days.err).toContain("--days");
    const both = await cli([...base, "--days", "3", "--from-block", "1"]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--from-block.*--days|--days.*--from-block/);
    const vault = await cli(["--vault", "0x1234", "--rpc-url", chain.url, "--lens", stack.lensAddress]);
    expect(vault.code).toBe(2);
    expect(vault.err).toContain("--vault");
    const late = await cli([...base, "--from-block", "999999", "--out", tempDir()]);
    expect(late.code).toBe(2);
    expect(late.err).toContain("--from-block 999999");
    const file = path.join(tempDir(), "a-file");
    fs.writeFileSync(file, "");
    const out = await cli([...base, "--out", file]);
    expect(out.code).toBe(2);
    expect(out.err).toContain(`--out ${file}`);
    const lens = await cli(["--vault", stack.vaultAddress, "--rpc-url", chain.url, "--lens", `0x${"12".repeat(20)}`]);
    expect(lens.code, lens.err).toBe(2);
    expect(lens.err).toContain("--lens");
    const samples = await cli([...base, "--samples", "1"]);
    expect(samples.code).toBe(2);
    expect(samples.err).toContain("--samples");
  });
});

describe.skipIf(skipBrowser)("report.html in a real browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("draws the charts from the chain's figures, fetches nothing, and renders to a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    const file = path.join(outDir, "report.html");
    await page.goto(pathToFileURL(file).toString());

    const series = page.locator("svg[data-chart=allocations] path[data-series]");
    expect(await series.count(), "one series per strategy, and idle").toBe(stack.strategies.length + 1);
    for (let i = 0; i < stack.strategies.length; i++) {
      expect(await series.nth(i).getAttribute("data-series")).toBe(`${await stack.strategies[i]!.name()} (#${i})`);
      expect(await series.nth(i).getAttribute("data-points")).toBe(String(SAMPLES));
    }
    expect(await series.nth(stack.strategies.length).getAttribute("data-series")).toBe("Idle");
    const price = page.locator("svg[data-chart=share-price] path[data-series]");
    expect(await price.getAttribute("data-points")).toBe(String(SAMPLES));
    expect(await page.locator("svg[data-chart=share-price] circle").count()).toBe(SAMPLES);
    expect(await page.locator("svg[data-chart=yield] rect[data-series]").count(), "agent, idle, equal split").toBe(3);
    expect(await page.locator("svg[data-chart=budgets] rect[data-series]").count(), "one session").toBe(1);
    const box = await page.locator("svg[data-chart=allocations]").boundingBox();
    expect(box!.width, "the chart is laid out").toBeGreaterThan(200);
    expect(box!.height).toBeGreaterThan(50);

    // The page's last sample is the chain's now, read directly.
    const lastRow = page.locator("tr[data-row=samples]").last();
    const blockTag = Number(await lastRow.locator("[data-field=block]").getAttribute("data-raw"));
    expect(await lastRow.locator("[data-field=idle]").getAttribute("data-raw")).toBe(
      (await stack.vault.idle({ blockTag })).toString(),
    );
    for (const [i, strategy] of stack.strategies.entries()) {
      const value = await strategy.previewRedeem(await strategy.balanceOf(stack.vaultAddress, { blockTag }), {
        blockTag,
      });
      expect(await lastRow.locator(`[data-field="${stack.strategyAddresses[i]}"]`).getAttribute("data-raw")).toBe(
        value.toString(),
      );
    }
    expect(await page.locator("tr[data-row=rebalances]").count()).toBe((await rebalancedEvents(stack)).length);

    expect(requests, "the page fetches nothing but itself").toEqual([pathToFileURL(file).toString()]);
    expect(problems, "no errors").toEqual([]);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = fs.readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8).toString("hex"), "a PNG").toBe("89504e470d0a1a0a");
    expect(png.readUInt32BE(16), "its width").toBe(1280);
    expect(png.readUInt32BE(20), "a full page, taller than the viewport").toBeGreaterThan(900);
    expect(png.length, "not a blank page").toBeGreaterThan(30_000);
    console.log(`report screenshot: ${SCREENSHOT}`);
  }, 60_000);
});
