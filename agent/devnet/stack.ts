/**
 * Deploys the treasury stack on a local chain with the typechain factories: asset, session manager, vault, lens and
 * mock strategies (each seeded by an outside depositor, as real strategies are), or, with `lending`, curated vaults
 * over Morpho Blue markets (lending.ts) as the strategies. Governance, guardian and session admin are the chain's
 * unlocked accounts; the agent is a wallet the caller chooses.
 */
import { HDNodeWallet, Mnemonic, type JsonRpcSigner } from "ethers";
import {
  MockERC20__factory,
  MockStrategy__factory,
  SessionManager__factory,
  TreasuryLens__factory,
  TreasuryVault__factory,
  type MockERC20,
  type MockStrategy,
  type SessionManager,
  type TreasuryLens,
  type TreasuryVault,
} from "../../types/ethers-contracts/index.js";
import type { LocalChain } from "./chain.js";
import { deployLendingWorld, type LendingWorld, type LendingWorldOptions } from "./lending.js";

/** Hardhat's well-known development mnemonic: its keys are public, fit only for a local chain. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The development key at `index` (account #3 is the agent by convention here). */
export function devKey(index: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`).privateKey;
}

export interface StackOptions {
  decimals?: number;
  strategies?: number;
  idleBufferBps?: number;
  maxLossPerCallBps?: number;
  epochLossBudgetBps?: number;
  lossEpochLength?: number;
  /** Absolute cap of every strategy, in whole tokens. */
  absoluteCap?: bigint;
  relativeCapBps?: number;
  /** Assets an outside depositor puts in each strategy, in whole tokens. */
  seed?: bigint;
  /** Lists the curated vaults of a lending world over the stack's asset (`true`: the default world, deployed by
   *  governance's account) instead of mock strategies; `strategies` and `seed` are then not used. */
  lending?: LendingWorldOptions | true;
}

export interface Stack {
  chain: LocalChain;
  governance: JsonRpcSigner;
  guardian: JsonRpcSigner;
  sessionAdmin: JsonRpcSigner;
  users: JsonRpcSigner[];
  asset: MockERC20;
  /** The mock strategies (none in a lending stack). */
  strategies: MockStrategy[];
  strategyAddresses: string[];
  /** The lending world whose vaults are the strategies, in a lending stack. */
  lending?: LendingWorld;
  sessions: SessionManager;
  vault: TreasuryVault;
  lens: TreasuryLens;
  vaultAddress: string;
  lensAddress: string;
  unit: bigint;
}

export async function deployStack(chain: LocalChain, options: StackOptions = {}): Promise<Stack> {
  const decimals = options.decimals ?? 6;
  const unit = 10n ** BigInt(decimals);
  const signers = await Promise.all([0, 1, 2, 5, 6].map((i) => chain.provider.getSigner(i)));
  const [governance, guardian, sessionAdmin, ...users] = signers as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, ...JsonRpcSigner[]];

  const asset = await (await new MockERC20__factory(governance).deploy("Mock USD", "mUSD", decimals)).waitForDeployment();
  const sessions = await (
    await new SessionManager__factory(governance).deploy(governance.address, guardian.address, sessionAdmin.address)
  ).waitForDeployment();
  const vault = await (
    await new TreasuryVault__factory(governance).deploy(
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
    )
  ).waitForDeployment();
  const lens = await (await new TreasuryLens__factory(governance).deploy()).waitForDeployment();

  const strategies: MockStrategy[] = [];
  const seeder = users[users.length - 1]!;
  const lending = options.lending
    ? await deployLendingWorld(governance, { ...(options.lending === true ? {} : options.lending), asset: await asset.getAddress() })
    : undefined;
  for (const address of lending?.vaultAddresses ?? []) {
    await (await vault.addStrategy(address, (options.absoluteCap ?? 1_000_000_000n) * unit, options.relativeCapBps ?? 5_000)).wait();
  }
  for (let i = 0; i < (lending ? 0 : (options.strategies ?? 3)); i++) {
    const strategy = await (
      await new MockStrategy__factory(governance).deploy(await asset.getAddress(), `Strategy ${i}`)
    ).waitForDeployment();
    const address = await strategy.getAddress();
    await (
      await vault.addStrategy(address, (options.absoluteCap ?? 1_000_000_000n) * unit, options.relativeCapBps ?? 5_000)
    ).wait();
    const seed = (options.seed ?? 100_000n) * unit;
    if (seed > 0n) {
      await (await asset.mint(seeder.address, seed)).wait();
      await (await asset.connect(seeder).approve(address, seed)).wait();
      await (await strategy.connect(seeder).deposit(seed, seeder.address)).wait();
    }
    strategies.push(strategy);
  }
  return {
    chain,
    governance,
    guardian,
    sessionAdmin,
    users,
    asset,
    strategies,
    strategyAddresses: lending?.vaultAddresses ?? (await Promise.all(strategies.map((s) => s.getAddress()))),
    lending,
    sessions,
    vault,
    lens,
    vaultAddress: await vault.getAddress(),
    lensAddress: await lens.getAddress(),
    unit,
  };
}

/** Mints `amount` to `user` and deposits it into the vault. */
export async function fund(stack: Stack, user: JsonRpcSigner, amount: bigint): Promise<void> {
  await (await stack.asset.mint(user.address, amount)).wait();
  await (await stack.asset.connect(user).approve(stack.vaultAddress, amount)).wait();
  await (await stack.vault.connect(user).deposit(amount, user.address)).wait();
}

export interface GrantOptions {
  agent: string;
  durationSeconds: number;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
  validAfter?: bigint;
  epochLength?: number;
  minInterval?: number;
  maxCallsPerEpoch?: number;
  /** Strategies in scope; all by default. */
  scope?: string[];
}

/** Grants a session by governance; returns its id. */
export async function grantSession(stack: Stack, o: GrantOptions): Promise<bigint> {
  const now = await stack.chain.latestTimestamp();
  const validAfter = o.validAfter ?? now;
  const scope = await stack.vault.scopeMask(o.scope ?? stack.strategyAddresses);
  await (
    await stack.sessions.connect(stack.governance).grant({
      agent: o.agent,
      vault: stack.vaultAddress,
      scope,
      validAfter,
      validUntil: validAfter + BigInt(o.durationSeconds),
      maxVolumePerCall: o.maxVolumePerCall,
      maxVolumePerEpoch: o.maxVolumePerEpoch,
      epochLength: o.epochLength ?? 86_400,
      minInterval: o.minInterval ?? 60,
      maxCallsPerEpoch: o.maxCallsPerEpoch ?? 24,
    })
  ).wait();
  return await stack.sessions.sessionCount();
}
