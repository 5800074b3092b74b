/**
 * Agreement: generated rebalances are judged by the pure mirror and by `previewRebalance` (the real rebalance, run and
 * undone) on a real local chain with the real contracts; both must give the same verdict, the same revert bytes and
 * the same figures. The states include deposits in the block being checked, a tightened drawdown guard, losses, and
 * strategies whose views revert (their positions count at book value); a second test sets each of those up on purpose.
 */
import { Contract, Wallet, type JsonRpcSigner } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../devnet/chain.js";
import { deployVault, devKey, fund, grantSession, type Stack } from "../../devnet/stack.js";
import { IRiskGroups__factory } from "../../src/abi/index.js";
import { LensReader } from "../../src/chain/reader.js";
import type { SessionRecord, Target, VaultSnapshot } from "../../src/chain/types.js";
import { checkRebalance, strategiesLiquidity, type RebalanceVerdict } from "../../src/checks/rebalance-check.js";
import { minBig } from "../../src/checks/math.js";
import { sessionRemaining } from "../../src/checks/session-check.js";
import {
  erc4626Valuation,
  positionValue,
  snapshotValuation,
  type StrategyValuation,
} from "../../src/checks/valuation.js";
import { decodeRevert, encodeTreasuryError } from "../../src/errors.js";
import { revertDataOf } from "../../src/executor/revert-data.js";
import {
  CappedStrategy__factory,
  FeeStrategy__factory,
  PreviewRevertingStrategy__factory,
} from "../../../types/ethers-contracts/index.js";
import { startStack } from "../support/daemon-harness.js";
import { Random } from "../support/random.js";

const STATES = 50;
const PLANS_PER_STATE = 16;

let chain: LocalChain;
let stack: Stack;
let agent: JsonRpcSigner;
let other: JsonRpcSigner;
let base: string;

beforeAll(async () => {
  ({ chain, stack } = await startStack({ strategies: 4, seed: 50_000n }));
  agent = await chain.provider.getSigner(new Wallet(devKey(3)).address);
  other = stack.users[0]!;
  const u = stack.unit;
  // 1: the agent, every strategy; 2: the agent, two strategies; 3: another agent; 4: revoked; 5: short; 6: not started.
  await grantSession(stack, {
    agent: agent.address,
    durationSeconds: 30 * 86_400,
    maxVolumePerCall: 800_000n * u,
    maxVolumePerEpoch: 1_200_000n * u,
    minInterval: 60,
    maxCallsPerEpoch: 3,
  });
  await grantSession(stack, {
    agent: agent.address,
    durationSeconds: 30 * 86_400,
    maxVolumePerCall: 400_000n * u,
    maxVolumePerEpoch: 2_000_000n * u,
    scope: stack.strategyAddresses.slice(0, 2),
    epochLength: 3_600,
  });
  await grantSession(stack, {
    agent: other.address,
    durationSeconds: 30 * 86_400,
    maxVolumePerCall: 400_000n * u,
    maxVolumePerEpoch: 800_000n * u,
  });
  const revoked = await grantSession(stack, {
    agent: agent.address,
    durationSeconds: 30 * 86_400,
    maxVolumePerCall: 400_000n * u,
    maxVolumePerEpoch: 800_000n * u,
  });
  await (await stack.sessions.connect(stack.guardian).revoke(revoked)).wait();
  await grantSession(stack, {
    agent: agent.address,
    durationSeconds: 2 * 3_600,
    maxVolumePerCall: 400_000n * u,
    maxVolumePerEpoch: 800_000n * u,
  });
  const now = await chain.now();
  await grantSession(stack, {
    agent: agent.address,
    validAfter: now + 86_400n,
    durationSeconds: 30 * 86_400,
    maxVolumePerCall: 400_000n * u,
    maxVolumePerEpoch: 800_000n * u,
  });
  // 7: the agent's session for another vault on the same session manager.
  const otherVault = await deployVault(
    stack.governance,
    await stack.asset.getAddress(),
    await stack.sessions.getAddress(),
    { name: "Other", symbol: "oth", idleBufferBps: 0 },
  );
  await (
    await stack.sessions.connect(stack.governance).grant({
      agent: agent.address,
      vault: await otherVault.getAddress(),
      scope: 1n,
      validAfter: now,
      validUntil: now + 86_400n,
      maxVolumePerCall: 1n,
      maxVolumePerEpoch: 1n,
      epochLength: 3_600,
      minInterval: 0,
      maxCallsPerEpoch: 1,
      maxLoss: 0n,
      reduceOnly: false,
    })
  ).wait();
  // Spread the vault's money so every strategy holds shares.
  await (
    await stack.vault.connect(agent).rebalance(
      stack.strategyAddresses.map((s, i) => ({
        strategy: s,
        assets: [250_000n, 200_000n, 150_000n, 100_000n][i]! * u,
      })),
      1n,
      `0x${"11".repeat(32)}`,
    )
  ).wait();
  await chain.increaseTime(120);
  base = await chain.snapshot();
}, 60_000);

afterAll(async () => {
  await chain?.close();
});

/** Sends a governance change; when bounded change refuses it in this ramp period, the state simply stays as it is. */
async function govern(send: () => Promise<{ wait: () => Promise<unknown> }>): Promise<void> {
  try {
    await (await send()).wait();
  } catch (err) {
    const data = revertDataOf(err);
    if (decodeRevert(data)?.name !== "ChangeTooLarge") throw err;
  }
}

/**
 * Changes the state at random: yields and losses, caps, buffer, loss limits, a disabled strategy, time, a prior call.
 */
