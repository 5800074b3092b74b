/**
 * Every configuration field given wrong values, from the file and from the environment: each is refused with a
 * `ConfigError` naming the field, whose message says what is wrong. A completeness check walks the schema itself, so
 * a field added later without a row here fails this file.
 */
import { describe, expect, it } from "vitest";
import type { ZodTypeAny } from "zod";
import { parseConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { ConfigError } from "../../src/failures.js";

const KEY = `0x${"ab".repeat(32)}`;
const A = "0x1111111111111111111111111111111111111111";
const B = "0x2222222222222222222222222222222222222222";

const valid = () => ({
  network: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
  lens: A,
  tx: { maxFeePerGasGwei: "100" },
  planner: { minMove: "1000", nativePriceInAsset: "3000" },
  vaults: [{ address: B, label: "main" }],
});

/** Sets a dotted path ("vaults.0.label") in a plain object, creating what is missing. */
function set(target: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split(".");
  let node: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
  return target;
}

interface Row {
  /** The field given a wrong value (dotted path); also the field the error must name unless `names` says otherwise. */
  field: string;
  value?: unknown;
  env?: Record<string, string>;
  names?: string;
  message: RegExp;
  /** Replaces the whole file instead of setting one field. */
  file?: (f: Record<string, unknown>) => unknown;
}

const planner: Array<[string, unknown, RegExp]> = [
  ["strategy", "random", /Invalid enum value\. Expected 'yield' \| 'equal-weight'/],
  ["strategy", 1, /Expected 'yield' \| 'equal-weight', received number/],
  ["minMove", "lots", /a decimal number in a string/],
  ["minMove", 1000, /a decimal number in a string/],
  ["minMove", "-5", /a decimal number in a string/],
  ["minMove", "1e3", /a decimal number in a string/],
  ["safetyMarginBps", 1_001, /at most 1000/],
  ["safetyMarginBps", 2.5, /a whole number/],
  ["safetyMarginBps", true, /a number/],
  ["horizonDays", 0, /above zero/],
  ["horizonDays", 366, /at most 365/],
  ["horizonDays", "soon", /a number/],
  ["minSpreadBps", -1, /at least 0/],
  ["minSpreadBps", 10_001, /at most 10000/],
  ["riskPremiumBps", { notAnAddress: 100 }, /not a strategy address/],
  ["riskPremiumBps", { [A]: 20_000 }, /at most 10000/],
  ["riskPremiumBps", [100], /Expected object, received array/],
  ["volatilityWeightBps", 100_001, /at most 100000/],
  ["lookbackHours", 0, /above zero/],
  ["lookbackHours", [168], /a number/],
  ["halfLifeHours", 0, /above zero/],
  ["halfLifeHours", 8_761, /at most 8760/],
  ["halfLifeHours", "6h", /a number/],
  ["plausibleLossBps", -1, /at least 0/],
  ["plausibleLossBps", 10_001, /at most 10000/],
  ["plausibleLossBps", 2.5, /a whole number/],
  ["minHoldHours", -1, /at least 0/],
  ["minHoldHours", 8_761, /at most 8760/],
  ["minHoldHours", "a day", /a number/],
  ["minSamples", 1, /at least 2/],
  ["minSamples", "three", /a number/],
  ["minWindowMinutes", -1, /at least 0/],
  ["minWindowMinutes", null, /a number/],
  ["yieldModel", "spot", /Expected 'trailing' \| 'market'/],
  ["marketHalfLifeHours", 0, /above zero/],
  ["marketHalfLifeHours", 8_761, /at most 8760/],
  ["marketWarmupHours", -1, /at least 0/],
  ["marketWarmupHours", "two days", /a number/],
  ["marketImpact", "yes", /Expected boolean/],
  ["marketWarmupRealized", "yes", /Expected boolean/],
  ["sampleIntervalSeconds", 86_401, /at most 86400/],
  ["nativePriceInAsset", 3000, /a decimal number in a string/],
  ["nativePriceInAsset", "3,000", /a decimal number in a string/],
  ["baseGas", 20_000, /at least 21000/],
  ["gasPerLeg", -1, /at least 0/],
  ["unknownSetting", 1, /Unrecognized key\(s\) in object: 'unknownSetting'/],
];

/** A file whose key is a remote signer, with `over` laid on a valid one (and `key` beside it). */
const signer =
  (over: Record<string, unknown>, key: Record<string, unknown> = {}) =>
  (f: Record<string, unknown>) =>
    set(f, "key", { ...key, remoteSigner: { url: "https://signer.example:9000", address: A, ...over } });

/** A file listing `networks` (one, "a", with `over` laid on it, or `list`) in place of `network`, its vault on "a". */
const networks =
  (over: Record<string, unknown>, list?: unknown) =>
  ({ network: _, ...f }: Record<string, unknown>) => ({
    ...f,
    networks: list ?? [{ name: "a", rpcUrl: "http://127.0.0.1:8545", chainId: 31337, ...over }],
    vaults: [{ address: B, label: "main", network: "a" }],
  });

const rows: Row[] = [
  // networks (several chains)
  { field: "networks", file: networks({}, "a"), message: /a list of networks/ },
  { field: "networks", file: networks({}, []), message: /list at least one network/ },
  { field: "networks", file: (f) => ({ ...networks({})(f), network: f.network }), message: /not both/ },
  { field: "networks.0", file: networks({}, ["http://a.example"]), message: /Expected object, received string/ },
  { field: "networks.0.name", file: networks({ name: "a b" }), message: /letters, digits, - and _/ },
  { field: "networks.0.rpcUrl", file: networks({ rpcUrl: "nope" }), message: /not a URL/ },
  {
    field: "networks.0.rpcUrls",
    file: networks({ rpcUrl: undefined, rpcUrls: [] }),
    message: /list at least one URL/,
  },
  { field: "networks.0.rpcUrls.0", file: networks({ rpcUrl: undefined, rpcUrls: ["nope"] }), message: /not a URL/ },
  { field: "networks.0.chainId", file: networks({ chainId: 0 }), message: /at least 1/ },
  {
    field: "networks.1.chainId",
    file: networks({}, [
      { name: "a", rpcUrl: "http://127.0.0.1:8545", chainId: 31337 },
      { name: "b", rpcUrl: "http://127.0.0.1:8546", chainId: 31337 },
    ]),
    message: /chain 31337 is also networks\.0 \("a"\): one network per chain/,
  },
  { field: "networks.0.confirmations", file: networks({ confirmations: 65 }), message: /at most 64/ },
  { field: "networks.0.finalityDepth", file: networks({ finalityDepth: 0 }), message: /at least 1/ },
  { field: "networks.0.pollIntervalMs", file: networks({ pollIntervalMs: 10 }), message: /at least 50/ },
  { field: "networks.0.requestTimeoutMs", file: networks({ requestTimeoutMs: "1s" }), message: /a number/ },
  { field: "networks.0.retryFailedAfterMs", file: networks({ retryFailedAfterMs: -1 }), message: /at least 0/ },
  { field: "networks.0.maxBatchCalls", file: networks({ maxBatchCalls: 0 }), message: /at least 1/ },
  { field: "networks.0.maxFeePerGasGwei", file: networks({ maxFeePerGasGwei: "0" }), message: /above zero/ },
  { field: "networks.0.priorityFeeGwei", file: networks({ priorityFeeGwei: 2 }), message: /a decimal number/ },
  {
    field: "vaults.0.network",
    file: (f) => ({ ...networks({})(f), vaults: [{ address: B, network: "b" }] }),
    message: /no network named "b" \(networks: "a"\)/,
  },
  {
    field: "vaults.0.chainId",
    file: (f) => ({ ...networks({})(f), vaults: [{ address: B, network: "a", chainId: 1 }] }),
    message: /chain 1, but its network "a" is chain 31337/,
  },
  {
    field: "networks",
    env: { AGENT_CHAIN_ID: "1" },
    file: networks({}),
    message: /AGENT_CHAIN_ID sets network\.chainId, but the config lists several networks/,
  },
  // network
  { field: "network", value: "http://127.0.0.1:8545", message: /Expected object, received string/ },
  { field: "network.rpcUrl", value: "not a url", message: /not a URL/ },
  { field: "network.rpcUrl", value: "ftp://127.0.0.1/x", message: /not an http\(s\) URL/ },
  { field: "network.rpcUrl", value: "http://a.example,nope", message: /not a URL \(URL 2 of 2\)/ },
  { field: "network.rpcUrl", value: "http://a.example,http://a.example", message: /listed twice/ },
  { field: "network.rpcUrl", value: 8545, message: /a URL in a string/ },
  { field: "network.rpcUrl", value: undefined, message: /required \(or rpcUrls, a list\)/ },
  { field: "network.rpcUrls", value: ["http://a.example"], message: /give either rpcUrl or rpcUrls, not both/ },
  {
    field: "network.rpcUrls",
    file: (f) => set(f, "network", { rpcUrls: [], chainId: 1 }),
    message: /list at least one URL/,
  },
  {
    field: "network.rpcUrls",
    file: (f) => set(f, "network", { rpcUrls: "http://a.example", chainId: 1 }),
    message: /a list of URLs/,
  },
  {
    field: "network.rpcUrls.0",
    names: "network.rpcUrls.1",
    file: (f) => set(f, "network", { rpcUrls: ["http://a.example", "nope"], chainId: 1 }),
    message: /not a URL/,
  },
  {
    field: "network.rpcUrls.0",
    names: "network.rpcUrls.1",
    file: (f) => set(f, "network", { rpcUrls: ["http://a.example", "http://a.example"], chainId: 1 }),
    message: /listed twice/,
  },
  {
    field: "network.rpcUrls",
    names: "network.rpcUrls",
    file: (f) =>
      set(f, "network", { rpcUrls: Array.from({ length: 9 }, (_, i) => `http://n${i}.example`), chainId: 1 }),
    message: /at most 8 URLs/,
  },
  { field: "network.chainId", value: 0, message: /at least 1/ },
  { field: "network.chainId", value: "mainnet", message: /a number/ },
  { field: "network.chainId", value: 1.5, message: /a whole number/ },
  { field: "network.chainId", value: undefined, message: /required/ },
  { field: "network.confirmations", value: 0, message: /at least 1/ },
  { field: "network.confirmations", value: 65, message: /at most 64/ },
  { field: "network.confirmations", value: true, message: /a number/ },
  { field: "network.finalityDepth", value: 0, message: /at least 1/ },
  { field: "network.finalityDepth", value: 10_001, message: /at most 10000/ },
  { field: "network.finalityDepth", value: 1.5, message: /a whole number/ },
  { field: "network.pollIntervalMs", value: 10, message: /at least 50/ },
  { field: "network.pollIntervalMs", value: [100], message: /a number/ },
  { field: "network.requestTimeoutMs", value: 10, message: /at least 50/ },
  { field: "network.requestTimeoutMs", value: 600_000, message: /at most 300000/ },
  { field: "network.retryFailedAfterMs", value: -1, message: /at least 0/ },
  { field: "network.maxBatchCalls", value: 0, message: /at least 1/ },
  { field: "network.maxBatchCalls", value: 1_001, message: /at most 1000/ },
  { field: "network.surprise", value: 1, names: "network", message: /Unrecognized key\(s\) in object: 'surprise'/ },
  // addresses
  { field: "lens", value: "0x1234", message: /not an address/ },
  { field: "lens", value: 1234, message: /an address in a string/ },
  { field: "lens", value: undefined, message: /Required/ },
  { field: "agentAddress", value: "bob.eth", message: /not an address/ },
  // key (secrets from the environment only)
  { field: "key", value: "k.json", message: /Expected object, received string/ },
  { field: "key.keystorePath", value: "", message: /a file path/ },
  { field: "key.keystorePath", value: 7, message: /a file path/ },
  {
    field: "key.keystorePath",
    value: "k.json",
    names: "key.keystorePassword",
    message: /the keystore needs its password in AGENT_KEYSTORE_PASSWORD/,
  },
  { field: "key.keystorePassword", value: "hunter2", message: /secrets are read from the environment only/ },
  { field: "key.keystorePasswordFile", value: "", message: /a file path/ },
  { field: "key.keystorePasswordFile", value: 7, message: /a file path/ },
  { field: "key.keystorePasswordFile", value: "agent.password", message: /a password file without a keystore/ },
  {
    field: "key.keystorePasswordFile",
    file: (f) => set(f, "key", { keystorePath: "k.json", keystorePasswordFile: "/nonexistent/agent.password" }),
    message: /the password file \/nonexistent\/agent\.password does not exist/,
  },
  { field: "key.privateKey", value: KEY, message: /secrets are read from the environment only/ },
  { field: "key.privateKey", env: { AGENT_PRIVATE_KEY: "0x1234" }, message: /32 bytes of hex with 0x/ },
  {
    field: "key.privateKey",
    env: { AGENT_PRIVATE_KEY: KEY, AGENT_CHAIN_ID: "1" },
    message: /accepted only on a local development chain \(31337 or 1337\)/,
  },
  {
    field: "key",
    env: { AGENT_PRIVATE_KEY: KEY, AGENT_KEYSTORE: "k.json", AGENT_KEYSTORE_PASSWORD: "pw" },
    message: /either a keystore or a raw key, not both/,
  },
  { field: "key.other", value: 1, names: "key", message: /Unrecognized key\(s\) in object: 'other'/ },
  // data
  { field: "dataDir", value: "", message: /a directory path/ },
  { field: "dataDir", value: ["state"], message: /a directory path/ },
  // tx
  { field: "tx", value: undefined, message: /Required/ },
  { field: "tx.stuckAfterSeconds", value: 0, message: /above zero/ },
  { field: "tx.stuckAfterSeconds", value: 100_000, message: /at most 86400/ },
  { field: "tx.feeBumpPercent", value: 5, message: /at least 10/ },
  { field: "tx.feeBumpPercent", value: 501, message: /at most 500/ },
  { field: "tx.maxFeePerGasGwei", value: "0", message: /above zero/ },
  { field: "tx.maxFeePerGasGwei", value: 100, message: /a decimal number in a string/ },
  { field: "tx.maxFeePerGasGwei", value: "1.0000000001", message: /at most 9 decimals \(1 wei\) in gwei/ },
  { field: "tx.maxFeePerGasGwei", value: undefined, message: /Required/ },
  { field: "tx.priorityFeeGwei", value: "-1", message: /a decimal number in a string/ },
  { field: "tx.priorityFeeGwei", value: "0.0000000001", message: /at most 9 decimals/ },
  { field: "tx.gasLimitMultiplierPct", value: 99, message: /at least 100/ },
  { field: "tx.gasLimitMultiplierPct", value: 501, message: /at most 500/ },
  { field: "tx.lowBalanceEth", value: 0.05, message: /a decimal number in a string/ },
  { field: "tx.lowBalanceEth", value: "-1", message: /a decimal number in a string/ },
  { field: "tx.lowBalanceEth", value: "0.0000000000000000001", message: /at most 18 decimals \(1 wei\) in ETH/ },
  // planner, global and per vault
  { field: "planner", value: undefined, message: /Required/ },
  { field: "planner.minMove", value: undefined, message: /Required/ },
  { field: "planner.nativePriceInAsset", value: undefined, message: /Required/ },
  ...["planner", "vaults.0.planner"].flatMap((at) =>
    planner.map(([k, value, message]): Row => {
      if (k === "unknownSetting") return { field: `${at}.${k}`, names: at, value, message };
      // A bad entry of the per-strategy table is named down to its key.
      if (k === "riskPremiumBps" && !Array.isArray(value))
        return { field: `${at}.${k}`, names: `${at}.${k}.${Object.keys(value as object)[0]}`, value, message };
      return { field: `${at}.${k}`, value, message };
    }),
  ),
  // sections of the wrong shape
  { field: "sessions", value: "soon", message: /Expected object, received string/ },
  { field: "metrics", value: 9464, message: /Expected object, received number/ },
  { field: "log", value: "debug", message: /Expected object, received string/ },
  { field: "vaults.0", value: B, message: /Expected object, received string/ },
  { field: "vaults.0.planner", value: "yield", message: /Expected object, received string/ },
  { field: "tx", value: [], message: /Expected object, received array/ },
  { field: "planner", value: "equal-weight", message: /Expected object, received string/ },
  // sessions
  { field: "sessions.warnBeforeExpirySeconds", value: -1, message: /at least 0/ },
  { field: "sessions.warnBeforeExpirySeconds", value: 31_536_001, message: /at most 31536000/ },
  { field: "sessions.expiryMarginSeconds", value: 86_401, message: /at most 86400/ },
  { field: "sessions.expiryMarginSeconds", value: "2m", message: /a number/ },
  // losses
  { field: "losses", value: "on", message: /Expected object, received string/ },
  { field: "losses.realize", value: "yes", message: /true or false/ },
  { field: "losses.realize", value: 1, message: /true or false/ },
  { field: "losses.tolerance", value: 5, message: /a decimal number in a string/ },
  { field: "losses.tolerance", value: "-1", message: /a decimal number in a string/ },
  { field: "losses.other", value: 1, names: "losses", message: /Unrecognized key\(s\) in object: 'other'/ },
  // drafts
  { field: "drafts", value: "on", message: /Expected object, received string/ },
  { field: "drafts.enabled", value: "yes", message: /true or false/ },
  { field: "drafts.minGainBps", value: 10_001, message: /at most 10000/ },
  { field: "drafts.minGainBps", value: -1, message: /at least 0/ },
  { field: "drafts.minGainPerYear", value: 5, message: /a decimal number in a string/ },
  { field: "drafts.other", value: 1, names: "drafts", message: /Unrecognized key\(s\) in object: 'other'/ },
  { field: "drafts.buffer", value: 1, message: /Expected object, received number/ },
  { field: "drafts.buffer.enabled", value: "no", message: /true or false/ },
  { field: "drafts.buffer.outflowWindowHours", value: 0, message: /above zero/ },
  { field: "drafts.buffer.minHistoryDays", value: 366, message: /at most 365/ },
  { field: "drafts.buffer.marginBps", value: 10_001, message: /at most 10000/ },
  { field: "drafts.buffer.minCutBps", value: 0, message: /at least 1/ },
  { field: "drafts.buffer.minGainBps", value: 1.5, message: /a whole number/ },
  { field: "drafts.buffer.minGainPerYear", value: "-1", message: /a decimal number in a string/ },
  { field: "drafts.ceilings", value: [], message: /Expected object, received array/ },
  { field: "drafts.ceilings.enabled", value: 1, message: /true or false/ },
  { field: "drafts.ceilings.minTicks", value: 0, message: /at least 1/ },
  { field: "drafts.ceilings.windowHours", value: -1, message: /above zero/ },
  // quarantine
  { field: "quarantine", value: true, message: /Expected object, received boolean/ },
  { field: "quarantine.maxSharePriceMoveBps", value: 0, message: /at least 1/ },
  { field: "quarantine.maxSharePriceMoveBps", value: 10_001, message: /at most 10000/ },
  { field: "quarantine.maxSharePriceMoveBps", value: 2.5, message: /a whole number/ },
  { field: "quarantine.minWithdrawableBps", value: -1, message: /at least 0/ },
  { field: "quarantine.minWithdrawableBps", value: "all", message: /a number/ },
  { field: "quarantine.viewToleranceBps", value: 1_001, message: /at most 1000/ },
  { field: "quarantine.viewToleranceBps", value: null, message: /a number|Expected number/ },
  // metrics and logs
  { field: "metrics.enabled", value: "maybe", message: /true or false/ },
  { field: "metrics.enabled", value: 0, message: /true or false/ },
  { field: "metrics.host", value: "bad host!", message: /not a host name or IP address/ },
  { field: "metrics.host", value: "", message: /not a host name or IP address/ },
  { field: "metrics.port", value: 65_536, message: /at most 65535/ },
  { field: "metrics.port", value: "nine", message: /a number/ },
  { field: "metrics.historyPoints", value: 1, message: /at least 2/ },
  { field: "metrics.historyPoints", value: 100_001, message: /at most 100000/ },
  {
    field: "log.level",
    value: "loud",
    message: /Invalid enum value\. Expected 'fatal' \| 'error' \| 'warn' \| 'info' \| 'debug' \| 'trace' \| 'silent'/,
  },
  // alerts
  { field: "alerts", value: true, message: /Expected object, received boolean/ },
  { field: "alerts.targets", value: "https://hooks.example/x", message: /a list of targets/ },
  {
    field: "alerts.targets.0",
    file: (f) => set(f, "alerts", { targets: [{ url: "https://h/x", secret: 1 }] }),
    message: /Unrecognized key\(s\) in object: 'secret'/,
  },
  {
    field: "alerts.targets.0.name",
    file: (f) => set(f, "alerts", { targets: [{ url: "https://h/x", name: "" }] }),
    message: /at least 1 character/,
  },
  {
    field: "alerts.targets.0.url",
    file: (f) => set(f, "alerts", { targets: [{ url: "hooks.example" }] }),
    message: /not a URL|not an http\(s\) URL/,
  },
  {
    field: "alerts.targets.0.format",
    file: (f) => set(f, "alerts", { targets: [{ url: "https://h/x", format: "teams" }] }),
    message: /Expected 'json' \| 'slack' \| 'discord'/,
  },
  {
    field: "alerts.targets.0.headers",
    file: (f) => set(f, "alerts", { targets: [{ url: "https://h/x", headers: "token" }] }),
    message: /Expected object, received string/,
  },
  {
    field: "alerts.targets.0.events",
    file: (f) => set(f, "alerts", { targets: [{ url: "https://h/x", events: [] }] }),
    message: /list at least one event/,
  },
  {
    field: "alerts.targets.0.events.0",
    file: (f) => set(f, "alerts", { targets: [{ url: "https://h/x", events: ["recovery"] }] }),
    message: /Invalid enum value/,
  },
  { field: "alerts.dedupeWindowSeconds", value: -1, message: /at least 0/ },
  { field: "alerts.requestTimeoutMs", value: 10, message: /at least 100/ },
  { field: "alerts.retry", value: 3, message: /Expected object, received number/ },
  { field: "alerts.retry.maxAttempts", value: 0, message: /at least 1/ },
  { field: "alerts.retry.initialDelayMs", value: "soon", message: /a number/ },
  { field: "alerts.retry.maxDelayMs", value: 1.5, message: /a whole number/ },
  { field: "alerts.queueSize", value: 0, message: /at least 1/ },
  { field: "alerts.checkNonces", value: "yes", message: /true or false/ },
  // vaults
  { field: "vaults", value: [], message: /list at least one vault/ },
  { field: "vaults", value: B, message: /a list of vaults/ },
  { field: "vaults.0.address", value: "0xnot", message: /not an address/ },
  { field: "vaults.0.address", value: undefined, message: /Required/ },
  {
    field: "vaults.1.address",
    names: "vaults.1.address",
    file: (f) => set(f, "vaults", [{ address: B }, { address: B.toLowerCase() }]),
    message: /listed twice/,
  },
  { field: "vaults.0.label", value: "", message: /at least 1 character/ },
  { field: "vaults.0.label", value: "x".repeat(65), message: /at most 64 character/ },
  {
    field: "vaults.1.label",
    names: "vaults.1.label",
    file: (f) =>
      set(f, "vaults", [
        { address: B, label: "main" },
        { address: A, label: "main" },
      ]),
    message: /used twice/,
  },
  { field: "vaults.0.coSigner", value: "not a url", message: /vaults\[\]\.coSigner: an http\(s\) URL/ },
  { field: "vaults.0.coSigner", value: "ftp://cosigner.example", message: /vaults\[\]\.coSigner: an http\(s\) URL/ },
  { field: "vaults.0.coSigner", value: 7, message: /a URL in a string/ },
  { field: "vaults.0.sessionId", value: 0, message: /above zero/ },
  { field: "vaults.0.tx", value: "500", message: /Expected object, received string/ },
  { field: "vaults.0.tx", value: { maxFeePerGas: "500" }, message: /Unrecognized key\(s\) in object: 'maxFeePerGas'/ },
  { field: "vaults.0.tx.maxFeePerGasGwei", value: "0", message: /above zero/ },
  { field: "vaults.0.tx.maxFeePerGasGwei", value: 500, message: /a decimal number in a string/ },
  { field: "vaults.0.sessionId", value: "seven", message: /a positive whole number/ },
  { field: "vaults.0.sessionId", value: 1.5, message: /a positive whole number/ },
  { field: "vaults.0.sessionId", value: true, message: /a positive whole number/ },
  { field: "vaults.0.extra", value: 1, names: "vaults.0", message: /Unrecognized key\(s\) in object: 'extra'/ },
  // the root
  { field: "surprise", value: 1, names: "(root)", message: /Unrecognized key\(s\) in object: 'surprise'/ },
  // key.remoteSigner (the credential from the environment or a file only)
  {
    field: "key.remoteSigner",
    file: signer({}, { keystorePath: "k.json" }),
    env: { AGENT_KEYSTORE_PASSWORD: "pw" },
    message: /give one key source: a keystore, a raw key or a remote signer/,
  },
  { field: "key.remoteSigner.url", file: signer({ url: "ftp://signer.example" }), message: /an https URL/ },
  {
    field: "key.remoteSigner.url",
    file: signer({ url: "http://signer.example:9000" }),
    message: /http only on a loopback/,
  },
  { field: "key.remoteSigner.url", file: signer({ url: "signer" }), message: /not a URL/ },
  { field: "key.remoteSigner.url", env: { AGENT_SIGNER_ADDRESS: A }, message: /Required/ },
  { field: "key.remoteSigner.address", file: signer({ address: "0xabc" }), message: /not an address/ },
  { field: "key.remoteSigner.api", file: signer({ api: "vault" }), message: /Expected 'eth' \| 'clef'/ },
  { field: "key.remoteSigner.authHeader", file: signer({ authHeader: "Authorization: x" }), message: /a header name/ },
  {
    field: "key.remoteSigner.auth",
    file: signer({ auth: "Bearer t" }),
    message: /secrets are read from the environment only/,
  },
  {
    field: "key.remoteSigner.authFile",
    file: signer({}),
    env: { AGENT_SIGNER_AUTH: "Bearer a", AGENT_SIGNER_AUTH_FILE: "auth.txt" },
    message: /either in AGENT_SIGNER_AUTH or in a file, not both/,
  },
  {
    field: "key.remoteSigner.authFile",
    file: signer({ authFile: "/nonexistent/signer-auth" }),
    message: /the credential file \/nonexistent\/signer-auth does not exist/,
  },
  { field: "key.remoteSigner.caFile", file: signer({ caFile: 7 }), message: /a file path/ },
  { field: "key.remoteSigner.certSha256", file: signer({ certSha256: "AB:CD" }), message: /a SHA-256 fingerprint/ },
  { field: "key.remoteSigner.timeoutMs", file: signer({ timeoutMs: 50 }), message: /at least 100/ },
  { field: "journal.compactAboveMb", value: 0, message: /above zero/ },
  { field: "journal.compactAboveMb", value: "big", message: /a number/ },
  { field: "journal", value: { compactAbove: 1 }, message: /Unrecognized key\(s\) in object: 'compactAbove'/ },
  // ha (the database URL from the environment or a file only)
  { field: "ha", value: "yes", message: /Expected object, received string/ },

  {
    field: "ha.databaseUrl",
    file: (f) => ({ ...f, ha: { databaseUrl: "postgresql://u:secret@db/agent" } }),
    message: /read from the environment only \(AGENT_HA_DATABASE_URL\)/,
  },
  { field: "ha.databaseUrl", env: { AGENT_HA_DATABASE_URL: "mysql://db/agent" }, message: /not a postgresql:\/\/ URL/ },
  { field: "ha.databaseUrl", file: (f) => ({ ...f, ha: { nodeId: "a" } }), message: /required: the PostgreSQL URL/ },
  {
    field: "ha.databaseUrlFile",
    env: { AGENT_HA_DATABASE_URL: "postgresql://db/agent", AGENT_HA_DATABASE_URL_FILE: "url.txt" },
    message: /either in AGENT_HA_DATABASE_URL or in a file, not both/,
  },
  {
    field: "ha.databaseUrlFile",
    env: { AGENT_HA_DATABASE_URL_FILE: "/nonexistent/db-url" },
    message: /the database URL file \/nonexistent\/db-url \(from AGENT_HA_DATABASE_URL_FILE\) does not exist/,
  },
  {
    field: "ha.leaseSeconds",
    env: { AGENT_HA_DATABASE_URL: "postgresql://db/agent" },
    file: (f) => ({ ...f, ha: { leaseSeconds: 1 } }),
    message: /at least 2/,
  },
  {
    field: "ha.leaseSeconds",
    env: { AGENT_HA_DATABASE_URL: "postgresql://db/agent" },
    file: (f) => ({ ...f, ha: { leaseSeconds: "soon" } }),
    message: /a number/,
  },
  {
    field: "ha.nodeId",
    env: { AGENT_HA_NODE_ID: "node one", AGENT_HA_DATABASE_URL: "postgresql://db/agent" },
    message: /letters, digits/,
  },
  // the environment, laid over a valid file
  { field: "network.rpcUrl", env: { AGENT_RPC_URL: "localhost:8545" }, message: /not an http\(s\) URL|not a URL/ },
  { field: "network.chainId", env: { AGENT_CHAIN_ID: "0x7a69" }, message: /a number/ },
  { field: "lens", env: { AGENT_LENS: "0xabc" }, message: /not an address/ },
  { field: "agentAddress", env: { AGENT_ADDRESS: "me" }, message: /not an address/ },
  { field: "key.keystorePassword", env: { AGENT_KEYSTORE: "k.json" }, message: /the keystore needs its password/ },
  {
    field: "key.keystorePasswordFile",
    env: { AGENT_KEYSTORE: "k.json", AGENT_KEYSTORE_PASSWORD: "pw", AGENT_KEYSTORE_PASSWORD_FILE: "pw.txt" },
    message: /either in AGENT_KEYSTORE_PASSWORD or in a file, not both/,
  },
  {
    field: "key.keystorePasswordFile",
    env: { AGENT_KEYSTORE: "k.json", AGENT_KEYSTORE_PASSWORD_FILE: "/nonexistent/pw.txt" },
    message: /the password file \/nonexistent\/pw\.txt \(from AGENT_KEYSTORE_PASSWORD_FILE\) does not exist/,
  },
  { field: "metrics.port", env: { AGENT_METRICS_PORT: "-1" }, message: /at least 0/ },
  { field: "metrics.host", env: { AGENT_METRICS_HOST: "http://0.0.0.0" }, message: /not a host name or IP address/ },
  { field: "log.level", env: { AGENT_LOG_LEVEL: "verbose" }, message: /Invalid enum value/ },
  { field: "network.pollIntervalMs", env: { AGENT_POLL_INTERVAL_MS: "often" }, message: /a number/ },
  { field: "network.requestTimeoutMs", env: { AGENT_RPC_TIMEOUT_MS: "1s" }, message: /a number/ },
];

function attempt(row: Row): ConfigError {
  let file: Record<string, unknown> = valid();
  if (row.file) file = row.file(file) as Record<string, unknown>;
  else if (!row.env) {
    if (row.value === undefined) {
      const keys = row.field.split(".");
      let node = file as Record<string, unknown>;
      for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
      delete node[keys[keys.length - 1]!];
    } else set(file, row.field, row.value);
  }
  try {
    parseConfig(file, row.env ?? {}, "/srv/agent");
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`accepted: ${row.field} = ${JSON.stringify(row.value ?? row.env)}`);
}

describe("every config field with a wrong value", () => {
  it.each(
    rows.map(
      (r) =>
        [
          `${r.field} = ${r.env ? `env ${JSON.stringify(r.env)}` : r.file ? "(see row)" : (JSON.stringify(r.value) ?? "missing")}`,
          r,
        ] as const,
    ),
  )("%s", (_, row) => {
    const err = attempt(row);
    const field = row.names ?? row.field;
    expect(err.field, err.message).toBe(field);
    expect(err.message.startsWith(`invalid config: ${field}: `), err.message).toBe(true);
    expect(err.message).toMatch(row.message);
    expect(err.message, "no secret echoed").not.toContain(KEY.slice(2, 20));
  });

  it("covers every field of the schema", () => {
    const leaves = (schema: ZodTypeAny, path: string[]): string[] => {
      const def = schema._def as {
        typeName: string;
        schema?: ZodTypeAny;
        innerType?: ZodTypeAny;
        type?: ZodTypeAny;
        shape?: () => Record<string, ZodTypeAny>;
      };
      switch (def.typeName) {
        case "ZodEffects":
          return leaves(def.schema!, path);
        case "ZodDefault":
        case "ZodOptional":
          return leaves(def.innerType!, path);
        case "ZodObject":
          return [path.join("."), ...Object.entries(def.shape!()).flatMap(([k, v]) => leaves(v, [...path, k]))].filter(
            (p) => p !== "",
          );
        case "ZodArray":
          return [path.join("."), ...leaves(def.type!, [...path, "0"])];
        default:
          return [path.join(".")];
      }
    };
    const fields = [...new Set(leaves(configSchema, []))];
    expect(fields.length, "the walk found the schema's fields").toBeGreaterThan(60);
    const covered = new Set(rows.map((r) => r.field.replace(/^vaults\.1\./, "vaults.0.")));
    const missing = fields.filter((f) => !covered.has(f));
    console.log(`${fields.length} fields, ${rows.length} wrong values`);
    expect(missing.join(" "), "fields without a wrong-value row").toBe("");
  });

  it("reports every problem, the first field first", () => {
    const err = attempt({
      field: "x",
      file: (f) => ({ ...f, lens: "no", tx: { maxFeePerGasGwei: "x" } }),
      message: /./,
    });
    expect(err.field).toBe("lens");
    expect(err.message).toMatch(/^invalid config: lens: not an address; tx\.maxFeePerGasGwei: [^;]+$/);
    expect(err.message, "nothing cut").not.toMatch(/more\)/);
  });
});
