/**
 * The agent's key in a remote signer: a local HTTPS JSON-RPC signer process-alike (test/support/signer-server.ts, a
 * self-signed certificate from the system `openssl`) and the daemon on the embedded chain rebalancing through it, as
 * `run --once` in a real process and as `createAgent` wires it. Refused: a wrong credential, a certificate that is
 * neither pinned nor trusted, a signer that does not hold the address, a signer that signs another transaction than
 * the one asked for. A signer down at start is a clear error; down during a tick, a failed send (nothing journaled,
 * nothing broadcast) that the next tick recovers from. The credential never appears in a log line.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWallet } from "../../src/config/key.js";
import { parseConfig } from "../../src/config/load.js";
import { createAgent } from "../../src/daemon/create-agent.js";
import { KeyError, SignerError } from "../../src/failures.js";
import { Metrics } from "../../src/obs/metrics.js";
import { systemClock } from "../../src/util/clock.js";
import { runDoctor } from "../../src/doctor/index.js";
import { createProvider } from "../../src/daemon/build.js";
import { AGENT, AGENT_KEY, metricValue, rebalancedEvents, tempDir, useStack } from "../support/daemon-harness.js";
import { memoryLogger } from "../support/logs.js";
import { treasuryAgent } from "../support/process.js";
import {
  opensslMissing,
  selfSignedCert,
  startSigner,
  type TestCert,
  type TestSigner,
} from "../support/signer-server.js";

const SECRET = "s3cr3t-signer-token-0f9a";
const missing = opensslMissing();
if (missing) console.warn(`remote signer tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)("a remote signer holding the agent's key", () => {
  const env = useStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } });
  let dir: string;
  let cert: TestCert;
  let signer: TestSigner;

  beforeAll(async () => {
    dir = tempDir("agent-signer-");
    cert = selfSignedCert(dir);
    signer = await startSigner({ key: AGENT_KEY, cert, auth: SECRET });
  });
  afterAll(async () => {
    await signer?.stop();
  });

  /** The file an operator writes: the signer pinned by its certificate's fingerprint, no key anywhere. */
  function fileConfig(remote: Record<string, unknown> = {}, dataDir = tempDir("agent-signer-data-")) {
    return {
      network: { rpcUrl: env.chain.url, chainId: env.chain.chainId, pollIntervalMs: 100, requestTimeoutMs: 2_000 },
      lens: env.stack.lensAddress,
      dataDir,
      key: {
        remoteSigner: { url: signer.url, address: AGENT, certSha256: cert.fingerprint256, timeoutMs: 2_000, ...remote },
      },
      tx: { maxFeePerGasGwei: "100", stuckAfterSeconds: 60 },
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000", sampleIntervalSeconds: 0 },
      metrics: { enabled: false },
      log: { level: "debug" },
      vaults: [{ address: env.stack.vaultAddress, label: "main" }],
    };
  }

  it("`run --once` rebalances through the signer; the credential is in no log line, the key nowhere", async () => {
    const file = path.join(tempDir("agent-signer-cli-"), "agent.config.json");
    fs.writeFileSync(file, JSON.stringify(fileConfig({}, "state")));
    const before = signer.requests.length;
    const run = await treasuryAgent(["run", "--once", "--config", file], {
      env: { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` },
      timeoutMs: 60_000,
    });
    expect(run.stderr, "no error").toBe("");
    expect(run.code, "exit code").toBe(0);
    const events = await rebalancedEvents(env.stack);
    expect(events.length, "one rebalance mined").toBe(1);
    const asked = signer.requests.slice(before).map((r) => r.method);
    expect(asked, "the address checked at start, then one transaction signed").toEqual([
      "eth_accounts",
      "eth_signTransaction",
    ]);
    expect(run.stdout, "debug logs were written").toMatch(/configuration loaded/);
    expect(run.stdout.includes(SECRET), "the credential in a log line").toBe(false);
    expect(run.stdout.includes(AGENT_KEY.slice(2)), "the key in a log line").toBe(false);
    const loaded = run.stdout
      .split("\n")
      .filter((l) => l.includes("configuration loaded"))
      .map((l) => JSON.parse(l) as { config: { key: { remoteSigner: Record<string, unknown> } } })[0]!;
    expect(loaded.config.key.remoteSigner.auth, "the credential is said to be set, no more").toBe("set");
  }, 90_000);

  it("the daemon's tick: a failed send while the signer is down (nothing journaled or sent), then it recovers", async () => {
    const config = parseConfig(fileConfig(), { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` });
    const logs = memoryLogger();
    const metrics = new Metrics();
    const wallet = await loadWallet(config, 31337n);
    const agent = await createAgent(config, {
      wallet,
      provider: env.chain.provider,
      clock: systemClock,
      log: logs.log,
      metrics,
    });
    try {
      const nonce = await env.chain.provider.getTransactionCount(AGENT, "latest");
      await signer.stop();
      const [down] = await agent.daemon.tick();
      expect(down!.error, "the tick failed on the signer").toBeInstanceOf(SignerError);
      expect(down!.error!.message).toMatch(
        /cannot reach the remote signer https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
      expect(agent.journal.entries().length, "nothing journaled").toBe(0);
      expect(await env.chain.provider.getTransactionCount(AGENT, "latest"), "nothing sent").toBe(nonce);
      expect(await metricValue(metrics, "agent_tick_errors_total", { vault: "main", kind: "signer" })).toBe(1);
      expect(agent.daemon.readiness().ready, "/ready while the signer is down").toBe(false);

      await signer.start();
      const [back] = await agent.daemon.tick();
      expect(back!.report?.result.kind, "sent once the signer answers").toBe("sent");
      expect(agent.journal.entries().length, "one intent").toBe(1);
      const entry = agent.journal.entries()[0]!;
      expect(entry.record.nonce, "the nonce the failed send would have used").toBe(nonce);
      expect(entry.attempts.length).toBe(1);
      expect((await rebalancedEvents(env.stack)).map((e) => e.transactionHash)).toEqual([entry.attempts[0]!.hash]);
      expect(
        logs.messages().some((m) => /recovered/.test(m)),
        "recovery said",
      ).toBe(true);
      expect(logs.raw.join("").includes(SECRET), "the credential in a log line").toBe(false);
    } finally {
      await agent.close();
    }
  }, 60_000);

  for (const behaviour of ["other-nonce", "other-data", "other-key"] as const) {
    it(`a signer answering with another transaction (${behaviour}) is refused: nothing journaled or broadcast`, async () => {
      const config = parseConfig(fileConfig(), { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` });
      const logs = memoryLogger();
      const wallet = await loadWallet(config, 31337n);
      const agent = await createAgent(config, {
        wallet,
        provider: env.chain.provider,
        clock: systemClock,
        log: logs.log,
      });
      try {
        const nonce = await env.chain.provider.getTransactionCount(AGENT, "pending");
        signer.behaviour = behaviour;
        const [tick] = await agent.daemon.tick();
        expect(tick!.error, "refused").toBeInstanceOf(SignerError);
        expect(tick!.error!.message).toMatch(
          /returned a transaction other than the one asked for \((nonce|data|from) .*\); refused, nothing was journaled or broadcast/,
        );
        expect(agent.journal.entries().length, "nothing journaled").toBe(0);
        expect(await env.chain.provider.getTransactionCount(AGENT, "pending"), "nothing broadcast").toBe(nonce);
        expect((await rebalancedEvents(env.stack)).length, "no rebalance").toBe(0);
      } finally {
        signer.behaviour = "honest";
        await agent.close();
      }
    }, 60_000);
  }

  it("a fee bump the signer cannot sign while it is down: the tick fails, the intent stays in flight, bumped once it is back", async () => {
    const config = parseConfig(fileConfig(), { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` });
    let now = Date.now();
    const clock = { nowMs: () => now, sleep: systemClock.sleep };
    const wallet = await loadWallet(config, 31337n);
    const logs = memoryLogger();
    const agent = await createAgent(config, { wallet, provider: env.chain.provider, clock, log: logs.log });
    await env.chain.setAutomine(false);
    try {
      const [sent] = await agent.daemon.tick();
      expect(sent!.report?.result.kind).toBe("sent");
      const entry = () => agent.journal.entries()[0]!;
      await signer.stop();
      now += 120_000; // past tx.stuckAfterSeconds
      const [down] = await agent.daemon.tick();
      expect(down!.error, "the bump could not be signed").toBeInstanceOf(SignerError);
      expect(entry().attempts.length, "no attempt journaled without a signature").toBe(1);
      expect(entry().outcome, "still in flight").toBeUndefined();

      await signer.start();
      const [bumped] = await agent.daemon.tick();
      expect(bumped!.error).toBeUndefined();
      expect(entry().attempts.length, "the replacement, signed by the signer").toBe(2);
      expect(entry().attempts[1]!.maxFeePerGas > entry().attempts[0]!.maxFeePerGas).toBe(true);
      await env.chain.setAutomine(true);
      await env.chain.mine();
      await agent.daemon.tick();
      const events = await rebalancedEvents(env.stack);
      expect(
        events.map((e) => e.transactionHash),
        "one rebalance: the replacement",
      ).toEqual([entry().attempts[1]!.hash]);
      expect(entry().outcome?.status).toBe("confirmed");
    } finally {
      await env.chain.setAutomine(true);
      await agent.close();
    }
  }, 60_000);

  it("Clef's API (account_list, account_signTransaction answering {raw, tx}); a hash that is not the bytes' is refused", async () => {
    signer.api = "clef";
    try {
      const config = parseConfig(fileConfig({ api: "clef" }), { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` });
      const wallet = await loadWallet(config, 31337n);
      const agent = await createAgent(config, {
        wallet,
        provider: env.chain.provider,
        clock: systemClock,
        log: memoryLogger().log,
      });
      try {
        signer.behaviour = "wrong-hash";
        const [refused] = await agent.daemon.tick();
        expect(refused!.error?.message).toMatch(/its hash 0xeeee.* is not the hash of the bytes it returned/);
        expect(agent.journal.entries().length).toBe(0);
        signer.behaviour = "honest";
        const before = signer.requests.length;
        const [sent] = await agent.daemon.tick();
        expect(sent!.report?.result.kind).toBe("sent");
        expect(signer.requests.slice(before).map((r) => r.method)).toEqual(["account_signTransaction"]);
        expect((await rebalancedEvents(env.stack)).length).toBe(1);
      } finally {
        await agent.close();
      }
    } finally {
      signer.api = "eth";
      signer.behaviour = "honest";
    }
  }, 60_000);

  it("a signer that does not answer in time: a failed send after key.remoteSigner.timeoutMs", async () => {
    const config = parseConfig(fileConfig({ timeoutMs: 500 }), { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` });
    const wallet = await loadWallet(config, 31337n);
    const agent = await createAgent(config, {
      wallet,
      provider: env.chain.provider,
      clock: systemClock,
      log: memoryLogger().log,
    });
    try {
      signer.behaviour = "hang";
      const started = Date.now();
      const [tick] = await agent.daemon.tick();
      expect(tick!.error?.message).toMatch(/did not answer within 500 ms/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(agent.journal.entries().length).toBe(0);
    } finally {
      signer.behaviour = "honest";
      await agent.close();
    }
  }, 30_000);

  it("refused at start: a wrong credential, no credential, an address the signer does not hold (no secret in the message)", async () => {
    const wrong = parseConfig(fileConfig(), { AGENT_SIGNER_AUTH: "Bearer not-the-token" });
    const err = (await loadWallet(wrong, 31337n).catch((e: unknown) => e)) as SignerError;
    expect(err).toBeInstanceOf(SignerError);
    expect(err.message).toMatch(
      /refused the credentials \(HTTP 401\) for eth_accounts: check the Authorization header's value/,
    );
    expect(err.message.includes("not-the-token")).toBe(false);
    await expect(loadWallet(parseConfig(fileConfig(), {}), 31337n)).rejects.toThrow(/HTTP 401/);

    const other = parseConfig(fileConfig({ address: "0x000000000000000000000000000000000000dEaD" }), {
      AGENT_SIGNER_AUTH: `Bearer ${SECRET}`,
    });
    const held = (await loadWallet(other, 31337n).catch((e: unknown) => e)) as KeyError;
    expect(held).toBeInstanceOf(KeyError);
    expect(held.message).toMatch(
      new RegExp(
        `does not hold 0x000000000000000000000000000000000000dEaD \\(key.remoteSigner.address\\); it holds ${AGENT.toLowerCase()}`,
      ),
    );
  });

  it("TLS: a certificate neither pinned nor trusted, or not the pinned one, gets no request; a CA file is trusted", async () => {
    const auth = { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` };
    const before = signer.requests.length;
    const untrusted = parseConfig(fileConfig({ certSha256: undefined }), auth);
    await expect(loadWallet(untrusted, 31337n)).rejects.toThrow(
      /presented a certificate that is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); set key.remoteSigner.caFile .* nothing was sent to it/,
    );
    const otherPin = selfSignedCert(dir, "impostor").fingerprint256;
    const pinned = parseConfig(fileConfig({ certSha256: otherPin }), auth);
    await expect(loadWallet(pinned, 31337n)).rejects.toThrow(
      /not the pinned .* \(key.remoteSigner.certSha256\); nothing was sent to it/,
    );
    expect(signer.requests.length, "no request reached the signer").toBe(before);

    const viaCa = parseConfig(fileConfig({ certSha256: undefined, caFile: cert.certFile }), auth);
    expect((await loadWallet(viaCa, 31337n)).address).toBe(AGENT);
    const colonless = parseConfig(
      fileConfig({ certSha256: cert.fingerprint256.replace(/:/g, "").toLowerCase() }),
      auth,
    );
    expect((await loadWallet(colonless, 31337n)).address).toBe(AGENT);
  });

  it("down at start: a clear error naming the signer (CLI: exit 1, one line, no credential)", async () => {
    await signer.stop();
    try {
      const config = parseConfig(fileConfig(), { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` });
      await expect(loadWallet(config, 31337n)).rejects.toThrow(
        /^cannot reach the remote signer https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
      );
      const file = path.join(tempDir("agent-signer-cli-"), "agent.config.json");
      fs.writeFileSync(file, JSON.stringify(fileConfig({}, "state")));
      const run = await treasuryAgent(["run", "--once", "--config", file], {
        env: { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^treasury-agent: cannot reach the remote signer https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
      expect(`${run.stdout}${run.stderr}`.includes(SECRET)).toBe(false);
    } finally {
      await signer.start();
    }
  }, 60_000);

  it("doctor checks the signer: reachable, TLS, the address", async () => {
    const auth = { AGENT_SIGNER_AUTH: `Bearer ${SECRET}` };
    const good = parseConfig(fileConfig(), auth);
    const provider = createProvider(good);
    try {
      const ok = (await runDoctor(good, { provider, nowMs: () => Date.now() })).find((c) => c.name === "key")!;
      expect(ok.status).toBe("ok");
      expect(ok.detail).toMatch(
        /the remote signer https:\/\/127\.0\.0\.1:\d+ \(TLS: pinned certificate\) holds .*: agent 0x/,
      );
      const bad = parseConfig(fileConfig(), { AGENT_SIGNER_AUTH: "Bearer wrong" });
      const refused = (await runDoctor(bad, { provider, nowMs: () => Date.now() })).find((c) => c.name === "key")!;
      expect(refused.status).toBe("fail");
      expect(refused.field).toBe("key.remoteSigner.auth");
      expect(refused.detail).toMatch(/HTTP 401/);
    } finally {
      provider.destroy();
    }
  });
});
