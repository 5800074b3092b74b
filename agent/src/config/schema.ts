/**
 * The one configuration schema: the config file and the environment are merged, then parsed here once at start.
 * Amounts are decimal strings in token units (converted with the asset's decimals once the vault is read); fees in
 * gwei. Secrets (keystore password, raw key) are accepted from the environment only.
 */
import { getAddress, isAddress } from "ethers";
import { isIP } from "node:net";
import { z } from "zod";
import { DEFAULT_HISTORY_POINTS } from "../obs/history.js";
import { DEFAULT_QUARANTINE_PARAMS } from "../quarantine/inspect.js";

/** Development chains (Hardhat's and anvil's 31337; 1337 of geth --dev, Ganache and anvil runs on another id): the
 * only ones a raw private key is accepted on. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];

const address = z
  .string({ invalid_type_error: "an address in a string" })
  .refine((v) => isAddress(v), { message: "not an address" })
  .transform((v) => getAddress(v));
const decimal = z
  .string({ invalid_type_error: 'a decimal number in a string, e.g. "1000.5"' })
  .regex(/^\d+(\.\d+)?$/, 'a decimal number in a string, e.g. "1000.5"');
/** Gwei amounts: at most 9 decimals (one wei). */
const gwei = decimal.refine((v) => (v.split(".")[1]?.length ?? 0) <= 9, "at most 9 decimals (1 wei) in gwei");
/** A JSON number, or a decimal string (what the environment gives); booleans, arrays and "0x…" are refused. */
const numeric = z.preprocess(
  (v) => (typeof v === "string" && /^[+-]?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v),
  z.number({ invalid_type_error: "a number", required_error: "required" }),
);
const int = (min: number, max: number) =>
  numeric.pipe(z.number().int("a whole number").min(min, `at least ${min}`).max(max, `at most ${max}`));
const positive = (max?: number) => {
  const n = z.number().positive("above zero");
  return numeric.pipe(max === undefined ? n : n.max(max, `at most ${max}`));
};
/** true/false, or "true"/"false" from the environment; nothing else. */
const boolean = z.preprocess(
  (v) => (v === "true" ? true : v === "false" ? false : v),
  z.boolean({ invalid_type_error: "true or false" }),
);
/** A positive whole number as a JSON number or a decimal string, kept as a bigint. */
const id = z.preprocess(
  (v) =>
    typeof v === "number" && Number.isSafeInteger(v)
      ? BigInt(v)
      : typeof v === "string" && /^\d+$/.test(v)
        ? BigInt(v)
        : v,
  z
    .bigint({ invalid_type_error: "a positive whole number (a JSON number or a decimal string)" })
    .positive("above zero"),
);
const rpcUrl = z
  .string({ invalid_type_error: "a URL in a string" })
  .url("not a URL")
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), "not an http(s) URL");
/** Host names or IP addresses only. */
const host = z
  .string({ invalid_type_error: "a host name or IP address" })
  .refine(
    (v) =>
      isIP(v) !== 0 ||
      /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v),
    "not a host name or IP address",
  );

/** What the notifier alerts on (`recovery`, each one's end, goes wherever the alert it ends went). */
export const ALERT_EVENTS = [
  "stand-down",
  "breaker-open",
  "quarantine",
  "session-expiring",
  "session-loss-allowance-low",
  "submission-rejected",
  "submission-reverted",
  "gas-low",
  "tick-failing",
  "unrecorded-action",
  "ha-takeover",
] as const;

