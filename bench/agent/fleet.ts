/**
 * Many vaults on one embedded chain, for the agent bench: one asset, session manager and lens, a pool of seeded mock
 * strategies, and vaults that each list the first `k` of them, hold money in every one, and grant the agent a session.
 * Strategies are shared between vaults (each vault holds its own shares), which keeps deployment quick.
 */
import { getAddress, toQuantity, ZeroHash, type JsonRpcSigner } from "ethers";
import {
  MockStrategy__factory,
  TreasuryVault__factory,
  type MockERC20,
  type MockStrategy,
  type SessionManager,
  type TreasuryVault,
} from "../../types/ethers-contracts/index.js";
import {
  chainAccounts,
  deployAsset,
  deployLens,
  deploySessionManager,
  deployVaultAdmin,
  vaultArgs,
  type LocalChain,
} from "@agent-treasury/agent/devnet";
import { mockStrategyName } from "../../deploy/modules/stack-parameters.js";

export interface FleetVault {
  address: string;
  vault: TreasuryVault;
  strategies: string[];
  sessionId: bigint;
}

export interface Fleet {
  chain: LocalChain;
  governance: JsonRpcSigner;
  guardian: JsonRpcSigner;
  agent: JsonRpcSigner;
  depositor: JsonRpcSigner;
  asset: MockERC20;
  sessions: SessionManager;
  lensAddress: string;
  strategies: MockStrategy[];
  strategyAddresses: string[];
  vaults: FleetVault[];
  unit: bigint;
}

export interface Tx {
  from: string;
  to?: string;
  data: string;
  gas: bigint;
}

/**
 * Sends `txs` in order, one block each (automine), without waiting on each one beyond the node's answer, then checks
 * that none reverted: several times faster than one ethers transaction and one receipt wait each.
 */
export async function sendAll(chain: LocalChain, txs: Tx[]): Promise<{ contractAddress: string | null }[]> {
  const hashes: string[] = [];
  for (const tx of txs) {
    const hash = await chain.rpc<string>("eth_sendTransaction", [
      { from: tx.from, to: tx.to, data: tx.data, gas: toQuantity(tx.gas) },
    ]);
    // The embedded chain has mined it by the time it answers. anvil answers first and mines after, and loses a
    // transaction sent meanwhile from the same account: there each one is awaited before the next is sent.
    if (chain.node === "anvil") await minedReceipt(chain, hash);
    hashes.push(hash);
  }
  const receipts = await Promise.all(hashes.map((h) => chain.provider.getTransactionReceipt(h)));
  receipts.forEach((r, i) => {
    if (r?.status !== 1) {
      throw new Error(
        `bench setup transaction ${i} (${txs[i]!.data.slice(0, 10)}) failed: ${r ? `status ${r.status}, gas ${r.gasUsed}` : "not mined"}`,
      );
    }
  });
  return receipts.map((r) => ({ contractAddress: r!.contractAddress }));
}

/** Polls the node for the transaction's receipt (60 s at most). */
async function minedReceipt(chain: LocalChain, hash: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 2))) {
    if (await chain.rpc("eth_getTransactionReceipt", [hash])) return;
  }
  throw new Error(`bench setup transaction ${hash} not mined within 60 s`);
}

// Calls get room for a deposit that values 64 strategies live (two guarded views each).
const GAS = { deploy: 8_000_000n, call: 3_000_000n };

/** Asset, session manager, lens and `strategies` mock strategies, each seeded with 100,000 by an outside depositor. */
export async function deployFleet(chain: LocalChain, options: { strategies: number }): Promise<Fleet> {
  const accounts = await chainAccounts(chain);
  const { governance, guardian, agent } = accounts;
  const [depositor, seeder] = accounts.users;
  const asset = await deployAsset(governance);
  const unit = 10n ** (await asset.decimals());
  const sessions = await deploySessionManager(accounts);
  const lens = await deployLens(governance);
  const assetAddress = await asset.getAddress();
  const seed = 100_000n * unit;

  const factory = new MockStrategy__factory(governance);
  const deployed = await sendAll(
    chain,
    await Promise.all(
      Array.from({ length: options.strategies }, async (_, i) => ({
        from: governance.address,
        data: (await factory.getDeployTransaction(assetAddress, mockStrategyName(i))).data,
        gas: GAS.deploy,
      })),
    ),
  );
  const strategyAddresses = deployed.map((d) => getAddress(d.contractAddress!));
  const strategies = strategyAddresses.map((a) => MockStrategy__factory.connect(a, governance));
  const erc20 = asset.interface;
  const vaultShares = MockStrategy__factory.createInterface();
  await sendAll(chain, [
    {
      from: governance.address,
      to: assetAddress,
      data: erc20.encodeFunctionData("mint", [seeder.address, seed * BigInt(options.strategies)]),
      gas: GAS.call,
    },
    {
      from: governance.address,
      to: assetAddress,
      data: erc20.encodeFunctionData("mint", [depositor.address, 10n ** 30n]),
      gas: GAS.call,
    },
    ...strategyAddresses.flatMap((s) => [
      { from: seeder.address, to: assetAddress, data: erc20.encodeFunctionData("approve", [s, seed]), gas: GAS.call },
      {
        from: seeder.address,
        to: s,
        data: vaultShares.encodeFunctionData("deposit", [seed, seeder.address]),
        gas: GAS.call,
      },
    ]),
  ]);
  return {
    chain,
    governance: governance,
    guardian: guardian,
    agent: agent,
    depositor: depositor,
    asset,
    sessions,
    lensAddress: await lens.getAddress(),
    strategies,
    strategyAddresses,
    vaults: [],
    unit,
  };
}

