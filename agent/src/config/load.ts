/**
 * Loads the configuration once: reads the JSON file, lays the environment over it, and parses the result with the one
 * schema. Any problem is a `ConfigError` naming the field.
 */
import fs from "node:fs";
import path from "node:path";
import { endpointName } from "../chain/provider.js";
import { ConfigError } from "../failures.js";
import { configSchema, type AgentConfig } from "./schema.js";

/** Environment variables and the config field each one sets. */
export const ENV_FIELDS: Record<string, string[]> = {
  /** One URL, or several in order of preference separated by commas. */
  AGENT_RPC_URL: ["network", "rpcUrl"],
  AGENT_CHAIN_ID: ["network", "chainId"],
  AGENT_LENS: ["lens"],
  AGENT_ADDRESS: ["agentAddress"],
  AGENT_DATA_DIR: ["dataDir"],
  AGENT_KEYSTORE: ["key", "keystorePath"],
  AGENT_KEYSTORE_PASSWORD: ["key", "keystorePassword"],
  AGENT_PRIVATE_KEY: ["key", "privateKey"],
  AGENT_METRICS_PORT: ["metrics", "port"],
  AGENT_METRICS_HOST: ["metrics", "host"],
  AGENT_LOG_LEVEL: ["log", "level"],
  AGENT_POLL_INTERVAL_MS: ["network", "pollIntervalMs"],
  AGENT_RPC_TIMEOUT_MS: ["network", "requestTimeoutMs"],
};

const SECRET_FIELDS = ["keystorePassword", "privateKey"];

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** Parses an already-read file object and environment. Exposed for tests. */
export function parseConfig(file: unknown, env: NodeJS.ProcessEnv, baseDir = process.cwd()): AgentConfig {
  if (typeof file !== "object" || file === null || Array.isArray(file)) {
    throw new ConfigError("invalid config: the file must hold a JSON object", "(file)");
  }
  const merged = structuredClone(file) as Record<string, unknown>;
  const key = merged.key;
  for (const secret of SECRET_FIELDS) {
    if (typeof key === "object" && key !== null && secret in key) {
      throw new ConfigError(
        `invalid config: key.${secret}: secrets are read from the environment only, never from the config file`,
        `key.${secret}`,
      );
    }
  }
  for (const [name, keys] of Object.entries(ENV_FIELDS)) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(merged, keys, value);
  }
  // AGENT_RPC_URL (one URL, or several separated by commas) replaces the file's endpoints, whichever form they took.
  if (env.AGENT_RPC_URL) delete (merged.network as Record<string, unknown>).rpcUrls;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || "(root)";
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    throw new ConfigError(`invalid config: ${field}: ${issue.message}${more}`, field, { cause: parsed.error });
  }
  const config = parsed.data;
  config.dataDir = path.resolve(baseDir, config.dataDir);
  if (config.key.keystorePath) config.key.keystorePath = path.resolve(baseDir, config.key.keystorePath);
  return config;
}

/** Reads `file` (or AGENT_CONFIG) and parses it with the environment. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const configPath = file ?? env.AGENT_CONFIG;
  if (!configPath) throw new ConfigError("invalid config: no config file (pass --config or set AGENT_CONFIG)", "(file)");
  let text: string;
  try {
    text = fs.readFileSync(configPath, "utf8");
  } catch (err) {
    throw new ConfigError(`invalid config: cannot read ${configPath}`, "(file)", { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid config: ${configPath} is not valid JSON`, "(file)", { cause: err });
  }
  return parseConfig(json, env, path.dirname(path.resolve(configPath)));
}

/** The configuration with secrets removed, for logs. */
export function redactedConfig(config: AgentConfig): unknown {
  // RPC URLs often carry an API key in their path or query: only scheme, host and port are shown.
  const urls = config.network.rpcUrls.map(endpointName);
  return {
    ...config,
    network: { ...config.network, rpcUrl: urls[0], rpcUrls: urls },
    key: { keystorePath: config.key.keystorePath, keystore: !!config.key.keystorePath, rawKey: !!config.key.privateKey },
  };
}
