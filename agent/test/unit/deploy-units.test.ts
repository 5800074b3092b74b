/**
 * The systemd units in agent/deploy cannot rot: each ExecStart runs a command and options the CLI has, the stop
 * timeout outlasts the daemon's own stop bound, and the environment file names only variables the configuration reads.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli.js";
import { STOP_TIMEOUT_SECONDS } from "../../src/cli/run.js";
import { ENV_FIELDS } from "../../src/config/load.js";

const DEPLOY = path.resolve(import.meta.dirname, "../../deploy");
const PACKAGE = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as {
  bin: Record<string, string>;
};

/** A unit file as its sections' settings; a setting given twice keeps every value. */
function parseUnit(file: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections[section[1]!] = {};
      continue;
    }
    const eq = line.indexOf("=");
    expect(current, `${path.basename(file)}: "${line}" outside a section`).toBeDefined();
    expect(eq, `${path.basename(file)}: "${line}" is no setting`).toBeGreaterThan(0);
    (current![line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return sections;
}

/** Seconds of a systemd time span such as "45s", "2min" or "45". */
function seconds(span: string): number {
  const m = /^(\d+)(s|min)?$/.exec(span);
  expect(m, `time span "${span}"`).not.toBeNull();
  return Number(m![1]) * (m![2] === "min" ? 60 : 1);
}

const services = fs.readdirSync(DEPLOY).filter((f) => f.endsWith(".service"));

describe("deploy/*.service", () => {
  it("there is the daemon's unit", () => {
    expect(services).toContain("treasury-agent.service");
  });

  it.each(services)("%s: ExecStart runs a command and options the CLI has", (name) => {
    const [execStart, ...more] = parseUnit(path.join(DEPLOY, name)).Service!.ExecStart!;
    expect(more, "one ExecStart").toEqual([]);
    const [executable, command, ...args] = execStart!.split(/\s+/);
    expect(Object.keys(PACKAGE.bin), "the package's executable").toContain(path.basename(executable!));
    const cli = buildProgram(() => {}).commands.find((c) => c.name() === command);
    expect(cli, `treasury-agent ${command}`).toBeDefined();
    for (const arg of args.filter((a) => a.startsWith("-"))) {
      expect(
        cli!.options.some((o) => o.long === arg || o.short === arg),
        `treasury-agent ${command} ${arg}`,
      ).toBe(true);
    }
  });

  it.each(services)(
    "%s: stops on SIGTERM, waits longer than the daemon's stop bound, runs hardened as its own user",
    (name) => {
      const s = parseUnit(path.join(DEPLOY, name)).Service!;
      expect(s.KillSignal).toEqual(["SIGTERM"]);
      expect(seconds(s.TimeoutStopSec![0]!), "TimeoutStopSec").toBeGreaterThan(STOP_TIMEOUT_SECONDS);
      expect(s.User?.[0]).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(s.NoNewPrivileges).toEqual(["yes"]);
      expect(s.ProtectSystem).toEqual(["strict"]);
      expect(s.ReadWritePaths, "the state directory is the only writable path").toEqual([s.WorkingDirectory![0]]);
      expect(s.EnvironmentFile).toEqual(["/etc/treasury-agent/agent.env"]);
    },
  );

  it("the daemon restarts on failure, but not on a bad configuration or key (exit 2)", () => {
    const s = parseUnit(path.join(DEPLOY, "treasury-agent.service")).Service!;
    expect(s.Restart).toEqual(["on-failure"]);
    expect(s.RestartPreventExitStatus).toEqual(["2"]);
  });

  it("agent.env.example sets only variables the configuration reads, the data directory where the unit lets it write", () => {
    const vars = Object.fromEntries(
      fs
        .readFileSync(path.join(DEPLOY, "agent.env.example"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    for (const name of Object.keys(vars)) expect(Object.keys(ENV_FIELDS), name).toContain(name);
    expect(vars.AGENT_KEYSTORE_PASSWORD, "no secret in the environment file").toBeUndefined();
    expect(vars.AGENT_KEYSTORE_PASSWORD_FILE).toBeDefined();
    expect(parseUnit(path.join(DEPLOY, "treasury-agent.service")).Service!.ReadWritePaths).toEqual([
      vars.AGENT_DATA_DIR,
    ]);
  });
});
