/**
 * `treasury-agent doctor` against the embedded chain and the real contracts: a good setup passes every check and sends
 * nothing; each mistake an operator makes (wrong chain id, wrong lens address, no session, a data directory it cannot
 * write, an empty key, a wrong keystore password) fails one check that names the field and the fix, and exits 1.
 */
import fs from "node:fs";
import path from "node:path";
import { encryptKeystoreJson, Wallet } from "ethers";
import { beforeAll, describe, expect, it } from "vitest";
import { devKey } from "../../devnet/stack.js";
import { runCli } from "../../src/cli.js";
import type { Check } from "../../src/doctor/index.js";
import { AGENT, AGENT_KEY, tempDir, useStack } from "../support/daemon-harness.js";
import { treasuryAgent } from "../support/process.js";

const env = useStack({ session: { perCall: 900_000n, perEpoch: 3_000_000n } });
const PASSWORD = "doctor-s3cret";
let keystore: string;

beforeAll(async () => {
  keystore = path.join(tempDir("agent-doctor-key-"), "agent.keystore.json");
  fs.writeFileSync(
    keystore,
    await encryptKeystoreJson({ address: AGENT, privateKey: AGENT_KEY }, PASSWORD, { scrypt: { N: 1 << 10 } }),
  );
});

/**
 * An operator's setup: a config file beside a password file, the keystore elsewhere; `over` replaces top-level fields.
 */
function setup(over: Record<string, unknown> = {}, password = PASSWORD): string {
  const dir = tempDir("agent-doctor-");
  fs.writeFileSync(path.join(dir, "password"), `${password}\n`);
  const file = path.join(dir, "agent.config.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      network: { rpcUrl: env.chain.url, chainId: env.chain.chainId },
      lens: env.stack.lensAddress,
      key: { keystorePath: keystore, keystorePasswordFile: "password" },
      dataDir: "state",
      tx: { maxFeePerGasGwei: "100" },
      planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
      vaults: [{ address: env.stack.vaultAddress, label: "main" }],
      ...over,
    }),
  );
  return file;
}

async function doctor(file: string, json = true): Promise<{ code: number; checks: Check[]; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["node", "treasury-agent", "doctor", "--config", file, ...(json ? ["--json"] : [])], {
    print: (t) => (out += `${t}\n`),
    writeErr: (t) => (err += t),
  });
  return { code, checks: json ? (JSON.parse(out) as { checks: Check[] }).checks : [], out, err };
}

const failures = (checks: Check[]) => checks.filter((c) => c.status === "fail");

