/**
 * The treasury's deployment parameters, spelled once for every deployer: the Ignition modules (treasury-builder.ts,
 * Mocks.ts) read each one as a module parameter with the default below; the ethers deployer of the local chains
 * (agent/devnet/stack.ts: tests, devnet, demo, benches) reads deploy/parameters/local.json over these defaults, as the
 * LocalStack module does. The vault's constructor arguments and its Bounds are written here and nowhere else.
 */
/** The vault's settings at deployment: share token and initial bounds. Each is a module parameter of the same name. */
export const VAULT_DEFAULTS = {
  name: "Treasury Vault",
  symbol: "tVAULT",
  idleBufferBps: 1_000, // 10%
  maxLossPerCallBps: 50, // 0.5%
  epochLossBudgetBps: 100, // 1%
  lossEpochLength: 86_400, // seconds
};

export type VaultSettings = typeof VAULT_DEFAULTS;

/** The mock asset of a local chain (module "Mocks"). */
export const MOCK_ASSET_DEFAULTS = { name: "Mock USD", symbol: "mUSD", decimals: 6 };

export type MockAssetSettings = typeof MOCK_ASSET_DEFAULTS;

/** The name of the `index`-th mock strategy. */
export function mockStrategyName(index: number): string {
  return `Strategy ${index}`;
}

type BoundsSettings = Omit<VaultSettings, "name" | "symbol">;

/**
 * The vault's initial `Bounds` argument (the settings alone: the loss-epoch accounting is the vault's own). `S` gives
 * each setting as the caller has it: a value, or an Ignition parameter.
 */
export function boundsArgument<S extends Record<keyof BoundsSettings, unknown>>(s: S): Pick<S, keyof BoundsSettings> {
  return {
    idleBufferBps: s.idleBufferBps,
    maxLossPerCallBps: s.maxLossPerCallBps,
    epochLossBudgetBps: s.epochLossBudgetBps,
    lossEpochLength: s.lossEpochLength,
  };
}

/**
 * The TreasuryVault constructor's arguments, in order. `A` is how the caller names a contract (an address, a future);
 * `admin` is a TreasuryVaultAdmin deployed for the same asset and session manager.
 */
export function vaultConstructorArgs<A, S extends Record<keyof VaultSettings, unknown>>(
  asset: A,
  sessionManager: A,
  s: S,
  admin: A,
): [A, S["name"], S["symbol"], A, ReturnType<typeof boundsArgument<S>>, A] {
  return [asset, s.name, s.symbol, sessionManager, boundsArgument(s), admin];
}

/** `defaults`, with the values `given` has for their keys (its other keys, e.g. addresses, are not settings). */
export function settingsFrom<T extends object>(defaults: T, given: Partial<T>): T {
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[])
    if (given[key] !== undefined) out[key] = given[key] as T[keyof T];
  return out;
}
