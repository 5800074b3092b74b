/**
 * Published decision records: written under their intent hash, read back by hash, served at
 * `/api/decisions/<intentHash>` (404 for an unknown or malformed hash).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { describe, expect, it } from "vitest";
import { intentHash, type IntentRecord } from "../../src/executor/intent.js";
import { RecordFolder } from "../../src/executor/records.js";
import { Metrics } from "../../src/obs/metrics.js";
import { startObservabilityServer } from "../../src/obs/server.js";

const record: IntentRecord = {
  version: 1,
  chainId: 31337n,
  vault: "0x9A676e781A523b5d0C0e43731313A708CB607508",
  agent: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  sessionId: 1n,
  nonce: 0,
  stateDigest: `0x${"ab".repeat(32)}`,
  blockNumber: 77n,
  planner: "yield",
  reason: "no yield estimate yet: idle above the buffer into an equal split within caps",
  targets: [{ strategy: "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853", assets: 32_500_000_000n }],
  volume: 32_500_000_000n,
  expectedGain: 0n,
  createdAt: "2026-12-06T08:03:08.000Z",
};

describe("published decision records", () => {
  it("are written under their intent hash, hash back to it, and are served by hash", async () => {
    const folder = new RecordFolder(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "records-")), "records"));
    const hash = intentHash(record);
    const file = folder.publish(record, hash);
    expect(path.basename(file)).toBe(`${hash}.json`);
    const text = fs.readFileSync(file, "utf8");
    expect(keccak256(toUtf8Bytes(text.trimEnd())), "anyone can hash the file to the on-chain intent hash").toBe(hash);
    expect(fs.readdirSync(folder.dir), "no temporary file left behind").toEqual([`${hash}.json`]);
    expect(() => folder.publish(record, "../../etc/passwd")).toThrow(/not an intent hash/);

    const server = await startObservabilityServer({
      host: "127.0.0.1",
      port: 0,
      registry: new Metrics().registry,
      health: () => ({ healthy: true }) as never,
      decision: (h) => folder.read(h),
    });
    try {
      const base = `http://127.0.0.1:${server.port}/api/decisions/`;
      const found = await fetch(base + hash);
      expect(found.status).toBe(200);
      expect(found.headers.get("content-type")).toBe("application/json");
      expect(await found.text()).toBe(text);
      expect((await fetch(base + hash.toUpperCase().replace("0X", "0x"))).status, "hex case does not matter").toBe(200);
      expect((await fetch(`${base}0x${"00".repeat(32)}`)).status, "an unknown hash").toBe(404);
      expect((await fetch(`${base}..%2F..%2Fjournal.jsonl`)).status, "no path outside the folder").toBe(404);
    } finally {
      await server.close();
    }
  });
});
