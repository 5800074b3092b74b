/**
 * Quarantine: the signs read from one snapshot (each at and just past its threshold), the list kept on disk, and what
 * the planners do with a quarantined strategy (never raised; exited as liquidity allows, or left in place).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Interface } from "ethers";
import { describe, expect, it } from "vitest";
import type { StrategyState } from "../../src/chain/types.js";
import { classifyRevert } from "../../src/executor/classify.js";
import { decodeRevert, strategyRefusal, treasuryErrors } from "../../src/errors.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import type { PlanDecision } from "../../src/planner/types.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import {
  blamedStrategy,
  DEFAULT_QUARANTINE_PARAMS,
  inspectStrategies,
  inspectStrategy,
  type SeenPrice,
} from "../../src/quarantine/inspect.js";
import { QuarantineList, type QuarantineEntry } from "../../src/quarantine/store.js";
import { A, B, C, strategy, vaultSnapshot } from "../support/fixtures.js";
import { apr, big, plannerInput } from "../support/planner-fixtures.js";

const P = DEFAULT_QUARANTINE_PARAMS;
/** A held position of 100,000 assets (100,000 shares at 1.0), all of it withdrawable. */
const held = (over: Partial<StrategyState> = {}) => strategy(A, 0, 100_000n, over);
const seenAt = (sharePrice: bigint): SeenPrice => ({ sharePrice, blockNumber: 41n });

