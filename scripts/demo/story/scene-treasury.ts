/**
 * 10. The treasury of the session scenes: a second vault, on a chain of its own (so the story's chain, its blocks,
 * events and figures stay as they were), with deploy/parameters/local.json's settings, deployed by governance's
 * account with agent/devnet's stack deployer (strategies listed at once, no proposal). Two mock strategies held by an outside
 * depositor, a third that keeps an entry fee on every deposit, and a member's deposit in idle.
 */
import { deployStack, fund, stackAccounts, type EmbeddedChain, type Stack } from "@agent-treasury/agent/devnet";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { formatBps } from "@agent-treasury/agent";
import { amount } from "../summary.js";
import type { Stage } from "./stage.js";

/** The entry fee the third strategy keeps (0.5%): a deposit there is worth less than it paid, a loss. */
export const ENTRY_FEE_BPS = 50;

export interface SceneTreasury {
  /** The scenes' own chain (the caller's: started and closed with the story's). */
  chain: EmbeddedChain;
  /** Its accounts (the same development keys as the story's chain). */
  signers: HardhatEthersSigner[];
  stack: Stack<HardhatEthersSigner>;
  /** The mock strategies, then the fee strategy (index 2). */
  strategies: string[];
}

export async function sceneTreasury(stage: Stage, chain: EmbeddedChain): Promise<SceneTreasury> {
  const { unit, fmt } = stage;
  const { ethers } = chain.connection;
  const signers = await ethers.getSigners();
  const stack = await deployStack(stackAccounts(signers), { strategies: 2, seed: 1_000_000n });
  const { governance } = stack;
  const fee = await ethers.deployContract(
    "FeeStrategy",
    [await stack.asset.getAddress(), ENTRY_FEE_BPS, stack.guardian.address],
    governance,
  );
  const feeAddress = await fee.getAddress();
  await (await stack.vault.connect(governance).addStrategy(feeAddress, 1_000_000n * unit, 5_000)).wait();
  const deposits = 1_000_000n * unit;
  await fund(stack, stack.users[0]!, deposits);
  stage.out(
    `[scenes]     the session scenes, on a second vault (${stack.vaultAddress}) on a chain of their own (${chain.url}): the local deployment's settings, ${amount(deposits, fmt)} idle, ` +
      `strategies 0 and 1 (mock), strategy 2 keeping a ${formatBps(ENTRY_FEE_BPS)} entry fee`,
  );
  return { chain, signers, stack, strategies: [...stack.strategyAddresses, feeAddress] };
}
