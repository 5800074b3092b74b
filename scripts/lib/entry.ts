/**
 * The entry of a command-line script: runs `main` when the file is the process's own script (not when a test imports
 * it), prints an error as one line (its stack with DEBUG set), and exits with `main`'s code (1 on an error).
 */
import { pathToFileURL } from "node:url";

export async function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (err) {
    console.error(`error: ${err instanceof Error ? (process.env.DEBUG ? err.stack : err.message) : String(err)}`);
    code = 1;
  }
  process.exit(code);
}