/** Webhooks told when the agent stops being able to act, and when it can again (see agent/README.md, "Alerts"). */
const alertsSchema = z
  .object({
    targets: z
      .array(
        z
          .object({
            /**
             * What logs and metrics call the target (default: its scheme, host and port; never its path, a secret in a
             * Slack URL).
             */
            name: z.string().min(1).max(64).optional(),
            url: rpcUrl,
            /** The body: generic JSON, or what a Slack or Discord incoming webhook takes. */
            format: z.enum(["json", "slack", "discord"]).default("json"),
            /** Sent with every request (e.g. an Authorization header); never logged nor put in a body. */
            headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "a header name"), z.string()).default({}),
            /** Only these events (and their recovery); all when absent. */
            events: z
              .array(z.enum(ALERT_EVENTS))
              .min(1, "list at least one event, or leave events out for all")
              .optional(),
          })
          .strict(),
        { invalid_type_error: "a list of targets" },
      )
      .max(16, "at most 16 targets")
      .default([]),
    /** The same alert (event and subject) is not sent again within this window; its end is sent once, as `recovery`. */
    dedupeWindowSeconds: int(0, 604_800).default(3_600),
    /** Each request is cut off after this long, and counts as a failed attempt. */
    requestTimeoutMs: int(100, 60_000).default(5_000),
    /**
     * Attempts per alert and target (a refused connection, a timeout, HTTP 429 or 5xx), waits doubling from the first.
     */
    retry: z
      .object({
        maxAttempts: int(1, 1_000).default(8),
        initialDelayMs: int(10, 600_000).default(1_000),
        maxDelayMs: int(10, 3_600_000).default(300_000),
      })
      .strict()
      .default({}),
    /** Alerts waiting per target; the oldest is dropped (and counted as failed) past it. */
    queueSize: int(1, 100_000).default(1_000),
    /**
     * After every tick, compare the agent key's nonce with the journal: a transaction it holds no record of is alerted.
     */
    checkNonces: boolean.default(true),
  })
  .strict()
  .default({});

/** A JSON-RPC signer over TLS (see agent/README.md, "A remote signer"). */
const haSchema = z
  .object({
    /**
     * The PostgreSQL URL (`postgresql://user:password@host:5432/db`): from AGENT_HA_DATABASE_URL only, never the config
     * file (it carries the password), or read from `databaseUrlFile`.
     */
    databaseUrl: z
      .string({ invalid_type_error: "a postgresql:// URL in a string" })
      .refine((v) => URL.canParse(v) && /^postgres(ql)?:$/.test(new URL(v).protocol), "not a postgresql:// URL")
      .optional(),
    /** A file holding the URL on one line (AGENT_HA_DATABASE_URL_FILE). */
    databaseUrlFile: z.string().min(1, "a file path").optional(),
    /**
     * How long the lease lasts unrenewed: the active daemon renews it every third of this; a standby takes over at
     * most this long (plus its look, every quarter of it) after the active one died.
     */
    leaseSeconds: int(2, 600).default(15),
    /** This daemon's name in the lease (`status`, the dashboard, metrics); default: the host name. */
    nodeId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, "letters, digits and . _ : - (at most 64)")
      .optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (!h.databaseUrl && !h.databaseUrlFile)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["databaseUrl"],
        message: "required: the PostgreSQL URL in AGENT_HA_DATABASE_URL, or a file named by ha.databaseUrlFile",
      });
    if (h.databaseUrl && h.databaseUrlFile)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["databaseUrlFile"],
        message: "give the URL either in AGENT_HA_DATABASE_URL or in a file, not both",
      });
  });

const remoteSignerSchema = z
  .object({
    /** https (any host), or http on a loopback address only: the credential and the transactions cross the wire. */
    url: z
      .string({ invalid_type_error: "a URL in a string" })
      .refine((v) => URL.canParse(v), "not a URL")
      .refine((v) => {
        if (!URL.canParse(v)) return true;
        const u = new URL(v);
        return u.protocol === "https:" || (u.protocol === "http:" && LOOPBACK.test(u.hostname));
      }, "an https URL (http only on a loopback address: 127.0.0.1, ::1, localhost)"),
    /** The agent's address: the signer must hold it and sign with it. */
    address,
    /** `eth` (eth_accounts, eth_signTransaction: Web3Signer) or `clef` (account_list, account_signTransaction). */
    api: z.enum(["eth", "clef"]).default("eth"),
    /** The header that carries the credential. */
    authHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, "a header name")
      .default("Authorization"),
    /** The header's value: from AGENT_SIGNER_AUTH only, never from the config file. */
    auth: z.string().min(1).optional(),
    /** A file holding the header's value (one line). Not a secret itself. */
    authFile: z.string({ invalid_type_error: "a file path" }).min(1, "a file path").optional(),
    /** PEM of the CA (or the signer's own self-signed certificate) trusted in place of the system's CAs. */
    caFile: z.string({ invalid_type_error: "a file path" }).min(1, "a file path").optional(),
    /** The SHA-256 fingerprint of the signer's certificate (hex, colons optional): only that certificate is accepted. */
    certSha256: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, "a SHA-256 fingerprint: 32 bytes of hex, colons optional")
      .optional(),
    /** Each request to the signer is cut off after this long (a failed signature: nothing is sent). */
    timeoutMs: int(100, 300_000).default(10_000),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.auth !== undefined && r.authFile !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["authFile"],
        message: "give the signer's credential either in AGENT_SIGNER_AUTH or in a file, not both",
      });
    }
  });

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

