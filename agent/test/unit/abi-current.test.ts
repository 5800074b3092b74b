/**
 * The agent's committed ABIs (`src/abi/generated/`) are the contracts' current build: a contract change that is not
 * regenerated (`pnpm --filter ./agent abi`) fails here, naming the files. Needs the build (`pnpm exec hardhat build`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { abiDifferences, ARTIFACT_ABIS, expectedAbiFiles, OUT_DIR, REPO_ROOT } from "../../scripts/generate-abi.js";

describe("the agent's ABIs", () => {
  it("match the contracts' current build", () => {
    expect(abiDifferences(), "run pnpm --filter ./agent abi and commit the result").toEqual([]);
  });

  it("a changed artifact is reported as a difference, by file", () => {
    // The check against a copy of the build in which one error gained an argument.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "abi-check-"));
    fs.cpSync(path.join(REPO_ROOT, "types/ethers-contracts"), path.join(root, "types/ethers-contracts"), {
      recursive: true,
    });
    for (const { artifacts } of ARTIFACT_ABIS) {
      for (const artifact of artifacts) {
        fs.cpSync(path.join(REPO_ROOT, "artifacts", artifact), path.join(root, "artifacts", artifact));
      }
    }
    const artifact = "artifacts/contracts/libraries/ErrorsLib.sol/ErrorsLib.json";
    const json = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, artifact), "utf8")) as {
      abi: { name: string; inputs: unknown[] }[];
    };
    json.abi
      .find((e) => e.name === "InvalidSessionParams")!
      .inputs.push({ internalType: "uint8", name: "code", type: "uint8" });
    fs.mkdirSync(path.dirname(path.join(root, artifact)), { recursive: true });
    fs.writeFileSync(path.join(root, artifact), JSON.stringify(json));
    expect(abiDifferences(root, OUT_DIR)).toEqual(["ErrorsLib.abi.ts: differs from the build"]);
    expect(expectedAbiFiles(root).get("ErrorsLib.abi.ts")).toContain('"name": "code"');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("a missing build is named with what to run", () => {
    expect(() => expectedAbiFiles(os.tmpdir())).toThrow(
      /types\/ethers-contracts\/common\.ts is missing: build the contracts first \(pnpm exec hardhat build\)/,
    );
  });
});