async function mutate(rng: Random): Promise<void> {
  const { vault, strategies, unit: u, governance, guardian } = stack;
  for (const s of strategies) {
    const held = await stack.asset.balanceOf(await s.getAddress());
    if (rng.chance(0.5)) await (await s.simulateGain(rng.big((held * 5n) / 100n))).wait();
    else if (rng.chance(0.3)) await (await s.simulateLoss(rng.big((held * 2n) / 100n))).wait();
  }
  if (rng.chance(0.2)) {
    // A strategy that lets only part of the vault's position go (its own liquidity limit).
    const limited = rng.pick(strategies);
    const held = await vault.allocation(await limited.getAddress());
    await (await limited.setWithdrawCap(rng.big(held))).wait();
  }
  if (rng.chance(0.6)) {
    const target = rng.pick(stack.strategyAddresses);
    const alloc = await vault.allocation(target);
    const abs = rng.pick([
      alloc,
      alloc + rng.big(100_000n * u),
      alloc > 10n ? alloc - rng.big(alloc / 10n) : 0n,
      10n ** 15n,
    ]);
    await govern(() => vault.connect(governance).setCaps(target, abs, rng.int(500, 6_000)));
  }
  if (rng.chance(0.5))
    await govern(() => vault.connect(governance).setIdleBuffer(rng.pick([0, 500, 1_000, 2_000, 3_500])));
  if (rng.chance(0.5)) {
    await govern(() =>
      vault
        .connect(governance)
        .setLossLimits(rng.pick([0, 0, 1, 5, 50]), rng.pick([0, 0, 1, 2, 100]), rng.pick([43_200, 86_400])),
    );
  }
  if (rng.chance(0.25))
    await (await vault.connect(guardian).setStrategyEnabled(rng.pick(stack.strategyAddresses), false)).wait();
  // The guardian tightens the drawdown guard: small losses and rounding then stop calls that raise a strategy.
  if (rng.chance(0.2)) await (await vault.connect(guardian).setMaxDrawdown(rng.pick([0, 1, 10, 100]))).wait();
  // A strategy whose views revert: the vault counts it at book value and cannot withdraw from it.
  if (rng.chance(0.15)) await (await rng.pick(strategies).setViewsBroken(true)).wait();
  // A heavy loss: the share price can fall past the default drawdown limit (10%).
  if (rng.chance(0.15)) {
    const hit = rng.pick(strategies);
    const held = await stack.asset.balanceOf(await hit.getAddress());
    await (await hit.simulateLoss((held * BigInt(rng.int(30, 70))) / 100n)).wait();
  }
  // Prior calls through session 1 set its counters (volume, calls, last call); three use up its epoch.
  const priorCalls = rng.pick([0, 0, 1, 1, 3]);
  for (let i = 0; i < priorCalls; i++) {
    const s = rng.pick(stack.strategyAddresses);
    const cur = await vault.allocation(s);
    const preview = await vault.previewRebalance.staticCall(
      [{ strategy: s, assets: cur + 1_000n * u }],
      1n,
      agent.address,
    );
    if (preview.ok)
      await (
        await vault.connect(agent).rebalance([{ strategy: s, assets: cur + 1_000n * u }], 1n, `0x${"22".repeat(32)}`)
      ).wait();
    if (i < priorCalls - 1) await chain.increaseTime(61);
  }
  if (rng.chance(0.1)) await (await stack.sessions.connect(guardian).pauseAgents()).wait();
  await chain.increaseTime(rng.pick([1, 30, 61, 61, 61, 600, 3_601, 3_601, 7_300, 86_401, 40 * 86_400]));
  // A deposit in the block the checks run at (eth_call at the latest block): caps, buffer and loss limits leave it out.
  if (rng.chance(0.2))
    await fund(stack, stack.users[1]!, rng.pick([1n, 50_000n * u, 400_000n * u, rng.big(2_000_000n * u)]));
}

/**
 * Risk groups at random (a generator of its own, so the other mutations stay as they were): tags 0 to 3 strategies
 * with ids 0 and 1 and caps them around what the members hold. A relative cap raise past the ramp's room leaves the
 * group's caps as they were (possibly never set: a cap of 0).
 */
async function mutateRiskGroups(rng: Random): Promise<void> {
  if (!rng.chance(0.4)) return;
  const groups = IRiskGroups__factory.connect(stack.vaultAddress, stack.governance);
  for (const id of [0, 1]) {
    const members = rng.shuffle(stack.strategyAddresses).slice(0, rng.int(0, 3));
    let held = 0n;
    for (const m of members) held += await stack.vault.allocation(m);
    const abs = rng.pick([held, held + rng.big(100_000n * stack.unit), held > 10n ? held - rng.big(held / 10n) : 0n]);
    await govern(() => groups.setRiskGroupCap(id, abs, rng.pick([0, 2_000, 4_000, 6_000, 10_000])));
    for (const m of members) {
      const mask = Number((await stack.vault.strategyConfig(m)).riskGroups) | (1 << id);
      await (await groups.setRiskGroups(m, mask)).wait();
    }
  }
}

/** A random rebalance around the interesting values: current, caps, idle, zero, their neighbours, and junk. */
function generate(
  rng: Random,
  snap: VaultSnapshot,
  sessionCount: bigint,
): { targets: Target[]; sessionId: bigint; caller: string } {
  const n = rng.chance(0.04) ? 0 : rng.pick([1, 1, 2, 2, 3, 4]);
  const chosen = rng.shuffle(snap.strategies).slice(0, n);
  const targets: Target[] = chosen.map((s) => {
    const base = snap.totalAssets - snap.inflowInBlock;
    const relCap = ((rng.chance(0.8) ? base : snap.totalAssets) * BigInt(s.relativeCapBps)) / 10_000n;
    const cap = s.absoluteCap < relCap ? s.absoluteCap : relCap;
    const current = positionValue(s);
    const assets = rng.pick([
      0n,
      current,
      current + 1n,
      current > 0n ? current - 1n : 0n,
      current + rng.big(snap.idle),
      current - rng.big(current),
      cap,
      cap + 1n,
      cap > 0n ? cap - 1n : 0n,
      s.absoluteCap,
      s.absoluteCap + 1n,
      rng.big(snap.totalAssets),
    ]);
    return { strategy: s.strategy, assets };
  });
  if (rng.chance(0.06) && targets.length > 0) targets.push({ ...targets[0]! });
  if (rng.chance(0.05)) targets.push({ strategy: Wallet.createRandom().address, assets: 1n });
  return {
    targets,
    sessionId: rng.chance(0.8) ? 1n : BigInt(rng.int(1, Number(sessionCount) + 1)),
    caller: rng.chance(0.93) ? agent.address : other.address,
  };
}

const VALUE_ARGS = new Set([
  "allocation",
  "value",
  "cap",
  "idle",
  "required",
  "loss",
  "limit",
  "lossInEpoch",
  "budget",
  "needed",
  "price",
  "floor",
  "requested",
  "available",
]);

