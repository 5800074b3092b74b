/**
 * Gas figures of the treasury, each against a baseline measured in the same run:
 * - user path (deposit, withdraw from idle) with 1, 5 and 20 strategies holding money, against a plain
 *   OpenZeppelin ERC4626 on the same asset;
 * - enforcement overhead: `rebalance` through a session minus the same legs moved unchecked by a test harness;
 * - gas per rebalance leg against the strategy's own deposit;
 * - legs that fit in one rebalance under a 30M gas block (measured with 50 strategies).
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { boundsArgument } from "../deploy/modules/stack-parameters.js";
import {
  deployStack as deployOn,
  fund,
  LOCAL_PARAMETERS,
  stackAccounts,
  type Stack as StackOf,
  type StackOptions,
} from "@agent-treasury/agent/devnet";

type Stack = StackOf<HardhatEthersSigner>;

/** A stack with Hardhat's accounts: #0 to #3 the roles, #4 onwards the users. */
async function deployStack(ethers: HardhatEthers, options: StackOptions): Promise<Stack> {
  return deployOn(stackAccounts(await ethers.getSigners()), options);
}

export type Figures = Record<string, number>;

const BLOCK_GAS = 30_000_000;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

async function grantWide(stack: Stack, now: number): Promise<bigint> {
  const scope = await stack.vault.scopeMask(await Promise.all(stack.strategies.map((s) => s.getAddress())));
  await (
    await stack.sessions.connect(stack.governance).grant({
      agent: stack.agent.address,
      vault: stack.vaultAddress,
      scope,
      validAfter: now,
      validUntil: now + 30 * 86_400,
      maxVolumePerCall: 10n ** 30n,
      maxVolumePerEpoch: 10n ** 30n,
      epochLength: 86_400,
      minInterval: 0,
      maxCallsPerEpoch: 1_000,
    })
  ).wait();
  return await stack.sessions.sessionCount();
}

async function targetsFor(stack: Stack, amounts: bigint[]) {
  return Promise.all(amounts.map(async (assets, i) => ({ strategy: await stack.strategies[i].getAddress(), assets })));
}

/** Deposit then a partial withdraw (served from idle) by a user who already holds shares. */
async function userPath(
  deposit: (user: HardhatEthersSigner, amount: bigint) => Promise<number>,
  withdraw: (user: HardhatEthersSigner, amount: bigint) => Promise<number>,
  user: HardhatEthersSigner,
  unit: bigint,
): Promise<{ deposit: number; withdraw: number }> {
  await deposit(user, 1_000n * unit); // first deposit: warms the user's balance slot, as for any returning user
  return { deposit: await deposit(user, 1_000n * unit), withdraw: await withdraw(user, 500n * unit) };
}

