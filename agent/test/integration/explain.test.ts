/**
 * `treasury-agent explain` against the real contracts on the local chain: the daemon rebalances three times; explain
 * reproduces each rebalance exactly from the published records (by transaction hash) and from the journal (by intent
 * hash); a record whose targets were edited is reported as not the one on chain; other planner settings are named key
 * by key, with the targets they re-derive differently.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { grantSession } from "../../devnet/stack.js";
import { settingsFromConfig } from "../../src/cli/explain-command.js";
import { dataPaths } from "../../src/daemon/build.js";
import { LensReader } from "../../src/chain/reader.js";
import { intentHash, type IntentRecord } from "../../src/executor/intent.js";
import { parseRecord } from "../../src/executor/journal.js";
import { explainDecision, plannerNamed, replayDecision } from "../../src/explain/index.js";
import { runCommand } from "../support/cli-run.js";
import { AGENT, rebalancedEvents, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";
import { threeRebalances } from "../support/three-rebalances.js";

const env = useStack();

const explain = (args: string[]) => runCommand(["explain", ...args]);

describe("explain", () => {
  it("reproduces every rebalance, and says where an edited record or other settings diverge", async () => {
    const { stack, chain } = env;
    const { daemon, config, dataDir } = await threeRebalances(chain, stack);
    await daemon.tick();
    const events = await rebalancedEvents(stack);
    expect(events, "three rebalances").toHaveLength(3);

    const recordsDir = dataPaths(config, AGENT).records;
    const journalFile = dataPaths(config, AGENT).journal;
    const chainArgs = ["--rpc-url", chain.url, "--lens", stack.lensAddress];

    // Every rebalance, by its transaction hash from the published records, and by its intent hash from the journal.
    for (const e of events) {
      const byTx = await explain([e.transactionHash, ...chainArgs, "--records", recordsDir]);
      expect(byTx.code, `${byTx.out}${byTx.err}`).toBe(0);
      expect(byTx.out).toContain("reproduced: the planner re-derives the recorded targets exactly");
      expect(byTx.out).toContain(`on chain: tx ${e.transactionHash}`);
      expect(byTx.out, "the reasoning names the idle buffer").toContain("idle:");
      const intent = e.args.intentHash as string;
      const byIntent = await explain([intent, ...chainArgs, "--journal", journalFile, "--json"]);
      expect(byIntent.code, `${byIntent.out}${byIntent.err}`).toBe(0);
      const json = JSON.parse(byIntent.out) as {
        reproduced: boolean;
        onChain: { txHash: string };
        record: { version: number };
      };
      expect(json.reproduced).toBe(true);
      expect(json.record.version, "a version 2 record").toBe(2);
      expect(json.onChain.txHash).toBe(e.transactionHash);
    }
    const last = events.at(-1)!;
    const lastIntent = last.args.intentHash as string;
    const yieldMove = await explain([last.transactionHash, ...chainArgs, "--records", recordsDir]);
    expect(yieldMove.out, "the yield move says why in yields").toMatch(/yield \d+\.\d+% a year/);

    // An edited record: its targets changed in a copy of the published folder.
    const edited = tempDir();
    fs.cpSync(recordsDir, edited, { recursive: true });
    const file = path.join(edited, `${lastIntent}.json`);
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as { targets: { strategy: string; assets: string }[] };
    record.targets[0]!.assets = (BigInt(record.targets[0]!.assets) + 1n).toString();
    fs.writeFileSync(file, JSON.stringify(record));
    const tampered = await explain([last.transactionHash, ...chainArgs, "--records", edited]);
    expect(tampered.code, tampered.err).toBe(3);
    expect(tampered.out).toContain(`≠ on-chain intent ${lastIntent}`);
    expect(tampered.out, "the edited target is named").toContain(`${record.targets[0]!.strategy}: recorded`);

    // An intent hash no rebalance carries (the record exists, the chain has nothing).
    const missing = await explain([`0x${"ab".repeat(32)}`, ...chainArgs, "--records", recordsDir]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no decision record for intent");

    // The vault read at the record's block, with one field changed: the state digest differs, and the field is named.
    const recorded: IntentRecord = (
      await explainDecision(chain.provider, {
        hash: last.transactionHash,
        source: { kind: "records", dir: recordsDir },
        lens: stack.lensAddress,
      })
    ).record;
    const snapshot = await new LensReader(chain.provider, stack.lensAddress).snapshot(
      recorded.vault,
      recorded.agent,
      recorded.blockNumber,
    );
    const moved = replayDecision({
      record: recorded,
      snapshot: { ...snapshot, idle: snapshot.idle + 1n },
      planner: plannerNamed("yield"),
    });
    const state = moved.divergences.find((d) => d.kind === "state");
    expect(state && state.kind === "state" ? state.fields : [], "the changed field").toEqual(["idle"]);

    // A version 1 record (no planner inputs): audit still reads it; explain says it cannot be replayed (exit 1).
    const v1Dir = tempDir();
    const v1 = { ...JSON.parse(fs.readFileSync(path.join(recordsDir, `${lastIntent}.json`), "utf8")), version: 1 };
    for (const key of ["plannerVersion", "settingsHash", "settings", "inputs"]) delete v1[key];
    const v1Hash = intentHash(parseRecord(v1));
    fs.writeFileSync(path.join(v1Dir, `${v1Hash}.json`), JSON.stringify(v1));
    const old = await explain([v1Hash, ...chainArgs, "--records", v1Dir]);
    expect(old.code, old.err).toBe(1);
    expect(old.err).toContain("version 1 record: it carries no planner inputs and cannot be replayed");

    // Other planner settings: a spread no move clears. The key is named; the yield move is no longer re-derived.
    const wider = testConfig(chain, stack, dataDir, {
      planner: { ...config.planner, minSpreadBps: 5_000, minMove: "1000", horizonDays: 30, nativePriceInAsset: "3000" },
    });
    const other = await explainDecision(chain.provider, {
      hash: last.transactionHash,
      source: { kind: "records", dir: recordsDir },
      lens: stack.lensAddress,
      settings: settingsFromConfig(wider),
    });
    expect(other.reproduced).toBe(false);
    const settings = other.divergences.find((d) => d.kind === "settings");
    expect(settings && settings.kind === "settings" ? settings.keys.map((k) => k.key) : []).toEqual([
      "params.minSpreadWad",
    ]);
    const targets = other.divergences.find((d) => d.kind === "targets");
    expect(targets, "the re-derived targets differ").toBeDefined();
    expect(targets!.kind === "targets" && targets!.rederived.kind, "with no spread worth it, the planner holds").toBe(
      "hold",
    );
    // The operator's way: `--config` (its endpoint, lens, records folder and planner settings), one setting changed.
    const configFile = path.join(tempDir(), "agent.json");
    const configBody = {
      network: { rpcUrl: chain.url, chainId: chain.chainId },
      lens: stack.lensAddress,
      dataDir,
      agentAddress: AGENT,
      tx: { stuckAfterSeconds: 30, feeBumpPercent: 25, maxFeePerGasGwei: "500" },
      planner: {
        strategy: "yield",
        minMove: "1000",
        safetyMarginBps: 5,
        horizonDays: 30,
        minSpreadBps: 5_000,
        nativePriceInAsset: "3000",
      },
      vaults: [{ address: stack.vaultAddress }],
    };
    fs.writeFileSync(configFile, JSON.stringify(configBody));
    const byConfig = await explain([last.transactionHash, "--config", configFile]);
    expect(byConfig.code, `${byConfig.out}${byConfig.err}`).toBe(3);
    expect(byConfig.out).toContain("params.minSpreadWad: recorded");

    // The same settings as the daemon's configuration reproduce the decision.
    const same = await explainDecision(chain.provider, {
      hash: last.transactionHash,
      source: { kind: "records", dir: recordsDir },
      lens: stack.lensAddress,
      settings: settingsFromConfig(config),
    });
    expect(same.divergences).toEqual([]);
  });

  it("reproduces a rebalance planned while the daemon kept an ended session in its view", async () => {
    const { stack, chain } = env;
    const u = stack.unit;
    const grant = () =>
      grantSession(stack, {
        agent: AGENT,
        durationSeconds: 7 * 86_400,
        maxVolumePerCall: 600_000n * u,
        maxVolumePerEpoch: 3_000_000n * u,
      });
    const first = await grant();
    const config = testConfig(chain, stack, tempDir());
    const { daemon } = await startDaemon(chain, config);
    expect((await daemon.tick())[0]!.report!.result.kind, "the split, through the first session").toBe("sent");
    await (await stack.sessions.connect(stack.guardian).revoke(first)).wait();
    await grant();
    await chain.increaseTime(3_600);
    await (await stack.strategies[1]!.simulateGain(2n * u)).wait();
    const results = [];
    for (let i = 0; i < 2; i++) results.push((await daemon.tick())[0]!.report!.result);
    expect(
      results.map((r) => r.kind),
      JSON.stringify(results),
    ).toContain("sent");
    const events = await rebalancedEvents(stack);
    expect(events, "two rebalances, one per session").toHaveLength(2);
    const last = events.at(-1)!;
    const e = await explainDecision(chain.provider, {
      hash: last.transactionHash,
      source: { kind: "records", dir: dataPaths(config, AGENT).records },
      lens: stack.lensAddress,
    });
    expect(e.record.sessionId, "planned through the second session").not.toBe(first);
    expect(e.record.inputs?.endedSessions.length, "the revoked session was in the daemon's view").toBe(1);
    expect(e.divergences).toEqual([]);
  });
});
