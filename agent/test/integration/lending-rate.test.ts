/**
 * The market-rate model (src/markets/lending-rate.ts) against the curated lending vaults on a real chain: its local
 * prediction of a vault's rate after a move equals the vault's own `rateAfter(int256)` view at the same block, unit for
 * unit, for random moves in and out (within and beyond caps and liquidity), at low, kinked, high and 100% utilization;
 * and a strategy without the adapter views has no model.
 */
import { describe, expect, it } from "vitest";
import { Random } from "../../devnet/random.js";
import { SAFE_LTV } from "../../devnet/lending.js";
import { MarketRateModel, roomOf } from "../../src/markets/lending-rate.js";
import { useStack } from "../support/daemon-harness.js";

const env = useStack({ lending: true });
const WAD = 10n ** 18n;
const YEAR = 31_536_000n;

describe("the market-rate model of a curated lending vault", () => {
  it("predicts the vault's rateAfter(Δ) exactly, for random Δ in and out, at utilizations from 40% to 100%", async () => {
    const world = env.stack.lending!;
    const model = new MarketRateModel(env.chain.provider);
    const random = new Random(18);
    const unit = world.unit;
    let checked = 0;
    let atFull = 0;
    // Every market at each utilization in turn (100% last: nothing can leave then).
    for (const bps of [4_000n, 8_000n, 9_300n, 10_000n]) {
      for (const m of world.markets)
        await (await world.borrower.moveUtilization(m.params, (bps * WAD) / 10_000n, SAFE_LTV)).wait();
      await env.chain.increaseTime(3_600);
      await env.chain.mine();
      const block = await env.chain.provider.getBlockNumber();
      await model.refresh(world.vaultAddresses, block);
      for (const [i, vault] of world.vaults.entries()) {
        const address = world.vaultAddresses[i]!;
        const state = model.stateOf(address)!;
        expect(state, `vault ${i} answers the adapter views`).toBeDefined();
        const room = roomOf(state);
        if (bps === 10_000n) {
          expect(room.out, `vault ${i} can pay nothing out at 100% utilization`).toBe(0n);
          atFull++;
        }
        const deltas = [0n, 1n, -1n, room.in, room.in + 1_000n * unit, -room.out, -room.out - 1_000n * unit];
        for (let k = 0; k < 8; k++) {
          deltas.push(random.big(room.in + 500_000n * unit));
          deltas.push(-random.big(room.out + 500_000n * unit));
        }
        for (const delta of deltas) {
          const onChain = await vault.rateAfter(delta, { blockTag: block });
          expect(model.rateAfter(address, delta), `vault ${i}, utilization ${bps} bps, Δ ${delta}`).toBe(
            onChain * YEAR,
          );
          checked++;
        }
        expect(model.estimate(address)!.aprWad, `vault ${i}: the APR now is rateAfter(0)`).toBe(
          (await vault.rateAfter(0n, { blockTag: block })) * YEAR,
        );
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect(atFull).toBe(3);
  });

  it("a deposit's effect: after depositing Δ, the vault pays what the model predicted before it (to accrual between blocks)", async () => {
    const world = env.stack.lending!;
    const model = new MarketRateModel(env.chain.provider);
    const vault = world.vaults[1]!;
    const address = world.vaultAddresses[1]!;
    const delta = 400_000n * world.unit;
    await model.refresh([address]);
    const before = model.estimate(address)!.aprWad;
    const predicted = model.rateAfter(address, delta)!;
    expect(predicted, "more supply at the same borrow: a lower rate").toBeLessThan(before);
    await (await world.asset.mint(await world.deployer.getAddress(), delta)).wait();
    await (await world.asset.approve(address, delta)).wait();
    await (await vault.deposit(delta, await world.deployer.getAddress())).wait();
    await model.refresh([address]);
    const after = model.estimate(address)!.aprWad;
    const diff = after > predicted ? after - predicted : predicted - after;
    expect(diff * 1_000_000n, `predicted ${predicted}, got ${after}: within a millionth`).toBeLessThanOrEqual(
      predicted,
    );
  });

  it("a strategy without the adapter views has no model: estimate and rateAfter are undefined, the others still answer", async () => {
    const world = env.stack.lending!;
    const model = new MarketRateModel(env.chain.provider);
    const plain = await env.stack.asset.getAddress();
    const nobody = "0x000000000000000000000000000000000000dEaD";
    await model.refresh([plain, world.vaultAddresses[0]!, nobody]);
    expect(model.estimate(plain), "an ERC-20 without the views").toBeUndefined();
    expect(model.rateAfter(plain, 1n), "an ERC-20 without the views").toBeUndefined();
    expect(model.estimate(nobody), "an address without code").toBeUndefined();
    expect(model.room(nobody)).toBeUndefined();
    expect(model.estimate(world.vaultAddresses[0]!)!.aprWad).toBeGreaterThan(0n);
  });
});