const plannerSchema = z
  .object({
    /** Which planner: best risk-adjusted yield, or equal weight within caps. */
    strategy: z.enum(["yield", "equal-weight"]).default("yield"),
    /** Smallest leg worth sending, in token units. */
    minMove: decimal,
    safetyMarginBps: int(0, 1_000).default(5),
    horizonDays: positive(365).default(30),
    minSpreadBps: int(0, 10_000).default(25),
    /** Yield discount per strategy address, in bps per year. */
    riskPremiumBps: z
      .record(
        z.string().refine((v) => isAddress(v), "not a strategy address"),
        int(0, 10_000),
      )
      .default({}),
    volatilityWeightBps: int(0, 100_000).default(0),
    lookbackHours: positive(87_600).default(168),
    /** Half-life of the yield estimate's moving average: a rate change outweighs the older rate after this long. */
    halfLifeHours: positive(8_760).default(3),
    minSamples: int(2, 10_000).default(3),
    minWindowMinutes: numeric.pipe(z.number().min(0, "at least 0").max(525_600, "at most 525600")).default(60),
    /** A one-off loss any strategy may plausibly take, in bps of what it holds: above an equal share a strategy gets
     *  more only when its extra yield over horizonDays beats this loss on the extra amount (0 turns the rule off). */
    plausibleLossBps: int(0, 10_000).default(10),
    /** A strategy the agent raised is not lowered within this many hours, nor one it lowered raised, unless a risk
     *  sign calls for it (0 turns the rule off). */
    minHoldHours: numeric.pipe(z.number().min(0, "at least 0").max(8_760, "at most 8760")).default(24),
    /** Where a strategy's rate comes from: its share price's trailing rate, or, for a lending strategy that answers
     *  the market-rate views, its markets' rate averaged over `marketHalfLifeHours` (others keep the trailing rate). */
    yieldModel: z.enum(["trailing", "market"]).default("trailing"),
    /** Half-life of the market model's averages of rate and utilization. */
    marketHalfLifeHours: positive(8_760).default(168),
    /** The market model gives a strategy no estimate until its averages have read this long. */
    marketWarmupHours: numeric.pipe(z.number().min(0, "at least 0").max(8_760, "at most 8760")).default(24),
    /** During the market model's warm-up, a strategy's realized rate over the warm-up window (its share price's mean
     *  growth, loss events apart) instead of no estimate (off by default: on the lending bench it gains on two seeds
     *  of three and loses on the third, BENCHMARKS.md "Lending world"). */
    marketWarmupRealized: z.boolean().default(false),
    /** Whether the market model tells the planner the rate after its own move (the curve at the averaged
     *  utilization). */
    marketImpact: z.boolean().default(false),
    sampleIntervalSeconds: int(0, 86_400).default(60),
    /** Native-coin price in asset units, to weigh gas against yield (e.g. "3000" for a USD asset on Ethereum). */
    nativePriceInAsset: decimal,
    baseGas: int(21_000, 10_000_000).default(150_000),
    gasPerLeg: int(0, 10_000_000).default(120_000),
  })
  .strict();

