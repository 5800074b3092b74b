import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder (its Hardhat config, artifacts and node_modules). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
