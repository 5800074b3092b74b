/**
 * The one deployer of the treasury stack on a local chain (tests, devnet, benches), with the typechain factories from
 * any ethers signers: the mock asset, the session manager, the vault, the lens, then the strategies — mock strategies
 * (each seeded by an outside depositor when `seed` says so, as real strategies are) or, with `lending`, curated vaults
 * over Morpho Blue markets (lending.ts) — and, when asked, the members' router. Governance, guardian and session
 * admin are accounts of the chain (`stackAccounts`); public networks deploy with the Ignition modules in deploy/,
 * whose parameters and defaults (deploy/modules/stack-parameters.ts, deploy/parameters/local.json) this shares.
 */
import { readFileSync } from "node:fs";
import { HDNodeWallet, Mnemonic, type JsonRpcSigner, type Signer } from "ethers";
import {
  MOCK_ASSET_DEFAULTS,
  mockStrategyName,
  settingsFrom,
  VAULT_DEFAULTS,
  vaultConstructorArgs,
  type MockAssetSettings,
  type VaultSettings,
} from "../../deploy/modules/stack-parameters.js";
import {
  MockERC20__factory,
  MockStrategy__factory,
  SessionManager__factory,
  TreasuryLens__factory,
  TreasuryRouter__factory,
  TreasuryVaultAdmin__factory,
  TreasuryVault__factory,
  type MockERC20,
  type MockStrategy,
  type SessionManager,
  type TreasuryLens,
  type TreasuryRouter,
  type TreasuryVault,
} from "../../types/ethers-contracts/index.js";
import type { LocalChain } from "./chain.js";
import { deployLendingWorld, type LendingWorld, type LendingWorldOptions } from "./lending.js";

const localFile = JSON.parse(readFileSync(new URL("../../deploy/parameters/local.json", import.meta.url), "utf8")) as {
  Mocks: Partial<MockAssetSettings>;
  LocalStack: Partial<VaultSettings>;
};

/** What the LocalStack module deploys with deploy/parameters/local.json: the local chains' settings. */
export const LOCAL_PARAMETERS: { asset: MockAssetSettings; vault: VaultSettings } = {
  asset: settingsFrom(MOCK_ASSET_DEFAULTS, localFile.Mocks),
  vault: settingsFrom(VAULT_DEFAULTS, localFile.LocalStack),
};

/** Hardhat's well-known development mnemonic: its keys are public, fit only for a local chain. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The development key at `index` (account #3 is the agent by convention here). */
export function devKey(index: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`).privateKey;
}

/** A signer whose address is known without a call (ethers' JSON-RPC signers, Hardhat's signers). */
export type StackSigner = Signer & { address: string };

/** Who does what on the stack. */
export interface StackAccounts<S extends StackSigner = JsonRpcSigner> {
  governance: S;
  guardian: S;
  sessionAdmin: S;
  /** Holds sessions; signs nothing while deploying. */
  agent: S;
  /** Members and outside depositors; the last one seeds the strategies. */
  users: S[];
}

/**
 * The roles by the development accounts' convention (deploy/parameters/local.json): #0 governance, #1 guardian, #2
 * session admin, #3 agent; then `users` (by default every account from #4).
 */
export function stackAccounts<S extends StackSigner>(
  signers: readonly S[],
  users: readonly number[] = signers.slice(4).map((_, i) => 4 + i),
): StackAccounts<S> {
  const at = (i: number) => {
    const signer = signers[i];
    if (signer === undefined) throw new Error(`the chain has no account #${i} (it has ${signers.length})`);
    return signer;
  };
  return { governance: at(0), guardian: at(1), sessionAdmin: at(2), agent: at(3), users: users.map(at) };
}

/** The stack's accounts on a local chain: the roles, and #5 and #6 as users (#6 seeds the strategies). */
export async function chainAccounts(chain: LocalChain): Promise<StackAccounts> {
  return stackAccounts(await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => chain.provider.getSigner(i))), [5, 6]);
}

