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
  AGENT_KEYSTORE_PASSWORD_FILE: ["key", "keystorePasswordFile"],
  AGENT_PRIVATE_KEY: ["key", "privateKey"],
  AGENT_SIGNER_URL: ["key", "remoteSigner", "url"],
  AGENT_SIGNER_ADDRESS: ["key", "remoteSigner", "address"],
  /** The remote signer's credential: the auth header's whole value (e.g. "Bearer …"). */
  AGENT_SIGNER_AUTH: ["key", "remoteSigner", "auth"],
  AGENT_SIGNER_AUTH_FILE: ["key", "remoteSigner", "authFile"],
  AGENT_SIGNER_CA_FILE: ["key", "remoteSigner", "caFile"],
  /** High availability: the PostgreSQL URL (a secret: it carries the password), or a file holding it; the node's name. */
  AGENT_HA_DATABASE_URL: ["ha", "databaseUrl"],
  AGENT_HA_DATABASE_URL_FILE: ["ha", "databaseUrlFile"],
  AGENT_HA_NODE_ID: ["ha", "nodeId"],
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
  const signer = typeof key === "object" && key !== null ? (key as Record<string, unknown>).remoteSigner : undefined;
  if (typeof signer === "object" && signer !== null && "auth" in signer) {
    throw new ConfigError(
      "invalid config: key.remoteSigner.auth: secrets are read from the environment only, never from the config file (AGENT_SIGNER_AUTH, or a file named by key.remoteSigner.authFile)",
      "key.remoteSigner.auth",
    );
  }
  const ha = merged.ha;
  if (typeof ha === "object" && ha !== null && "databaseUrl" in ha) {
    throw new ConfigError(
      "invalid config: ha.databaseUrl: the PostgreSQL URL carries its password: it is read from the environment only (AGENT_HA_DATABASE_URL), or from a file named by ha.databaseUrlFile",
      "ha.databaseUrl",
    );
  }
  for (const [name, keys] of Object.entries(ENV_FIELDS)) {
    const value = env[name];
    // The environment speaks of one chain: with several, which one it meant is not known.
    if (value !== undefined && value !== "" && keys[0] === "network" && merged.networks !== undefined) {
      throw new ConfigError(
        `invalid config: networks: ${name} sets network.${keys[1]}, but the config lists several networks; set it on each one in the file`,
        "networks",
      );
    }
    if (value !== undefined && value !== "") setPath(merged, keys, value);
  }
  // AGENT_RPC_URL (one URL, or several separated by commas) replaces the file's endpoints, whichever form they took.
  if (env.AGENT_RPC_URL) delete (merged.network as Record<string, unknown>).rpcUrls;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    // Every field's problem, the first one first (it names the field): fixing one at a time is slow when each start is
    // a try. A field's first problem only (a later one is often the same fault seen by a refinement).
    const byField = new Map<string, string>();
    for (const issue of parsed.error.issues) {
      const path = issue.path.join(".") || "(root)";
      if (!byField.has(path)) byField.set(path, issue.message);
    }
    const problems = [...byField].map(([path, message]) => `${path}: ${message}`);
    const field = byField.keys().next().value!;
    throw new ConfigError(`invalid config: ${problems.join("; ")}`, field, { cause: parsed.error });
  }
  const config = parsed.data;
  config.dataDir = path.resolve(baseDir, config.dataDir);
  if (config.key.keystorePath) {
    const given = config.key.keystorePath;
    config.key.keystorePath = path.resolve(baseDir, given);
    KEYSTORE_ORIGINS.set(config.key, {
      given,
      from: env.AGENT_KEYSTORE ? "AGENT_KEYSTORE" : "key.keystorePath",
      baseDir: path.isAbsolute(given) ? undefined : baseDir,
    });
  }
  if (config.key.keystorePasswordFile) {
    config.key.keystorePasswordFile = path.resolve(baseDir, config.key.keystorePasswordFile);
    config.key.keystorePassword = readPasswordFile(
      config.key.keystorePasswordFile,
      env.AGENT_KEYSTORE_PASSWORD_FILE ? "AGENT_KEYSTORE_PASSWORD_FILE" : "key.keystorePasswordFile",
    );
  }
  const remote = config.key.remoteSigner;
  if (remote?.caFile) remote.caFile = path.resolve(baseDir, remote.caFile);
  if (remote?.authFile) {
    remote.authFile = path.resolve(baseDir, remote.authFile);
    remote.auth = readSecretFile(
      remote.authFile,
      "key.remoteSigner.authFile",
      env.AGENT_SIGNER_AUTH_FILE ? "AGENT_SIGNER_AUTH_FILE" : "key.remoteSigner.authFile",
      "credential file",
    );
  }
  if (config.ha?.databaseUrlFile) {
    const from = env.AGENT_HA_DATABASE_URL_FILE ? "AGENT_HA_DATABASE_URL_FILE" : "ha.databaseUrlFile";
    config.ha.databaseUrlFile = path.resolve(baseDir, config.ha.databaseUrlFile);
    const url = readSecretFile(config.ha.databaseUrlFile, "ha.databaseUrlFile", from, "database URL file");
    if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
      throw new ConfigError(
        `invalid config: ha.databaseUrlFile: the file ${config.ha.databaseUrlFile} does not hold a postgresql:// URL`,
        "ha.databaseUrlFile",
      );
    }
    config.ha.databaseUrl = url;
  }
  return config;
}