describe("treasury-agent doctor", () => {
  it("a good setup: every check ok, one line each, exit 0, nothing sent", async () => {
    const file = setup();
    const [block, nonce] = await Promise.all([
      env.chain.provider.getBlockNumber(),
      env.chain.provider.getTransactionCount(AGENT, "pending"),
    ]);
    const r = await doctor(file);
    expect(r.code, r.err).toBe(0);
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([
      ["config", "ok"],
      [`rpc ${env.chain.url}`, "ok"],
      ["key", "ok"],
      ["lens", "ok"],
      ["vault main", "ok"],
      ["session main", "ok"],
      ["gas", "ok"],
      ["clock", "ok"],
      ["dataDir", "ok"],
      ["journal", "ok"],
    ]);
    const byName = Object.fromEntries(r.checks.map((c) => [c.name, c.detail]));
    expect(byName.key).toBe(
      `the keystore ${keystore} with the password from the file ${path.join(path.dirname(file), "password")} opens: agent ${AGENT}`,
    );
    expect(byName["vault main"]).toMatch(
      new RegExp(`^${env.stack.vaultAddress}: asset \\S+ ${await env.stack.asset.getAddress()}, 6 decimals;`),
    );
    expect(byName["session main"]).toMatch(/^session #1 until .* \(in (6d 23h|7d 0h)\), scope 3 of 3 strategies \(0x/);
    expect(byName.journal).toMatch(/^none yet at /);
    expect(byName.dataDir, "every path the daemon writes, the published records included").toMatch(
      /is writable \(data directory, journal, published decision records, price history, circuit breaker, quarantine list\)$/,
    );

    const text = await doctor(file, false);
    expect(text.code).toBe(0);
    const lines = text.out.trimEnd().split("\n");
    expect(
      lines.slice(0, 10).every((l) => l.startsWith("ok    ")),
      text.out,
    ).toBe(true);
    expect(lines.at(-1)).toBe("no failure: ready to run");

    expect(await env.chain.provider.getBlockNumber(), "no block mined").toBe(block);
    expect(await env.chain.provider.getTransactionCount(AGENT, "pending"), "nothing sent").toBe(nonce);
    expect(fs.existsSync(path.join(path.dirname(file), "state")), "nothing created").toBe(false);
  });

  it("wrong chain id: the endpoint's check fails naming network.chainId; the chain checks are skipped", async () => {
    const r = await doctor(setup({ network: { rpcUrl: env.chain.url, chainId: 1 } })); // a keystore is accepted on any chain
    expect(r.code).toBe(1);
    expect(r.err).toBe("treasury-agent: doctor: 1 check failed (see the report)\n");
    expect(failures(r.checks)).toEqual([
      {
        name: `rpc ${env.chain.url}`,
        status: "fail",
        field: "network.chainId",
        detail: `serves chain ${env.chain.chainId}, but network.chainId is 1`,
        fix: `point network.rpcUrl at a node of chain 1, or set network.chainId (AGENT_CHAIN_ID) to ${env.chain.chainId} if that is the chain meant`,
      },
    ]);
    expect(r.checks.filter((c) => c.status === "skip").map((c) => c.name)).toEqual([
      "lens",
      "vault main",
      "gas",
      "clock",
    ]);
  });

  it("wrong lens address (a contract, not the lens): the vault's check fails naming lens", async () => {
    const notLens = await env.stack.asset.getAddress();
    const r = await doctor(setup({ lens: notLens }));
    expect(r.code).toBe(1);
    const [f, ...rest] = failures(r.checks);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      name: "vault main",
      field: "lens",
      fix: "set lens (or AGENT_LENS) to the TreasuryLens deployment of this chain",
    });
    expect(f!.detail).toContain(`the vault answers asset() = ${notLens}, but the lens ${notLens} cannot read it`);
  });

  it("no session (the only one revoked): the session check fails and says governance grants one", async () => {
    await (await env.stack.sessions.connect(env.stack.governance).revoke(1n)).wait();
    const r = await doctor(setup());
    expect(r.code).toBe(1);
    expect(failures(r.checks)).toEqual([
      {
        name: "session main",
        status: "fail",
        detail: `no active session for agent ${AGENT}: no session for this vault`,
        fix: `governance grants agent ${AGENT} a session on ${env.stack.vaultAddress} (SessionManager ${await env.stack.sessions.getAddress()})`,
      },
    ]);
  });

  it("the configured session moved to another key: the session check fails and says where it went", async () => {
    const other = new Wallet(devKey(8)).address;
    await (await env.stack.sessions.connect(env.stack.governance).rotateAgent(1n, other)).wait();
    const r = await doctor(setup({ vaults: [{ address: env.stack.vaultAddress, label: "main", sessionId: 1 }] }));
    expect(r.code).toBe(1);
    const [f] = failures(r.checks);
    expect(f).toMatchObject({ name: "session main", field: "vaults.0.sessionId" });
    expect(f!.detail).toMatch(
      new RegExp(
        `^no active session for agent ${AGENT}: session #1 moved to key ${other.slice(0, 6)}…${other.slice(-4)}( by .* at .*)?: this key no longer acts for the vault$`,
      ),
    );
  });

  it("a data directory it cannot write: dataDir fails naming the field", async () => {
    const dir = tempDir("agent-doctor-file-");
    const notADir = path.join(dir, "a-file");
    fs.writeFileSync(notADir, "");
    const r = await doctor(setup({ dataDir: path.join(notADir, "state") }));
    expect(r.code).toBe(1);
    const [f, ...rest] = failures(r.checks);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ name: "dataDir", field: "dataDir" });
    expect(f!.detail).toMatch(new RegExp(`^data directory ${notADir}/state: ${notADir} is not a directory; journal `));
    expect(f!.fix).toMatch(/^set dataDir \(AGENT_DATA_DIR\) to a directory the daemon's user can write/);
  });

  it("an empty key: gas fails and says where to send ETH", async () => {
    await env.chain.rpc("hardhat_setBalance", [AGENT, "0x0"]);
    const r = await doctor(setup());
    expect(r.code).toBe(1);
    expect(failures(r.checks)).toEqual([
      {
        name: "gas",
        status: "fail",
        detail: `the agent key ${AGENT} holds 0 ETH: it cannot pay for any transaction`,
        fix: `send ETH to ${AGENT}`,
      },
    ]);
  });

  it("a wrong keystore password: key fails naming key.keystorePasswordFile", async () => {
    const file = setup({}, "not-the-password");
    const r = await doctor(file);
    expect(r.code).toBe(1);
    const passwordFile = path.join(path.dirname(file), "password");
    expect(failures(r.checks)).toEqual([
      {
        name: "key",
        status: "fail",
        field: "key.keystorePasswordFile",
        detail: `wrong password for the keystore ${keystore} (the password from the password file ${passwordFile} does not decrypt it)`,
        fix: "put the keystore's password in the file named by key.keystorePasswordFile (AGENT_KEYSTORE_PASSWORD_FILE), or in AGENT_KEYSTORE_PASSWORD",
      },
    ]);
    expect(r.out, "the password is never printed").not.toContain("not-the-password");
  });

  it("as a process: the report on stdout, the verdict on stderr, exit 1 on a failure", async () => {
    const r = await treasuryAgent(["doctor", "--config", setup({}, "not-the-password")]);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("fail  "))).toEqual([
      expect.stringMatching(/^fail {2}key: wrong password for the keystore /),
    ]);
    expect(r.stderr).toBe("treasury-agent: doctor: 1 check failed (see the report)\n");
  });

  it("a config that does not parse: one failed check naming the field", async () => {
    const r = await doctor(setup({ lens: "0x1234" }));
    expect(r.code).toBe(1);
    expect(r.checks).toEqual([
      {
        name: "config",
        status: "fail",
        field: "lens",
        detail: "invalid config: lens: not an address",
        fix: "correct lens in the config file (or the environment variable that sets it)",
      },
    ]);
  });
});
