/**
 * Shared fixtures for the TypeScript tests: the LocalStack deployed by its Ignition module (through the deploy action,
 * as the CLI does) and the typed context the actions work with, for the governance and operator-script tests; the
 * same contracts deployed directly by the local chains' deployer, for the tests of the vault through a session.
 */
import path from "node:path";
import { deployStack, stackAccounts, type Stack, type StackOptions } from "@agent-treasury/agent/devnet";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";
import { deployStack as deployWithIgnition } from "../../scripts/actions/deploy-stack.js";
import { runBoundsProposal } from "../../scripts/actions/run-bounds-proposal.js";
import { REPO_ROOT } from "../../scripts/lib/addresses.js";
import { loadContext, withSigner, type TreasuryContext } from "../../scripts/lib/context.js";

export const LOCAL_PARAMETERS = path.join(REPO_ROOT, "deploy", "parameters", "local.json");

/** Hardhat's default accounts, as deploy/parameters/local.json names them. */
export const ACCOUNTS = { deployer: 0, guardian: 1, sessionAdmin: 2, agent: 3, user: 4, stranger: 5 } as const;

export interface DeployedTreasury {
  ctx: TreasuryContext;
  /** What the actions logged. */
  lines: string[];
  /** The same context signing as another account. */
  as(account: keyof typeof ACCOUNTS): Promise<TreasuryContext>;
}

/** Deploys the LocalStack module (governance, mocks, treasury) on `connection` and loads its context. */
export async function deployTreasury(connection: NetworkConnection): Promise<DeployedTreasury> {
  // Hardhat's chain refuses a transaction whose maxFeePerGas is below the next block's base fee (a real node would
  // queue it, and Ignition bump it). Instrumented (coverage) contracts fill blocks past the 30M block's gas target, and
  // Ignition prices a batch of deployments once while automining gives each its own block: the base fee climbed 12.5%
  // a block past the batch's fees. Blocks of 300M keep those deployments under the target, from a 1 gwei base fee.
  await connection.provider.request({ method: "evm_setBlockGasLimit", params: ["0x11e1a300"] });
  await connection.provider.request({ method: "hardhat_setNextBlockBaseFeePerGas", params: ["0x3b9aca00"] });
  const { addresses } = await deployWithIgnition(connection, {
    module: "local",
    parameters: LOCAL_PARAMETERS,
    addressesFile: false,
    log: () => {},
  });
  const lines: string[] = [];
  const ctx = await loadContext(connection, { addresses, log: (line) => lines.push(line) });
  return { ctx, lines, as: (account) => withSigner(ctx, String(ACCOUNTS[account])) };
}

/** A governance proposal, run end to end, that lists the three mock strategies and sets session ceilings. */
export async function listStrategies(treasury: DeployedTreasury): Promise<void> {
  const { ctx } = treasury;
  const [s0, s1, s2] = ctx.addresses.strategies;
  const unit = 10n ** BigInt(ctx.asset.decimals);
  await runBoundsProposal(ctx, {
    title: "List the mock strategies",
    changes: [
      { kind: "addStrategy", strategy: s0, absoluteCap: 1_000_000n * unit, relativeCapBps: 4_000 },
      { kind: "addStrategy", strategy: s1, absoluteCap: 1_000_000n * unit, relativeCapBps: 4_000 },
      { kind: "addStrategy", strategy: s2, absoluteCap: 500_000n * unit, relativeCapBps: 2_000 },
      {
        kind: "setCeilings",
        maxDuration: 7 * 86_400,
        maxVolumePerCall: 250_000n * unit,
        maxVolumePerEpoch: 1_000_000n * unit,
      },
    ],
    fastForward: true,
  });
}

/**
 * The stack of the local chains (agent/devnet's one deployer) on a Hardhat network connection's accounts: #0 to #3
 * the roles, #4 onwards the users; strategies listed by governance directly, no governance proposal.
 */
export async function deployDirectStack(
  ethers: HardhatEthers,
  options: StackOptions = {},
): Promise<Stack<HardhatEthersSigner>> {
  return deployStack(stackAccounts(await ethers.getSigners()), options);
}
