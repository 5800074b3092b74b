/**
 * Deploys the treasury stack on a local chain with plain ethers: asset, strategies, session manager, vault, lens.
 * Used by the TypeScript tests and the local demo. Public networks deploy with the Ignition modules in deploy/.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type {
  MockERC20,
  MockStrategy,
  SessionManager,
  TreasuryLens,
  TreasuryVault,
} from "../../types/ethers-contracts/index.js";

export interface StackOptions {
  /** Asset decimals (6 like USDC, 18 like DAI). */
  decimals?: number;
  /** Number of strategy vaults to list. */
  strategies?: number;
  idleBufferBps?: number;
  maxLossPerCallBps?: number;
  epochLossBudgetBps?: number;
  lossEpochLength?: number;
  /** Relative cap of every strategy, in bps of total assets. */
  relativeCapBps?: number;
}

export interface Stack {
  governance: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  sessionAdmin: HardhatEthersSigner;
  agent: HardhatEthersSigner;
  users: HardhatEthersSigner[];
  asset: MockERC20;
  strategies: MockStrategy[];
  sessions: SessionManager;
  vault: TreasuryVault;
  lens: TreasuryLens;
  unit: bigint;
}

export async function deployStack(ethers: HardhatEthers, options: StackOptions = {}): Promise<Stack> {
  const decimals = options.decimals ?? 6;
  const unit = 10n ** BigInt(decimals);
  const [governance, guardian, sessionAdmin, agent, ...users] = await ethers.getSigners();

  const asset = await ethers.deployContract("MockERC20", ["Mock USD", "mUSD", decimals], governance);
  const sessions = await ethers.deployContract(
    "SessionManager",
    [governance.address, guardian.address, sessionAdmin.address],
    governance,
  );
  const vault = await ethers.deployContract(
    "TreasuryVault",
    [
      await asset.getAddress(),
      "Treasury mUSD",
      "tmUSD",
      await sessions.getAddress(),
      {
        idleBufferBps: options.idleBufferBps ?? 1_000,
        maxLossPerCallBps: options.maxLossPerCallBps ?? 50,
        epochLossBudgetBps: options.epochLossBudgetBps ?? 100,
        lossEpochLength: options.lossEpochLength ?? 86_400,
      },
    ],
    governance,
  );
  const lens = await ethers.deployContract("TreasuryLens", [], governance);

  const strategies: MockStrategy[] = [];
  for (let i = 0; i < (options.strategies ?? 3); i++) {
    const strategy = await ethers.deployContract("MockStrategy", [await asset.getAddress(), `Strategy ${i}`], governance);
    await (await vault.connect(governance).addStrategy(await strategy.getAddress(), 1_000_000_000n * unit, options.relativeCapBps ?? 5_000)).wait();
    strategies.push(strategy);
  }
  return { governance, guardian, sessionAdmin, agent, users, asset, strategies, sessions, vault, lens, unit };
}

/** Mints `amount` to `user` and deposits it into the vault. */
export async function fund(stack: Stack, user: HardhatEthersSigner, amount: bigint): Promise<void> {
  await (await stack.asset.mint(user.address, amount)).wait();
  await (await stack.asset.connect(user).approve(await stack.vault.getAddress(), amount)).wait();
  await (await stack.vault.connect(user).deposit(amount, user.address)).wait();
}

/** Grants the agent a session over every listed strategy, by governance. Returns the session id. */
export async function grantSession(
  stack: Stack,
  params: { durationSeconds: number; maxVolumePerCall: bigint; maxVolumePerEpoch: bigint; now: number },
): Promise<bigint> {
  const strategyAddresses = await Promise.all(stack.strategies.map((s) => s.getAddress()));
  const scope = await stack.vault.scopeMask(strategyAddresses);
  const tx = await stack.sessions.connect(stack.governance).grant({
    agent: stack.agent.address,
    vault: await stack.vault.getAddress(),
    scope,
    validAfter: params.now,
    validUntil: params.now + params.durationSeconds,
    maxVolumePerCall: params.maxVolumePerCall,
    maxVolumePerEpoch: params.maxVolumePerEpoch,
    epochLength: 86_400,
    minInterval: 60,
    maxCallsPerEpoch: 24,
  });
  await tx.wait();
  return await stack.sessions.sessionCount();
}
