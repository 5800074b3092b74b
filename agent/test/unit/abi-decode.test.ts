/**
 * The plain decoder of the lens snapshot gives what ethers' decoder gives, on generated snapshots (every field at
 * random, extreme values included, 0 to 4 strategies and sessions), and fails as it fails on data that is too short.
 */
import { AbiCoder, type ParamType } from "ethers";
import { describe, expect, it } from "vitest";
import { lensInterface } from "../../src/abi/index.js";
import { decodePlain } from "../../src/chain/abi-decode.js";
import { Random } from "../support/random.js";

const outputs = lensInterface.getFunction("snapshot")!.outputs;

/** A value of `type`, at random: integers anywhere in their range (their edges often), arrays of 0 to 4. */
function generate(r: Random, type: ParamType): unknown {
  if (type.baseType === "tuple") return Object.fromEntries(type.components!.map((c) => [c.name, generate(r, c)]));
  if (type.baseType === "array") return Array.from({ length: r.int(0, 4) }, () => generate(r, type.arrayChildren!));
  if (type.baseType === "address")
    return `0x${Array.from({ length: 40 }, () => "0123456789abcdef"[r.int(0, 15)]).join("")}`;
  if (type.baseType === "bool") return r.chance(0.5);
  const bits = BigInt(/\d+/.exec(type.type)?.[0] ?? "256");
  const max = (1n << bits) - 1n;
  return r.pick([0n, 1n, max, max - 1n, r.big(max)]);
}

/** ethers' decoded `Result` as plain values (addresses in lower case, as the plain decoder gives them). */
function plain(type: ParamType, value: unknown): unknown {
  if (type.baseType === "tuple")
    return Object.fromEntries(type.components!.map((c, i) => [c.name, plain(c, (value as unknown[])[i])]));
  if (type.baseType === "array") return Array.from(value as unknown[], (v) => plain(type.arrayChildren!, v));
  if (type.baseType === "address") return (value as string).toLowerCase();
  return value;
}

describe("decodePlain", () => {
  it("decodes 300 generated lens snapshots as ethers does", () => {
    const r = new Random(0xabc);
    const coder = AbiCoder.defaultAbiCoder();
    for (let k = 0; k < 300; k++) {
      const data = coder.encode(outputs, [generate(r, outputs[0]!)]);
      const expected = plain(outputs[0]!, coder.decode(outputs, data)[0]);
      expect(decodePlain(outputs, data)[0], `case ${k}`).toEqual(expected);
    }
  });

  it("fails with BAD_DATA, as ethers does, on data that is cut short or empty", () => {
    const r = new Random(5);
    const data = AbiCoder.defaultAbiCoder().encode(outputs, [generate(r, outputs[0]!)]);
    for (const cut of [
      "0x",
      data.slice(0, data.length - 64),
      data.slice(0, 2 + 64 * 3),
      data.slice(0, data.length - 1),
    ]) {
      expect(() => decodePlain(outputs, cut), `${cut.length} hex digits`).toThrow(
        expect.objectContaining({ code: "BAD_DATA" }),
      );
    }
  });
});
