/**
 * A webhook receiver on loopback, started by the test: keeps every request it answered 2xx, and can be made to answer
 * another status, to answer nothing (status 0: the request hangs), or to stop listening (a refused connection) and
 * come back on the same port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

export async function startReceiver(port = 0) {
  const received: Received[] = [];
  /** Every request that arrived, answered or not (raw bodies). */
  const arrived: string[] = [];
  let status = 200;
  let server: http.Server | undefined;
  const listen = () =>
    new Promise<number>((resolve, reject) => {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          arrived.push(raw);
          if (status === 0) return;
          if (status < 300)
            received.push({
              path: req.url ?? "",
              headers: req.headers,
              raw,
              body: JSON.parse(raw) as Record<string, unknown>,
            });
          res.writeHead(status).end();
        });
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve((server!.address() as AddressInfo).port));
    });
  port = await listen();
  const stop = () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  return {
    port,
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    received,
    arrived,
    /** Answer every request with this status from now on (0: never answer). */
    answer(code: number) {
      status = code;
    },
    /** Stops listening: connections are refused until `restart`. */
    async down() {
      server?.closeAllConnections();
      await stop();
      server = undefined;
    },
    async restart() {
      await listen();
    },
    close: async () => {
      server?.closeAllConnections();
      await stop();
    },
  };
}

/** Polls until `check` holds, or fails after `ms`. */
export async function until(check: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