/** Where a keystore path came from, for messages: the value as given, who gave it, and the folder it was resolved
 * against when it was relative (the config file's folder, for the file's field and the environment's alike). */
export interface KeystoreOrigin {
  given: string;
  from: "key.keystorePath" | "AGENT_KEYSTORE";
  baseDir?: string;
}

const KEYSTORE_ORIGINS = new WeakMap<object, KeystoreOrigin>();

export function keystoreOrigin(config: AgentConfig): KeystoreOrigin | undefined {
  return KEYSTORE_ORIGINS.get(config.key);
}

/** " (key.keystorePath "k.json" is relative: taken from the config file's folder /srv/agent)", or "" when absolute. */
export function relativeNote(origin: KeystoreOrigin | undefined): string {
  if (!origin?.baseDir) return "";
  return ` (${origin.from} "${origin.given}" is relative: taken from the config file's folder ${origin.baseDir})`;
}

/** Reads the keystore's password from its file: one line, a final newline dropped. The error names the field. */
function readPasswordFile(file: string, from: string): string {
  return readSecretFile(file, "key.keystorePasswordFile", from, "password file");
}

/** Reads a secret from its file: one line, a final newline dropped. The error names the field, never the content. */
function readSecretFile(file: string, field: string, from: string, what: string): string {
  const via = from === field ? "" : ` (from ${from})`;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError(`invalid config: ${field}: the ${what} ${file}${via} ${why}`, field, { cause: err });
  }
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new ConfigError(`invalid config: ${field}: the ${what} ${file}${via} is empty`, field);
  if (/[\r\n]/.test(password)) {
    throw new ConfigError(`invalid config: ${field}: the ${what} ${file}${via} holds more than one line`, field);
  }
  return password;
}

/** `postgresql://host:5432/db` of a database URL: no user, no password, no parameters. */
export function databaseName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unreadable URL)";
  }
}

/** Reads `file` (or AGENT_CONFIG) and parses it with the environment. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const configPath = file ?? env.AGENT_CONFIG;
  if (!configPath)
    throw new ConfigError("invalid config: no config file (pass --config or set AGENT_CONFIG)", "(file)");
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
  const redact = <N extends AgentConfig["network"]>(n: N) => {
    const urls = n.rpcUrls.map(endpointName);
    return { ...n, rpcUrl: urls[0], rpcUrls: urls };
  };
  return {
    ...config,
    network: redact(config.network),
    networks: config.networks.map(redact),
    // The database URL carries its password: host, port and database only.
    ...(config.ha
      ? { ha: { ...config.ha, databaseUrl: config.ha.databaseUrl ? databaseName(config.ha.databaseUrl) : undefined } }
      : {}),
    // A webhook URL is itself a credential (Slack's, Discord's), and header values are tokens: host and header names
    // only.
    alerts: {
      ...config.alerts,
      targets: config.alerts.targets.map((t) => ({ ...t, url: endpointName(t.url), headers: Object.keys(t.headers) })),
    },
    key: {
      keystorePath: config.key.keystorePath,
      keystorePasswordFile: config.key.keystorePasswordFile,
      keystore: !!config.key.keystorePath,
      rawKey: !!config.key.privateKey,
      // The signer's URL may carry a token in its path, and its credential is a secret: neither is shown.
      ...(config.key.remoteSigner
        ? {
            remoteSigner: {
              url: endpointName(config.key.remoteSigner.url),
              address: config.key.remoteSigner.address,
              api: config.key.remoteSigner.api,
              authHeader: config.key.remoteSigner.authHeader,
              auth: config.key.remoteSigner.auth === undefined ? "none" : "set",
              authFile: config.key.remoteSigner.authFile,
              caFile: config.key.remoteSigner.caFile,
              certSha256: config.key.remoteSigner.certSha256,
              timeoutMs: config.key.remoteSigner.timeoutMs,
            },
          }
        : {}),
    },
  };
}