/** `v` for a strategy that keeps an entry fee of `bps` (rounded up) on deposits, as FeeStrategy does. */
function entryFee(v: StrategyValuation, strategy: string, bps: bigint): StrategyValuation {
  const is = (s: string) => s.toLowerCase() === strategy.toLowerCase();
  const net = (assets: bigint) => assets - (assets * bps + 9_999n) / 10_000n;
  return {
    ...v,
    previewDeposit: (s, assets) => v.previewDeposit(s, is(s) ? net(assets) : assets),
    previewRedeemAfter: (s, shares, assets, moved) =>
      v.previewRedeemAfter(s, shares, is(s) && assets > 0n ? net(assets) : assets, moved),
  };
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

/** What the mirror needs besides the plan, read from the chain as the test's ground truth. */
interface ChainState {
  snap: VaultSnapshot;
  /** Exact share math: every listed strategy's own totals. */
  exact: StrategyValuation;
  stored: Map<bigint, SessionRecord>;
  sessionCount: bigint;
}

async function readState(): Promise<ChainState> {
  const snap = await new LensReader(chain.provider, stack.lensAddress).snapshot(stack.vaultAddress, agent.address);
  const totals = ["function totalAssets() view returns (uint256)", "function totalSupply() view returns (uint256)"];
  const exact = erc4626Valuation(
    await Promise.all(
      snap.strategies.map(async (s) => {
        const c = new Contract(s.strategy, totals, chain.provider);
        return {
          strategy: s.strategy,
          totalAssets: (await c.getFunction("totalAssets")()) as bigint,
          totalSupply: (await c.getFunction("totalSupply")()) as bigint,
        };
      }),
    ),
  );
  const sessionCount = await stack.sessions.sessionCount();
  const stored = new Map<bigint, SessionRecord>();
  for (let id = 1n; id <= sessionCount; id++) {
    const s = await stack.sessions.getSession(id);
    stored.set(id, {
      agent: s.agent,
      vault: s.vault,
      validAfter: s.validAfter,
      validUntil: s.validUntil,
      revoked: s.revoked,
      epochLength: s.epochLength,
      minInterval: s.minInterval,
      maxCallsPerEpoch: s.maxCallsPerEpoch,
      maxVolumePerCall: s.maxVolumePerCall,
      maxVolumePerEpoch: s.maxVolumePerEpoch,
      volumeInEpoch: s.volumeInEpoch,
      epoch: s.epoch,
      callsInEpoch: s.callsInEpoch,
      lastCallAt: s.lastCallAt,
      scope: s.scope,
      reduceOnly: s.reduceOnly,
      maxLoss: s.maxLoss,
      lossUsed: s.lossUsed,
    });
  }
  return { snap, exact, stored, sessionCount };
}

/**
 * Judges one plan by `previewRebalance` and by the mirror (exact share math) and expects the same verdict, the same
 * revert bytes and the same figures. Returns both, and the input for other valuations.
 */
async function agree(state: ChainState, label: string, targets: Target[], sessionId = 1n, caller = agent.address) {
  const preview = await stack.vault.previewRebalance.staticCall(targets, sessionId, caller);
  const chainError = preview.reason === "0x" ? undefined : decodeRevert(preview.reason);
  const input = { snapshot: state.snap, targets, sessionId, session: state.stored.get(sessionId), agent: caller };
  const mirror: RebalanceVerdict = checkRebalance({ ...input, valuation: state.exact });
  const at = `${label}: ${json(targets)} session ${sessionId}`;

  expect(mirror.ok, `${at}: ok (chain: ${chainError?.name} ${json(chainError?.args)})`).toBe(preview.ok);
  expect(mirror.error?.name, `${at}: error name`).toBe(chainError?.name);
  expect(mirror.error?.args, `${at}: error args`).toEqual(chainError?.args);
  expect(mirror.error ? encodeTreasuryError(mirror.error) : "0x", `${at}: revert bytes`).toBe(preview.reason);
  expect(mirror.volume, `${at}: volume`).toBe(preview.volume);
  expect(mirror.predictedLoss, `${at}: loss`).toBe(preview.predictedLoss);
  expect(mirror.lossHeadroom, `${at}: loss headroom`).toBe(preview.lossHeadroom);
  expect(mirror.callVolumeHeadroom, `${at}: call headroom`).toBe(preview.callVolumeHeadroom);
  expect(mirror.epochVolumeHeadroom, `${at}: epoch headroom`).toBe(preview.epochVolumeHeadroom);
  expect(mirror.capHeadroom, `${at}: cap headroom`).toEqual([...preview.capHeadroom]);
  expect(mirror.idleAfter, `${at}: idle after`).toBe(preview.idleAfter);
  expect(mirror.totalAssetsAfter, `${at}: total after`).toBe(preview.totalAssetsAfter);
  return { mirror, chainError, input, at };
}

describe("check mirror agrees with previewRebalance on a real chain", () => {
  it(`gives the same verdict on ${STATES * PLANS_PER_STATE} generated plans`, async () => {
    const rng = new Random(0x5eed);
    const groupRng = new Random(0x6a0f);
    const outcomes = new Map<string, number>();
    let approxExactArgs = 0;
    let approxClose = 0;
    let compared = 0;
    const mismatches: string[] = [];
    for (let state = 0; state < STATES; state++) {
      await chain.revert(base);
      base = await chain.snapshot();
      await mutate(rng);
      await mutateRiskGroups(groupRng);
      const st = await readState();
      for (let k = 0; k < PLANS_PER_STATE; k++) {
        const { targets, sessionId, caller } = generate(rng, st.snap, st.sessionCount);
        const {
          chainError,
          input,
          at: label,
        } = await agree(st, `state ${state} plan ${k}`, targets, sessionId, caller);
        outcomes.set(chainError?.name ?? "ok", (outcomes.get(chainError?.name ?? "ok") ?? 0) + 1);
        const snap = st.snap;

        // The daemon's own valuation (lens data only): the same verdict, amounts within a few wei of rounding.
        const approx = checkRebalance({ ...input, valuation: snapshotValuation(snap) });
        compared++;
        if (approx.error?.name !== chainError?.name) {
          // Only where a loss limit is (almost) zero can a wei of rounding decide, and then the lens-only mirror is
          // the stricter one: it never lets through what the chain rejects.
          expect(
            approx.ok,
            `${label}: lens-only mirror never accepts what the chain rejects (chain: ${chainError?.name} ${JSON.stringify(chainError?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))})`,
          ).toBe(false);
          expect(["LossExceedsCallLimit", "LossBudgetExceeded"], `${label}: only a loss check differs`).toContain(
            approx.error!.name,
          );
          expect(
            approx.error!.args.limit ?? approx.error!.args.budget,
            `${label}: at a zero loss limit`,
          ).toBeLessThanOrEqual(4n);
          mismatches.push(
            `${label}: chain ${chainError?.name ?? "ok"} ${JSON.stringify(chainError?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}, lens-only ${approx.error?.name ?? "ok"} ${JSON.stringify(approx.error?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`,
          );
        } else {
          const sameArgs =
            JSON.stringify(approx.error?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ===
            JSON.stringify(chainError?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
          if (sameArgs) approxExactArgs++;
          else {
            for (const [name, value] of Object.entries(chainError?.args ?? {})) {
              const mine = approx.error!.args[name];
              if (typeof value === "bigint" && VALUE_ARGS.has(name)) {
                const diff = (mine as bigint) - value;
                expect(diff < 0n ? -diff : diff, `${label}: ${name} within rounding`).toBeLessThanOrEqual(4n);
              } else expect(mine, `${label}: ${name}`).toEqual(value);
            }
            approxClose++;
          }
        }
      }
    }
    console.log("verdicts on chain:", Object.fromEntries([...outcomes].sort()));
    console.log(
      `snapshot-only valuation: ${approxExactArgs} identical, ${approxClose} within rounding, ${mismatches.length} stricter at a zero loss limit, of ${compared}`,
    );
    expect(approxExactArgs + approxClose + mismatches.length).toBe(compared);
    // The generated cases must reach a broad set of checks, or the agreement proves little.
    expect(outcomes.get("ok") ?? 0, "some plans pass").toBeGreaterThan(10);
    // Every row of the check table and ok, but the two loss limits: moves between these strategies lose at most a
    // wei of rounding, which the conservative books seldom show; the next test reaches them with an entry fee.
    expect(outcomes.size, "every row of the check table but the loss limits, and ok").toBeGreaterThanOrEqual(23);
    expect(outcomes.get("DrawdownLimitReached") ?? 0, "the drawdown guard is reached").toBeGreaterThan(0);
  }, 120_000);

  it("agrees on a deposit in the block being checked, the drawdown guard, positions at book value and lossy moves", async () => {
    const { vault, governance, guardian, unit: u } = stack;
    const [s0, s1, s2] = stack.strategyAddresses as [string, string, string];

    // Same-block deposit: 600,000 deposited in the latest block, where eth_call runs the checks. Caps and the buffer
    // are measured on total assets without it: a target at the cap of the whole total is refused.
    await chain.revert(base);
    base = await chain.snapshot();
    await (await vault.connect(governance).setCaps(s0, 10n ** 15n, 3_000)).wait();
    await fund(stack, stack.users[1]!, 600_000n * u);
    let st = await readState();
    expect(st.snap.inflowInBlock, "the deposit is in the block being checked").toBe(600_000n * u);
    const base0 = st.snap.totalAssets - st.snap.inflowInBlock;
    const cap = (base0 * 3_000n) / 10_000n;
    expect(cap + 1n, "the cap of the whole total would allow one more").toBeLessThanOrEqual(
      (st.snap.totalAssets * 3_000n) / 10_000n,
    );
    expect((await agree(st, "same-block deposit: at the cap", [{ strategy: s0, assets: cap }])).mirror.ok).toBe(true);
    expect(
      (await agree(st, "same-block deposit: one over", [{ strategy: s0, assets: cap + 1n }])).mirror.error?.name,
    ).toBe("RelativeCapExceeded");
    // Idle counts without the deposit: 10% of the base must stay idle beyond it.
    const idleCounted = st.snap.idle - st.snap.inflowInBlock;
    const required = (base0 * 1_000n + 9_999n) / 10_000n;
    const s1Now = positionValue(st.snap.strategies[1]!);
    const buffer = await agree(st, "same-block deposit: buffer", [
      { strategy: s1, assets: s1Now + idleCounted - required + 1n },
    ]);
    expect(buffer.mirror.error, "the deposit does not count as idle").toMatchObject({
      name: "IdleBufferBreached",
      args: { idle: required - 1n, required },
    });

    // Drawdown guard: a loss in a strategy takes the share price more than 10% under its mark.
    await chain.revert(base);
    base = await chain.snapshot();
    const held = await stack.asset.balanceOf(s0);
    await (await stack.strategies[0]!.simulateLoss((held * 60n) / 100n)).wait();
    st = await readState();
    const raise = await agree(st, "drawdown: raising a strategy", [
      { strategy: s1, assets: positionValue(st.snap.strategies[1]!) + 1_000n * u },
    ]);
    expect(raise.mirror.error?.name, "stopped by the guard").toBe("DrawdownLimitReached");
    expect(raise.mirror.error!.args.price as bigint, "the price is under the floor").toBeLessThan(
      raise.mirror.error!.args.floor as bigint,
    );
    const exit = await agree(st, "drawdown: a full exit to idle", [{ strategy: s2, assets: 0n }]);
    expect(exit.mirror.ok, "moving money back to idle without a loss passes").toBe(true);
    // The guardian tightens the limit to 0 on a fresh state: a wei of rounding loss then stops a call too.
    await chain.revert(base);
    base = await chain.snapshot();
    await (await vault.connect(guardian).setMaxDrawdown(0)).wait();
    await (await stack.strategies[1]!.simulateLoss(1_000n)).wait();
    st = await readState();
    const tight = await agree(st, "drawdown 0: raising a strategy after a small loss", [
      { strategy: s0, assets: positionValue(st.snap.strategies[0]!) + 1_000n * u },
    ]);
    expect(tight.mirror.error?.name).toBe("DrawdownLimitReached");

    // Views that revert (MockStrategy: previewRedeem, maxWithdraw, maxRedeem): the position counts at its book value,
    // and a withdrawal leg asks for book - target with nothing available.
    await chain.revert(base);
    base = await chain.snapshot();
    await (await stack.strategies[2]!.simulateGain(5_000n * u)).wait();
    await (await stack.strategies[2]!.setViewsBroken(true)).wait();
    st = await readState();
    const book = await vault.allocation(s2);
    expect(st.snap.strategies[2]!.currentValue, "the lens reads no live value").toBe(0n);
    const limited = await agree(st, "views revert: withdrawal leg", [{ strategy: s2, assets: book - 10_000n * u }]);
    expect(limited.mirror.error, "the request is from the book value").toEqual({
      name: "StrategyWithdrawLimited",
      args: { strategy: s2, requested: 10_000n * u, available: 0n },
    });
    const raised = await agree(st, "views revert: deposit leg", [{ strategy: s2, assets: book + 10_000n * u }]);
    expect(raised.mirror.ok, "a deposit is booked at book + what it took").toBe(true);

    // Only previewRedeem reverts (PreviewRevertingStrategy): a partial withdrawal goes through, booked from the book
    // value, while the position is really worth more.
    await chain.revert(base);
    base = await chain.snapshot();
    const preview = await (
      await new PreviewRevertingStrategy__factory(governance).deploy(await stack.asset.getAddress())
    ).waitForDeployment();
    const p = await preview.getAddress();
    await (await vault.connect(governance).addStrategy(p, 10n ** 15n, 1_000)).wait();
    const session = await grantSession(stack, {
      agent: agent.address,
      durationSeconds: 86_400,
      maxVolumePerCall: 400_000n * u,
      maxVolumePerEpoch: 800_000n * u,
      minInterval: 0,
      scope: [...stack.strategyAddresses, p],
    });
    await (
      await vault.connect(agent).rebalance([{ strategy: p, assets: 50_000n * u }], session, `0x${"33".repeat(32)}`)
    ).wait();
    await (await stack.asset.mint(p, 7_000n * u)).wait();
    await (await preview.setPreviewReverts(true)).wait();
    st = await readState();
    const pState = st.snap.strategies.find((x) => x.strategy === p)!;
    expect(pState.currentValue, "the lens reads no live value").toBe(0n);
    expect(pState.withdrawable, "but the strategy lets the position go").toBeGreaterThan(50_000n * u);
    const pBook = await vault.allocation(p);
    const partial = await agree(
      st,
      "previewRedeem reverts: partial withdrawal",
      [{ strategy: p, assets: pBook - 30_000n * u }],
      session,
    );
    expect(partial.mirror, "passes, booked at book - what left").toMatchObject({
      ok: true,
      volume: 30_000n * u,
      idleAfter: st.snap.idle + 30_000n * u,
      totalAssetsAfter: st.snap.totalAssets,
    });
    const mixed = await agree(
      st,
      "previewRedeem reverts: withdrawal and deposit",
      [
        { strategy: p, assets: pBook - 30_000n * u },
        { strategy: s1, assets: positionValue(st.snap.strategies[1]!) + 20_000n * u },
      ],
      session,
    );
    expect(mixed.mirror.ok).toBe(true);
    // The rebalance itself books the leg where the preview said.
    await (
      await vault
        .connect(agent)
        .rebalance([{ strategy: p, assets: pBook - 30_000n * u }], session, `0x${"44".repeat(32)}`)
    ).wait();
    expect(await vault.allocation(p), "booked at book - what left").toBe(pBook - 30_000n * u);

    // Loss limits: a strategy with a 50 bps entry fee loses on every deposit. They are in bps of total assets before
    // less the block's deposits (here 400,000 deposited in the block being checked).
    await chain.revert(base);
    base = await chain.snapshot();
    const fee = await (
      await new FeeStrategy__factory(governance).deploy(await stack.asset.getAddress(), 50, governance.address)
    ).waitForDeployment();
    const f = await fee.getAddress();
    await (await vault.connect(governance).addStrategy(f, 10n ** 15n, 1_000)).wait();
    const feeSession = await grantSession(stack, {
      agent: agent.address,
      durationSeconds: 86_400,
      maxVolumePerCall: 400_000n * u,
      maxVolumePerEpoch: 800_000n * u,
      minInterval: 0,
      scope: [...stack.strategyAddresses, f],
    });
    await (await vault.connect(governance).setLossLimits(1, 2, 86_400)).wait();
    await fund(stack, stack.users[1]!, 400_000n * u);
    st = await readState();
    const withFee = entryFee(st.exact, f, 50n);
    const lossBase = st.snap.totalAssets - st.snap.inflowInBlock;
    const callLimit = lossBase / 10_000n;
    const into = (assets: bigint) =>
      agree({ ...st, exact: withFee }, `entry fee: deposit ${assets}`, [{ strategy: f, assets }], feeSession);
    // The fee is 0.5% (rounded up) and the vault may book a wei less: the most a call may deposit loses <= callLimit.
    const most = (callLimit * 200n * 99n) / 100n;
    const within = await into(most);
    expect(within.mirror.ok, "a deposit whose fee is within the per-call limit").toBe(true);
    expect(within.mirror.predictedLoss, "the fee is the loss").toBeGreaterThan(0n);
    const over = await into(callLimit * 200n + 1_000n);
    expect(over.mirror.error, "the per-call limit is 1 bps of total assets less the block's deposit").toMatchObject({
      name: "LossExceedsCallLimit",
      args: { limit: callLimit },
    });
    // Two such losses, then a third within the per-call limit spends the epoch budget (2 bps) past what is left.
    await (
      await vault.connect(agent).rebalance([{ strategy: f, assets: most }], feeSession, `0x${"55".repeat(32)}`)
    ).wait();
    await (
      await vault.connect(agent).rebalance([{ strategy: f, assets: 2n * most }], feeSession, `0x${"56".repeat(32)}`)
    ).wait();
    st = await readState();
    const current = positionValue(st.snap.strategies.find((x) => x.strategy === f)!);
    const budget = await agree(
      { ...st, exact: entryFee(st.exact, f, 50n) },
      "entry fee: epoch budget",
      [{ strategy: f, assets: current + most }],
      feeSession,
    );
    expect(budget.mirror.error?.name, "the third loss passes the epoch budget").toBe("LossBudgetExceeded");
    expect(
      (
        await agree(
          { ...st, exact: entryFee(st.exact, f, 50n) },
          "entry fee: a smaller third loss",
          [{ strategy: f, assets: current + most / 4n }],
          feeSession,
        )
      ).mirror.ok,
    ).toBe(true);
  }, 60_000);

  it("agrees on a reduce-only session and on a session's own loss allowance, before and after it is charged", async () => {
    const { vault, governance, unit: u } = stack;
    const [s0, , s2] = stack.strategyAddresses as [string, string, string];
    await chain.revert(base);
    base = await chain.snapshot();
    // A strategy with a 50 bps entry fee: every deposit into it loses the fee.
    const fee = await (
      await new FeeStrategy__factory(governance).deploy(await stack.asset.getAddress(), 50, governance.address)
    ).waitForDeployment();
    const f = await fee.getAddress();
    await (await vault.connect(governance).addStrategy(f, 10n ** 15n, 1_000)).wait();
    const scope = [...stack.strategyAddresses, f];
    const limits = { durationSeconds: 86_400, maxVolumePerCall: 400_000n * u, maxVolumePerEpoch: 800_000n * u };
    const reduceOnly = await grantSession(stack, {
      agent: agent.address,
      ...limits,
      minInterval: 0,
      scope,
      reduceOnly: true,
    });
    // The allowance takes one deposit's fee and half of another: the first deposit fits, a second does not.
    const deposit = 10_000n * u;
    const oneFee = (deposit * 50n + 9_999n) / 10_000n;
    const maxLoss = oneFee + oneFee / 2n;
    const allowance = await grantSession(stack, { agent: agent.address, ...limits, minInterval: 0, scope, maxLoss });
    let st = await readState();
    const withFee = () => ({ ...st, exact: entryFee(st.exact, f, 50n) });
    const fIndex = st.snap.strategies.findIndex((x) => x.strategy === f);

    // Reduce-only: raising a strategy is refused with the mask of the raised ones; lowering and leaving pass.
    const s0Now = positionValue(st.snap.strategies[0]!);
    const raise = await agree(
      st,
      "reduce-only: lower one, raise two",
      [
        { strategy: s2, assets: positionValue(st.snap.strategies[2]!) - 1_000n * u },
        { strategy: s0, assets: s0Now + 1_000n * u },
        { strategy: f, assets: 1_000n * u },
      ],
      reduceOnly,
    );
    expect(raise.mirror.error, "refused with the raised strategies' bits").toEqual({
      name: "ReduceOnlySession",
      args: { sessionId: reduceOnly, raisedMask: 1n | (1n << BigInt(fIndex)) },
    });
    const toIdle = await agree(st, "reduce-only: a strategy to idle", [{ strategy: s2, assets: 0n }], reduceOnly);
    expect(toIdle.mirror.ok, "taking a strategy down to idle passes").toBe(true);

    // The session's own allowance: a lossy deposit within what is left passes in both, and is charged when sent.
    expect(st.snap.sessions.find((x) => x.id === allowance)!.remaining.lossLeft, "nothing used yet").toBe(maxLoss);
    const fits = await agree(
      withFee(),
      "loss allowance: a deposit that fits",
      [{ strategy: f, assets: deposit }],
      allowance,
    );
    expect(fits.mirror.ok, "within the allowance").toBe(true);
    expect(fits.mirror.predictedLoss, "the fee is the loss").toBeGreaterThan(0n);
    await (
      await vault.connect(agent).rebalance([{ strategy: f, assets: deposit }], allowance, `0x${"77".repeat(32)}`)
    ).wait();
    st = await readState();
    const after = st.snap.sessions.find((x) => x.id === allowance)!;
    expect(after.session.lossUsed, "the loss is charged").toBe(fits.mirror.predictedLoss);
    expect(after.remaining.lossLeft, "the lens's loss left is the mirror's").toBe(maxLoss - fits.mirror.predictedLoss);
    expect(
      sessionRemaining(st.stored.get(allowance), st.snap.agentsPaused, st.snap.timestamp).lossLeft,
      "the mirror's remaining on the stored session",
    ).toBe(after.remaining.lossLeft);

    // A second deposit of the same size loses more than is left: refused by both with the loss and what is left.
    const fNow = positionValue(st.snap.strategies[fIndex]!);
    const over = await agree(
      withFee(),
      "loss allowance: a deposit that does not fit",
      [{ strategy: f, assets: fNow + deposit }],
      allowance,
    );
    expect(over.mirror.error, "the session's own allowance, last").toMatchObject({
      name: "SessionLossBudgetExceeded",
      args: { sessionId: allowance, lossLeft: after.remaining.lossLeft },
    });
    expect(over.mirror.error!.args.loss as bigint, "more than is left").toBeGreaterThan(after.remaining.lossLeft);
    // Sent anyway, the call moves nothing and the session is revoked.
    const allocated = await vault.allocation(f);
    await (
      await vault.connect(agent).rebalance([{ strategy: f, assets: fNow + deposit }], allowance, `0x${"78".repeat(32)}`)
    ).wait();
    expect(await vault.allocation(f), "nothing moved").toBe(allocated);
    expect((await stack.sessions.getSession(allowance)).revoked, "the session is revoked").toBe(true);
  }, 60_000);

  it("agrees on the share-price rate bound: a jumped or frozen strategy cannot be raised, only lowered", async () => {
    const { vault, governance, unit: u } = stack;
    const [s0, s1] = stack.strategyAddresses as [string, string];
    await chain.revert(base);
    base = await chain.snapshot();
    await (await vault.connect(governance).setMaxPriceRate(100)).wait();
    await (await vault.markStrategy(s0)).wait();
    await (await vault.markStrategy(s1)).wait();
    let st = await readState();
    expect(st.snap.maxPriceRateBps, "the lens reports the bound").toBe(100);
    const value = (i: number) => positionValue(st.snap.strategies[i]!);
    const within = await agree(st, "rate bound: price at its mark", [{ strategy: s0, assets: value(0) + 1_000n * u }]);
    expect(within.mirror.ok, "a raise at the mark passes").toBe(true);

    // A 10% pump of strategy 0 and a 5% crash of strategy 1, seconds after their marks.
    const held0 = await stack.strategies[0]!.totalAssets();
    const held1 = await stack.strategies[1]!.totalAssets();
    await (await stack.strategies[0]!.simulateGain(held0 / 10n)).wait();
    await (await stack.strategies[1]!.simulateLoss(held1 / 20n)).wait();
    st = await readState();
    const s0State = st.snap.strategies[0]!;
    expect(s0State.frozen, "not frozen on chain yet").toBe(false);
    const pumped = await agree(st, "rate bound: pumped", [{ strategy: s0, assets: value(0) + 1_000n * u }]);
    expect(pumped.mirror.error, "the jump refuses the raise").toEqual({
      name: "StrategyFrozen",
      args: { strategy: s0, markPrice: s0State.markPrice, price: s0State.price },
    });
    const crashed = await agree(st, "rate bound: crashed, raised", [{ strategy: s1, assets: value(1) + 1_000n * u }]);
    expect(crashed.mirror.error?.name, "a crash too").toBe("StrategyFrozen");
    const lowered = await agree(st, "rate bound: crashed, lowered", [{ strategy: s1, assets: value(1) / 2n }]);
    expect(lowered.mirror.ok, "exit-only: a lowering leg passes").toBe(true);

    // Anyone freezes it on chain; governance's clearance re-marks it and raising passes again.
    await (await vault.connect(stack.users[0]!).markStrategy(s0)).wait();
    st = await readState();
    expect(st.snap.strategies[0]!.frozen, "frozen on chain").toBe(true);
    const frozen = await agree(st, "rate bound: frozen", [{ strategy: s0, assets: value(0) + 1_000n * u }]);
    expect(frozen.mirror.error?.name, "frozen").toBe("StrategyFrozen");
    await (await vault.connect(governance).clearFreeze(s0)).wait();
    st = await readState();
    const cleared = await agree(st, "rate bound: cleared", [{ strategy: s0, assets: value(0) + 1_000n * u }]);
    expect(cleared.mirror.ok, "raised again after the clearance").toBe(true);
  }, 60_000);

  it("agrees on risk-group caps: at the cap, one over, an untouched member counted, lowering while over", async () => {
    const { governance, guardian } = stack;
    const [s0, s1, s2] = stack.strategyAddresses as [string, string, string];
    await chain.revert(base);
    base = await chain.snapshot();
    const groups = IRiskGroups__factory.connect(stack.vaultAddress, governance);
    let st = await readState();
    const baseTotal = st.snap.totalAssets - st.snap.inflowInBlock;
    const v = (i: number) => positionValue(st.snap.strategies[i]!);
    // Group 2 holds strategies 0 and 1; its absolute cap leaves 10,000 units of room above what they hold.
    const room = 10_000n * stack.unit;
    const groupCap = v(0) + v(1) + room;
    await (await groups.setRiskGroupCap(2, groupCap, 5_000)).wait();
    await (await groups.setRiskGroups(s0, 1 << 2)).wait();
    await (await groups.setRiskGroups(s1, 1 << 2)).wait();
    st = await readState();
    expect(st.snap.riskGroups, "the lens lists the group").toEqual([
      { id: 2, absoluteCap: groupCap, relativeCapBps: 5_000, value: v(0) + v(1) },
    ]);
    expect(groupCap, "the absolute cap is the tighter").toBeLessThan(baseTotal / 2n);

    const at = await agree(st, "group: raise to the cap (member 1 untouched)", [{ strategy: s0, assets: v(0) + room }]);
    expect(at.mirror.ok, "at the cap").toBe(true);
    expect(at.mirror.capHeadroom, "no room left in the group").toEqual([0n]);
    const over = await agree(st, "group: one over", [{ strategy: s0, assets: v(0) + room + 1n }]);
    expect(over.mirror.error, "the group's figures").toEqual({
      name: "RiskGroupCapExceeded",
      args: { id: 2n, value: groupCap + 1n, cap: groupCap },
    });
    const both = await agree(st, "group: both members and an untagged one", [
      { strategy: s2, assets: v(2) + 1_000n * stack.unit },
      { strategy: s1, assets: v(1) + room / 2n },
      { strategy: s0, assets: v(0) + room / 2n },
    ]);
    expect(both.mirror.ok, "both members within the room together").toBe(true);
    expect(both.mirror.capHeadroom[1], "members share the room").toBe(0n);

    // The guardian lowers the cap under what the group holds: lowering a member passes, raising one does not.
    await (await groups.connect(guardian).setRiskGroupCap(2, v(0), 5_000)).wait();
    st = await readState();
    const lower = await agree(st, "group over: lower a member", [{ strategy: s1, assets: v(1) / 2n }]);
    expect(lower.mirror.ok, "lowering passes while over").toBe(true);
    const swap = await agree(st, "group over: raise one, lower the other more", [
      { strategy: s1, assets: 0n },
      { strategy: s0, assets: v(0) + 1n },
    ]);
    expect(swap.mirror.error?.name, "a raise binds while over").toBe("RiskGroupCapExceeded");
    // A tag whose caps were never set caps at 0.
    await (await groups.setRiskGroups(s2, 1 << 9)).wait();
    st = await readState();
    const unset = await agree(st, "group never capped", [{ strategy: s2, assets: v(2) + 1n }]);
    expect(unset.mirror.error, "capped at 0").toEqual({
      name: "RiskGroupCapExceeded",
      args: { id: 9n, value: v(2) + 1n, cap: 0n },
    });
  }, 60_000);

  it("agrees on a full strategy (maxDeposit) and a full exit whose maxRedeem rounds below the balance", async () => {
    const { vault, governance } = stack;
    const u = stack.unit;
    await chain.revert(base);
    base = await chain.snapshot();
    const capped = await (
      await new CappedStrategy__factory(governance).deploy(await stack.asset.getAddress(), "Capped")
    ).waitForDeployment();
    const c = await capped.getAddress();
    await (await vault.connect(governance).addStrategy(c, 10n ** 15n, 3_000)).wait();
    const session = await grantSession(stack, {
      agent: agent.address,
      durationSeconds: 86_400,
      maxVolumePerCall: 800_000n * u,
      maxVolumePerEpoch: 2_000_000n * u,
      minInterval: 0,
      scope: [...stack.strategyAddresses, c],
    });
    await (await capped.setSupplyCap(60_000n * u)).wait();
    await chain.increaseTime(60);
    let st = await readState();
    const view = () => st.snap.strategies.find((x) => x.strategy === c)!;
    expect(view().depositable, "the lens reads the room left").toBe(60_000n * u);
    const over = await agree(st, "capped: above the room", [{ strategy: c, assets: 60_000n * u + 1n }], session);
    expect(over.mirror.error).toMatchObject({
      name: "StrategyDepositLimited",
      args: { strategy: c, requested: 60_000n * u + 1n, available: 60_000n * u },
    });
    expect(
      (await agree(st, "capped: the room exactly", [{ strategy: c, assets: 60_000n * u }], session)).mirror.ok,
    ).toBe(true);
    // Filled, then maxRedeem rounds short of the balance (shares are 1:1 here): by 1, by the dust allowed (1 ppm of
    // the position + 1), by one more.
    await (
      await vault.connect(agent).rebalance([{ strategy: c, assets: 60_000n * u }], session, `0x${"66".repeat(32)}`)
    ).wait();
    const dust = (60_000n * u) / 1_000_000n + 1n;
    for (const short of [1n, dust, dust + 1n]) {
      await (await capped.setRedeemShortBy(short)).wait();
      st = await readState();
      const exit = await agree(
        st,
        `capped: full exit, maxRedeem ${short} short`,
        [{ strategy: c, assets: 0n }],
        session,
      );
      expect(exit.mirror.ok, `short by ${short}`).toBe(short <= dust);
    }
  }, 60_000);

  it("agrees on the liquidity floor (a liquidity group at the edge, a capped-withdrawal strategy) and the step-up", async () => {
    const { vault, governance } = stack;
    const u = stack.unit;
    await chain.revert(base);
    base = await chain.snapshot();
    const [s0, s1, s2] = stack.strategyAddresses as [string, string, string];
    // s0 and s1 share one pool of liquidity (group 1): they count once, at the larger; s2 lets go at most 1,000 units.
    await (await vault.connect(governance).setLiquidityGroup(s0, 1)).wait();
    await (await vault.connect(governance).setLiquidityGroup(s1, 1)).wait();
    await (await stack.strategies[2]!.setWithdrawCap(1_000n * u)).wait();
    const session = await grantSession(stack, {
      agent: agent.address,
      durationSeconds: 86_400,
      maxVolumePerCall: 800_000n * u,
      maxVolumePerEpoch: 2_000_000n * u,
      minInterval: 0,
    });
    await chain.increaseTime(60);
    let st = await readState();
    const view = (a: string) => st.snap.strategies.find((x) => x.strategy === a)!;
    expect(view(s2).withdrawable, "the capped strategy lets go its cap").toBe(1_000n * u);
    expect(st.snap.availableLiquidity, "the lens counts the group once, as the mirror does").toBe(
      st.snap.idle + strategiesLiquidity(st.snap.strategies),
    );

    // A deposit from idle into the smaller of the group moves liquidity out of reach one for one: pick the floor so
    // that a deposit of `x` lands exactly on it.
    const [lo, hi] = view(s0).withdrawable <= view(s1).withdrawable ? [s0, s1] : [s1, s0];
    const total = st.snap.totalAssets;
    const capRoom =
      minBig(view(lo).absoluteCap, (total * BigInt(view(lo).relativeCapBps)) / 10_000n) - view(lo).currentValue;
    const idleRoom = st.snap.idle - (total * BigInt(st.snap.bounds.idleBufferBps) + 9_999n) / 10_000n;
    const room = minBig(minBig(view(hi).withdrawable - view(lo).withdrawable, capRoom), idleRoom);
    expect(room > 10n * u, "room for the edge").toBe(true);
    const available = st.snap.availableLiquidity - st.snap.inflowInBlock;
    const bps = ((available - room / 2n) * 10_000n) / total;
    await (await vault.connect(governance).setLiquidityFloor(Number(bps))).wait();
    st = await readState();
    expect(st.snap.liquidityFloorBps, "the lens reads the floor").toBe(Number(bps));
    const required = (st.snap.totalAssets * bps + 9_999n) / 10_000n;
    const x = st.snap.availableLiquidity - st.snap.inflowInBlock - required;
    const loNow = view(lo).currentValue;
    const at = await agree(st, "floor: exactly at it", [{ strategy: lo, assets: loNow + x }], session);
    expect(at.mirror.ok, "at the floor").toBe(true);
    const below = await agree(st, "floor: one unit past it", [{ strategy: lo, assets: loNow + x + 1n }], session);
    expect(below.mirror.error, "refused with the figures").toEqual({
      name: "LiquidityFloorBreached",
      args: { available: required - 1n, required },
    });
    // Taking the capped strategy's liquid part to idle raises nothing: it passes below the floor too.
    const derisk = await agree(
      st,
      "floor: de-risking",
      [{ strategy: s2, assets: view(s2).currentValue - 1_000n * u }],
      session,
    );
    expect(derisk.mirror.ok, "de-risking passes").toBe(true);

    // The step-up: a volume of exactly the threshold passes alone, one unit more needs the co-signature.
    const threshold = 1_000n * u;
    // (The floor stays: a deposit into the larger of the group moves idle into the group one for one.)
    await (await vault.connect(governance).setStepUp(threshold, governance.address)).wait();
    st = await readState();
    expect(st.snap.stepUpThreshold, "the lens reads the threshold").toBe(threshold);
    expect(st.snap.policySigner, "and the signer").toBe(governance.address);
    const hiNow = view(hi).currentValue;
    const alone = await agree(st, "step-up: at the threshold", [{ strategy: hi, assets: hiNow + threshold }], session);
    expect(alone.mirror.ok, "alone at the threshold").toBe(true);
    const above = await agree(st, "step-up: one above", [{ strategy: hi, assets: hiNow + threshold + 1n }], session);
    expect(above.mirror.error, "needs the co-signature").toEqual({
      name: "CoSignatureRequired",
      args: { volume: threshold + 1n, threshold },
    });
    const cosigned = checkRebalance({
      ...above.input,
      valuation: st.exact,
      cosigned: true,
    });
    expect(cosigned.ok, "the mirror passes it co-signed").toBe(true);
  }, 60_000);
});
