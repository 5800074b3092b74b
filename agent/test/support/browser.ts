/**
 * Debian's chromium for the browser tests, driven by playwright-core (never a downloaded browser). A test file is
 * skipped only on a machine without chromium outside CI; in CI (.ci/run installs it) a missing browser fails the test.
 */
import fs from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Whether to skip the browser tests of `what` (said once, on stderr, when skipped). */
export function browserSkipped(what: string): boolean {
  const skip = !fs.existsSync(CHROMIUM) && !process.env.CI;
  if (skip) {
    console.warn(
      `SKIPPED: ${what} needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium); .ci/run installs it`,
    );
  }
  return skip;
}

/** Headless, sandbox off (containers), no GPU, nothing fetched in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