const vaultSchema = z
  .object({
    address,
    label: z.string().min(1).max(64).optional(),
    /** The network the vault is on (a `networks[].name`); may be left out when there is one network. */
    network: z.string({ invalid_type_error: "a network's name in a string" }).min(1).optional(),
    /** The vault's chain id, checked against its network's (a guard against naming the wrong network). */
    chainId: int(1, Number.MAX_SAFE_INTEGER).optional(),
    /** Act only through this session (otherwise the usable one that lasts longest). */
    sessionId: id.optional(),
    /**
     * URL of the co-signer service that co-signs plans above the vault's step-up threshold (its policy signer's key).
     * Without it such plans wait: "co-signature required above X".
     */
    coSigner: z
      .string({ invalid_type_error: "a URL in a string" })
      .url("vaults[].coSigner: an http(s) URL of the co-signer service")
      .refine((u) => /^https?:\/\//.test(u), "vaults[].coSigner: an http(s) URL of the co-signer service")
      .optional(),
    /** Per-vault planner settings, over the global ones. */
    planner: plannerSchema.partial().optional(),
    /** Per-vault transaction settings, over the global ones (`tx`). */
    tx: z
      .object({
        /**
         * This vault's fee ceiling in gwei: a vault that may pay more is not paused by a spike that pauses the others.
         */
        maxFeePerGasGwei: gwei.refine((v) => /[1-9]/.test(v), "above zero").optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** One chain's connection: its endpoints, chain id, confirmations and polling. */
const networkFields = {
  /** One endpoint, or several separated by commas (what AGENT_RPC_URL gives). */
  rpcUrl: z.string({ invalid_type_error: "a URL in a string (or rpcUrls: a list)" }).optional(),
  /** Endpoints in order of preference: the daemon fails over down the list. */
  rpcUrls: z
    .array(rpcUrl, { invalid_type_error: "a list of URLs" })
    .min(1, "list at least one URL")
    .max(8, "at most 8 URLs")
    .optional(),
  chainId: int(1, Number.MAX_SAFE_INTEGER),
  confirmations: int(1, 64).default(1),
  /** Blocks after which a mined transaction is taken as final on a node without the `finalized` block tag; until
   *  then its receipt is checked again (a reorg deeper than `confirmations` sends it again). */
  finalityDepth: int(1, 10_000).default(64),
  pollIntervalMs: int(50, 3_600_000).default(12_000),
  /** Each JSON-RPC request is cut off after this long (then the next endpoint is tried). */
  requestTimeoutMs: int(50, 300_000).default(10_000),
  /** An endpoint that failed is passed over this long before it is tried again. */
  retryFailedAfterMs: int(0, 86_400_000).default(30_000),
  /** Most JSON-RPC calls in one HTTP request (a provider that caps its batches needs this at or below its cap). */
  maxBatchCalls: int(1, 1_000).default(100),
};

type Endpoints = { rpcUrl?: string; rpcUrls?: string[] };

/** Exactly one of rpcUrl (one URL, or several separated by commas) and rpcUrls, each URL valid and listed once. */
function checkEndpoints(n: Endpoints, ctx: z.RefinementCtx): void {
  if (n.rpcUrl === undefined && n.rpcUrls === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["rpcUrl"], message: "required (or rpcUrls, a list)" });
  }
  if (n.rpcUrl !== undefined && n.rpcUrls !== undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["rpcUrls"],
      message: "give either rpcUrl or rpcUrls, not both",
    });
  }
  const list = n.rpcUrls ?? (n.rpcUrl === undefined ? [] : n.rpcUrl.split(",").map((u) => u.trim()));
  list.forEach((u, i) => {
    const checked = rpcUrl.safeParse(u);
    if (n.rpcUrls === undefined && !checked.success) {
      const where = list.length > 1 ? ` (URL ${i + 1} of ${list.length})` : "";
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["rpcUrl"],
        message: `${checked.error.issues[0]!.message}${where}`,
      });
    }
    if (list.indexOf(u) !== i) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: n.rpcUrls ? ["rpcUrls", i] : ["rpcUrl"],
        message: "listed twice",
      });
    }
  });
}

/** The endpoints as one list, the first also as `rpcUrl`. */
function withEndpoints<T extends Endpoints>({ rpcUrl: one, rpcUrls, ...rest }: T) {
  const urls = rpcUrls ?? one!.split(",").map((u) => u.trim());
  return { ...rest, rpcUrl: urls[0]!, rpcUrls: urls };
}

/** The one chain of a single-chain config (`network`). */
const networkSchema = z.object(networkFields).strict().superRefine(checkEndpoints).transform(withEndpoints);

/** The name a single-chain config's network goes by (in `networks`, and a vault's `network`). */
export const DEFAULT_NETWORK = "default";

