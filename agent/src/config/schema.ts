/**
 * The one configuration schema: the config file and the environment are merged, then parsed here once at start.
 * Amounts are decimal strings in token units (converted with the asset's decimals once the vault is read); fees in
 * gwei. Secrets (keystore password, raw key) are accepted from the environment only.
 */
import { getAddress, isAddress } from "ethers";
import { z } from "zod";

export const LOCAL_CHAIN_ID = 31337;

const address = z
  .string()
  .refine((v) => isAddress(v), { message: "not an address" })
  .transform((v) => getAddress(v));
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal number in a string, e.g. "1000.5"');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const plannerSchema = z
  .object({
    /** Which planner: best risk-adjusted yield, or equal weight within caps. */
    strategy: z.enum(["yield", "equal-weight"]).default("yield"),
    /** Smallest leg worth sending, in token units. */
    minMove: decimal,
    safetyMarginBps: int(0, 1_000).default(5),
    horizonDays: z.coerce.number().positive().max(365).default(30),
    minSpreadBps: int(0, 10_000).default(25),
    /** Yield discount per strategy address, in bps per year. */
    riskPremiumBps: z.record(z.string(), int(0, 10_000)).default({}),
    volatilityWeightBps: int(0, 100_000).default(0),
    lookbackHours: z.coerce.number().positive().default(168),
    minSamples: int(2, 10_000).default(3),
    minWindowMinutes: z.coerce.number().min(0).default(60),
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
    /** Act only through this session (otherwise the usable one that lasts longest). */
    sessionId: z.coerce.bigint().positive().optional(),
    /** Per-vault planner settings, over the global ones. */
    planner: plannerSchema.partial().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    network: z
      .object({
        rpcUrl: z.string().url(),
        chainId: int(1, Number.MAX_SAFE_INTEGER),
        confirmations: int(1, 64).default(1),
        pollIntervalMs: int(50, 3_600_000).default(12_000),
      })
      .strict(),
    /** The TreasuryLens deployment. */
    lens: address,
    /** The agent's address, for read-only commands run without the key. */
    agentAddress: address.optional(),
    key: z
      .object({
        keystorePath: z.string().min(1).optional(),
        keystorePassword: z.string().min(1).optional(),
        privateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes of hex with 0x").optional(),
      })
      .strict()
      .default({}),
    dataDir: z.string().min(1).default(".data/agent"),
    tx: z
      .object({
        stuckAfterSeconds: z.coerce.number().positive().default(180),
        feeBumpPercent: int(10, 500).default(25),
        maxFeePerGasGwei: decimal,
        priorityFeeGwei: decimal.optional(),
        gasLimitMultiplierPct: int(100, 500).default(130),
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
    metrics: z
      .object({
        enabled: z.coerce.boolean().default(true),
        host: z.string().min(1).default("127.0.0.1"),
        port: int(0, 65_535).default(9464),
      })
      .strict()
      .default({}),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .default({}),
    vaults: z.array(vaultSchema).min(1, "list at least one vault"),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.key.privateKey && c.network.chainId !== LOCAL_CHAIN_ID) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key", "privateKey"],
        message: `a raw private key is accepted only on the local chain (${LOCAL_CHAIN_ID}); use an encrypted keystore`,
      });
    }
    if (c.key.privateKey && c.key.keystorePath) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["key"], message: "give either a keystore or a raw key, not both" });
    }
    if (c.key.keystorePath && !c.key.keystorePassword) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["key", "keystorePassword"],
        message: "the keystore needs its password in AGENT_KEYSTORE_PASSWORD",
      });
    }
    const seen = new Set<string>();
    c.vaults.forEach((v, i) => {
      if (seen.has(v.address)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["vaults", i, "address"], message: "listed twice" });
      }
      seen.add(v.address);
    });
  });

export type AgentConfig = z.infer<typeof configSchema>;
export type PlannerConfig = z.infer<typeof plannerSchema>;
