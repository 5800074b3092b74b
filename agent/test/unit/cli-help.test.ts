/** Every command has a --help that says what it does and takes. */
import { describe, expect, it } from "vitest";
import { buildProgram, failure } from "../../src/cli.js";
import { ConfigError, RpcError } from "../../src/failures.js";

function help(args: string[]): string {
  let out = "";
  const program = buildProgram()
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  for (const c of program.commands)
    c.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  try {
    program.parse(["node", "cli", ...args]);
  } catch (err) {
    expect((err as { code?: string }).code).toBe("commander.helpDisplayed");
  }
  return out;
}

describe("CLI help", () => {
  it("lists the commands", () => {
    const out = help(["--help"]);
    for (const c of ["run", "plan", "status", "sessions"]) expect(out).toContain(c);
    expect(out).toContain("AGENT_KEYSTORE_PASSWORD");
    expect(out).toContain("AGENT_SIGNER_AUTH");
    expect(out).toContain("journal");
  });
  it.each([
    ["run", ["--once", "--reset-breakers", "--config"]],
    ["plan", ["--dry-run", "--vault", "simulate each vault"]],
    ["status", ["--config", "strategies against caps"]],
    ["sessions", ["--config", "budgets left"]],
    ["journal", ["compact"]],
  ])("%s --help", (command, expected) => {
    const out = help([command, "--help"]);
    for (const e of expected) expect(out).toContain(e);
  });
});

describe("exit codes", () => {
  it("2 for configuration and key problems, 1 for the rest", () => {
    expect(failure(new ConfigError("invalid config: lens: not an address", "lens"))).toEqual({
      code: 2,
      message: "invalid config: lens: not an address",
    });
    expect(failure(new RpcError("cannot reach host", { cause: new Error("ECONNREFUSED") }))).toEqual({
      code: 1,
      message: "cannot reach host: ECONNREFUSED",
    });
  });
});