export interface StackOptions extends Partial<VaultSettings> {
  /** Asset decimals (6 like USDC, 18 like DAI); the rest of the asset is deploy/parameters/local.json's. */
  decimals?: MockAssetSettings["decimals"];
  /** Number of mock strategies to list (3 by default). */
  strategies?: number;
  /** Absolute cap of every strategy, in whole tokens. */
  absoluteCap?: bigint;
  /** Relative cap of every strategy, in bps of total assets. */
  relativeCapBps?: number;
  /** Assets an outside depositor puts in each mock strategy, in whole tokens (none by default). */
  seed?: bigint;
  /** Lists the curated vaults of a lending world over the stack's asset (`true`: the default world, deployed by
   *  governance's account) instead of mock strategies; `strategies` and `seed` are then not used. */
  lending?: LendingWorldOptions | true;
  /** Also deploys the members' router (TreasuryRouter), last, so that no other address moves. */
  router?: boolean;
}

export interface Stack<S extends StackSigner = JsonRpcSigner> extends StackAccounts<S> {
  asset: MockERC20;
  /** The mock strategies (none in a lending stack). */
  strategies: MockStrategy[];
  strategyAddresses: string[];
  /** The lending world whose vaults are the strategies, in a lending stack. */
  lending?: LendingWorld;
  sessions: SessionManager;
  vault: TreasuryVault;
  lens: TreasuryLens;
  router?: TreasuryRouter;
  vaultAddress: string;
  lensAddress: string;
  unit: bigint;
}

const DEFAULT_ABSOLUTE_CAP = 1_000_000_000n; // whole tokens
const DEFAULT_RELATIVE_CAP_BPS = 5_000; // 50%, the most a listing may start with

export async function deployStack<S extends StackSigner>(
  accounts: StackAccounts<S>,
  options: StackOptions = {},
): Promise<Stack<S>> {
  const { governance } = accounts;
  const assetSettings = settingsFrom(LOCAL_PARAMETERS.asset, { decimals: options.decimals });
  const unit = 10n ** BigInt(assetSettings.decimals);

  const asset = await deployAsset(governance, assetSettings);
  const assetAddress = await asset.getAddress();
  const sessions = await deploySessionManager(accounts);
  const vault = await deployVault(governance, assetAddress, await sessions.getAddress(), options);
  const lens = await deployLens(governance);

  const caps = [
    (options.absoluteCap ?? DEFAULT_ABSOLUTE_CAP) * unit,
    options.relativeCapBps ?? DEFAULT_RELATIVE_CAP_BPS,
  ] as const;
  const lending = options.lending
    ? await deployLendingWorld(governance, {
        ...(options.lending === true ? {} : options.lending),
        asset: assetAddress,
      })
    : undefined;
  for (const address of lending?.vaultAddresses ?? []) await (await vault.addStrategy(address, ...caps)).wait();

  const strategies: MockStrategy[] = [];
  const seeder = accounts.users[accounts.users.length - 1];
  const seed = (options.seed ?? 0n) * unit;
  for (let i = 0; i < (lending ? 0 : (options.strategies ?? 3)); i++) {
    const strategy = await (
      await new MockStrategy__factory(governance).deploy(assetAddress, mockStrategyName(i))
    ).waitForDeployment();
    const address = await strategy.getAddress();
    await (await vault.addStrategy(address, ...caps)).wait();
    if (seed > 0n) {
      if (seeder === undefined) throw new Error("seeding the strategies needs a user account to seed them");
      await (await asset.mint(seeder.address, seed)).wait();
      await (await asset.connect(seeder).approve(address, seed)).wait();
      await (await strategy.connect(seeder).deposit(seed, seeder.address)).wait();
    }
    strategies.push(strategy);
  }
  const router = options.router
    ? await (await new TreasuryRouter__factory(governance).deploy()).waitForDeployment()
    : undefined;
  return {
    ...accounts,
    asset,
    strategies,
    strategyAddresses: lending?.vaultAddresses ?? (await Promise.all(strategies.map((s) => s.getAddress()))),
    lending,
    sessions,
    vault,
    lens,
    router,
    vaultAddress: await vault.getAddress(),
    lensAddress: await lens.getAddress(),
    unit,
  };
}

