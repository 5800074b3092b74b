/**
 * Explorer verification is configured (hardhat-verify, loaded by the toolbox): the Etherscan API key is the
 * ETHERSCAN_API_KEY configuration variable, resolved only when a verification runs, and the verify tasks the deploy
 * guide shows exist. Nothing here reaches a network.
 */
import { expect } from "chai";
import hre from "hardhat";

describe("Explorer verification configuration", () => {
  it("takes the Etherscan key from the ETHERSCAN_API_KEY configuration variable, and has the guide's tasks", async () => {
    const { etherscan, blockscout, sourcify } = hre.config.verify;
    expect(etherscan.enabled, "Etherscan on").to.equal(true);
    expect((etherscan.apiKey as unknown as { name: string }).name, "a configuration variable, not a literal").to.equal(
      "ETHERSCAN_API_KEY",
    );
    const before = process.env.ETHERSCAN_API_KEY;
    process.env.ETHERSCAN_API_KEY = "key-from-the-environment";
    try {
      expect(await etherscan.apiKey.get(), "resolved from the environment when used").to.equal(
        "key-from-the-environment",
      );
    } finally {
      if (before === undefined) delete process.env.ETHERSCAN_API_KEY;
      else process.env.ETHERSCAN_API_KEY = before;
    }
    expect([blockscout.enabled, sourcify.enabled], "Blockscout and Sourcify need no key").to.deep.equal([true, true]);
    for (const id of [["verify"], ["verify", "etherscan"], ["ignition", "verify"]]) {
      expect(hre.tasks.getTask(id).id, `the task ${id.join(" ")}`).to.deep.equal(id);
    }
  });
});
