/**
 * `keystore create`: writes an encrypted JSON keystore for the agent's key, read from stdin or generated here. The
 * password comes from a file or AGENT_KEYSTORE_PASSWORD; neither it nor the key is ever printed. Never overwrites.
 */
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { KeyError, UsageError } from "../failures.js";

export interface KeystoreCreateOptions {
  generate?: boolean;
  passwordFile?: string;
}

export interface KeystoreCreateIo {
  env: NodeJS.ProcessEnv;
  /** The whole of stdin, or undefined when stdin is a terminal (nothing piped in). */
  readStdin(): Promise<string | undefined>;
  print(text: string): void;
}

/** Shortest password accepted for a new keystore. */
export const MIN_PASSWORD_LENGTH = 8;

export async function keystoreCreateCommand(
  file: string,
  options: KeystoreCreateOptions,
  io: KeystoreCreateIo,
): Promise<void> {
  const target = path.resolve(file);
  if (fs.existsSync(target))
    throw new UsageError(`${target} exists; keystore create never overwrites a key (choose another path)`);
  if (!fs.existsSync(path.dirname(target))) throw new UsageError(`the folder ${path.dirname(target)} does not exist`);
  const password = readPassword(options, io.env);
  const wallet = options.generate ? Wallet.createRandom() : new Wallet(await readKey(io));
  const json = await wallet.encrypt(password);
  try {
    fs.writeFileSync(target, `${json}\n`, { flag: "wx", mode: 0o600 });
  } catch (err) {
    throw new UsageError(`cannot write ${target} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      cause: err,
    });
  }
  io.print(`Wrote the keystore ${target} (readable by its owner only) for agent ${wallet.address}`);
  if (options.generate)
    io.print("The key was generated here and exists only in this file: back the file and its password up.");
  io.print(
    `Use it with: key.keystorePath (or AGENT_KEYSTORE) = ${target}, and the same password in AGENT_KEYSTORE_PASSWORD or a password file.`,
  );
}

/** The password: from --password-file, AGENT_KEYSTORE_PASSWORD_FILE or AGENT_KEYSTORE_PASSWORD (exactly one). */
function readPassword(options: KeystoreCreateOptions, env: NodeJS.ProcessEnv): string {
  const sources = [
    options.passwordFile !== undefined && { name: "--password-file", file: options.passwordFile },
    !!env.AGENT_KEYSTORE_PASSWORD_FILE && {
      name: "AGENT_KEYSTORE_PASSWORD_FILE",
      file: env.AGENT_KEYSTORE_PASSWORD_FILE,
    },
    !!env.AGENT_KEYSTORE_PASSWORD && { name: "AGENT_KEYSTORE_PASSWORD" },
  ].filter((s): s is { name: string; file?: string } => !!s);
  if (sources.length === 0) {
    throw new UsageError(
      "no password: pass --password-file <path>, or set AGENT_KEYSTORE_PASSWORD_FILE or AGENT_KEYSTORE_PASSWORD",
    );
  }
  if (sources.length > 1)
    throw new UsageError(`give the password one way only (got ${sources.map((s) => s.name).join(" and ")})`);
  const source = sources[0]!;
  let password = env.AGENT_KEYSTORE_PASSWORD ?? "";
  if (source.file !== undefined) {
    const file = path.resolve(source.file);
    try {
      password = fs.readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(
        `${source.name}: the password file ${file} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code})`}`,
        { cause: err },
      );
    }
    if (/[\r\n]/.test(password))
      throw new UsageError(`${source.name}: the password file ${file} holds more than one line`);
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`${source.name}: the password is shorter than ${MIN_PASSWORD_LENGTH} characters`);
  }
  return password;
}

/** The private key from stdin: 32 bytes of hex, with or without 0x, surrounding white space ignored. */
async function readKey(io: KeystoreCreateIo): Promise<string> {
  const text = await io.readStdin();
  if (text === undefined)
    throw new UsageError("no key on stdin: pipe the private key in (e.g. from a password manager), or pass --generate");
  const key = text.trim();
  if (key === "") throw new UsageError("stdin is empty: pipe the private key in, or pass --generate");
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key))
    throw new KeyError("stdin does not hold a private key (32 bytes of hex, with or without 0x)");
  return key.startsWith("0x") ? key : `0x${key}`;
}

/** Reads all of stdin; undefined when it is a terminal. */
export async function readAllStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
