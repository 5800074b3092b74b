/**
 * devnet: the treasury on an embedded chain, for trying the daemon locally.
 *
 *   pnpm --filter ./agent devnet            chain on 127.0.0.1:8545, stack deployed, config + keystore written;
 *                                           strategy yields change every few seconds until Ctrl-C
 *   pnpm --filter ./agent devnet --demo     the same, with the daemon running in this process for a few ticks,
 *                                           then a revoke it stands down on, then the status table
 *   pnpm --filter ./agent devnet --world lending [--bad-debt]
 *                                           the strategies are curated vaults over Morpho Blue markets (lending.ts);
 *                                           seeded borrowers move utilization (and default, with --bad-debt) instead
 *   pnpm --filter ./agent devnet --step-up 10000
 *                                           moves above 10,000 need a co-signature: the reference co-signer
 *                                           (cosigner.ts) runs here with the policy signer's key, in the config
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { encryptKeystoreJson, keccak256, toUtf8Bytes, Wallet } from "ethers";
import { statusCommand } from "../src/cli/report-commands.js";
import { createAgent, createLogger, LensReader, loadConfig, loadWallet } from "../src/index.js";
import { BorrowerDriver, type MarketMove } from "./borrowers.js";
import { startLocalChain } from "./chain.js";
import { startCoSigner, type CoSignerService } from "./cosigner.js";
import { chainAccounts, deployStack, devKey, fund, grantSession } from "./stack.js";

const program = new Command()
  .name("devnet")
  .description("the treasury on an embedded Hardhat chain, with a config and keystore for the agent")
  .option("--port <port>", "loopback port of the chain", "8545")
  .option("--dir <path>", "where to write the config, keystore and agent data", ".data/devnet")
  .option("--demo", "run the daemon here for a few ticks, show a stand-down, print the status, exit")
  .option("--ticks <n>", "ticks in demo mode", "6")
  .option("--yield-every <ms>", "outside demo mode: how often a strategy's yield changes", "5000")
  .option(
    "--world <world>",
    'the strategies: "mock" (mock strategies) or "lending" (curated vaults over Morpho Blue markets)',
    "mock",
  )
  .option("--bad-debt", "lending world: borrowers sometimes default, leaving bad debt")
  .option("--seed <n>", "lending world: seed of the borrowers", "1")
  .option("--step-up <threshold>", "whole tokens above which a move needs the reference co-signer's co-signature")
  .parse();
const opts = program.opts<{
  port: string;
  dir: string;
  demo?: boolean;
  ticks: string;
  yieldEvery: string;
  world: string;
  badDebt?: boolean;
  seed: string;
  stepUp?: string;
}>();
if (opts.world !== "mock" && opts.world !== "lending")
  program.error(`error: --world must be mock or lending, got ${opts.world}`);
if (!/^\d+$/.test(opts.seed)) program.error(`error: --seed must be a whole number, got ${opts.seed}`);
if (opts.stepUp !== undefined && !/^[1-9]\d*$/.test(opts.stepUp))
  program.error(`error: --step-up must be a whole number of tokens above 0, got ${opts.stepUp}`);

const chain = await startLocalChain({ port: Number(opts.port) });
const stack = await deployStack(await chainAccounts(chain), {
  strategies: 3,
  seed: 100_000n,
  lending: opts.world === "lending" || undefined,
});
const borrowers = stack.lending
  ? new BorrowerDriver(stack.lending, {
      seed: Number(opts.seed),
      badDebt: opts.badDebt ? { chance: 0.05, sizeBps: 100 } : false,
    })
  : undefined;
await fund(stack, stack.users[0]!, 1_000_000n * stack.unit);
const agent = new Wallet(devKey(3));
const sessionId = await grantSession(stack, {
  agent: agent.address,
  durationSeconds: 30 * 86_400,
  maxVolumePerCall: 600_000n * stack.unit,
  maxVolumePerEpoch: 3_000_000n * stack.unit,
});

// The step-up: governance sets it (the devnet's governance is a plain key) with a development policy signer, whose key
// the reference co-signer holds (public: a development key).
let coSigner: CoSignerService | undefined;
if (opts.stepUp !== undefined) {
  const policy = new Wallet(keccak256(toUtf8Bytes("devnet policy signer")));
  await (
    await stack.vault.connect(stack.governance).setStepUp(BigInt(opts.stepUp) * stack.unit, policy.address)
  ).wait();
  coSigner = await startCoSigner({
    key: policy,
    reader: new LensReader(chain.provider, stack.lensAddress),
    chainId: 31337n,
    vaults: [stack.vaultAddress],
    maxVolume: 1_000_000n * stack.unit,
  });
}

const dir = path.resolve(opts.dir);
fs.mkdirSync(dir, { recursive: true });
const password = "devnet";
const keystorePath = path.join(dir, "agent.keystore.json");
fs.writeFileSync(
  keystorePath,
  await encryptKeystoreJson({ address: agent.address, privateKey: agent.privateKey }, password, {
    scrypt: { N: 1 << 14 },
  }),
);
const configPath = path.join(dir, "agent.config.json");
fs.rmSync(path.join(dir, "state"), { recursive: true, force: true });
fs.writeFileSync(
  configPath,
  JSON.stringify(
    {
      network: { rpcUrl: chain.url, chainId: 31337, confirmations: 1, pollIntervalMs: 2_000 },
      lens: stack.lensAddress,
      key: { keystorePath: "agent.keystore.json" },
      dataDir: "state",
      tx: { maxFeePerGasGwei: "100", stuckAfterSeconds: 60 },
      planner: {
        strategy: "yield",
        minMove: "1000",
        minSamples: 2,
        minWindowMinutes: 30,
        sampleIntervalSeconds: 0,
        nativePriceInAsset: "3000",
      },
      sessions: { warnBeforeExpirySeconds: 86_400, expiryMarginSeconds: 120 },
      metrics: { port: 9464 },
      vaults: [{ address: stack.vaultAddress, label: "treasury", ...(coSigner ? { coSigner: coSigner.url } : {}) }],
    },
    null,
    2,
  ),
);

console.log(`Embedded chain at ${chain.url} (chain id 31337)`);
console.log(
  `  vault ${stack.vaultAddress}   lens ${stack.lensAddress}   session #${sessionId} for agent ${agent.address}`,
);
console.log(`  config ${configPath}`);
if (coSigner)
  console.log(
    `  step-up above ${opts.stepUp}: reference co-signer at ${coSigner.url} (its own limit 1,000,000 a plan)`,
  );
console.log(`  keystore ${keystorePath} (password "${password}": a development key, public)`);

const describeMove = (m: MarketMove) =>
  m.kind === "bad-debt"
    ? `market ${m.market}: a borrower defaulted on ${m.debt / stack.unit}, bad debt ${m.badDebt / stack.unit}`
    : `market ${m.market}: ${m.kind} ${m.assets / stack.unit}, utilization ${(m.utilizationBps / 100).toFixed(2)}%`;

/** Advances chain time an hour and gives one strategy some yield (or lets the borrowers move). */
let round = 0;
async function yieldChange(): Promise<void> {
  if (borrowers) {
    await chain.increaseTime(3_600);
    console.log(`[devnet] +1h; ${(await borrowers.tick()).map(describeMove).join("; ")}`);
    return;
  }
  const strategy = stack.strategies[round % stack.strategies.length]!;
  const gain = BigInt(5 + 10 * (round % 3)) * stack.unit;
  await chain.increaseTime(3_600);
  await (await strategy.simulateGain(gain)).wait();
  console.log(
    `[devnet] +1h; strategy #${round % stack.strategies.length} earned ${gain / stack.unit} on about 100,000`,
  );
  round++;
}

