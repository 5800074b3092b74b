/** The one config schema (file + environment), the key, and secrets kept out of logs. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encryptKeystoreJson, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { agentAddressOf, loadWallet } from "../../src/config/key.js";
import { loadConfig, parseConfig, redactedConfig } from "../../src/config/load.js";
import { ConfigError, KeyError } from "../../src/failures.js";
import { memoryLogger } from "../support/logs.js";

const KEY = `0x${"ab".repeat(32)}`;
const base = () => ({
  network: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
  lens: "0x1111111111111111111111111111111111111111",
  tx: { maxFeePerGasGwei: "100" },
  planner: { minMove: "1000", nativePriceInAsset: "3000" },
  vaults: [{ address: "0x2222222222222222222222222222222222222222" }],
});
function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).field;
  }
  throw new Error("no ConfigError");
}

describe("config", () => {
  it("parses a minimal file with defaults", () => {
    const c = parseConfig(base(), {}, "/srv/agent");
    expect(c.network).toMatchObject({ confirmations: 1, pollIntervalMs: 12_000 });
    expect(c.planner).toMatchObject({ strategy: "yield", safetyMarginBps: 5, minSpreadBps: 25 });
    expect(c.metrics).toEqual({ enabled: true, host: "127.0.0.1", port: 9464, historyPoints: 720 });
    expect(c.dataDir).toBe("/srv/agent/.data/agent");
  });

  it("lays the environment over the file", () => {
    const c = parseConfig(base(), {
      AGENT_RPC_URL: "http://10.0.0.2:8545",
      AGENT_METRICS_PORT: "9000",
      AGENT_LOG_LEVEL: "debug",
    });
    expect(c.network.rpcUrl).toBe("http://10.0.0.2:8545");
    expect(c.metrics.port).toBe(9000);
    expect(c.log.level).toBe("debug");
  });

  it("names the bad field", () => {
    expect(fieldOf(() => parseConfig({ ...base(), network: { rpcUrl: "not a url", chainId: 1 } }, {}))).toBe(
      "network.rpcUrl",
    );
    expect(fieldOf(() => parseConfig({ ...base(), vaults: [{ address: "0x1234" }] }, {}))).toBe("vaults.0.address");
    expect(fieldOf(() => parseConfig({ ...base(), planner: { minMove: "lots", nativePriceInAsset: "1" } }, {}))).toBe(
      "planner.minMove",
    );
    expect(fieldOf(() => parseConfig(base(), { AGENT_METRICS_PORT: "nine" }))).toBe("metrics.port");
    expect(fieldOf(() => parseConfig({ ...base(), vaults: [] }, {}))).toBe("vaults");
    expect(fieldOf(() => parseConfig({ ...base(), tx: { maxFeePerGasGwei: "100", feeBumpPercent: 5 } }, {}))).toBe(
      "tx.feeBumpPercent",
    );
    expect(fieldOf(() => parseConfig({ ...base(), vaults: [base().vaults[0], base().vaults[0]] }, {}))).toBe(
      "vaults.1.address",
    );
    expect(() => parseConfig({ ...base(), surprise: 1 }, {})).toThrow(/Unrecognized key/);
  });

  it("takes secrets from the environment only", () => {
    expect(fieldOf(() => parseConfig({ ...base(), key: { privateKey: KEY } }, {}))).toBe("key.privateKey");
    expect(fieldOf(() => parseConfig({ ...base(), key: { keystorePath: "k.json", keystorePassword: "x" } }, {}))).toBe(
      "key.keystorePassword",
    );
    expect(
      fieldOf(() => parseConfig({ ...base(), key: { keystorePath: "k.json" } }, {})),
      "a keystore needs its password",
    ).toBe("key.keystorePassword");
  });

  it("accepts a raw key only for the local chain", () => {
    expect(parseConfig(base(), { AGENT_PRIVATE_KEY: KEY }).key.privateKey).toBe(KEY);
    const err = (() => {
      try {
        parseConfig(
          { ...base(), network: { rpcUrl: "http://127.0.0.1:8545", chainId: 1 } },
          { AGENT_PRIVATE_KEY: KEY },
        );
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.field).toBe("key.privateKey");
    expect(err?.message).toMatch(/only on a local development chain \(31337 or 1337\)/);
    expect(err?.message, "the key is not in the message").not.toContain(KEY.slice(2, 20));
  });

  it("reports an unreadable or invalid file as a config error", () => {
    expect(fieldOf(() => loadConfig("/nonexistent/agent.json", {}))).toBe("(file)");
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cfg-")), "bad.json");
    fs.writeFileSync(bad, "{ nope");
    expect(() => loadConfig(bad, {})).toThrow(/not valid JSON/);
    expect(fieldOf(() => loadConfig(undefined, {}))).toBe("(file)");
  });
});

describe("key", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "key-"));
  const wallet = new Wallet(KEY);
  const keystore = path.join(dir, "agent.json");

  it("decrypts an encrypted keystore; reads its address without decrypting", async () => {
    fs.writeFileSync(
      keystore,
      await encryptKeystoreJson({ address: wallet.address, privateKey: KEY }, "correct horse", {
        scrypt: { N: 1 << 10 },
      }),
    );
    const config = parseConfig(
      { ...base(), network: { rpcUrl: "https://rpc.example", chainId: 1 }, key: { keystorePath: keystore } },
      { AGENT_KEYSTORE_PASSWORD: "correct horse" },
    );
    expect(await agentAddressOf(config)).toBe(wallet.address);
    expect((await loadWallet(config, 1n)).address).toBe(wallet.address);
  });

  it("fails cleanly on a wrong password, without echoing it", async () => {
    const config = parseConfig(
      { ...base(), key: { keystorePath: keystore } },
      { AGENT_KEYSTORE_PASSWORD: "wrong-password-123" },
    );
    const err = (await loadWallet(config, 31337n).catch((e: unknown) => e)) as KeyError;
    expect(err).toBeInstanceOf(KeyError);
    expect(String(err.message) + String((err.cause as Error)?.message)).not.toContain("wrong-password-123");
  });

  it("refuses a raw key when the endpoint is not the local chain, whatever the config says", async () => {
    const config = parseConfig(base(), { AGENT_PRIVATE_KEY: KEY });
    await expect(loadWallet(config, 1n)).rejects.toThrow(/only on a local development chain/);
    expect((await loadWallet(config, 31337n)).address).toBe(wallet.address);
    // The endpoint must serve the development chain the config names.
    await expect(loadWallet(config, 1337n)).rejects.toThrow(/only on a local development chain/);
    const on1337 = parseConfig(
      { ...base(), network: { rpcUrl: "http://127.0.0.1:8545", chainId: 1337 } },
      { AGENT_PRIVATE_KEY: KEY },
    );
    expect((await loadWallet(on1337, 1337n)).address).toBe(wallet.address);
  });

  it("asks for a key when none is set", async () => {
    await expect(loadWallet(parseConfig(base(), {}), 31337n)).rejects.toBeInstanceOf(ConfigError);
  });

  it("never logs secrets: the config summary drops them and the logger redacts them", () => {
    const config = parseConfig(base(), { AGENT_PRIVATE_KEY: KEY });
    const { log, raw } = memoryLogger();
    log.info({ config: redactedConfig(config) }, "configuration loaded");
    log.info({ key: { privateKey: KEY, keystorePassword: "pw-secret" } }, "a careless call");
    const text = raw.join("");
    expect(text).not.toContain(KEY.slice(2, 20));
    expect(text).not.toContain("pw-secret");
    expect(text).toContain("[redacted]");
  });
});

describe("command line", () => {
  it("exits non-zero naming the bad field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-"));
    const file = path.join(dir, "agent.json");
    fs.writeFileSync(file, JSON.stringify({ ...base(), vaults: [{ address: "0xnot" }] }));
    const agentDir = path.resolve(import.meta.dirname, "../..");
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", "status", "--config", file], {
      cwd: agentDir,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("invalid config: vaults.0.address: not an address");
  });
});
