/**
 * Agreement: generated rebalances are judged by the pure mirror and by `previewRebalance` on a real local chain with
 * the real contracts; both must give the same verdict (error name and arguments) and the same figures.
 */
import { Wallet, type JsonRpcSigner } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalChain, type LocalChain } from "../../devnet/chain.js";
import { deployStack, devKey, fund, grantSession, type Stack } from "../../devnet/stack.js";
import { LensReader } from "../../src/chain/reader.js";
import type { SessionRecord, Target, VaultSnapshot } from "../../src/chain/types.js";
import { checkRebalance, type RebalanceVerdict } from "../../src/checks/rebalance-check.js";
import { erc4626Valuation, snapshotValuation } from "../../src/checks/valuation.js";
import { decodeTreasuryError } from "../../src/errors.js";
import { revertDataOf } from "../../src/executor/revert-data.js";
import { TreasuryVault__factory } from "../../../types/ethers-contracts/index.js";
import { Random } from "../support/random.js";

const STATES = 40;
const PLANS_PER_STATE = 16;

let chain: LocalChain;
let stack: Stack;
let agent: JsonRpcSigner;
let other: JsonRpcSigner;
let base: string;

beforeAll(async () => {
  chain = await startLocalChain();
  stack = await deployStack(chain, { strategies: 4, seed: 50_000n });
  agent = await chain.provider.getSigner(new Wallet(devKey(3)).address);
  other = stack.users[0]!;
  await fund(stack, other, 1_000_000n * stack.unit);
  const u = stack.unit;
  // 1: the agent, every strategy; 2: the agent, two strategies; 3: another agent; 4: revoked; 5: short; 6: not started.
  await grantSession(stack, { agent: agent.address, durationSeconds: 30 * 86_400, maxVolumePerCall: 800_000n * u, maxVolumePerEpoch: 1_200_000n * u, minInterval: 60, maxCallsPerEpoch: 3 });
  await grantSession(stack, { agent: agent.address, durationSeconds: 30 * 86_400, maxVolumePerCall: 400_000n * u, maxVolumePerEpoch: 2_000_000n * u, scope: stack.strategyAddresses.slice(0, 2), epochLength: 3_600 });
  await grantSession(stack, { agent: other.address, durationSeconds: 30 * 86_400, maxVolumePerCall: 400_000n * u, maxVolumePerEpoch: 800_000n * u });
  const revoked = await grantSession(stack, { agent: agent.address, durationSeconds: 30 * 86_400, maxVolumePerCall: 400_000n * u, maxVolumePerEpoch: 800_000n * u });
  await (await stack.sessions.connect(stack.guardian).revoke(revoked)).wait();
  await grantSession(stack, { agent: agent.address, durationSeconds: 2 * 3_600, maxVolumePerCall: 400_000n * u, maxVolumePerEpoch: 800_000n * u });
  const now = await chain.latestTimestamp();
  await grantSession(stack, { agent: agent.address, validAfter: now + 86_400n, durationSeconds: 30 * 86_400, maxVolumePerCall: 400_000n * u, maxVolumePerEpoch: 800_000n * u });
  // 7: the agent's session for another vault on the same session manager.
  const otherVault = await (
    await new TreasuryVault__factory(stack.governance).deploy(await stack.asset.getAddress(), "Other", "oth", await stack.sessions.getAddress(), stack.governance.address, stack.guardian.address, { idleBufferBps: 0, maxLossPerCallBps: 50, epochLossBudgetBps: 100, lossEpochLength: 86_400, lossEpoch: 0, lossInEpoch: 0 })
  ).waitForDeployment();
  await (
    await stack.sessions.connect(stack.governance).grant({ agent: agent.address, vault: await otherVault.getAddress(), scope: 1n, validAfter: now, validUntil: now + 86_400n, maxVolumePerCall: 1n, maxVolumePerEpoch: 1n, epochLength: 3_600, minInterval: 0, maxCallsPerEpoch: 1 })
  ).wait();
  // Spread the vault's money so every strategy holds shares.
  await (
    await stack.vault.connect(agent).rebalance(
      stack.strategyAddresses.map((s, i) => ({ strategy: s, assets: [250_000n, 200_000n, 150_000n, 100_000n][i]! * u })),
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
    if (decodeTreasuryError(data ?? "0x")?.name !== "ChangeTooLarge") throw err;
  }
}

/** Changes the state at random: yields and losses, caps, buffer, loss limits, a disabled strategy, time, a prior call. */
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
    const abs = rng.pick([alloc, alloc + rng.big(100_000n * u), alloc > 10n ? alloc - rng.big(alloc / 10n) : 0n, 10n ** 15n]);
    await govern(() => vault.connect(governance).setCaps(target, abs, rng.int(500, 6_000)));
  }
  if (rng.chance(0.5)) await govern(() => vault.connect(governance).setIdleBuffer(rng.pick([0, 500, 1_000, 2_000, 3_500])));
  if (rng.chance(0.5)) {
    await govern(() => vault.connect(governance).setLossLimits(rng.pick([0, 1, 5, 50]), rng.pick([0, 0, 2, 100]), rng.pick([3_600, 86_400])));
  }
  if (rng.chance(0.25)) await (await vault.connect(guardian).setStrategyEnabled(rng.pick(stack.strategyAddresses), false)).wait();
  // Prior calls through session 1 set its counters (volume, calls, last call); three use up its epoch.
  const priorCalls = rng.pick([0, 0, 1, 1, 3]);
  for (let i = 0; i < priorCalls; i++) {
    const s = rng.pick(stack.strategyAddresses);
    const cur = await vault.allocation(s);
    const preview = await vault.previewRebalance([{ strategy: s, assets: cur + 1_000n * u }], 1n, agent.address);
    if (preview.ok) await (await vault.connect(agent).rebalance([{ strategy: s, assets: cur + 1_000n * u }], 1n, `0x${"22".repeat(32)}`)).wait();
    if (i < priorCalls - 1) await chain.increaseTime(61);
  }
  if (rng.chance(0.1)) await (await stack.sessions.connect(guardian).pauseAgents()).wait();
  await chain.increaseTime(rng.pick([1, 30, 61, 61, 61, 600, 3_601, 3_601, 7_300, 86_401, 40 * 86_400]));
}