/** One of several chains (`networks`): a name the vaults refer to, and this chain's fee settings over `tx`'s. */
const namedNetworkSchema = z
  .object({
    name: z
      .string({ invalid_type_error: "a name in a string" })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, - and _ (at most 32), e.g. "mainnet"'),
    ...networkFields,
    /** This chain's fee ceiling in gwei, over `tx.maxFeePerGasGwei` (fees differ by orders of magnitude by chain). */
    maxFeePerGasGwei: gwei.refine((v) => /[1-9]/.test(v), "above zero").optional(),
    /** This chain's priority fee in gwei, over `tx.priorityFeeGwei`. */
    priorityFeeGwei: gwei.optional(),
  })
  .strict()
  .superRefine(checkEndpoints)
  .transform(withEndpoints);

export const configSchema = z
  .object({
    /** The chain, for a daemon on one chain (or `networks`, for several). */
    network: networkSchema.optional(),
    /** Several chains, each named; every vault names its own (`vaults[].network`). One daemon ticks them all. */
    networks: z
      .array(namedNetworkSchema, { invalid_type_error: "a list of networks" })
      .min(1, "list at least one network")
      .max(16, "at most 16 networks")
      .optional(),
    /** The TreasuryLens deployment. */
    lens: address,
    /** The agent's address, for read-only commands run without the key. */
    agentAddress: address.optional(),
    key: z
      .object({
        keystorePath: z.string({ invalid_type_error: "a file path" }).min(1, "a file path").optional(),
        keystorePassword: z.string().min(1).optional(),
        /**
         * A file holding the keystore's password (one line; a final newline is not part of it). Not a secret itself.
         */
        keystorePasswordFile: z.string({ invalid_type_error: "a file path" }).min(1, "a file path").optional(),
        privateKey: z
          .string()
          .regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes of hex with 0x")
          .optional(),
        /** A remote signer holding the key (Web3Signer, Clef): the key never enters the daemon. */
        remoteSigner: remoteSignerSchema.optional(),
      })
      .strict()
      .default({}),
    dataDir: z.string({ invalid_type_error: "a directory path" }).min(1, "a directory path").default(".data/agent"),
    tx: z
      .object({
        stuckAfterSeconds: positive(86_400).default(180),
        feeBumpPercent: int(10, 500).default(25),
        maxFeePerGasGwei: gwei.refine((v) => /[1-9]/.test(v), "above zero"),
        priorityFeeGwei: gwei.optional(),
        gasLimitMultiplierPct: int(100, 500).default(130),
        /** Below this much ETH on the agent key the daemon warns (log, `agent_key_balance_low`, dashboard, /ready). */
        lowBalanceEth: decimal
          .refine((v) => (v.split(".")[1]?.length ?? 0) <= 18, "at most 18 decimals (1 wei) in ETH")
          .default("0.05"),
      })
      .strict(),
    planner: plannerSchema,
    sessions: z
      .object({
        warnBeforeExpirySeconds: int(0, 31_536_000).default(86_400),
        expiryMarginSeconds: int(0, 86_400).default(120),
      })
      .strict()
      .default({}),
    /** When the daemon quarantines a strategy (no new deposits; see agent/README.md, "Quarantine"). */
    quarantine: z
      .object({
        /** Largest share-price move between two ticks taken as normal, in bps of the earlier price. */
        maxSharePriceMoveBps: int(1, 10_000).default(DEFAULT_QUARANTINE_PARAMS.maxSharePriceMoveBps),
        /**
         * Below this share of a position withdrawable now, in bps, no new money goes in (0 turns it off); never
         * quarantines.
         */
        minWithdrawableBps: int(0, 10_000).default(DEFAULT_QUARANTINE_PARAMS.minWithdrawableBps),
        /** Rounding allowed between previewRedeem, convertToAssets and maxWithdraw of one position, in bps. */
        viewToleranceBps: int(0, 1_000).default(DEFAULT_QUARANTINE_PARAMS.viewToleranceBps),
      })
      .strict()
      .default({}),
    /**
     * Drafted proposals: when a cap keeps the best plan from placing money where it earns more, the daemon writes a
     * proposal (never sends it) if the gain clears both figures (see agent/README.md, "Drafted proposals").
     */
    drafts: z
      .object({
        enabled: boolean.default(true),
        /** Least gain a year, in bps of the extra money the proposal lets the plan place (10: 0.1% APR). */
        minGainBps: int(0, 10_000).default(10),
        /** Least gain a year, in token units. */
        minGainPerYear: decimal.default("0"),
        /**
         * A lower idle buffer, drafted only when the recorded exits show the idle held is more than needed (see
         * agent/README.md, "Drafted proposals").
         */
        buffer: z
          .object({
            enabled: boolean.default(true),
            /** The window the largest net outflow is measured over. */
            outflowWindowHours: positive(8_760).default(24),
            /** Least length of the record of flows a cut rests on. */
            minHistoryDays: positive(365).default(7),
            /** Idle kept above the largest outflow and the liquidity floor, in bps of total assets. */
            marginBps: int(0, 10_000).default(100),
            /** Least cut worth a proposal, in bps of total assets. */
            minCutBps: int(1, 10_000).default(100),
            /** Least gain a year, in bps of the money the lower buffer lets the plan place (50: 0.5% APR). */
            minGainBps: int(0, 10_000).default(50),
            /** Least gain a year, in token units. */
            minGainPerYear: decimal.default("0"),
          })
          .strict()
          .default({}),
        /** A raised session ceiling, when the session's volume limits clip the plan and the admin cannot grant more. */
        ceilings: z
          .object({
            enabled: boolean.default(true),
            /** Ticks whose plan a session limit clipped, within `windowHours`, before a proposal is drafted. */
            minTicks: int(1, 10_000).default(3),
            windowHours: positive(8_760).default(24),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    /**
     * Loss write-downs: `vault.realizeLoss(strategy)` as soon as a position is worth less than the vault's mark of it.
     */
    losses: z
      .object({
        /** Send the write-down (anyone may; it needs no session). */
        realize: boolean.default(true),
        /** Shortfall below the mark taken as noise, in token units, on top of one base unit of rounding. */
        tolerance: decimal.default("0"),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        enabled: boolean.default(true),
        host: host.default("127.0.0.1"),
        port: int(0, 65_535).default(9464),
        /** History points the dashboard keeps per vault (thinned evenly when full; see agent/README.md). */
        historyPoints: int(2, 100_000).default(DEFAULT_HISTORY_POINTS),
      })
      .strict()
      .default({}),
    alerts: alertsSchema,
    /**
     * High availability (agent/README.md, "High availability"): the lease and the journal in PostgreSQL, so that two or
     * more daemons for this key run, one active. Absent: the file journal under `dataDir`, with its lock.
     */
    ha: haSchema.optional(),
    /** The decision journal (see agent/README.md, "Compacting the journal"). */
    journal: z
      .object({
        /**
         * At start, a journal larger than this (MB) is compacted as `journal compact` does, the old file kept as a
         * backup. Absent: never automatically.
         */
        compactAboveMb: positive(1_000_000).optional(),
      })
      .strict()
      .default({}),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .default({}),
    vaults: z.array(vaultSchema, { invalid_type_error: "a list of vaults" }).min(1, "list at least one vault"),
  })
  .strict()
  .superRefine((c, ctx) => {
    const networks = checkNetworks(c, ctx);
    const remote = networks.find((n) => !LOCAL_CHAIN_IDS.includes(n.chainId));
    if (c.key.privateKey && remote) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key", "privateKey"],
        message: `a raw private key is accepted only on a local development chain (${LOCAL_CHAIN_IDS.join(" or ")}); use an encrypted keystore`,
      });
    }
    if (c.key.privateKey && c.key.keystorePath) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key"],
        message: "give either a keystore or a raw key, not both",
      });
    }
    if (c.key.remoteSigner && (c.key.privateKey || c.key.keystorePath)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key", "remoteSigner"],
        message: "give one key source: a keystore, a raw key or a remote signer",
      });
    }
    if (c.key.keystorePath && !c.key.keystorePassword && !c.key.keystorePasswordFile) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key", "keystorePassword"],
        message:
          "the keystore needs its password in AGENT_KEYSTORE_PASSWORD, or in a file (key.keystorePasswordFile or AGENT_KEYSTORE_PASSWORD_FILE)",
      });
    }
    if (c.key.keystorePassword && c.key.keystorePasswordFile) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key", "keystorePasswordFile"],
        message: "give the keystore's password either in AGENT_KEYSTORE_PASSWORD or in a file, not both",
      });
    }
    if (c.key.keystorePasswordFile && !c.key.keystorePath) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key", "keystorePasswordFile"],
        message: "a password file without a keystore (set key.keystorePath or AGENT_KEYSTORE)",
      });
    }
    if (c.ha && networks.length > 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["ha"],
        message: "high availability runs one chain per daemon: list one network (run one HA pair per chain)",
      });
    }
    const seen = new Set<string>();
    const labels = new Set<string>();
    c.vaults.forEach((v, i) => {
      // The same address on two chains is two vaults (a deployer's nonce gives the same address on every chain).
      const where = `${v.network ?? ""}/${v.address}`;
      if (seen.has(where)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["vaults", i, "address"],
          message: networks.length > 1 ? "listed twice on its network" : "listed twice",
        });
      }
      seen.add(where);
      const label = v.label ?? v.address;
      if (labels.has(label))
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["vaults", i, "label"],
          message:
            v.label === undefined && networks.length > 1
              ? "required: the address is on two networks, and labels name metrics and rows"
              : "used twice (labels name metrics)",
        });
      labels.add(label);
    });
  })
  .transform(({ network, networks, vaults, ...rest }) => {
    const list = networks ?? [{ ...network!, name: DEFAULT_NETWORK }];
    return {
      ...rest,
      /** The first network: the one chain of a single-chain config (commands on one chain read this). */
      network: list[0]!,
      /** Every chain, named; one for a single-chain config (named "default"). */
      networks: list,
      /** Each vault with the name of its network. */
      vaults: vaults.map((v) => ({ ...v, network: v.network ?? list[0]!.name })),
    };
  });

