/**
 * A remote signer for the tests: a small HTTPS JSON-RPC server holding a test key, speaking Web3Signer's methods
 * (`eth_accounts`, `eth_signTransaction`) behind a bearer credential, with a self-signed certificate made by the system
 * `openssl`. It can be told to misbehave (sign another transaction than the one asked for), and is stopped and started
 * again on the same port to play a signer that goes down.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Transaction, Wallet } from "ethers";

/** Why the tests that need `openssl` cannot run here, or undefined when it is there. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "the system `openssl` is not installed (apt-get install openssl): it makes the signer's self-signed certificate";
  }
}

export interface TestCert {
  certPem: string;
  keyPem: string;
  certFile: string;
  /** "AB:CD:…", as Node reports it. */
  fingerprint256: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, written under `dir`. */
export function selfSignedCert(dir: string, name = "signer"): TestCert {
  const keyFile = path.join(dir, `${name}.key.pem`);
  const certFile = path.join(dir, `${name}.cert.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=test signer",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdio: "ignore" },
  );
  const certPem = fs.readFileSync(certFile, "utf8");
  return {
    certPem,
    keyPem: fs.readFileSync(keyFile, "utf8"),
    certFile,
    fingerprint256: new crypto.X509Certificate(certPem).fingerprint256,
  };
}

/** How the signer answers `eth_signTransaction`. */
export type SignerBehaviour = "honest" | "other-nonce" | "other-data" | "other-key" | "wrong-hash" | "hang";

export interface TestSigner {
  url: string;
  port: number;
  address: string;
  /** Requests received, with the auth header as it came. */
  requests: Array<{ method: string; auth?: string; params: unknown[] }>;
  behaviour: SignerBehaviour;
  /** `eth`: Web3Signer's methods, the bytes as the answer; `clef`: Clef's, `{raw, tx}` as the answer. */
  api: "eth" | "clef";
  stop(): Promise<void>;
  /** Listens again on the same port (after `stop`). */
  start(): Promise<void>;
}

export async function startSigner(options: {
  key: string;
  cert: TestCert;
  auth: string;
  port?: number;
}): Promise<TestSigner> {
  const wallet = new Wallet(options.key);
  const other = Wallet.createRandom();
  const signer: TestSigner = {
    url: "",
    port: options.port ?? 0,
    address: wallet.address,
    requests: [],
    behaviour: "honest",
    api: "eth",
    stop: async () => undefined,
    start: async () => undefined,
  };
  const handle = async (body: string, auth: string | undefined): Promise<{ status: number; json?: unknown }> => {
    const request = JSON.parse(body) as { id: number; method: string; params: unknown[] };
    signer.requests.push({ method: request.method, auth, params: request.params });
    if (auth !== `Bearer ${options.auth}`) return { status: 401 };
    const reply = (result: unknown) => ({ status: 200, json: { jsonrpc: "2.0", id: request.id, result } });
    const methods =
      signer.api === "clef"
        ? { accounts: "account_list", sign: "account_signTransaction" }
        : { accounts: "eth_accounts", sign: "eth_signTransaction" };
    if (request.method === methods.accounts) return reply([wallet.address.toLowerCase()]);
    if (signer.behaviour === "hang") return new Promise(() => undefined);
    if (request.method !== methods.sign)
      return { status: 200, json: { jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "not found" } } };
    const p = request.params[0] as Record<string, string>;
    const tx = Transaction.from({
      type: 2,
      to: p.to,
      data: p.data,
      nonce: Number(p.nonce),
      gasLimit: BigInt(p.gas!),
      maxFeePerGas: BigInt(p.maxFeePerGas!),
      maxPriorityFeePerGas: BigInt(p.maxPriorityFeePerGas!),
      value: BigInt(p.value ?? "0x0"),
      chainId: BigInt(p.chainId!),
    });
    if (signer.behaviour === "other-nonce") tx.nonce += 1;
    if (signer.behaviour === "other-data") tx.data = `${tx.data.slice(0, -2)}ff`;
    const raw = await (signer.behaviour === "other-key" ? other : wallet).signTransaction(tx);
    if (signer.api === "eth") return reply(raw);
    const hash = signer.behaviour === "wrong-hash" ? `0x${"ee".repeat(32)}` : Transaction.from(raw).hash;
    return reply({ raw, tx: { ...p, hash } });
  };
  const server = https.createServer({ cert: options.cert.certPem, key: options.cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(Buffer.concat(chunks).toString("utf8"), req.headers.authorization).then(
        ({ status, json }) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(json === undefined ? "" : JSON.stringify(json));
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    });
  });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(signer.port, "127.0.0.1", () => {
        server.off("error", reject);
        signer.port = (server.address() as AddressInfo).port;
        signer.url = `https://127.0.0.1:${signer.port}/`;
        resolve();
      });
    });
  signer.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  signer.start = listen;
  await listen();
  return signer;
}
