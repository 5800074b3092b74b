import { getAddress, Interface } from "ethers";
import { describe, expect, it } from "vitest";
import { governanceErrorsAbi } from "../../src/abi/index.js";
import { decodeRevert, explainRevert, formatErrorForPeople, hintFor, treasuryErrors } from "../../src/errors.js";
import { revertDataOf } from "../../src/executor/revert-data.js";

describe("decodeRevert", () => {
  it("decodes a session error by name with its arguments", () => {
    const data = treasuryErrors.encodeErrorResult("SessionExpired", [7n, 1_800_000_000n]);
    const decoded = decodeRevert(data);
    expect(decoded?.name).toBe("SessionExpired");
    expect(decoded?.args).toEqual({ sessionId: 7n, validUntil: 1_800_000_000n });
    expect(decoded?.text).toBe("SessionExpired(sessionId=7, validUntil=1800000000)");
  });

  it("decodes a bounds error carrying an address", () => {
    const strategy = "0x00000000000000000000000000000000000000aa";
    const data = treasuryErrors.encodeErrorResult("AbsoluteCapExceeded", [strategy, 101n, 100n]);
    const decoded = decodeRevert(data);
    expect(decoded?.name).toBe("AbsoluteCapExceeded");
    expect(decoded?.args.allocation).toBe(101n);
    expect(String(decoded?.args.strategy).toLowerCase()).toBe(strategy.toLowerCase());
  });

  it("InvalidSessionParams is decoded by name, with its arguments, and explained", () => {
    const data = treasuryErrors.encodeErrorResult("InvalidSessionParams", []);
    expect(data, "its selector, no arguments").toBe(treasuryErrors.getError("InvalidSessionParams")!.selector);
    const decoded = decodeRevert(data)!;
    expect(decoded.name).toBe("InvalidSessionParams");
    expect(explainRevert(decoded)).toBe(`InvalidSessionParams(): ${hintFor("InvalidSessionParams")}`);
    expect(hintFor("InvalidSessionParams")).toMatch(
      /^the session's parameters were refused when it was granted: .*per-call volume is zero or above the per-epoch volume.*ask the session admin/,
    );
    // Arguments, where an error has them, come before the hint.
    const expired = decodeRevert(treasuryErrors.encodeErrorResult("SessionExpired", [7n, 1_800_000_000n]))!;
    expect(explainRevert(expired)).toBe(
      `SessionExpired(sessionId=7, validUntil=1800000000): ${hintFor("SessionExpired")}`,
    );
    expect(
      explainRevert(decodeRevert(treasuryErrors.encodeErrorResult("EmptyRebalance", []))!),
      "no hint: the error alone",
    ).toBe("EmptyRebalance()");
  });

  it("decodes the reduce-only, session loss and rotation errors with their arguments, and explains each", () => {
    const agent = getAddress("0x00000000000000000000000000000000000000aa");
    const cases: [string, unknown[], string][] = [
      ["ReduceOnlySession", [7n, 0b101n], "ReduceOnlySession(sessionId=7, raisedMask=5)"],
      [
        "SessionLossBudgetExceeded",
        [7n, 5_000n, 4_999n],
        "SessionLossBudgetExceeded(sessionId=7, loss=5000, lossLeft=4999)",
      ],
      ["SessionLossWithinBudget", [7n, 10n], "SessionLossWithinBudget(sessionId=7, loss=10)"],
      ["InvalidRotation", [7n, agent], `InvalidRotation(sessionId=7, newAgent=${agent})`],
    ];
    for (const [name, args, text] of cases) {
      const decoded = decodeRevert(treasuryErrors.encodeErrorResult(name, args))!;
      expect(decoded.text, name).toBe(text);
      expect(hintFor(name), name).toBeTypeOf("string");
      expect(explainRevert(decoded), name).toBe(`${text}: ${hintFor(name)}`);
    }
    expect(hintFor("ReduceOnlySession")).toMatch(/^the session is reduce-only: .*never raise one/);
    expect(hintFor("SessionLossBudgetExceeded")).toMatch(/session's own loss allowance.*revoke the session/);
    expect(hintFor("InvalidRotation")).toMatch(/not the zero address, nor the key it already has/);
  });

  it("shows a session's loss figures in token units for people", () => {
    expect(
      formatErrorForPeople("SessionLossBudgetExceeded(sessionId=7, loss=5000000, lossLeft=4999999)", {
        decimals: 6,
        symbol: "USDC",
      }),
    ).toBe("SessionLossBudgetExceeded(sessionId=7, loss=5 USDC, lossLeft=4.999999 USDC)");
  });

  it("returns undefined for data that is no error it knows", () => {
    expect(decodeRevert("0xdeadbeef")).toBeUndefined();
    expect(decodeRevert("0x")).toBeUndefined();
    expect(decodeRevert(undefined)).toBeUndefined();
  });

  it("spells a panic one way: its code in hex with what it means", () => {
    const panic = (code: bigint) => new Interface(["error Panic(uint256 code)"]).encodeErrorResult("Panic", [code]);
    expect(decodeRevert(panic(0x11n))).toEqual({
      name: "Panic",
      args: { code: 0x11n },
      text: "Panic(0x11: arithmetic overflow or underflow)",
    });
    expect(decodeRevert(panic(0x12n))?.text).toBe("Panic(0x12: division or modulo by zero)");
    expect(decodeRevert(panic(0x99n))?.text, "a code without a meaning").toBe("Panic(0x99)");
  });

  it("names Error(string) with its message quoted", () => {
    const data = new Interface(["error Error(string message)"]).encodeErrorResult("Error", ['not "ok"']);
    expect(decodeRevert(data)).toEqual({ name: "Error", args: { message: 'not "ok"' }, text: 'Error("not \\"ok\\"")' });
  });

  it("names the Governor's, the Timelock's and the votes token's errors, with a hint where there is one", () => {
    const governance = new Interface(governanceErrorsAbi);
    const state = decodeRevert(
      governance.encodeErrorResult("GovernorUnexpectedProposalState", [5n, 1n, `0x${"0".repeat(62)}10`]),
    )!;
    expect(state.text).toBe(
      `GovernorUnexpectedProposalState(proposalId=5, current=1, expectedStates=0x${"0".repeat(62)}10)`,
    );
    expect(explainRevert(state)).toBe(`${state.text}: the proposal is not in the state this step needs`);
    const votes = decodeRevert(
      governance.encodeErrorResult("GovernorInsufficientProposerVotes", [
        "0x00000000000000000000000000000000000000AA",
        1n,
        2n,
      ]),
    )!;
    expect(votes.args).toEqual({ proposer: "0x00000000000000000000000000000000000000AA", votes: 1n, threshold: 2n });
    const timelock = decodeRevert(
      governance.encodeErrorResult("TimelockUnexpectedOperationState", [
        `0x${"ab".repeat(32)}`,
        `0x${"0".repeat(63)}4`,
      ]),
    )!;
    expect(timelock.name).toBe("TimelockUnexpectedOperationState");
    expect(decodeRevert(governance.encodeErrorResult("ERC5805FutureLookup", [10n, 9n]))?.text).toBe(
      "ERC5805FutureLookup(timepoint=10, clock=9)",
    );
  });

  it("a hint that quotes the error's figures: ChangeTooLarge says the furthest value now and when the whole change fits", () => {
    const decoded = decodeRevert(treasuryErrors.encodeErrorResult("ChangeTooLarge", [800n, 500n, 1_767_225_600n]))!;
    expect(explainRevert(decoded)).toBe(
      "ChangeTooLarge(value=800, limit=500, readyAt=1767225600): the change to 800 is more than the rolling 7-day budget allows now; " +
        "the furthest value allowed now is 500, and the whole change fits from 2026-01-01 00:00:00 UTC (chain time 1767225600): " +
        "propose at most 500 now, or this change then",
    );
    expect(hintFor("ChangeTooLarge", decoded.args)).toBe(explainRevert(decoded).slice(decoded.text.length + 2));
    expect(hintFor("ChangeTooLarge"), "without the figures it quotes, no hint").toBeUndefined();
  });
});

describe("revertDataOf", () => {
  const data = treasuryErrors.encodeErrorResult("AgentsPaused", []);

  it("finds the revert data however the error wraps it", () => {
    expect(revertDataOf({ data })).toBe(data);
    expect(revertDataOf({ data: { data } }), "a JSON-RPC error object").toBe(data);
    expect(revertDataOf({ code: "CALL_EXCEPTION", info: { error: { data } } }), "ethers' info.error").toBe(data);
    expect(revertDataOf(new Error("wrapped", { cause: { error: { data } } })), "a cause's error").toBe(data);
  });

  it("finds nothing where there is none", () => {
    expect(revertDataOf(new Error("node down"))).toBeUndefined();
    expect(revertDataOf({ data: "0x" }), "a bare revert carries no error").toBeUndefined();
    expect(revertDataOf(undefined)).toBeUndefined();
  });
});
