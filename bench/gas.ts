/**
 * Gas figures of the treasury, each against a baseline measured in the same run:
 * - user path (deposit, withdraw from idle) with 1, 5 and 20 strategies holding money, against a plain
 *   OpenZeppelin ERC4626 on the same asset;
 * - enforcement overhead: `rebalance` through a session minus the same legs moved unchecked by a test harness;
 * - gas per rebalance leg against the strategy's own deposit, execution against execution;
 * - legs that fit in one rebalance transaction under the chain's per-transaction gas cap (measured with 50 strategies);
 * - a session's own loss allowance (charged, and passed: the call undone and the session revoked), a reduce-only exit,
 *   a key rotation, and an admin call (setCaps) through the vault's delegatecall.
 * Each transaction is recorded twice: `gas` is the receipt's gasUsed, `exec` is gasUsed - 21,000 - calldata gas, the
 * execution alone, so a leg inside a transaction compares with a whole call of its own.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { getBytes, keccak256, toUtf8Bytes, Wallet, type ContractTransactionResponse } from "ethers";
import { coSignatureTypedData } from "@agent-treasury/agent";
import { boundsArgument } from "../deploy/modules/stack-parameters.js";
import { IRiskGroups__factory } from "../types/ethers-contracts/index.js";
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

/** The user path is measured with this many strategies holding money. */
export const USER_PATH_STRATEGIES = [1, 3, 5, 20] as const;
/** Legs of the long rebalances that give the gas per leg. */
export const LEGS = 50;

const TX_BASE_GAS = 21_000;
// EIP-7825 (Osaka): no transaction may ask for more gas than this.
const EIP_7825_TX_GAS_CAP = 2 ** 24;

