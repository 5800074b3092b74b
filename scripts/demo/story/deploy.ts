/**
 * 1. Deploy everything with the LocalStack Ignition module (governance, mock asset and strategies, the treasury), and
 * the world whose strategies the treasury lists: the mock strategies on the seeded yield path, or the lending world's
 * curated vaults over Morpho Blue markets.
 */
import path from "node:path";
import { deployStack } from "../../actions/deploy-stack.js";
import { REPO_ROOT } from "../../lib/addresses.js";
import { loadContext, withSigner } from "../../lib/context.js";
import type { EmbeddedChain as DemoChain } from "@agent-treasury/agent/devnet";
import { lendingMarket } from "../lending.js";
import { mockMarket, type DemoWorld } from "../market.js";
import type { DayYields } from "../yields.js";
import { ACCOUNT, type Stage } from "./stage.js";

export async function deploy(
  chain: DemoChain,
  options: { days: number; seed: number; world?: DemoWorld },
  yields: DayYields[],
  out: (line: string) => void,
): Promise<Stage> {
  const { days, seed } = options;
  const deployed = await deployStack(chain.connection, {
    module: "local",
    parameters: path.join(REPO_ROOT, "deploy", "parameters", "local.json"),
    addressesFile: false,
    log: () => {},
  });
  const a = deployed.addresses;
  const ctx = await loadContext(chain.connection, { addresses: a, log: () => {} });
  const { symbol, decimals } = ctx.asset;
  const signers = await ctx.ethers.getSigners();
  out(
    `[deploy]     LocalStack (Ignition): ${deployed.transactionsSent} transactions; vault ${a.vault}, governor ${a.governor}, 3 strategies`,
  );
  const stage: Omit<Stage, "market" | "lendingWorld"> = {
    chain,
    days,
    seed,
    out,
    ctx,
    addresses: a,
    as: (account) => withSigner(ctx, String(ACCOUNT[account])),
    signers,
    agentAddress: signers[ACCOUNT.agent]!.address,
    fmt: { symbol, decimals },
    unit: 10n ** BigInt(decimals),
    start: 0n,
  };
  const lendingWorld =
    options.world === "lending"
      ? await lendingMarket(ctx, a, { seed, days, start: () => stage.start, deployer: signers[ACCOUNT.deployer]! })
      : undefined;
  const market = lendingWorld ?? (await mockMarket(ctx, a, yields, signers[ACCOUNT.outsider]!));
  if (lendingWorld) {
    const w = lendingWorld.world;
    out(
      `[deploy]     lending world (test-only, never deployed by deploy/): Morpho Blue ${await w.morpho.getAddress()}, ${w.markets.length} markets, ${w.vaults.length} curated vaults listed instead of the mock strategies`,
    );
  }
  // The same object: the lending world reads the session's start through it once the session step sets it.
  return Object.assign(stage, { market, lendingWorld });
}
