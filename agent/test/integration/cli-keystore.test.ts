/**
 * The agent's keystore from the operator's side, with the real command: `keystore create` (key from stdin or
 * generated, password from a file or the environment, nothing secret printed, never an overwrite), a wrong password
 * refused wherever the keystore is opened (`status`, `run`), a missing keystore reported as missing with its resolved
 * path and the folder a relative path was taken from, and the password file (config field and environment).
 */
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../devnet/chain.js";
import type { Stack } from "../../devnet/stack.js";
import { AGENT, AGENT_KEY, cliConfig, startStack, tempDir } from "../support/daemon-harness.js";
import { treasuryAgent } from "../support/process.js";

const PASSWORD = "correct horse battery";

let chain: LocalChain;
let stack: Stack;
let dir: string;

beforeAll(async () => {
  ({ chain, stack } = await startStack({ strategies: 2, deposit: 0n }));
  dir = tempDir("agent-keystore-");
}, 60_000);

afterAll(async () => {
  await chain?.close();
});

/** A config file in `dir` (or `folder`) naming `key`. */
function configWith(key: Record<string, string>, folder = dir): string {
  const file = path.join(folder, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(cliConfig(chain, stack, { key })));
  return file;
}

/** The agent's key as a keystore made by the command itself. */
let keystore: string;

describe("keystore create", () => {
  it("encrypts the key read from stdin; prints the address and nothing secret; the file is the owner's only", async () => {
    keystore = path.join(dir, "agent.keystore.json");
    const r = await treasuryAgent(["keystore", "create", keystore], {
      input: `${AGENT_KEY}\n`,
      env: { AGENT_KEYSTORE_PASSWORD: PASSWORD },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Wrote the keystore ${keystore} (readable by its owner only) for agent ${AGENT}`);
    expect(r.stdout + r.stderr, "the key is not echoed").not.toContain(AGENT_KEY.slice(2, 20));
    expect(r.stdout + r.stderr, "the password is not echoed").not.toContain(PASSWORD);
    expect(fs.statSync(keystore).mode & 0o777, "mode 600").toBe(0o600);
    expect(
      (await Wallet.fromEncryptedJson(fs.readFileSync(keystore, "utf8"), PASSWORD)).address,
      "decrypts to the key",
    ).toBe(AGENT);
  });

  it("generates a key with --generate, the password from --password-file", async () => {
    const passwordFile = path.join(dir, "generated.password");
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`);
    const file = path.join(dir, "generated.keystore.json");
    const r = await treasuryAgent(["keystore", "create", file, "--generate", "--password-file", passwordFile]);
    expect(r.code, r.stderr).toBe(0);
    const address = /for agent (0x[0-9a-fA-F]{40})/.exec(r.stdout)?.[1];
    expect(address, r.stdout).toBeDefined();
    expect(r.stdout).toContain("exists only in this file");
    expect(
      (await Wallet.fromEncryptedJson(fs.readFileSync(file, "utf8"), PASSWORD)).address,
      "the password file's line, newline dropped",
    ).toBe(address);
  });

  it.each([
    [
      "an existing file",
      () => ["keystore", "create", keystore, "--generate"],
      { AGENT_KEYSTORE_PASSWORD: PASSWORD },
      "",
      /exists; keystore create never overwrites a key/,
    ],
    [
      "no password",
      () => ["keystore", "create", path.join(dir, "nopw.json"), "--generate"],
      {},
      "",
      /no password: pass --password-file <path>, or set AGENT_KEYSTORE_PASSWORD_FILE or AGENT_KEYSTORE_PASSWORD/,
    ],
    [
      "a short password",
      () => ["keystore", "create", path.join(dir, "short.json"), "--generate"],
      { AGENT_KEYSTORE_PASSWORD: "abc" },
      "",
      /AGENT_KEYSTORE_PASSWORD: the password is shorter than 8 characters/,
    ],
    [
      "a password file that does not exist",
      () => ["keystore", "create", path.join(dir, "nofile.json"), "--generate", "--password-file", "nowhere.txt"],
      {},
      "",
      /--password-file: the password file .*\/nowhere\.txt does not exist/,
    ],
    [
      "empty stdin, no --generate",
      () => ["keystore", "create", path.join(dir, "empty.json")],
      { AGENT_KEYSTORE_PASSWORD: PASSWORD },
      "",
      /stdin is empty: pipe the private key in, or pass --generate/,
    ],
    [
      "stdin that is not a key",
      () => ["keystore", "create", path.join(dir, "bad.json")],
      { AGENT_KEYSTORE_PASSWORD: PASSWORD },
      `${AGENT_KEY.slice(0, 40)}\n`,
      /stdin does not hold a private key \(32 bytes of hex, with or without 0x\)/,
    ],
  ] as const)("refuses %s: exit 2, the reason, no file, nothing secret", async (_, args, env, input, message) => {
    const before = fs.readdirSync(dir).length;
    const r = await treasuryAgent(args(), { env: { ...env }, input });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr, "one line, no stack").not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain(AGENT_KEY.slice(2, 20));
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(fs.readdirSync(dir).length, "no file written").toBe(before);
  });
});