describe("inspectStrategy", () => {
  it("finds nothing wrong with a sound position, with or without a price seen before", () => {
    expect(inspectStrategy(held(), undefined, P)).toBeUndefined();
    expect(inspectStrategy(held(), seenAt(1_000_000n), P)).toBeUndefined();
    // Nothing held: the views of a position it does not have are not read.
    expect(inspectStrategy(strategy(A, 0, 0n, { convertedValue: 0n, withdrawable: 0n }), undefined, P)).toBeUndefined();
  });

  it("views-revert: shares held but a view values them at 0 (the lens's answer when it reverts); left in place", () => {
    for (const over of [{ currentValue: 0n }, { convertedValue: 0n }, { sharePrice: 0n }]) {
      const f = inspectStrategy(held(over), undefined, P);
      expect(f).toMatchObject({ strategy: A, index: 0, code: "views-revert", exit: false });
      expect(f!.detail).toMatch(/views revert or value the vault's 100000 shares at 0/);
    }
  });

  it("views-revert: a view failed in the lens (viewsOk false), even with nothing seen held; left in place", () => {
    for (const s of [strategy(A, 0, 0n, { viewsOk: false }), held({ viewsOk: false })]) {
      const f = inspectStrategy(s, undefined, P);
      expect(f).toMatchObject({ strategy: A, code: "views-revert", exit: false });
      expect(f!.detail).toMatch(/some of its views revert, exhaust the lens's gas allowance or answer short/);
    }
  });

  it("preview-over-reports: previewRedeem above convertToAssets by more than the tolerance; left in place", () => {
    // 1 bps + 1 unit of 100,000 is 11: 100,011 passes, 100,012 does not.
    expect(inspectStrategy(held({ currentValue: 100_011n, withdrawable: 100_011n }), undefined, P)).toBeUndefined();
    const f = inspectStrategy(held({ currentValue: 110_000n, withdrawable: 110_000n }), undefined, P);
    expect(f).toMatchObject({ code: "preview-over-reports", exit: false });
    expect(f!.detail).toBe(
      "previewRedeem values the position at 110000 but convertToAssets at 100000 (+10.00%): an exit would realize less than the mark",
    );
    expect(inspectStrategy(held({ currentValue: 100_012n, withdrawable: 100_012n }), undefined, P)?.code).toBe(
      "preview-over-reports",
    );
    // A preview below the conversion is what exit fees look like: not a sign.
    expect(inspectStrategy(held({ currentValue: 99_000n, withdrawable: 99_000n }), undefined, P)).toBeUndefined();
  });

  it("withdraw-over-promised: maxWithdraw above the whole position; exited", () => {
    expect(inspectStrategy(held({ withdrawable: 100_011n }), undefined, P)).toBeUndefined();
    const f = inspectStrategy(held({ withdrawable: 100_012n }), undefined, P);
    expect(f).toMatchObject({ code: "withdraw-over-promised", exit: true });
    expect(f!.detail).toBe("maxWithdraw promises 100012, more than the position's 100000");
  });

  it("price-jump and price-crash: a share-price move past the limit since the previous tick; exited", () => {
    // 500 bps of 1,000,000 is 50,000: exactly at the limit passes, one unit past it does not.
    expect(inspectStrategy(held({ sharePrice: 1_050_000n }), seenAt(1_000_000n), P)).toBeUndefined();
    expect(inspectStrategy(held({ sharePrice: 950_000n }), seenAt(1_000_000n), P)).toBeUndefined();
    const jump = inspectStrategy(held({ sharePrice: 1_050_020n }), seenAt(1_000_000n), P);
    expect(jump).toMatchObject({ code: "price-jump", exit: true });
    expect(jump!.detail).toBe("share price jumped +5.00% (1000000 → 1050020) since block 41, past the 500 bps limit");
    const crash = inspectStrategy(held({ sharePrice: 700_000n }), seenAt(1_000_000n), P);
    expect(crash).toMatchObject({ code: "price-crash", exit: true });
    expect(crash!.detail).toBe("share price fell -30.00% (1000000 → 700000) since block 41, past the 500 bps limit");
    // Applies to a strategy the vault does not hold too (it must not be entered at a manipulated price).
    expect(inspectStrategy(strategy(A, 0, 0n, { sharePrice: 2_000_000n }), seenAt(1_000_000n), P)?.code).toBe(
      "price-jump",
    );
    // A tighter limit catches a smaller move.
    expect(
      inspectStrategy(held({ sharePrice: 1_010_100n }), seenAt(1_000_000n), { ...P, maxSharePriceMoveBps: 100 })?.code,
    ).toBe("price-jump");
  });

  it("limited liquidity is not a sign: a lending vault at normal utilization lets only part of a position go", () => {
    expect(inspectStrategy(held({ withdrawable: 15_000n }), undefined, P)).toBeUndefined();
    expect(inspectStrategy(held({ withdrawable: 0n, redeemableShares: 0n }), undefined, P)).toBeUndefined();
  });

  it("the first sign in order names the finding: a lying preview wins over a limited withdrawal", () => {
    const f = inspectStrategy(held({ currentValue: 120_000n, withdrawable: 0n }), seenAt(500_000n), P);
    expect(f?.code).toBe("preview-over-reports");
  });

  it("inspectStrategies reports each strategy with a sign, in index order, against its own previous price", () => {
    const snapshot = vaultSnapshot({
      strategies: [
        strategy(A, 0, 100_000n),
        strategy(B, 1, 100_000n, { sharePrice: 800_000n }),
        strategy(C, 2, 100_000n, { withdrawable: 10n }),
      ],
    });
    const seen = new Map([[B, seenAt(1_000_000n)]]);
    const found = inspectStrategies(snapshot, (s) => seen.get(s), P);
    expect(found.map((f) => [f.strategy, f.code])).toEqual([[B, "price-crash"]]);
  });
});

describe("reverts that blame a strategy", () => {
  const callFailed = (reason: string) => treasuryErrors.encodeErrorResult("StrategyCallFailed", [B, reason]);

  it("StrategyCallFailed and StrategyShortfall are quarantined, naming the strategy", () => {
    for (const data of [
      callFailed("0x"),
      callFailed("0xdeadbeef"),
      treasuryErrors.encodeErrorResult("StrategyShortfall", [B, 10n, 9n]),
    ]) {
      const decoded = decodeRevert(data)!;
      expect(classifyRevert(decoded)).toBe("quarantine");
      expect(blamedStrategy(decoded)).toBe(B);
    }
    expect(classifyRevert(decodeRevert(treasuryErrors.encodeErrorResult("IdleBufferBreached", [1n, 2n])))).toBe(
      "permanent",
    );
    expect(blamedStrategy(undefined)).toBeUndefined();
  });

  it("a risk group over its cap is classified like a strategy's cap: permanent for the plan, named with its figures", () => {
    const group = decodeRevert(treasuryErrors.encodeErrorResult("RiskGroupCapExceeded", [3, 710n, 700n]))!;
    const cap = decodeRevert(treasuryErrors.encodeErrorResult("RelativeCapExceeded", [B, 710n, 700n]))!;
    expect(group.name, "the decoder names it").toBe("RiskGroupCapExceeded");
    expect(group.args, "with its figures").toEqual({ id: 3n, value: 710n, cap: 700n });
    expect(classifyRevert(group), "as the strategy caps").toBe(classifyRevert(cap));
    expect(classifyRevert(group)).toBe("permanent");
    expect(blamedStrategy(group), "no strategy to blame").toBeUndefined();
  });

  it("a co-signed call the vault refuses waits or is planned again: never the breaker", () => {
    const digest = `0x${"33".repeat(32)}`;
    const of = (name: string, args: unknown[]) =>
      classifyRevert(decodeRevert(treasuryErrors.encodeErrorResult(name, args)));
    expect(of("CoSignatureRequired", [2n, 1n]), "no co-signature").toBe("wait");
    expect(of("CoSignatureInvalid", [B, digest]), "the policy signer changed after the check").toBe("wait");
    expect(of("CoSignatureUsed", [digest]), "used already").toBe("wait");
    expect(of("DeadlinePassed", [1n]), "mined past its deadline").toBe("replan");
  });

  it("a full or lent-out strategy is planned again, not quarantined: the vault's limits and the strategy's own refusals", () => {
    const refusals = new Interface([
      "error AllCapsReached()",
      "error NotEnoughLiquidity()",
      "error ERC4626ExceededMaxDeposit(address receiver, uint256 assets, uint256 max)",
      "error ERC4626ExceededMaxWithdraw(address owner, uint256 assets, uint256 max)",
      "error Error(string)",
    ]);
    for (const data of [
      treasuryErrors.encodeErrorResult("StrategyWithdrawLimited", [B, 10n, 9n]),
      treasuryErrors.encodeErrorResult("StrategyDepositLimited", [B, 10n, 9n]),
      callFailed(refusals.encodeErrorResult("AllCapsReached", [])),
      callFailed(refusals.encodeErrorResult("NotEnoughLiquidity", [])),
      callFailed(refusals.encodeErrorResult("ERC4626ExceededMaxDeposit", [A, 10n, 9n])),
      callFailed(refusals.encodeErrorResult("ERC4626ExceededMaxWithdraw", [A, 10n, 9n])),
      callFailed(refusals.encodeErrorResult("Error", ["insufficient liquidity"])),
    ]) {
      expect(classifyRevert(decodeRevert(data)!), data).toBe("replan");
    }
    expect(strategyRefusal(refusals.encodeErrorResult("AllCapsReached", []))).toBe("full");
    expect(strategyRefusal(refusals.encodeErrorResult("NotEnoughLiquidity", []))).toBe("illiquid");
    expect(strategyRefusal(refusals.encodeErrorResult("Error", ["nope"]))).toBeUndefined();
    expect(strategyRefusal("0x")).toBeUndefined();
    // The log names a lending vault's own error (its selector alone said nothing).
    expect(decodeRevert(callFailed("0xded0652d"))!.text).toBe(
      `StrategyCallFailed(strategy=${B}, reason=AllCapsReached())`,
    );
  });

  it("the strategy's own revert data inside StrategyCallFailed is decoded for the log", () => {
    const reentrant = "0x3ee5aeb5"; // ReentrancyGuardReentrantCall()
    expect(decodeRevert(callFailed(reentrant))!.text).toBe(
      `StrategyCallFailed(strategy=${B}, reason=ReentrancyGuardReentrantCall())`,
    );
    const message =
      "0x08c379a0" +
      "0".repeat(62) +
      "20" +
      "0".repeat(62) +
      "05" +
      Buffer.from("nope!").toString("hex").padEnd(64, "0");
    expect(decodeRevert(message)?.text).toBe('Error("nope!")');
    expect(decodeRevert(callFailed(message))!.text).toBe(`StrategyCallFailed(strategy=${B}, reason=Error("nope!"))`);
    expect(decodeRevert(callFailed("0x"))!.text, "a bare revert stays as it is").toBe(
      `StrategyCallFailed(strategy=${B}, reason=0x)`,
    );
    expect(decodeRevert(callFailed("0xdeadbeef"))!.text, "unknown data stays as it is").toBe(
      `StrategyCallFailed(strategy=${B}, reason=0xdeadbeef)`,
    );
  });
});

describe("QuarantineList", () => {
  const entry = (over: Partial<QuarantineEntry> = {}): QuarantineEntry => ({
    strategy: A,
    code: "price-crash",
    reason: "share price fell",
    exit: true,
    block: "42",
    since: "2026-12-03T00:00:00.000Z",
    ...over,
  });
  const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "agent-quarantine-")), "vault", "quarantine.json");

  it("keeps entries across restarts, finds them whatever the address case, and releases one or all", () => {
    const file = tmp();
    const list = new QuarantineList(file);
    expect(list.add(entry())).toBe(true);
    expect(list.add(entry({ strategy: B, code: "views-revert", exit: false }))).toBe(true);
    const reopened = new QuarantineList(file);
    expect(reopened.size).toBe(2);
    expect(reopened.get(A.toUpperCase().replace("0X", "0x"))).toMatchObject({
      code: "price-crash",
      exit: true,
      block: "42",
    });
    expect(reopened.release(B).map((e) => e.strategy)).toEqual([B]);
    expect(new QuarantineList(file).entries().map((e) => e.strategy)).toEqual([A]);
    expect(reopened.release(C)).toEqual([]);
    expect(reopened.release().map((e) => e.strategy)).toEqual([A]);
    expect(new QuarantineList(file).size).toBe(0);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });

  it("an entry is only ever made stricter: exiting becomes left in place, never the other way", () => {
    const list = new QuarantineList(tmp());
    list.add(entry());
    expect(list.add(entry({ code: "withdrawals-limited", reason: "limited", exit: true }))).toBe(false);
    expect(list.get(A)).toMatchObject({ code: "price-crash", exit: true, reason: "share price fell" });
    expect(list.add(entry({ code: "exit-failed", reason: "moving out reverted", exit: false }))).toBe(false);
    expect(list.get(A)).toMatchObject({ exit: false, reason: "share price fell; then moving out reverted" });
    list.add(entry({ exit: true, reason: "again" }));
    expect(list.get(A)!.exit).toBe(false);
  });

  it("read-only lists (status, plan) never write", () => {
    const file = tmp();
    const list = new QuarantineList(file, false);
    list.add(entry());
    expect(list.size).toBe(1);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("planners with quarantined strategies", () => {
  const targets = (d: PlanDecision) =>
    d.kind === "rebalance" ? Object.fromEntries(d.targets.map((t) => [t.strategy, t.assets])) : {};

  it("the yield planner never raises a quarantined strategy, however good its yield", () => {
    const input = plannerInput({ yields: { [A]: apr(40), [B]: apr(5), [C]: apr(4) } });
    const free = targets(new YieldPlanner().plan(input));
    expect(free[A]).toBeGreaterThan(0n);
    const decision = new YieldPlanner().plan({ ...input, quarantined: new Map([[A.toLowerCase(), true]]) });
    expect(decision.kind).toBe("rebalance");
    const t = targets(decision);
    expect(t[A]).toBeUndefined();
    expect(t[B]).toBeGreaterThan(0n);
  });

  it("exits a quarantined strategy as far as its liquidity allows, and says why", () => {
    const strategies = [
      strategy(A, 0, 300_000n, { ...big, withdrawable: 120_000n, redeemableShares: 120_000n }),
      strategy(B, 1, 0n, big),
      strategy(C, 2, 0n, big),
    ];
    const input = plannerInput({ idle: 700_000n, strategies, yields: { [A]: apr(40), [B]: apr(5), [C]: apr(4) } });
    const decision = new YieldPlanner().plan({ ...input, quarantined: new Map([[A.toLowerCase(), true]]) });
    expect(decision.kind).toBe("rebalance");
    // 120,000 withdrawable, less one unit for the interest that moves it before the call lands.
    expect(targets(decision)[A]).toBe(180_001n);
    expect(decision.kind === "rebalance" && decision.reason).toMatch(/leave quarantined strategies \(.*#0.*\)/);
    // Fully liquid: all the way out.
    const liquid = plannerInput({
      idle: 700_000n,
      strategies: [strategy(A, 0, 300_000n, big), strategy(B, 1, 0n, big), strategy(C, 2, 0n, big)],
      yields: { [A]: apr(40), [B]: apr(5) },
    });
    expect(targets(new YieldPlanner().plan({ ...liquid, quarantined: new Map([[A.toLowerCase(), true]]) }))[A]).toBe(
      0n,
    );
  });

  it("leaves a strategy quarantined in place where it is: neither raised nor lowered", () => {
    const strategies = [strategy(A, 0, 300_000n, big), strategy(B, 1, 0n, big), strategy(C, 2, 0n, big)];
    const input = {
      ...plannerInput({ idle: 700_000n, strategies, yields: { [A]: apr(1), [B]: apr(9), [C]: apr(8) } }),
      quarantined: new Map([[A.toLowerCase(), false]]),
    };
    for (const planner of [new YieldPlanner(), new EqualWeightPlanner()]) {
      const t = targets(planner.plan(input));
      expect(t[A] === undefined || t[A] === 300_000n, `${planner.name} left A at ${t[A]}`).toBe(true);
    }
  });

  it("the equal-weight planner spreads over the strategies not quarantined", () => {
    const input = {
      ...plannerInput({ session: { maxVolumePerCall: 2_000_000n } }),
      quarantined: new Map([[B.toLowerCase(), true]]),
    };
    const t = targets(new EqualWeightPlanner().plan(input));
    expect(t[B]).toBeUndefined();
    expect(t[A]).toBeGreaterThan(0n);
    expect(t[A]).toBe(t[C]);
  });
});