if (opts.demo) {
  process.env.AGENT_KEYSTORE_PASSWORD = password;
  const config = loadConfig(configPath);
  const wallet = await loadWallet(config, 31337n);
  const { daemon } = await createAgent(config, {
    wallet,
    provider: chain.provider,
    log: createLogger("info"),
    readAfter: false,
  });
  for (let i = 0; i < Number(opts.ticks); i++) {
    await daemon.tick();
    await yieldChange();
  }
  console.log("[devnet] the guardian revokes the session");
  await (await stack.sessions.connect(stack.guardian).revoke(sessionId)).wait();
  await daemon.tick();
  await statusCommand({ config: configPath }, (t) => console.log(t));
  await coSigner?.close();
  await chain.close();
} else {
  console.log("\nRun the agent in another shell:");
  console.log(
    `  AGENT_KEYSTORE_PASSWORD=${password} pnpm --filter ./agent exec treasury-agent run --config ${path.relative(path.resolve("."), configPath)}`,
  );
  console.log("Ctrl-C stops the chain.\n");
  const timer = setInterval(
    () => void yieldChange().catch((err: unknown) => console.error(err)),
    Number(opts.yieldEvery),
  );
  const stop = async () => {
    clearInterval(timer);
    await coSigner?.close();
    await chain.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}