/** A mined transaction's gas: `used` from its receipt, `exec` without the intrinsic 21,000 and the calldata gas. */
interface Gas {
  used: number;
  exec: number;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<Gas> {
  const sent = await tx;
  const receipt = await sent.wait();
  const used = Number(receipt!.gasUsed);
  // EIP-2028: 4 gas per zero byte, 16 per other byte; EIP-7623 counts them as tokens of 1 and 4 at 4 gas each.
  const tokens = getBytes(sent.data).reduce((sum, byte) => sum + (byte === 0 ? 1 : 4), 0);
  if (used <= TX_BASE_GAS + 10 * tokens) {
    throw new Error(
      `transaction ${sent.hash} paid the EIP-7623 calldata floor: its execution gas cannot be told apart`,
    );
  }
  return { used, exec: used - TX_BASE_GAS - 4 * tokens };
}

/** The chain's per-transaction gas cap, found by asking it: EIP-7825's when it refuses a transaction above it. */
async function txGasCap(ethers: HardhatEthers, blockGasLimit: number): Promise<number> {
  const [signer] = await ethers.getSigners();
  try {
    await (await signer.sendTransaction({ to: signer.address, gasLimit: EIP_7825_TX_GAS_CAP + 1 })).wait();
    return blockGasLimit;
  } catch (error) {
    if (/transaction gas cap/i.test((error as Error).message)) return EIP_7825_TX_GAS_CAP;
    throw error;
  }
}

/** A grant by governance of a session over every listed strategy, with no volume limit that binds. */
export async function wideGrant(stack: Stack, now: number, limits: { maxLoss?: bigint; reduceOnly?: boolean } = {}) {
  const scope = await stack.vault.scopeMask([...(await stack.vault.withdrawQueue())]);
  return stack.sessions.connect(stack.governance).grant({
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
    maxLoss: limits.maxLoss ?? 0n,
    reduceOnly: limits.reduceOnly ?? false,
  });
}

async function grantWide(
  stack: Stack,
  now: number,
  limits: { maxLoss?: bigint; reduceOnly?: boolean } = {},
): Promise<bigint> {
  await (await wideGrant(stack, now, limits)).wait();
  return await stack.sessions.sessionCount();
}

async function targetsFor(stack: Stack, amounts: bigint[]) {
  return Promise.all(amounts.map(async (assets, i) => ({ strategy: await stack.strategies[i].getAddress(), assets })));
}

/** Deposit then a partial withdraw (served from idle) by a user who already holds shares. */
async function userPath(
  deposit: (user: HardhatEthersSigner, amount: bigint) => Promise<Gas>,
  withdraw: (user: HardhatEthersSigner, amount: bigint) => Promise<Gas>,
  user: HardhatEthersSigner,
  unit: bigint,
): Promise<{ deposit: Gas; withdraw: Gas }> {
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
  f.plain_deposit_gas = plainGas.deposit.used;
  f.plain_withdraw_gas = plainGas.withdraw.used;
  f.plain_deposit_exec = plainGas.deposit.exec;
  f.plain_withdraw_exec = plainGas.withdraw.exec;

  // The treasury with 1, 3, 5 and 20 strategies holding money.
  for (const n of USER_PATH_STRATEGIES) {
    const stack = await deployStack(ethers, { strategies: n, idleBufferBps: 1_000, relativeCapBps: 5_000 });
    await fund(stack, stack.users[0], 1_000_000n * stack.unit);
    const sessionId = await grantWide(stack, await now());
    // 90% of the money in strategies, at most 50% (the listing cap) in any one.
    const each = n === 1 ? 500_000n * stack.unit : (900_000n * stack.unit) / BigInt(n);
    await (
      await stack.vault
        .connect(stack.agent)
        .rebalance(await targetsFor(stack, Array(n).fill(each)), sessionId, ethers.ZeroHash)
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
    f[`deposit_gas_${n}`] = g.deposit.used;
    f[`withdraw_gas_${n}`] = g.withdraw.used;
    f[`deposit_exec_${n}`] = g.deposit.exec;
    f[`withdraw_exec_${n}`] = g.withdraw.exec;
    f[`deposit_ratio_plain_${n}`] = g.deposit.used / plainGas.deposit.used;
    f[`withdraw_ratio_plain_${n}`] = g.withdraw.used / plainGas.withdraw.used;
    f[`deposit_exec_ratio_plain_${n}`] = g.deposit.exec / plainGas.deposit.exec;
    f[`withdraw_exec_ratio_plain_${n}`] = g.withdraw.exec / plainGas.withdraw.exec;
  }
  f.deposit_ratio_20_vs_1 = f.deposit_gas_20 / f.deposit_gas_1;
  f.withdraw_ratio_20_vs_1 = f.withdraw_gas_20 / f.withdraw_gas_1;
  f.deposit_exec_ratio_20_vs_1 = f.deposit_exec_20 / f.deposit_exec_1;
  f.withdraw_exec_ratio_20_vs_1 = f.withdraw_exec_20 / f.withdraw_exec_1;

  // Enforcement overhead: the same three legs through a session, and unchecked through the harness.
  {
    const stack = await deployStack(ethers, { strategies: 3 });
    const admin = await ethers.deployContract("TreasuryVaultAdmin", [
      await stack.asset.getAddress(),
      await stack.sessions.getAddress(),
    ]);
    const harness = await ethers.deployContract("RebalanceHarness", [
      await stack.asset.getAddress(),
      await stack.sessions.getAddress(),
      boundsArgument(LOCAL_PARAMETERS.vault),
      await admin.getAddress(),
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
    f.rebalance_3_legs_gas = checked.used;
    f.rebalance_3_legs_unchecked_gas = unchecked.used;
    f.rebalance_3_legs_unchecked_audited_gas = audited.used;
    f.rebalance_3_legs_exec = checked.exec;
    f.rebalance_3_legs_unchecked_exec = unchecked.exec;
    f.rebalance_3_legs_unchecked_audited_exec = audited.exec;
    // Session, scope, rate, cap, buffer and loss checks, with the session manager's own record. The calls' calldata
    // differ (a session id and a hash against a flag), so exec against exec is the checks alone.
    f.enforcement_overhead_gas = checked.used - audited.used;
    f.enforcement_overhead_exec = checked.exec - audited.exec;
    // The same plus the audit events (Rebalanced, RebalanceLeg) that only `rebalance` emits.
    f.enforcement_overhead_with_audit_events_gas = checked.used - unchecked.used;
    f.enforcement_overhead_with_audit_events_exec = checked.exec - unchecked.exec;
  }

  // Session limits, key rotation and an admin call, with 2 mock strategies and a third keeping a 0.5% entry fee. Each
  // measured session is fresh (granted for the measure, no call yet), each call made from the same state.
  {
    const stack = await deployStack(ethers, { strategies: 2 });
    const fee = await ethers.deployContract("FeeStrategy", [
      await stack.asset.getAddress(),
      50,
      stack.guardian.address,
    ]);
    const feeAddress = await fee.getAddress();
    await (await stack.vault.connect(stack.governance).addStrategy(feeAddress, 10n ** 30n, 5_000)).wait();
    await fund(stack, stack.users[0], 1_000_000n * stack.unit);
    const setup = await grantWide(stack, await now());
    const [s0, s1] = await Promise.all(stack.strategies.map((s) => s.getAddress()));
    const into = (s0Assets: bigint) => [
      { strategy: s0!, assets: s0Assets * stack.unit },
      { strategy: s1!, assets: 300_000n * stack.unit },
    ];
    await (await stack.vault.connect(stack.agent).rebalance(into(300_000n), setup, ethers.ZeroHash)).wait();
    const plain = await grantWide(stack, await now());
    const allowance = await grantWide(stack, await now(), { maxLoss: 1_000n * stack.unit });
    const tiny = await grantWide(stack, await now(), { maxLoss: 10n * stack.unit });
    const reduceOnly = await grantWide(stack, await now(), { reduceOnly: true });
    const measured = async (targets: { strategy: string; assets: bigint }[], sessionId: bigint) => {
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      const gas = await gasOf(stack.vault.connect(stack.agent).rebalance(targets, sessionId, ethers.ZeroHash));
      await ethers.provider.send("evm_revert", [snapshot]);
      return gas;
    };
    // 10,000 into the fee strategy: a loss of 50, charged to an allowance of 1,000, or past one of 10.
    const lossy = [{ strategy: feeAddress, assets: 10_000n * stack.unit }];
    const lossNoAllowance = await measured(lossy, plain);
    const lossCharged = await measured(lossy, allowance);
    const lossRevoked = await measured(lossy, tiny);
    // 100,000 out of strategy 0 into idle.
    const exitPlain = await measured(into(200_000n), plain);
    const exitReduceOnly = await measured(into(200_000n), reduceOnly);
    f.session_loss_no_allowance_gas = lossNoAllowance.used;
    f.session_loss_charged_gas = lossCharged.used;
    f.session_loss_charge_overhead_gas = lossCharged.used - lossNoAllowance.used;
    f.session_loss_revocation_gas = lossRevoked.used;
    f.exit_plain_session_gas = exitPlain.used;
    f.exit_reduce_only_gas = exitReduceOnly.used;
    f.reduce_only_overhead_gas = exitReduceOnly.used - exitPlain.used;
    // The liquidity floor and the step-up: 50,000 from idle into strategy 0 (it raises a strategy), with neither set,
    // with a 10% floor (every strategy's maxWithdraw read after the moves), then co-signed above a 10,000 threshold
    // (a fixed key and a fixed deadline, so the calldata and the gas are the same every run).
    const raise = into(350_000n);
    const raiseAlone = await measured(raise, plain);
    const limitsState = await ethers.provider.send("evm_snapshot", []);
    await (await stack.vault.connect(stack.governance).setLiquidityFloor(1_000)).wait();
    const raiseFloor = await measured(raise, plain);
    const policy = new Wallet(keccak256(toUtf8Bytes("bench policy signer")));
    await (await stack.vault.connect(stack.governance).setStepUp(10_000n * stack.unit, policy.address)).wait();
    const deadline = 2n ** 40n;
    const typed = coSignatureTypedData({
      chainId: (await ethers.provider.getNetwork()).chainId,
      vault: await stack.vault.getAddress(),
      sessionId: plain,
      agent: stack.agent.address,
      targets: raise,
      intentHash: ethers.ZeroHash,
      deadline,
    });
    const signature = await policy.signTypedData(typed.domain, typed.types, typed.value);
    const cosigned = await gasOf(
      stack.vault.connect(stack.agent).rebalanceCosigned(raise, plain, ethers.ZeroHash, deadline, signature),
    );
    await ethers.provider.send("evm_revert", [limitsState]);
    f.raise_no_limits_gas = raiseAlone.used;
    f.raise_liquidity_floor_gas = raiseFloor.used;
    f.liquidity_floor_overhead_gas = raiseFloor.used - raiseAlone.used;
    f.raise_cosigned_gas = cosigned.used;
    f.cosignature_overhead_gas = cosigned.used - raiseFloor.used;
    // Risk groups: 10,000 more into strategy 0, untagged, then with strategy 0 and the fee strategy in risk group 0
    // (the check values the untouched member too); the cap set first, at the exposure budget's room (a relative cap
    // raise). Undone afterwards, so the figures below are measured untagged.
    const raiseGroup = [{ strategy: s0!, assets: 310_000n * stack.unit }];
    const groupsState = await ethers.provider.send("evm_snapshot", []);
    const raiseUntagged = await measured(raiseGroup, plain);
    const groups = IRiskGroups__factory.connect(await stack.vault.getAddress(), stack.governance);
    const room = (await stack.vault.rampRoom()).exposureBps;
    f.set_risk_group_cap_gas = (await gasOf(groups.setRiskGroupCap(0, 10n ** 30n, room))).used;
    f.set_risk_groups_gas = (await gasOf(groups.setRiskGroups(s0!, 1))).used;
    await (await groups.setRiskGroups(feeAddress, 1)).wait();
    const raiseTagged = await measured(raiseGroup, plain);
    f.raise_untagged_gas = raiseUntagged.used;
    f.raise_tagged_gas = raiseTagged.used;
    f.risk_group_check_gas = raiseTagged.used - raiseUntagged.used;
    await ethers.provider.send("evm_revert", [groupsState]);
    // The same exit with the share-price rate bound on (1% a day): both touched strategies re-marked; then a mark by
    // anyone.
    await (await stack.vault.connect(stack.governance).setMaxPriceRate(100)).wait();
    const exitRated = await measured(into(200_000n), plain);
    f.exit_rate_bound_gas = exitRated.used;
    f.rate_bound_overhead_gas = exitRated.used - exitPlain.used;
    f.mark_strategy_gas = (await gasOf(stack.vault.connect(stack.users[0]!).markStrategy(s0!))).used;
    // The dead-man's switch (6 h, a fall of more than 10%, 10% of total assets a call): the same exit with it armed
    // (the rebalance records its time); the de-risk is measured last.
    const deadMan = await ethers.getContractAt("IDeadManSwitch", await stack.vault.getAddress());
    const exitBefore = await measured(into(200_000n), plain);
    await (await deadMan.connect(stack.governance).setDeadManSwitch(6 * 3600, 1_000, 1_000)).wait();
    const exitArmed = await measured(into(200_000n), plain);
    f.exit_dead_man_armed_gas = exitArmed.used;
    f.dead_man_overhead_gas = exitArmed.used - exitBefore.used;
    // A key rotation against a grant of the same session, by governance.
    f.grant_session_gas = (await gasOf(wideGrant(stack, await now()))).used;
    f.rotate_agent_gas = (
      await gasOf(stack.sessions.connect(stack.governance).rotateAgent(plain, stack.users[3]!.address))
    ).used;
    // An admin call through the vault's delegatecall stub: governance lowers strategy 0's caps.
    const setCaps = await gasOf(stack.vault.connect(stack.governance).setCaps(s0!, 10n ** 29n, 4_000));
    f.set_caps_gas = setCaps.used;
    f.set_caps_exec = setCaps.exec;
    // A forced write-down by the guardian of strategy 1 (300,000 booked) once its views fail, to 100,000.
    await (await stack.strategies[1]!.setViewsBroken(true)).wait();
    f.write_down_gas = (await gasOf(stack.vault.connect(stack.guardian).writeDown(s1!, 100_000n * stack.unit))).used;
    // Strategy 0 falls a third, nobody rebalances for 6 h, and anyone de-risks it through the vault's fallback.
    await (await stack.strategies[0]!.simulateLoss(100_000n * stack.unit)).wait();
    await ethers.provider.send("evm_increaseTime", [6 * 3600]);
    await ethers.provider.send("evm_mine", []);
    f.de_risk_gas = (await gasOf(deadMan.connect(stack.users[0]!).deRisk(s0!))).used;
  }

  // Gas per leg and legs per transaction, with 50 strategies.
  {
    const n = LEGS;
    const stack = await deployStack(ethers, { strategies: n, idleBufferBps: 0 });
    await fund(stack, stack.users[0], 10_000_000n * stack.unit);
    const sessionId = await grantWide(stack, await now());
    const rebalance = (amounts: bigint[]) =>
      targetsFor(stack, amounts).then((targets) =>
        gasOf(stack.vault.connect(stack.agent).rebalance(targets, sessionId, ethers.ZeroHash)),
      );
    const each = (units: bigint, legs = n) => Array<bigint>(legs).fill(units * stack.unit);
    await rebalance(each(1_000n));
    // Deposit legs, into strategies already holding money: one, then all 50 (the first one's strategy again).
    const one = await rebalance(each(2_000n, 1));
    const full = await rebalance(each(3_000n));
    // Withdrawal legs, the same way: one, then all 50.
    const oneOut = await rebalance(each(2_000n, 1));
    const fullOut = await rebalance(each(1_000n));
    const perLeg = (full.used - one.used) / (n - 1);
    const perLegExec = (full.exec - one.exec) / (n - 1);
    // The strategy's own deposit, by a holder that already has shares and an allowance.
    const holder = stack.users[2];
    const strategy = stack.strategies[0];
    await (await stack.asset.mint(holder.address, 10n ** 30n)).wait();
    await (await stack.asset.connect(holder).approve(await strategy.getAddress(), 2n ** 255n)).wait();
    await (await strategy.connect(holder).deposit(1_000n * stack.unit, holder.address)).wait();
    const ownDeposit = await gasOf(strategy.connect(holder).deposit(1_000n * stack.unit, holder.address));
    f.rebalance_1_leg_gas = one.used;
    f.rebalance_50_legs_gas = full.used;
    // Not fixed in the number of strategies: a rebalance values every listed strategy, 50 here.
    f.rebalance_fixed_gas_50_listed = Math.round(one.used - perLeg);
    f.gas_per_leg = Math.round(perLeg);
    f.exec_per_leg = Math.round(perLegExec);
    f.gas_per_withdraw_leg = Math.round((fullOut.used - oneOut.used) / (n - 1));
    f.exec_per_withdraw_leg = Math.round((fullOut.exec - oneOut.exec) / (n - 1));
    f.strategy_deposit_gas = ownDeposit.used;
    f.strategy_deposit_exec = ownDeposit.exec;
    f.exec_per_leg_over_strategy = Math.round(perLegExec - ownDeposit.exec);
    f.exec_per_leg_ratio_strategy = perLegExec / ownDeposit.exec;
    // A rebalance is one transaction: its legs must fit the per-transaction cap (EIP-7825 from Osaka), itself under
    // the block's gas limit. Last, so the probe transaction changes no other figure.
    f.block_gas_limit = Number((await ethers.provider.getBlock("latest"))!.gasLimit);
    f.tx_gas_cap = Math.min(await txGasCap(ethers, f.block_gas_limit), f.block_gas_limit);
    f.legs_per_transaction = Math.floor((f.tx_gas_cap - (one.used - perLeg)) / perLeg);
  }
  // The 3-place move without its legs (one withdrawal, two deposits, at their cost measured above).
  f.rebalance_fixed_gas_3_places = f.rebalance_3_legs_gas - f.gas_per_withdraw_leg - 2 * f.gas_per_leg;
  return f;
}