export async function measureGas(ethers: HardhatEthers, now: () => Promise<number>): Promise<Figures> {
  const f: Figures = {};

  // Baseline: a plain OpenZeppelin ERC4626 on the same asset.
  const base = await deployStack(ethers, { strategies: 0 });
  const plain = await ethers.deployContract("PlainERC4626", [await base.asset.getAddress()]);
  const plainAddress = await plain.getAddress();
  const plainUser = base.users[1];
  await (await base.asset.mint(plainUser.address, 10n ** 30n)).wait();
  await (await base.asset.connect(plainUser).approve(plainAddress, 2n ** 255n)).wait();
  const plainGas = await userPath(
    (u, a) => gasOf(plain.connect(u).deposit(a, u.address)),
    (u, a) => gasOf(plain.connect(u).withdraw(a, u.address, u.address)),
    plainUser,
    base.unit,
  );
  f.plain_deposit_gas = plainGas.deposit;
  f.plain_withdraw_gas = plainGas.withdraw;

  // The treasury with 1, 5 and 20 strategies holding money.
  for (const n of [1, 5, 20]) {
    const stack = await deployStack(ethers, { strategies: n, idleBufferBps: 1_000, relativeCapBps: 5_000 });
    await fund(stack, stack.users[0], 1_000_000n * stack.unit);
    const sessionId = await grantWide(stack, await now());
    // 90% of the money in strategies, at most 50% (the listing cap) in any one.
    const each = n === 1 ? 500_000n * stack.unit : (900_000n * stack.unit) / BigInt(n);
    await (
      await stack.vault.connect(stack.agent).rebalance(await targetsFor(stack, Array(n).fill(each)), sessionId, ethers.ZeroHash)
    ).wait();
    const user = stack.users[1];
    const vaultAddress = await stack.vault.getAddress();
    await (await stack.asset.mint(user.address, 10n ** 30n)).wait();
    await (await stack.asset.connect(user).approve(vaultAddress, 2n ** 255n)).wait();
    const g = await userPath(
      (u, a) => gasOf(stack.vault.connect(u).deposit(a, u.address)),
      (u, a) => gasOf(stack.vault.connect(u).withdraw(a, u.address, u.address)),
      user,
      stack.unit,
    );
    f[`deposit_gas_${n}`] = g.deposit;
    f[`withdraw_gas_${n}`] = g.withdraw;
    f[`deposit_ratio_plain_${n}`] = g.deposit / plainGas.deposit;
    f[`withdraw_ratio_plain_${n}`] = g.withdraw / plainGas.withdraw;
  }
  f.deposit_ratio_20_vs_1 = f.deposit_gas_20 / f.deposit_gas_1;
  f.withdraw_ratio_20_vs_1 = f.withdraw_gas_20 / f.withdraw_gas_1;

  // Enforcement overhead: the same three legs through a session, and unchecked through the harness.
  {
    const stack = await deployStack(ethers, { strategies: 3 });
    const harness = await ethers.deployContract("RebalanceHarness", [
      await stack.asset.getAddress(),
      await stack.sessions.getAddress(),
      boundsArgument(LOCAL_PARAMETERS.vault),
    ]);
    const harnessAddress = await harness.getAddress();
    for (const s of stack.strategies) {
      await (await harness.connect(stack.governance).addStrategy(await s.getAddress(), 10n ** 30n, 5_000)).wait();
    }
    await fund(stack, stack.users[0], 1_000_000n * stack.unit);
    await (await stack.asset.mint(stack.users[0].address, 1_000_000n * stack.unit)).wait();
    await (await stack.asset.connect(stack.users[0]).approve(harnessAddress, 1_000_000n * stack.unit)).wait();
    await (await harness.connect(stack.users[0]).deposit(1_000_000n * stack.unit, stack.users[0].address)).wait();
    const sessionId = await grantWide(stack, await now());
    const first = await targetsFor(stack, [300_000n * stack.unit, 300_000n * stack.unit, 300_000n * stack.unit]);
    await (await stack.vault.connect(stack.agent).rebalance(first, sessionId, ethers.ZeroHash)).wait();
    await (await harness.moveUnchecked(first, false)).wait();
    // Measured move: one withdrawal leg and two deposit legs.
    const move = await targetsFor(stack, [100_000n * stack.unit, 400_000n * stack.unit, 400_000n * stack.unit]);
    const snapshot = await ethers.provider.send("evm_snapshot", []);
    const checked = await gasOf(stack.vault.connect(stack.agent).rebalance(move, sessionId, ethers.ZeroHash));
    const unchecked = await gasOf(harness.moveUnchecked(move, false));
    await ethers.provider.send("evm_revert", [snapshot]);
    // Same state again, the harness now emitting the same audit events as `rebalance`.
    await (await stack.vault.connect(stack.agent).rebalance(move, sessionId, ethers.ZeroHash)).wait();
    const audited = await gasOf(harness.moveUnchecked(move, true));
    f.rebalance_3_legs_gas = checked;
    f.rebalance_3_legs_unchecked_gas = unchecked;
    f.rebalance_3_legs_unchecked_audited_gas = audited;
    // Session, scope, rate, cap, buffer and loss checks, with the session manager's own record.
    f.enforcement_overhead_gas = checked - audited;
    // The same plus the audit events (Rebalanced, RebalanceLeg) that only `rebalance` emits.
    f.enforcement_overhead_with_audit_events_gas = checked - unchecked;
  }

  // Gas per leg and legs per block, with 50 strategies.
  {
    const n = 50;
    const stack = await deployStack(ethers, { strategies: n, idleBufferBps: 0 });
    await fund(stack, stack.users[0], 10_000_000n * stack.unit);
    const sessionId = await grantWide(stack, await now());
    const seed = await targetsFor(stack, Array(n).fill(1_000n * stack.unit));
    await (await stack.vault.connect(stack.agent).rebalance(seed, sessionId, ethers.ZeroHash)).wait();
    const one = await gasOf(
      stack.vault.connect(stack.agent).rebalance(seed.slice(0, 1).map((t) => ({ ...t, assets: 2_000n * stack.unit })), sessionId, ethers.ZeroHash),
    );
    const all = await targetsFor(stack, Array(n).fill(3_000n * stack.unit));
    const full = await gasOf(stack.vault.connect(stack.agent).rebalance(all, sessionId, ethers.ZeroHash));
    // The 2nd..50th legs are deposit legs into strategies already holding money, like the first.
    const perLeg = (full - one) / (n - 1);
    // The strategy's own deposit, by a holder that already has shares and an allowance.
    const holder = stack.users[2];
    const strategy = stack.strategies[0];
    await (await stack.asset.mint(holder.address, 10n ** 30n)).wait();
    await (await stack.asset.connect(holder).approve(await strategy.getAddress(), 2n ** 255n)).wait();
    await (await strategy.connect(holder).deposit(1_000n * stack.unit, holder.address)).wait();
    const ownDeposit = await gasOf(strategy.connect(holder).deposit(1_000n * stack.unit, holder.address));
    f.rebalance_50_legs_gas = full;
    f.gas_per_leg = Math.round(perLeg);
    f.strategy_deposit_gas = ownDeposit;
    f.gas_per_leg_ratio_strategy = perLeg / ownDeposit;
    f.legs_per_30m_block = Math.floor((BLOCK_GAS - (one - perLeg)) / perLeg);
  }
  return f;
}
