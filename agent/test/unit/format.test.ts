import { describe, expect, it } from "vitest";
import {
  formatAmount,
  formatBps,
  formatChainTime,
  formatDuration,
  renderTable,
  shortAddress,
} from "../../src/util/format.js";

describe("the formatters every surface shares", () => {
  it("formatAmount: grouped, at most `digits` fraction digits (cut), trailing zeros dropped, an optional symbol", () => {
    expect(formatAmount(1_234_567_891n, 6)).toBe("1,234.56");
    expect(formatAmount(1_234_567_891n, 6, 6)).toBe("1,234.567891");
    expect(formatAmount(1_500_000_000n, 6, 6, "mUSD")).toBe("1,500 mUSD");
    expect(formatAmount(1_500_250_000n, 6, 6, "mUSD")).toBe("1,500.25 mUSD");
    expect(formatAmount(-2_500_000n, 6)).toBe("-2.5");
    expect(formatAmount(0n, 18, 2, "tvUSD")).toBe("0 tvUSD");
    expect(formatAmount(2n ** 128n - 1n, 6, 6, "mUSD"), "a uint128 cap at its maximum").toBe("unlimited");
  });

  it("formatAmount with `fixed`: exactly `digits` fraction digits, zeros kept; none and no point for 0 digits", () => {
    expect(formatAmount(1_000_000_000_000n, 6, 2, "tvUSD", { fixed: true })).toBe("1,000,000.00 tvUSD");
    expect(formatAmount(1_234_567_891n, 6, 2, undefined, { fixed: true })).toBe("1,234.56");
    expect(formatAmount(-2_500_000n, 6, 2, "", { fixed: true })).toBe("-2.50");
    expect(formatAmount(123_456_789_000n, 6, 0, "", { fixed: true })).toBe("123,456");
  });

  it("formatDuration: the two largest units", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(125n)).toBe("2m 5s");
    expect(formatDuration(7_500)).toBe("2h 5m");
    expect(formatDuration(7n * 86_400n)).toBe("7d 0h");
    expect(formatDuration(-5)).toBe("0s");
  });

  it("formatBps, formatChainTime, shortAddress", () => {
    expect(formatBps(1_234)).toBe("12.34%");
    expect(formatBps(50n)).toBe("0.50%");
    expect(formatChainTime(1_767_225_600n)).toBe("2026-01-01 00:00:00 UTC");
    expect(shortAddress("0x1234567890abcdef1234567890abcdef12345678")).toBe("0x1234…5678");
  });

  it("renderTable: a header, a rule, and columns aligned (by default text first, figures after)", () => {
    expect(
      renderTable(
        ["name", "value"],
        [
          ["a", "1"],
          ["bb", "100"],
        ],
      ),
    ).toBe(["name  value", "----  -----", "a         1", "bb      100"].join("\n"));
    expect(renderTable(["#", "title"], [["@0", "List"]], ["left", "left"])).toBe(
      ["#   title", "--  -----", "@0  List"].join("\n"),
    );
  });
});
