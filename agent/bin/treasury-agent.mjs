#!/usr/bin/env node
// The agent's executable. Installed from the package, it runs the compiled JavaScript in dist/. In the repository
// (src/ present), it runs the TypeScript through tsx, a development dependency, so no build step comes between an
// edit and a run.
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