/** A random rebalance around the interesting values: current, caps, idle, zero, their neighbours, and junk. */
function generate(rng: Random, snap: VaultSnapshot, sessionCount: bigint): { targets: Target[]; sessionId: bigint; caller: string } {
  const n = rng.chance(0.04) ? 0 : rng.pick([1, 1, 2, 2, 3, 4]);
  const chosen = rng.shuffle(snap.strategies).slice(0, n);
  const targets: Target[] = chosen.map((s) => {
    const relCap = (snap.totalAssets * BigInt(s.relativeCapBps)) / 10_000n;
    const cap = s.absoluteCap < relCap ? s.absoluteCap : relCap;
    const assets = rng.pick([
      0n,
      s.currentValue,
      s.currentValue + 1n,
      s.currentValue > 0n ? s.currentValue - 1n : 0n,
      s.currentValue + rng.big(snap.idle),
      s.currentValue - rng.big(s.currentValue),
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

const VALUE_ARGS = new Set(["allocation", "cap", "idle", "required", "loss", "limit", "lossInEpoch", "budget", "needed"]);

describe("check mirror agrees with previewRebalance on a real chain", () => {
  it(`gives the same verdict on ${STATES * PLANS_PER_STATE} generated plans`, async () => {
    const rng = new Random(0x5eed);
    const reader = new LensReader(chain.provider, stack.lensAddress);
    const outcomes = new Map<string, number>();
    let approxExactArgs = 0;
    let approxClose = 0;
    let compared = 0;
    const mismatches: string[] = [];
    for (let state = 0; state < STATES; state++) {
      await chain.revert(base);
      base = await chain.snapshot();
      await mutate(rng);
      const snap = await reader.snapshot(stack.vaultAddress, agent.address);
      const exact = erc4626Valuation(
        await Promise.all(
          stack.strategies.map(async (s) => ({ strategy: await s.getAddress(), totalAssets: await s.totalAssets(), totalSupply: await s.totalSupply() })),
        ),
      );
      const count = await stack.sessions.sessionCount();
      const stored = new Map<bigint, SessionRecord>();
      for (let id = 1n; id <= count; id++) {
        const s = await stack.sessions.getSession(id);
        stored.set(id, { agent: s.agent, vault: s.vault, validAfter: s.validAfter, validUntil: s.validUntil, revoked: s.revoked, epochLength: s.epochLength, minInterval: s.minInterval, maxCallsPerEpoch: s.maxCallsPerEpoch, maxVolumePerCall: s.maxVolumePerCall, maxVolumePerEpoch: s.maxVolumePerEpoch, volumeInEpoch: s.volumeInEpoch, epoch: s.epoch, callsInEpoch: s.callsInEpoch, lastCallAt: s.lastCallAt, scope: s.scope });
      }
      for (let k = 0; k < PLANS_PER_STATE; k++) {
        const { targets, sessionId, caller } = generate(rng, snap, count);
        const preview = await stack.vault.previewRebalance(targets, sessionId, caller);
        const chainError = preview.reason === "0x" ? undefined : decodeTreasuryError(preview.reason);
        const input = { snapshot: snap, targets, sessionId, session: stored.get(sessionId), agent: caller };
        const mirror: RebalanceVerdict = checkRebalance({ ...input, valuation: exact });
        const label = `state ${state} plan ${k}: ${JSON.stringify(targets, (_k, v) => (typeof v === "bigint" ? v.toString() : v))} session ${sessionId}`;

        expect(mirror.ok, `${label}: ok`).toBe(preview.ok);
        expect(mirror.error?.name, `${label}: error name`).toBe(chainError?.name);
        expect(mirror.error?.args, `${label}: error args`).toEqual(chainError?.args);
        expect(mirror.volume, `${label}: volume`).toBe(preview.volume);
        expect(mirror.predictedLoss, `${label}: loss`).toBe(preview.predictedLoss);
        expect(mirror.lossHeadroom, `${label}: loss headroom`).toBe(preview.lossHeadroom);
        expect(mirror.callVolumeHeadroom, `${label}: call headroom`).toBe(preview.callVolumeHeadroom);
        expect(mirror.epochVolumeHeadroom, `${label}: epoch headroom`).toBe(preview.epochVolumeHeadroom);
        expect(mirror.capHeadroom, `${label}: cap headroom`).toEqual([...preview.capHeadroom]);
        expect(mirror.idleAfter, `${label}: idle after`).toBe(preview.idleAfter);
        expect(mirror.totalAssetsAfter, `${label}: total after`).toBe(preview.totalAssetsAfter);
        outcomes.set(chainError?.name ?? "ok", (outcomes.get(chainError?.name ?? "ok") ?? 0) + 1);

        // The daemon's own valuation (lens data only): the same verdict, amounts within a few wei of rounding.
        const approx = checkRebalance({ ...input, valuation: snapshotValuation(snap) });
        compared++;
        if (approx.error?.name !== chainError?.name) {
          // Only where a loss limit is (almost) zero can a wei of rounding decide, and then the lens-only mirror is
          // the stricter one: it never lets through what the chain rejects.
          expect(approx.ok, `${label}: lens-only mirror never accepts what the chain rejects (chain: ${chainError?.name} ${JSON.stringify(chainError?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))})`).toBe(false);
          expect(["LossExceedsCallLimit", "LossBudgetExceeded"], `${label}: only a loss check differs`).toContain(approx.error!.name);
          expect(approx.error!.args.limit ?? approx.error!.args.budget, `${label}: at a zero loss limit`).toBeLessThanOrEqual(4n);
          mismatches.push(`${label}: chain ${chainError?.name ?? "ok"} ${JSON.stringify(chainError?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}, lens-only ${approx.error?.name ?? "ok"} ${JSON.stringify(approx.error?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`);
        } else {
          const sameArgs = JSON.stringify(approx.error?.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ===
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
    console.log(`snapshot-only valuation: ${approxExactArgs} identical, ${approxClose} within rounding, ${mismatches.length} stricter at a zero loss limit, of ${compared}`);
    expect(approxExactArgs + approxClose + mismatches.length).toBe(compared);
    // The generated cases must reach a broad set of checks, or the agreement proves little.
    expect(outcomes.get("ok") ?? 0, "some plans pass").toBeGreaterThan(10);
    expect(outcomes.size, "every row of the check table and ok").toBeGreaterThanOrEqual(24);
  }, 120_000);
});
