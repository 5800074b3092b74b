/** Runs the command line in-process, as `treasury-agent <args…>`, with what it prints and its exit code. */
import { runCli } from "../../src/cli.js";

export async function runCommand(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["node", "treasury-agent", ...args], {
    print: (t) => (out += `${t}\n`),
    writeErr: (t) => (err += t),
    writeOut: (t) => (out += t),
  });
  return { code, out, err };
}
