/**
 * JSON-RPC over HTTPS to a remote signer, with the TLS checks an operator configures: a CA file trusted in place of the
 * system's, and/or the SHA-256 fingerprint of the signer's certificate (a pin, which also admits a self-signed
 * certificate). The TLS connection is opened and checked before the request is written, so the auth header never
 * reaches a server that failed the checks. The header's value is never put in a log line or an error message.
 */
import http from "node:http";
import { isIP } from "node:net";
import tls from "node:tls";
import { endpointName } from "../chain/provider.js";
import { SignerError } from "../failures.js";

export interface SignerTransportOptions {
  url: string;
  /** Header carrying the credential (e.g. `Authorization`), and its value (from the environment or a file). */
  authHeader: string;
  auth?: string;
  /** PEM of the CA (or the self-signed certificate) trusted for the signer, in place of the system's CAs. */
  ca?: string;
  /** The signer certificate's SHA-256 fingerprint, hex with or without colons. */
  certSha256?: string;
  timeoutMs: number;
}

/** "AB:CD:…" in upper case, from hex with or without colons. */
export function normalizeFingerprint(hex: string): string {
  const bare = hex.replace(/:/g, "").toUpperCase();
  return bare.match(/.{2}/g)?.join(":") ?? "";
}

export class SignerTransport {
  /** Scheme, host and port: how logs and messages name the signer (never its path, which may hold a token). */
  readonly name: string;
  private nextId = 1;

  constructor(private readonly options: SignerTransportOptions) {
    this.name = endpointName(options.url);
  }

  /** One JSON-RPC call; any failure is a `SignerError` saying what failed, without the credential. */
  async call(method: string, params: unknown[]): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params });
    const { status, text } = await this.post(body);
    if (status === 401 || status === 403) {
      throw new SignerError(
        `the remote signer ${this.name} refused the credentials (HTTP ${status}) for ${method}: check the ${this.options.authHeader} header's value (AGENT_SIGNER_AUTH or key.remoteSigner.authFile)`,
      );
    }
    if (status < 200 || status >= 300)
      throw new SignerError(`the remote signer ${this.name} answered ${method} with HTTP ${status}`);
    let answer: { result?: unknown; error?: { code?: number; message?: string } };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch (err) {
      throw new SignerError(`the remote signer ${this.name} answered ${method} with something other than JSON`, {
        cause: err,
      });
    }
    if (answer.error) {
      throw new SignerError(
        `the remote signer ${this.name} refused ${method}: ${String(answer.error.message ?? "error")}${answer.error.code === undefined ? "" : ` (code ${answer.error.code})`}`,
      );
    }
    if (!("result" in answer))
      throw new SignerError(`the remote signer ${this.name} answered ${method} with neither a result nor an error`);
    return answer.result;
  }

  private async post(body: string): Promise<{ status: number; text: string }> {
    const url = new URL(this.options.url);
    const deadline = setTimeoutPromise(this.options.timeoutMs);
    let socket: tls.TLSSocket | undefined;
    try {
      if (url.protocol === "https:") socket = await Promise.race([this.connectTls(url), deadline.promise]);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
      };
      if (this.options.auth !== undefined) headers[this.options.authHeader.toLowerCase()] = this.options.auth;
      const connected = socket;
      return await Promise.race([
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = http.request(
            {
              method: "POST",
              host: url.hostname,
              port: url.port || (url.protocol === "https:" ? 443 : 80),
              path: `${url.pathname}${url.search}`,
              headers,
              // The checked TLS socket, used as it is (with an agent, Node would open a connection of its own).
              ...(connected ? { createConnection: () => connected } : { agent: false }),
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
              );
              res.on("error", reject);
            },
          );
          req.on("error", reject);
          deadline.onExpire(() => req.destroy());
          req.end(body);
        }),
        deadline.promise,
      ]);
    } catch (err) {
      socket?.destroy();
      if (err instanceof SignerError) throw err;
      if (err === TIMEOUT)
        throw new SignerError(`the remote signer ${this.name} did not answer within ${this.options.timeoutMs} ms`);
      const code = (err as NodeJS.ErrnoException).code;
      throw new SignerError(`cannot reach the remote signer ${this.name} (${code ?? (err as Error).message})`, {
        cause: err,
      });
    } finally {
      deadline.clear();
    }
  }

  /**
   * Opens the TLS connection and checks it before anything is written: the pin when one is configured (a self-signed
   * certificate then passes), else (or as well, with a CA file) the chain and the host name.
   */
  private connectTls(url: URL): Promise<tls.TLSSocket> {
    const { ca, certSha256 } = this.options;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host,
        port: Number(url.port || 443),
        servername: isIP(host) === 0 ? host : undefined,
        ca,
        // Checked below, before the request is written: a pin admits a self-signed certificate.
        rejectUnauthorized: false,
      });
      socket.once("error", reject);
      socket.once("secureConnect", () => {
        socket.off("error", reject);
        const cert = socket.getPeerCertificate();
        if (certSha256 !== undefined) {
          const pinned = normalizeFingerprint(certSha256);
          if (cert.fingerprint256 !== pinned) {
            socket.destroy();
            reject(
              new SignerError(
                `the remote signer ${this.name} presented a certificate with SHA-256 ${cert.fingerprint256 ?? "(none)"}, not the pinned ${pinned} (key.remoteSigner.certSha256); nothing was sent to it`,
              ),
            );
            return;
          }
        }
        if ((certSha256 === undefined || ca !== undefined) && !socket.authorized) {
          socket.destroy();
          reject(
            new SignerError(
              `the remote signer ${this.name} presented a certificate that is not trusted (${String(socket.authorizationError)}); ` +
                "set key.remoteSigner.caFile to the CA that issued it, or key.remoteSigner.certSha256 to pin it; nothing was sent to it",
            ),
          );
          return;
        }
        resolve(socket);
      });
    });
  }
}

const TIMEOUT = Symbol("timeout");

function setTimeoutPromise(ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const hooks: Array<() => void> = [];
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const h of hooks) h();
      reject(TIMEOUT);
    }, ms);
  });
  promise.catch(() => undefined);
  return {
    promise,
    onExpire: (fn: () => void) => hooks.push(fn),
    clear: () => clearTimeout(timer),
  };
}
