/**
 * The demo on several chains (`bash scripts/demo.sh --chains 2`): two embedded chains (chain ids 31337 and 1337), the
 * treasury deployed on each by the devnet's stack deployer, and ONE agent daemon managing both vaults (`createChains`,
 * as `treasury-agent run` builds it for a config listing several `networks`): a provider, nonce sequence and journal
 * per chain, each chain ticking on its own, one dashboard listing both vaults, each labelled with its chain. Each round
 * ticks both chains, then moves both clocks two hours and brings a deposit to one of them.
 */
import fs from "node:fs";
import path from "node:path";
import {
  createChains,
  createLogger,
  formatAmount,
  loadWallet,
  Metrics,
  parseConfig,
  systemClock,
  type Chains,
} from "@agent-treasury/agent";
import {
  chainAccounts,
  deployStack,
  fund,
  grantSession,
  startEmbeddedChain,
  type EmbeddedChain,
  type Stack,
} from "@agent-treasury/agent/devnet";
import { Wallet } from "ethers";
import { serveWithFallback } from "./story/daemon.js";
import { AGENT_DEV_KEY } from "./story/stage.js";

/** The two chains: a name (the config's network), and a development chain id each (a raw key is accepted on both). */
export const DEMO_CHAINS = [
  { name: "alpha", chainId: 31337, label: "treasury-alpha" },
  { name: "beta", chainId: 1337, label: "treasury-beta" },
] as const;

export interface ChainsDemoOptions {
  dataDir: string;
  /** Rounds: each ticks both chains, then moves their clocks two hours (default 3). */
  rounds?: number;
  port?: number;
  out?: (line: string) => void;
}

export interface ChainsDemoRun {
  dashboardUrl: string;
  daemon: Chains;
  /** The number of rebalances on each chain, by network name. */
  rebalances: Record<string, number>;
  close(): Promise<void>;
}

export async function runChainsDemo(options: ChainsDemoOptions): Promise<ChainsDemoRun> {
  const out = options.out ?? console.log;
  const agent = new Wallet(AGENT_DEV_KEY).address;
  const chains: EmbeddedChain[] = [];
  const stacks: Stack[] = [];
  let daemon: Chains | undefined;
  try {
    for (const c of DEMO_CHAINS) {
      const chain = await startEmbeddedChain({ chainId: c.chainId });
      chains.push(chain);
      const stack = await deployStack(await chainAccounts(chain), { strategies: 3, seed: 100_000n });
      await fund(stack, stack.users[0]!, 1_000_000n * stack.unit);
      await grantSession(stack, {
        agent,
        durationSeconds: 7 * 86_400,
        maxVolumePerCall: 500_000n * stack.unit,
        maxVolumePerEpoch: 5_000_000n * stack.unit,
      });
      stacks.push(stack);
      out(
        `[${c.name}]`.padEnd(13) +
          `chain ${c.chainId} at ${chain.url}: vault ${stack.vaultAddress} holds 1,000,000 idle`,
      );
    }
    fs.mkdirSync(options.dataDir, { recursive: true });
    const logPath = path.join(options.dataDir, "daemon.log");
    const config = parseConfig(
      {
        networks: DEMO_CHAINS.map((c, i) => ({
          name: c.name,
          rpcUrl: chains[i]!.url,
          chainId: c.chainId,
          pollIntervalMs: 1_000,
        })),
        lens: stacks[0]!.lensAddress,
        dataDir: path.join(options.dataDir, "agent"),
        tx: { maxFeePerGasGwei: "100", stuckAfterSeconds: 60 },
        planner: { strategy: "equal-weight", minMove: "1000", nativePriceInAsset: "3000" },
        metrics: { host: "127.0.0.1", port: options.port ?? 9464 },
        vaults: DEMO_CHAINS.map((c, i) => ({
          address: stacks[i]!.vaultAddress,
          network: c.name,
          chainId: c.chainId,
          label: c.label,
        })),
      },
      { AGENT_PRIVATE_KEY: AGENT_DEV_KEY },
    );
    const log = createLogger("info", { write: (line: string) => fs.appendFileSync(logPath, line) });
    const wallet = await loadWallet(config, BigInt(DEMO_CHAINS[0].chainId));
    daemon = await createChains(config, { wallet, log, metrics: new Metrics(), clock: systemClock });
    const server = await serveWithFallback(daemon, options.port === undefined);
    const dashboardUrl = `http://127.0.0.1:${server.port}/`;
    out(`[daemon]     one daemon, ${daemon.chains.length} chains; dashboard ${dashboardUrl}   (log ${logPath})`);

    const rebalances: Record<string, number> = Object.fromEntries(DEMO_CHAINS.map((c) => [c.name, 0]));
    const rounds = options.rounds ?? 3;
    for (let round = 1; round <= rounds; round++) {
      for (const t of await daemon.tick()) {
        const chain = daemon.chains.find((c) => c.config.vaults.some((v) => v.label === t.vault))!;
        const result = t.report?.result;
        if (result?.kind === "sent") rebalances[chain.name]!++;
        const what = t.error
          ? `tick failed: ${t.error.message}`
          : result!.kind === "sent"
            ? `rebalanced (tx ${result!.hash.slice(0, 10)}…, nonce ${chain.agent.journal.entries().find((e) => e.intentHash === result!.intentHash)?.record.nonce} on this chain)`
            : `${result!.kind}: ${"reason" in result! ? result.reason : ""}`;
        out(`[round ${round}]    ${chain.name} (chain ${chain.chainId}) ${t.vault}: ${what}`);
      }
      // Two hours pass on both chains; a member of the DAO on beta deposits 200,000 more.
      for (const chain of chains) await chain.increaseTime(7_200);
      await fund(stacks[1]!, stacks[1]!.users[0]!, 200_000n * stacks[1]!.unit);
    }
    out("");
    out("Both chains, one view (the dashboard's rows):");
    const view = daemon.view() as {
      vaults: Array<{
        label: string;
        chain: string;
        chainId: number;
        totalAssets: string;
        idle: string;
        decimals: number;
      }>;
    };
    for (const v of view.vaults) {
      out(
        `  ${v.label.padEnd(16)} ${`${v.chain} (${v.chainId})`.padEnd(14)} total ${formatAmount(BigInt(v.totalAssets), v.decimals)}   idle ${formatAmount(BigInt(v.idle), v.decimals)}`,
      );
    }
    out(`  rebalances: ${DEMO_CHAINS.map((c) => `${c.name} ${rebalances[c.name]}`).join(", ")}`);
    const opened = daemon;
    return {
      dashboardUrl,
      daemon: opened,
      rebalances,
      async close() {
        await opened.close();
        for (const c of chains) await c.close();
      },
    };
  } catch (err) {
    await daemon?.close();
    for (const c of chains) await c.close();
    throw err;
  }
}
