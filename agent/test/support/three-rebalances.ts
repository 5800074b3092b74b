/**
 * The daemon's three rebalances on the local chain that explain and the what-if replay: an even split, then a move
 * toward strategy 1's yield, then toward strategy 2's (each an hour after the last, after a gain of that strategy).
 */
import { expect } from "vitest";
import { grantSession, type Stack } from "../../devnet/stack.js";
import type { LocalChain } from "../../devnet/chain.js";
import { AGENT, startDaemon, tempDir, testConfig } from "./daemon-harness.js";

export async function threeRebalances(chain: LocalChain, stack: Stack) {
  const u = stack.unit;
  await grantSession(stack, {
    agent: AGENT,
    durationSeconds: 7 * 86_400,
    maxVolumePerCall: 600_000n * u,
    maxVolumePerEpoch: 3_000_000n * u,
  });
  const dataDir = tempDir();
  const config = testConfig(chain, stack, dataDir);
  const { daemon } = await startDaemon(chain, config);
  expect((await daemon.tick())[0]!.report!.result.kind, "the daemon's split").toBe("sent");
  await chain.increaseTime(3_600);
  await (await stack.strategies[1]!.simulateGain(2n * u)).wait();
  expect((await daemon.tick())[0]!.report!.result.kind, "a move toward strategy 1's yield").toBe("sent");
  await chain.increaseTime(3_600);
  await (await stack.strategies[2]!.simulateGain(6n * u)).wait();
  expect((await daemon.tick())[0]!.report!.result.kind, "a move toward strategy 2's yield").toBe("sent");
  return { daemon, config, dataDir };
}
