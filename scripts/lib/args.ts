/**
 * The command line of the scripts that take options (the demo, the lending bench): strict parsing, `-h/--help`, and the
 * answer to bad options (the error, then the usage, on stderr; exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * The options' values, or the exit code when there is nothing to run: 0 after printing the usage (`--help`, on
 * `out`), 2 after saying what is wrong with the options.
 */
export function parseCommandLine(
  argv: string[],
  options: Options,
  usage: string,
  out: (line: string) => void = console.log,
): { values: Record<string, string | boolean | undefined> } | { exit: number } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${usage}`);
    return { exit: 2 };
  }
  if (values.help) {
    out(usage);
    return { exit: 0 };
  }
  return { values };
}

/** An option's value as a whole number; NaN when it is not one (the caller's range check then names the option). */
export function wholeNumber(value: string | boolean | undefined): number {
  return /^\d+$/.test(String(value)) ? Number(value) : Number.NaN;
}
