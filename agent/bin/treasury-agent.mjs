#!/usr/bin/env -S node --max-semi-space-size=1 --initial-old-space-size=32 --heap-growing-percent=50
// The agent's executable. Installed from the package, it runs the compiled JavaScript in dist/. In the repository
// (src/ present), it runs the TypeScript through tsx, a development dependency, so no build step comes between an
// edit and a run.
//
// Started by name (the package's bin, the systemd unit), Node runs with the options of the first line: a young
// generation of 1 MiB semi-spaces and an old generation that starts at 32 MiB and grows by half its live size, so a
// tick's garbage is collected before it grows the resident set (agent README, "Memory"). `node bin/treasury-agent.mjs`
// runs without them; NODE_OPTIONS adds to them.
import { existsSync } from "node:fs";

const source = new URL("../src/cli.ts", import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(source.href);
} else {
  cli = await import("../dist/cli.js");
}
await cli.main(process.argv);