describe("opening the keystore", () => {
  it("status with the right password reports on the keystore's agent", async () => {
    const r = await treasuryAgent(["status", "--config", configWith({ keystorePath: "agent.keystore.json" })], {
      env: { AGENT_KEYSTORE_PASSWORD: PASSWORD },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Agent ${AGENT} on chain 31337`);
  });

  it.each([["status"], ["sessions"], ["plan"], ["run", "--once"]])(
    "%s with a wrong password: exit 2, says so, no report",
    async (...command) => {
      const r = await treasuryAgent([...command, "--config", configWith({ keystorePath: "agent.keystore.json" })], {
        env: { AGENT_KEYSTORE_PASSWORD: "not-the-password" },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(
        `treasury-agent: wrong password for the keystore ${keystore} (the password from AGENT_KEYSTORE_PASSWORD does not decrypt it)\n`,
      );
      expect(r.stdout, "no report").toBe("");
    },
  );

  it("a missing keystore is reported missing, with its resolved path and the folder a relative path was taken from", async () => {
    const sub = path.join(dir, "conf");
    fs.mkdirSync(sub, { recursive: true });
    const r = await treasuryAgent(["status", "--config", configWith({ keystorePath: "missing.keystore.json" }, sub)], {
      env: { AGENT_KEYSTORE_PASSWORD: PASSWORD },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      `treasury-agent: the keystore ${path.join(sub, "missing.keystore.json")} does not exist (key.keystorePath "missing.keystore.json" is relative: taken from the config file's folder ${sub})\n`,
    );
    const env = await treasuryAgent(["run", "--once", "--config", configWith({}, sub)], {
      env: { AGENT_KEYSTORE: "k.json", AGENT_KEYSTORE_PASSWORD: PASSWORD },
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain(
      `the keystore ${path.join(sub, "k.json")} does not exist (AGENT_KEYSTORE "k.json" is relative: taken from the config file's folder ${sub})`,
    );
  });

  it("reads the password from a file: key.keystorePasswordFile (relative to the config's folder) or AGENT_KEYSTORE_PASSWORD_FILE", async () => {
    fs.writeFileSync(path.join(dir, "agent.password"), `${PASSWORD}\n`);
    const field = await treasuryAgent([
      "sessions",
      "--config",
      configWith({ keystorePath: "agent.keystore.json", keystorePasswordFile: "agent.password" }),
    ]);
    expect(field.code, field.stderr).toBe(0);
    expect(field.stdout).toContain(`Sessions of agent ${AGENT}`);
    const env = await treasuryAgent(["sessions", "--config", configWith({ keystorePath: "agent.keystore.json" })], {
      env: { AGENT_KEYSTORE_PASSWORD_FILE: path.join(dir, "agent.password") },
    });
    expect(env.code, env.stderr).toBe(0);
  });

  it.each([
    [
      "a password file that does not exist",
      { keystorePasswordFile: "nowhere.password" },
      {},
      (): string =>
        `invalid config: key.keystorePasswordFile: the password file ${path.join(dir, "nowhere.password")} does not exist`,
    ],
    [
      "an empty password file",
      { keystorePasswordFile: "empty.password" },
      {},
      (): string =>
        `invalid config: key.keystorePasswordFile: the password file ${path.join(dir, "empty.password")} is empty`,
    ],
    [
      "a password file and AGENT_KEYSTORE_PASSWORD",
      { keystorePasswordFile: "agent.password" },
      { AGENT_KEYSTORE_PASSWORD: PASSWORD },
      (): string =>
        "invalid config: key.keystorePasswordFile: give the keystore's password either in AGENT_KEYSTORE_PASSWORD or in a file, not both",
    ],
    [
      "a password file with the wrong password",
      { keystorePasswordFile: "wrong.password" },
      {},
      (): string =>
        `wrong password for the keystore ${keystore} (the password from the password file ${path.join(dir, "wrong.password")} does not decrypt it)`,
    ],
  ] as const)("refuses %s, naming the field or the file", async (_, key, env, message) => {
    fs.writeFileSync(path.join(dir, "empty.password"), "\n");
    fs.writeFileSync(path.join(dir, "wrong.password"), "not-the-password\n");
    const r = await treasuryAgent(["status", "--config", configWith({ keystorePath: "agent.keystore.json", ...key })], {
      env: { ...env },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`treasury-agent: ${message()}\n`);
    expect(r.stderr).not.toContain("not-the-password");
  });
});
