/**
 * A real PostgreSQL server for the HA tests, from Debian's packages (`postgresql`; CI installs it): `initdb` and
 * `pg_ctl` in a temporary directory, on a free port, trust authentication on localhost. PostgreSQL refuses to run as
 * root: as root, the directory is given to the `postgres` system user and the binaries run as it (`runuser`).
 *
 * Missing binaries: `findPostgres()` is undefined; the tests skip with a message locally and fail under CI=true.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../devnet/anvil.js";

/** The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl. */
export function findPostgres(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter(
      (v) => fs.existsSync(path.join(root, v, "bin", "initdb")) && fs.existsSync(path.join(root, v, "bin", "pg_ctl")),
    )
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : undefined;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export const POSTGRES_MISSING = findPostgres()
  ? undefined
  : "PostgreSQL's binaries are not installed (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql";

export interface PostgresServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgres();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-pg-"));
  const data = path.join(dir, "data");
  if (asRoot) execFileSync("chown", ["-R", "postgres:postgres", dir]);
  fs.chmodSync(dir, 0o755);
  const run = (cmd: string, args: string[]) =>
    execFileSync(
      asRoot ? "runuser" : path.join(bin, cmd),
      asRoot ? ["-u", "postgres", "--", path.join(bin, cmd), ...args] : args,
      {
        stdio: ["ignore", "pipe", "pipe"],
        cwd: dir,
      },
    );
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    path.join(dir, "log"),
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
    "start",
  ]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Already gone.
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Skips the suite with a message when PostgreSQL is missing locally; under CI a missing server is a failure. */
export function postgresOrSkip(): boolean {
  if (!POSTGRES_MISSING) return true;
  if (process.env.CI === "true") throw new Error(`${POSTGRES_MISSING} (CI must install it: .ci/run does)`);
  console.warn(`skipping the PostgreSQL tests: ${POSTGRES_MISSING}`);
  return false;
}