/**
 * The networks as listed (`network` alone is one named "default"), after the checks a list of chains needs: one of
 * `network` and `networks`, names and chain ids used once, and every vault on a listed network with its chain id.
 * Each problem names its field.
 */
function checkNetworks(
  c: {
    network?: { chainId: number };
    networks?: Array<{ name: string; chainId: number }>;
    vaults: Array<{ network?: string; chainId?: number }>;
  },
  ctx: z.RefinementCtx,
): Array<{ name: string; chainId: number }> {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  if (c.network && c.networks) {
    issue(["networks"], "give either network (one chain) or networks (several), not both");
  }
  if (!c.network && !c.networks) issue(["network"], "required (or networks: a list of chains)");
  const networks = c.networks ?? (c.network ? [{ name: DEFAULT_NETWORK, chainId: c.network.chainId }] : []);
  networks.forEach((n, i) => {
    const first = networks.findIndex((m) => m.name === n.name);
    if (first !== i) issue(["networks", i, "name"], `used twice (networks.${first}.name)`);
    const same = networks.findIndex((m) => m.chainId === n.chainId);
    if (same !== i) {
      issue(
        ["networks", i, "chainId"],
        `chain ${n.chainId} is also networks.${same} ("${networks[same]!.name}"): one network per chain (list its endpoints in one network's rpcUrls)`,
      );
    }
  });
  const names = networks.map((n) => `"${n.name}"`).join(", ");
  c.vaults.forEach((v, i) => {
    if (v.network === undefined && networks.length > 1) {
      issue(["vaults", i, "network"], `required with several networks: which one the vault is on (${names})`);
      return;
    }
    const net = v.network === undefined ? networks[0] : networks.find((n) => n.name === v.network);
    if (!net) {
      if (networks.length > 0) issue(["vaults", i, "network"], `no network named "${v.network}" (networks: ${names})`);
      return;
    }
    if (v.chainId !== undefined && v.chainId !== net.chainId) {
      issue(
        ["vaults", i, "chainId"],
        `chain ${v.chainId}, but its network "${net.name}" is chain ${net.chainId}: is the vault on another network?`,
      );
    }
  });
  return networks;
}

export type AgentConfig = z.infer<typeof configSchema>;
export type NetworkConfig = AgentConfig["networks"][number];
export type PlannerConfig = z.infer<typeof plannerSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;
export type RemoteSignerConfig = z.infer<typeof remoteSignerSchema>;
export type HaConfig = z.infer<typeof haSchema>;
export type AlertEventName = (typeof ALERT_EVENTS)[number];
