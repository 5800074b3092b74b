import { describe, expect, it } from "vitest";
import { decodeTreasuryError, formatTreasuryError, treasuryErrors } from "../../src/errors.js";

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

  it("returns undefined for data that is not a treasury error", () => {
    expect(decodeTreasuryError("0xdeadbeef")).toBeUndefined();
    expect(decodeTreasuryError("0x")).toBeUndefined();
  });
});
