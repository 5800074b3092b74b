/**
 * Starting and stopping a loopback or operator-facing HTTP server: one way for the dashboard and the devnet's servers.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";

export interface Listening {
  /** The port it listens on (the one picked when asked for 0). */
  port: number;
  /** Stops listening and ends the connections still open. */
  close(): Promise<void>;
}

/** Starts `server` on `host:port` (0: any free port); rejects when it cannot listen there (EADDRINUSE, EACCES…). */
export async function listen(server: http.Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