/** The mock asset (MockERC20), by `deployer`. */
export async function deployAsset(
  deployer: Signer,
  settings: MockAssetSettings = LOCAL_PARAMETERS.asset,
): Promise<MockERC20> {
  return (
    await new MockERC20__factory(deployer).deploy(settings.name, settings.symbol, settings.decimals)
  ).waitForDeployment();
}

/** The session manager, deployed by governance, with the accounts' roles. */
export async function deploySessionManager<S extends StackSigner>(accounts: StackAccounts<S>): Promise<SessionManager> {
  const { governance, guardian, sessionAdmin } = accounts;
  return (
    await new SessionManager__factory(governance).deploy(governance.address, guardian.address, sessionAdmin.address)
  ).waitForDeployment();
}

/** A vault over `asset` with deploy/parameters/local.json's settings, each overridable. */
export async function deployVault(
  deployer: Signer,
  asset: string,
  sessionManager: string,
  settings: Partial<VaultSettings> = {},
): Promise<TreasuryVault> {
  const admin = await deployVaultAdmin(deployer, asset, sessionManager);
  return (
    await new TreasuryVault__factory(deployer).deploy(...vaultArgs(asset, sessionManager, admin, settings))
  ).waitForDeployment();
}

/**
 * The vault's admin module (TreasuryVaultAdmin) for `asset` under `sessionManager`: stateless code the vault runs by
 * delegatecall; vaults over one asset under one session manager may share one. Returns its address.
 */
export async function deployVaultAdmin(deployer: Signer, asset: string, sessionManager: string): Promise<string> {
  const admin = await (
    await new TreasuryVaultAdmin__factory(deployer).deploy(asset, sessionManager)
  ).waitForDeployment();
  return await admin.getAddress();
}

/** The lens (TreasuryLens: stateless, no roles). */
export async function deployLens(deployer: Signer): Promise<TreasuryLens> {
  return (await new TreasuryLens__factory(deployer).deploy()).waitForDeployment();
}

/** The vault's constructor arguments: deploy/parameters/local.json's settings, each overridable. */
export function vaultArgs(asset: string, sessionManager: string, admin: string, settings: Partial<VaultSettings> = {}) {
  return vaultConstructorArgs(asset, sessionManager, settingsFrom(LOCAL_PARAMETERS.vault, settings), admin);
}

/** Mints `amount` to `user` and deposits it into the vault. */
export async function fund<S extends StackSigner>(stack: Stack<S>, user: S, amount: bigint): Promise<void> {
  await (await stack.asset.mint(user.address, amount)).wait();
  await (await stack.asset.connect(user).approve(stack.vaultAddress, amount)).wait();
  await (await stack.vault.connect(user).deposit(amount, user.address)).wait();
}

export interface GrantOptions {
  agent: string;
  durationSeconds: number;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
  /** The latest block's time by default. */
  validAfter?: bigint;
  epochLength?: number;
  minInterval?: number;
  maxCallsPerEpoch?: number;
  /** The session's own loss allowance in asset base units; 0 (the default): none of its own. */
  maxLoss?: bigint;
  /** A session that may only move money from strategies into idle. */
  reduceOnly?: boolean;
  /** Strategies in scope; all by default. */
  scope?: string[];
}

/** Grants a session by governance; returns its id. */
export async function grantSession<S extends StackSigner>(stack: Stack<S>, o: GrantOptions): Promise<bigint> {
  const validAfter = o.validAfter ?? BigInt((await stack.governance.provider!.getBlock("latest"))!.timestamp);
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
      maxLoss: o.maxLoss ?? 0n,
      reduceOnly: o.reduceOnly ?? false,
    })
  ).wait();
  return await stack.sessions.sessionCount();
}