/**
 * `count` vaults, each listing `strategies` of the fleet's strategies from index `from` (0 by default), with a 50%
 * relative cap each (the most a listing may start with), 1,000,000 deposited, a 30-day session for the agent without
 * cooldown, and 90% of the money spread equally over the strategies by the agent (a lone strategy gets 30%, below its
 * 50% cap, so a planner has a move to make).
 */
export async function addVaults(
  fleet: Fleet,
  count: number,
  options: { strategies: number; from?: number },
): Promise<FleetVault[]> {
  const { chain, governance, depositor, agent, unit } = fleet;
  const from = options.from ?? 0;
  const listed = fleet.strategyAddresses.slice(from, from + options.strategies);
  if (listed.length !== options.strategies)
    throw new Error(`the fleet has no ${options.strategies} strategies from #${from}`);
  const assetAddress = await fleet.asset.getAddress();
  const factory = new TreasuryVault__factory(governance);
  // One admin module serves every vault of the fleet (same asset, same session manager).
  const admin = await deployVaultAdmin(governance, assetAddress, await fleet.sessions.getAddress());
  const deployData = (
    await factory.getDeployTransaction(...vaultArgs(assetAddress, await fleet.sessions.getAddress(), admin))
  ).data;
  const addresses = (
    await sendAll(
      chain,
      Array.from({ length: count }, () => ({ from: governance.address, data: deployData, gas: GAS.deploy })),
    )
  ).map((d) => getAddress(d.contractAddress!));
  const vaultInterface = TreasuryVault__factory.createInterface();
  const deposit = 1_000_000n * unit;
  const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
  const firstSession = (await fleet.sessions.sessionCount()) + 1n;
  // Listed in order, so the strategies' indices are 0..k-1 and the scope covering them all is k low bits.
  const scope = (1n << BigInt(listed.length)) - 1n;
  const each = listed.length === 1 ? 300_000n * unit : (900_000n * unit) / BigInt(listed.length);
  const sessionsAddress = await fleet.sessions.getAddress();
  await sendAll(chain, [
    ...addresses.flatMap((vault) =>
      listed.map((s) => ({
        from: governance.address,
        to: vault,
        data: vaultInterface.encodeFunctionData("addStrategy", [s, 1_000_000_000n * unit, 5_000]),
        gas: GAS.call,
      })),
    ),
    ...addresses.flatMap((vault) => [
      {
        from: depositor.address,
        to: assetAddress,
        data: fleet.asset.interface.encodeFunctionData("approve", [vault, deposit]),
        gas: GAS.call,
      },
      {
        from: depositor.address,
        to: vault,
        data: vaultInterface.encodeFunctionData("deposit", [deposit, depositor.address]),
        gas: GAS.call,
      },
    ]),
    ...addresses.map((vault) => ({
      from: governance.address,
      to: sessionsAddress,
      data: fleet.sessions.interface.encodeFunctionData("grant", [
        {
          agent: agent.address,
          vault,
          scope,
          validAfter: now,
          validUntil: now + 30n * 86_400n,
          maxVolumePerCall: 10_000_000n * unit,
          maxVolumePerEpoch: 100_000_000n * unit,
          epochLength: 86_400,
          minInterval: 0,
          maxCallsPerEpoch: 10_000,
          maxLoss: 0n,
          reduceOnly: false,
        },
      ]),
      gas: GAS.call,
    })),
  ]);
  const vaults = addresses.map((address, i) => ({
    address,
    vault: TreasuryVault__factory.connect(address, governance),
    strategies: listed,
    sessionId: firstSession + BigInt(i),
  }));
  await sendAll(
    chain,
    vaults.map((v) => ({
      from: agent.address,
      to: v.address,
      data: vaultInterface.encodeFunctionData("rebalance", [
        listed.map((strategy) => ({ strategy, assets: each })),
        v.sessionId,
        ZeroHash,
      ]),
      gas: 300_000n + 150_000n * BigInt(listed.length),
    })),
  );
  fleet.vaults.push(...vaults);
  return vaults;
}

export async function addVault(fleet: Fleet, options: { strategies: number; from?: number }): Promise<FleetVault> {
  return (await addVaults(fleet, 1, options))[0]!;
}
