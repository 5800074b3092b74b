import { describe, expect, it } from "vitest";
import { decodeTreasuryError, explainTreasuryError, formatTreasuryError, hintFor, treasuryErrors } from "../../src/errors.js";

describe("decodeTreasuryError", () => {
  it("decodes a session error by name with its arguments", () => {
    const data = treasuryErrors.encodeErrorResult("SessionExpired", [7n, 1_800_000_000n]);
    const decoded = decodeTreasuryError(data);
    expect(decoded?.name).toBe("SessionExpired");
    expect(decoded?.args).toEqual({ sessionId: 7n, validUntil: 1_800_000_000n });
    expect(formatTreasuryError(decoded!)).toBe("SessionExpired(sessionId=7, validUntil=1800000000)");
  });

  it("decodes a bounds error carrying an address", () => {
    const strategy = "0x00000000000000000000000000000000000000aa";
    const data = treasuryErrors.encodeErrorResult("AbsoluteCapExceeded", [strategy, 101n, 100n]);
    const decoded = decodeTreasuryError(data);
    expect(decoded?.name).toBe("AbsoluteCapExceeded");
    expect(decoded?.args.allocation).toBe(101n);
    expect(String(decoded?.args.strategy).toLowerCase()).toBe(strategy.toLowerCase());
  });

  it("InvalidSessionParams is decoded by name, with its arguments, and explained", () => {
    const data = treasuryErrors.encodeErrorResult("InvalidSessionParams", []);
    expect(data, "its selector, no arguments").toBe(treasuryErrors.getError("InvalidSessionParams")!.selector);
    const decoded = decodeTreasuryError(data)!;
    expect(decoded.name).toBe("InvalidSessionParams");
    expect(explainTreasuryError(decoded)).toBe(`InvalidSessionParams(): ${hintFor("InvalidSessionParams")}`);
    expect(hintFor("InvalidSessionParams")).toMatch(/^the session's parameters were refused when it was granted: .*per-call volume is zero or above the per-epoch volume.*ask the session admin/);
    // Arguments, where an error has them, come before the hint.
    const expired = decodeTreasuryError(treasuryErrors.encodeErrorResult("SessionExpired", [7n, 1_800_000_000n]))!;
    expect(explainTreasuryError(expired)).toBe(`SessionExpired(sessionId=7, validUntil=1800000000): ${hintFor("SessionExpired")}`);
    expect(explainTreasuryError(decodeTreasuryError(treasuryErrors.encodeErrorResult("GuardianCannotLoosen", []))!), "no hint: the error alone").toBe("GuardianCannotLoosen()");
  });

  it("returns undefined for data that is not a treasury error", () => {
    expect(decodeTreasuryError("0xdeadbeef")).toBeUndefined();
    expect(decodeTreasuryError("0x")).toBeUndefined();
  });
});
