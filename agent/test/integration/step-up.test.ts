/**
 * The daemon and the vault's step-up, against the real contracts on the embedded chain: a plan whose volume is above
 * the threshold waits, saying why, with nothing sent and no breaker; a plan within it goes alone.
 */
import { describe, expect, it } from "vitest";
import { grantSession } from "../../devnet/stack.js";
import { AGENT, rebalancedEvents, startDaemon, tempDir, testConfig, useStack } from "../support/daemon-harness.js";

const env = useStack();
const u = () => env.stack.unit;

describe("daemon with a step-up threshold", () => {
  it("holds a plan above the threshold without a co-signer, then sends one within a higher threshold", async () => {
    await grantSession(env.stack, {
      agent: AGENT,
      durationSeconds: 7 * 86_400,
      maxVolumePerCall: 600_000n * u(),
      maxVolumePerEpoch: 3_000_000n * u(),
    });
    const { vault, governance } = env.stack;
    await (await vault.connect(governance).setStepUp(1_000n * u(), governance.address)).wait();
    const { daemon, logs } = await startDaemon(env.chain, testConfig(env.chain, env.stack, tempDir()));

    const held = (await daemon.tick())[0]!.report!;
    expect(held.result).toMatchObject({ kind: "hold", code: "co-signature-required" });
    const reason = held.result.kind === "hold" ? held.result.reason : "";
    expect(reason).toMatch(
      /^co-signature required above 1,000(\.00)?: no co-signer configured \(vaults\[\]\.coSigner\)$/,
    );
    expect(logs.messages()).toContain(`holding: ${reason}`);
    expect(await rebalancedEvents(env.stack), "nothing sent").toEqual([]);

    // Small plans go alone: with the threshold above the plan's volume the same daemon sends it.
    await (await vault.connect(governance).setStepUp(10_000_000n * u(), governance.address)).wait();
    const sent = (await daemon.tick())[0]!.report!;
    expect(sent.result.kind, JSON.stringify(sent.result)).toBe("sent");
  });
});
