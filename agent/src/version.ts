/** The package's name and version, from its package.json (one level above `src/` and `dist/` alike). */
import { createRequire } from "node:module";

const manifest = createRequire(import.meta.url)("../package.json") as { name: string; version: string };

export const AGENT_PACKAGE = manifest.name;
export const AGENT_VERSION = manifest.version;
