/**
 * The check mirror on literal fixtures: each row of the SPECIFICATION.md check table passes at its bound and fails
 * one unit past it, with the contract's error name and arguments; earlier rows win over later ones.
 */
import { describe, expect, it } from "vitest";
import type { SessionRecord, Target, VaultSnapshot } from "../../src/chain/types.js";
import { checkRebalance, sessionFromSnapshot } from "../../src/checks/rebalance-check.js";
import type { StrategyValuation } from "../../src/checks/valuation.js";
import {
  A,
  AGENT,
  B,
  C,
  depositFee,
  NOW,
  oneToOne,
  OTHER,
  SESSION,
  strategy,
  UNLISTED,
  VAULT,
  vaultSnapshot,
} from "../support/fixtures.js";

function check(
  targets: Target[],
  o: {
    snapshot?: VaultSnapshot;
    session?: Partial<SessionRecord> | null;
    agent?: string;
    now?: bigint;
    valuation?: StrategyValuation;
    sessionId?: bigint;
  } = {},
) {
  const snapshot = o.snapshot ?? vaultSnapshot();
  return checkRebalance({
    snapshot,
    targets,
    sessionId: o.sessionId ?? 7n,
    session: o.session === null ? undefined : { ...SESSION, ...(o.session ?? {}) },
    agent: o.agent ?? AGENT,
    valuation: o.valuation ?? oneToOne(snapshot),
    now: o.now ?? NOW,
  });
}
const error = (v: ReturnType<typeof check>) => v.error && { name: v.error.name, args: v.error.args };
const fresh = { lastCallAt: 0n, volumeInEpoch: 0n, callsInEpoch: 0n };

describe("check mirror: shape (rows 1-4)", () => {
  it("row 1: rejects an empty rebalance", () => {
    expect(error(check([]))).toEqual({ name: "EmptyRebalance", args: {} });
  });
  it("row 2: rejects a strategy that is not listed", () => {
    expect(error(check([{ strategy: UNLISTED, assets: 1n }]))).toEqual({
      name: "StrategyNotListed",
      args: { strategy: UNLISTED },
    });
  });
  it("row 3: rejects a strategy named twice", () => {
    expect(
      error(
        check([
          { strategy: A, assets: 1n },
          { strategy: A, assets: 2n },
        ]),
      ),
    ).toEqual({ name: "DuplicateTarget", args: { strategy: A } });
  });
  it("row 4: a disabled strategy may stay or shrink, not grow by one unit", () => {
    const snapshot = vaultSnapshot({
      strategies: [strategy(A, 0, 300_000n, { enabled: false }), strategy(B, 1, 200_000n), strategy(C, 2, 100_000n)],
    });
    expect(check([{ strategy: A, assets: 300_000n }], { snapshot }).ok).toBe(true);
    expect(check([{ strategy: A, assets: 0n }], { snapshot }).ok).toBe(true);
    expect(error(check([{ strategy: A, assets: 300_001n }], { snapshot }))).toEqual({
      name: "StrategyDisabled",
      args: { strategy: A },
    });
  });
  it("row 4b: the share-price rate bound: a frozen or jumped strategy may shrink, not grow", () => {
    const rated = (over: Partial<ReturnType<typeof strategy>>, maxPriceRateBps = 100) =>
      vaultSnapshot({
        maxPriceRateBps,
        strategies: [strategy(A, 0, 300_000n, over), strategy(B, 1, 200_000n), strategy(C, 2, 100_000n)],
      });
    const frozen = rated({ frozen: true, price: 5n });
    expect(check([{ strategy: A, assets: 200_000n }], { snapshot: frozen }).ok).toBe(true);
    expect(error(check([{ strategy: A, assets: 300_001n }], { snapshot: frozen }))).toEqual({
      name: "StrategyFrozen",
      args: { strategy: A, markPrice: 10n ** 18n, price: 5n },
    });
    expect(check([{ strategy: A, assets: 300_001n }], { snapshot: rated({ frozen: true }, 0) }).ok, "off").toBe(true);
    // Marked at 1,000, now 2,000: 1% a day allows mark x 100 x 1,000 / (10,000 x 86,400), rounded up, + 1.
    const allowed = (10n ** 18n * 100n * 1_000n + 10_000n * 86_400n - 1n) / (10_000n * 86_400n) + 1n;
    const at = (price: bigint) => check([{ strategy: A, assets: 300_001n }], { snapshot: rated({ price }) });
    expect(at(10n ** 18n + allowed).ok, "a move of exactly the bound passes").toBe(true);
    expect(error(at(10n ** 18n - allowed - 1n))?.name, "one unit more freezes").toBe("StrategyFrozen");
    expect(check([{ strategy: A, assets: 300_001n }], { snapshot: rated({ price: 0n, priceOk: false }) }).ok).toBe(
      true,
    );
  });
  it("shape errors leave every figure at zero, as previewRebalance does", () => {
    const v = check([
      { strategy: A, assets: 1n },
      { strategy: A, assets: 2n },
    ]);
    expect(v).toMatchObject({ ok: false, volume: 0n, capHeadroom: [0n, 0n], idleAfter: 0n, totalAssetsAfter: 0n });
  });
});

describe("check mirror: session (rows 5-16, and reduce-only after row 12)", () => {
  const move = [{ strategy: A, assets: 310_000n }];
  it("row 5: unknown session", () => {
    expect(error(check(move, { session: null, sessionId: 99n }))).toEqual({
      name: "UnknownSession",
      args: { sessionId: 99n },
    });
  });
  it("row 6: a session of another vault", () => {
    expect(error(check(move, { session: { vault: OTHER } }))).toEqual({
      name: "NotSessionVault",
      args: { sessionId: 7n, caller: VAULT },
    });
  });
  it("row 7: another agent", () => {
    expect(error(check(move, { agent: OTHER }))).toEqual({
      name: "NotSessionAgent",
      args: { sessionId: 7n, caller: OTHER },
    });
  });
  it("row 8: revoked", () => {
    expect(error(check(move, { session: { revoked: true } }))).toEqual({
      name: "SessionRevoked",
      args: { sessionId: 7n },
    });
  });
  it("row 9: agents paused", () => {
    expect(error(check(move, { snapshot: vaultSnapshot({ agentsPaused: true }) }))).toEqual({
      name: "AgentsPaused",
      args: {},
    });
  });
  it("row 10: valid from validAfter on, not a second before", () => {
    expect(check(move, { session: fresh, now: SESSION.validAfter }).ok).toBe(true);
    expect(error(check(move, { session: fresh, now: SESSION.validAfter - 1n }))).toEqual({
      name: "SessionNotStarted",
      args: { sessionId: 7n, validAfter: 1_000n },
    });
  });
  it("row 11: valid until a second before validUntil", () => {
    expect(check(move, { now: SESSION.validUntil - 1n }).ok).toBe(true);
    expect(error(check(move, { now: SESSION.validUntil }))).toEqual({
      name: "SessionExpired",
      args: { sessionId: 7n, validUntil: SESSION.validUntil },
    });
  });
  it("row 12: every touched strategy in scope (C is index 2, outside 0b011)", () => {
    expect(
      check([
        { strategy: A, assets: 310_000n },
        { strategy: B, assets: 210_000n },
      ]).ok,
    ).toBe(true);
    expect(
      error(
        check([
          { strategy: A, assets: 310_000n },
          { strategy: C, assets: 90_000n },
        ]),
      ),
    ).toEqual({ name: "OutOfScope", args: { sessionId: 7n, outOfScopeMask: 0b100n } });
  });
  it("after row 12: a reduce-only session may lower and leave strategies, not raise one by a unit", () => {
    const session = { reduceOnly: true };
    expect(check([{ strategy: A, assets: 0n }], { session }).ok, "exit").toBe(true);
    expect(check([{ strategy: A, assets: 300_000n }], { session }).ok, "unchanged").toBe(true);
    expect(error(check([{ strategy: A, assets: 300_001n }], { session }))).toEqual({
      name: "ReduceOnlySession",
      args: { sessionId: 7n, raisedMask: 0b01n },
    });
    // The mask names only the raised strategies (B, index 1), not the lowered ones.
    expect(
      error(
        check(
          [
            { strategy: A, assets: 250_000n },
            { strategy: B, assets: 210_000n },
          ],
          { session },
        ),
      ),
    ).toEqual({ name: "ReduceOnlySession", args: { sessionId: 7n, raisedMask: 0b10n } });
    expect(check(move).ok, "an ordinary session may raise").toBe(true);
  });
  it("row 13: volume up to the per-call limit", () => {
    const snapshot = vaultSnapshot({ bounds: { ...vaultSnapshot().bounds, idleBufferBps: 0 } });
    expect(check([{ strategy: B, assets: 500_000n }], { snapshot }).ok).toBe(true);
    expect(error(check([{ strategy: B, assets: 500_001n }], { snapshot }))).toEqual({
      name: "VolumeExceedsCallLimit",
      args: { sessionId: 7n, volume: 300_001n, limit: 300_000n },
    });
  });
  it("row 14: epoch volume up to the per-epoch limit, this call included; a new epoch starts from zero", () => {
    const session = { maxVolumePerCall: 450_000n };
    const moves = (b: bigint): Target[] => [
      { strategy: A, assets: 0n },
      { strategy: B, assets: b },
    ];
    // 300,000 out of A and 100,000 into B: 400,000 on top of 100,000 used = the 500,000 limit.
    expect(check(moves(300_000n), { session }).ok).toBe(true);
    expect(error(check(moves(300_001n), { session }))).toEqual({
      name: "VolumeExceedsEpochLimit",
      args: { sessionId: 7n, volumeInEpoch: 500_001n, limit: 500_000n },
    });
    expect(check(moves(300_001n), { session, now: SESSION.validAfter + 86_400n }).ok, "next epoch").toBe(true);
  });
  it("row 15: calls per epoch", () => {
    expect(check(move, { session: { callsInEpoch: 2n } }).ok).toBe(true);
    expect(error(check(move, { session: { callsInEpoch: 3n } }))).toEqual({
      name: "TooManyCalls",
      args: { sessionId: 7n, limit: 3n },
    });
  });
  it("row 16: minimum interval since the last call", () => {
    expect(check(move, { now: 1_560n }).ok).toBe(true);
    expect(error(check(move, { now: 1_559n }))).toEqual({
      name: "CooldownActive",
      args: { sessionId: 7n, nextCallAt: 1_560n },
    });
  });
  it("reports the session headroom left after the call", () => {
    const v = check(move);
    expect(v.callVolumeHeadroom).toBe(290_000n);
    expect(v.epochVolumeHeadroom).toBe(390_000n);
  });
});

describe("check mirror: legs and bounds after the moves (rows 17-22)", () => {
  const noBuffer = (over: Partial<VaultSnapshot> = {}) =>
    vaultSnapshot({ bounds: { ...vaultSnapshot().bounds, idleBufferBps: 0 }, ...over });
  const roomy = [
    strategy(A, 0, 300_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 }),
    strategy(B, 1, 200_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 }),
    strategy(C, 2, 100_000n),
  ];
  const bigSession = { maxVolumePerCall: 10n ** 12n, maxVolumePerEpoch: 10n ** 12n };
  it("row 17: a deposit leg may use all idle (after the withdrawal legs), not one unit more", () => {
    const snapshot = noBuffer({ strategies: roomy });
    expect(check([{ strategy: B, assets: 600_000n }], { snapshot, session: bigSession }).ok).toBe(true);
    expect(error(check([{ strategy: B, assets: 600_001n }], { snapshot, session: bigSession }))).toEqual({
      name: "InsufficientIdle",
      args: { needed: 400_001n, idle: 400_000n },
    });
    expect(
      check(
        [
          { strategy: A, assets: 299_999n },
          { strategy: B, assets: 600_001n },
        ],
        { snapshot, session: bigSession },
      ).ok,
      "withdrawals run first",
    ).toBe(true);
  });
  it("row 18: a raised strategy up to its absolute cap", () => {
    expect(check([{ strategy: A, assets: 500_000n }]).ok).toBe(true);
    expect(error(check([{ strategy: A, assets: 500_001n }]))).toEqual({
      name: "AbsoluteCapExceeded",
      args: { strategy: A, allocation: 500_001n, cap: 500_000n },
    });
  });
  it("row 19: a raised strategy up to its relative cap of total assets after (rounded down)", () => {
    const snapshot = vaultSnapshot({
      strategies: [
        strategy(A, 0, 300_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 4_999 }),
        strategy(B, 1, 200_000n),
        strategy(C, 2, 100_000n),
      ],
    });
    // 49.99% of 1,000,000 = 499,900.
    expect(check([{ strategy: A, assets: 499_900n }], { snapshot }).ok).toBe(true);
    expect(error(check([{ strategy: A, assets: 499_901n }], { snapshot }))).toEqual({
      name: "RelativeCapExceeded",
      args: { strategy: A, allocation: 499_901n, cap: 499_900n },
    });
  });
  it("caps bind only strategies the call raises: an over-cap strategy may shrink and stay over", () => {
    const snapshot = vaultSnapshot({
      strategies: [
        strategy(A, 0, 300_000n, { absoluteCap: 100_000n }),
        strategy(B, 1, 200_000n),
        strategy(C, 2, 100_000n),
      ],
    });
    expect(check([{ strategy: A, assets: 250_000n }], { snapshot }).ok).toBe(true);
    expect(check([{ strategy: A, assets: 300_000n }], { snapshot }).ok, "unchanged").toBe(true);
  });
  it("row 20: idle after at the buffer (rounded up), unless the call did not lower idle", () => {
    const snapshot = vaultSnapshot({
      strategies: [
        strategy(A, 0, 300_000n),
        strategy(B, 1, 200_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 }),
        strategy(C, 2, 100_000n),
      ],
    });
    expect(
      check([{ strategy: B, assets: 500_000n }], { snapshot, session: bigSession }).ok,
      "idle 100,000 = 10% of 1,000,000",
    ).toBe(true);
    expect(error(check([{ strategy: B, assets: 500_001n }], { snapshot, session: bigSession }))).toEqual({
      name: "IdleBufferBreached",
      args: { idle: 99_999n, required: 100_000n },
    });
    // Total 1,000,005: 10% is 100,000.5, required 100,001.
    const odd = vaultSnapshot({ idle: 400_005n, strategies: snapshot.strategies });
    expect(error(check([{ strategy: B, assets: 500_005n }], { snapshot: odd, session: bigSession }))).toEqual({
      name: "IdleBufferBreached",
      args: { idle: 100_000n, required: 100_001n },
    });
    const low = vaultSnapshot({ idle: 50_000n, strategies: snapshot.strategies });
    expect(
      check([{ strategy: A, assets: 290_000n }], { snapshot: low, session: bigSession }).ok,
      "raising idle, still under the buffer",
    ).toBe(true);
  });
  it("row 21: loss of the moves up to the per-call limit (0.5% of total before, rounded down)", () => {
    // An entry fee of 5,000 on a deposit: loss 5,000 = 0.5% of 1,000,000.
    expect(check([{ strategy: A, assets: 310_000n }], { valuation: depositFee(5_000n) })).toMatchObject({
      ok: true,
      predictedLoss: 5_000n,
      lossHeadroom: 0n,
    });
    expect(error(check([{ strategy: A, assets: 310_000n }], { valuation: depositFee(5_001n) }))).toEqual({
      name: "LossExceedsCallLimit",
      args: { loss: 5_001n, limit: 5_000n },
    });
  });
  it("row 22: loss in the loss epoch up to the budget (1% of total before); an old epoch's loss does not count", () => {
    const bounds = (lossInEpoch: bigint, lossEpoch = 0n) => vaultSnapshot({ epochLoss: { lossInEpoch, lossEpoch } });
    expect(
      check([{ strategy: A, assets: 310_000n }], { snapshot: bounds(5_000n), valuation: depositFee(5_000n) }).ok,
    ).toBe(true);
    expect(
      error(check([{ strategy: A, assets: 310_000n }], { snapshot: bounds(5_001n), valuation: depositFee(5_000n) })),
    ).toEqual({ name: "LossBudgetExceeded", args: { lossInEpoch: 10_001n, budget: 10_000n } });
    expect(
      check([{ strategy: A, assets: 310_000n }], { snapshot: bounds(9_000n, 7n), valuation: depositFee(5_000n) }).ok,
      "another epoch",
    ).toBe(true);
  });
});

describe("check mirror: same-block deposits, book values, drawdown", () => {
  const bigSession = { maxVolumePerCall: 10n ** 12n, maxVolumePerEpoch: 10n ** 12n };
  // 100,000 of the 1,000,000 was deposited in this block: caps, buffer and loss limits see 900,000.
  const inflow = (over: Partial<VaultSnapshot> = {}) => vaultSnapshot({ inflowInBlock: 100_000n, ...over });
  it("caps are measured against total assets after less the block's deposits", () => {
    const strategies = [
      strategy(A, 0, 300_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 4_999 }),
      strategy(B, 1, 200_000n),
      strategy(C, 2, 100_000n),
    ];
    // 49.99% of 900,000 = 449,910 (of 1,000,000 it would be 499,900).
    expect(check([{ strategy: A, assets: 449_910n }], { snapshot: inflow({ strategies }) })).toMatchObject({
      ok: true,
      capHeadroom: [0n],
    });
    expect(error(check([{ strategy: A, assets: 449_911n }], { snapshot: inflow({ strategies }) }))).toEqual({
      name: "RelativeCapExceeded",
      args: { strategy: A, allocation: 449_911n, cap: 449_910n },
    });
  });
  it("the idle buffer counts idle less the block's deposits, against the same base", () => {
    const strategies = [
      strategy(A, 0, 300_000n),
      strategy(B, 1, 200_000n, { absoluteCap: 10n ** 12n, relativeCapBps: 10_000 }),
      strategy(C, 2, 100_000n),
    ];
    // Idle after 190,000 counts 90,000 = 10% of 900,000.
    expect(
      check([{ strategy: B, assets: 410_000n }], { snapshot: inflow({ strategies }), session: bigSession }).ok,
    ).toBe(true);
    expect(
      error(check([{ strategy: B, assets: 410_001n }], { snapshot: inflow({ strategies }), session: bigSession })),
    ).toEqual({ name: "IdleBufferBreached", args: { idle: 89_999n, required: 90_000n } });
  });
  it("loss limits are in bps of total assets before less the block's deposits", () => {
    // 0.5% of 900,000 = 4,500.
    expect(
      check([{ strategy: A, assets: 310_000n }], { snapshot: inflow(), valuation: depositFee(4_500n) }),
    ).toMatchObject({ ok: true, predictedLoss: 4_500n, lossHeadroom: 0n });
    expect(
      error(check([{ strategy: A, assets: 310_000n }], { snapshot: inflow(), valuation: depositFee(4_501n) })),
    ).toEqual({ name: "LossExceedsCallLimit", args: { loss: 4_501n, limit: 4_500n } });
  });
  it("a position whose views fail counts at its book value: a withdrawal asks for book - target", () => {
    // The lens reads 0 for previewRedeem, maxWithdraw and maxRedeem of A's 300,000 shares; A is booked at 280,000.
    const broken = strategy(A, 0, 0n, {
      allocation: 280_000n,
      shares: 300_000n,
      convertedValue: 300_000n,
      withdrawable: 0n,
      redeemableShares: 0n,
    });
    const snapshot = vaultSnapshot({
      strategies: [broken, strategy(B, 1, 200_000n), strategy(C, 2, 100_000n)],
      totalAssets: 980_000n,
    });
    expect(error(check([{ strategy: A, assets: 200_000n }], { snapshot }))).toEqual({
      name: "StrategyWithdrawLimited",
      args: { strategy: A, requested: 80_000n, available: 0n },
    });
    expect(error(check([{ strategy: A, assets: 0n }], { snapshot }))).toEqual({
      name: "StrategyWithdrawLimited",
      args: { strategy: A, requested: 280_000n, available: 0n },
    });
    // A deposit into it is booked at book + what it took (its views cannot lower it); the volume is from the book.
    const v = check([{ strategy: A, assets: 290_000n }], { snapshot });
    expect(v).toMatchObject({
      ok: true,
      volume: 10_000n,
      idleAfter: 390_000n,
      totalAssetsAfter: 980_000n,
      predictedLoss: 0n,
    });
    expect(v.capHeadroom, "A: 500,000 - 290,000").toEqual([210_000n]);
    // Disabled, it may not rise above its book value.
    const disabled = vaultSnapshot({
      ...snapshot,
      strategies: [{ ...broken, enabled: false }, ...snapshot.strategies.slice(1)],
    });
    expect(error(check([{ strategy: A, assets: 280_001n }], { snapshot: disabled }))).toEqual({
      name: "StrategyDisabled",
      args: { strategy: A },
    });
  });
  it("books a leg at min(live after, before + what arrived): a strategy that reports a gain during the call adds nothing", () => {
    // The strategy's views double the position after a deposit: booked at 310,000 all the same; total unchanged.
    const doubling = { ...oneToOne(vaultSnapshot()), previewRedeemAfter: (_s: string, shares: bigint) => shares * 2n };
    expect(check([{ strategy: A, assets: 310_000n }], { valuation: doubling })).toMatchObject({
      ok: true,
      totalAssetsAfter: 1_000_000n,
      predictedLoss: 0n,
      capHeadroom: [190_000n],
    });
    // Worth less after (an entry fee): booked at the live value, total assets fall by the difference, which is the
    // loss.
    expect(check([{ strategy: A, assets: 310_000n }], { valuation: depositFee(1_000n) })).toMatchObject({
      ok: true,
      totalAssetsAfter: 999_000n,
      predictedLoss: 1_000n,
      capHeadroom: [191_000n],
    });
  });
  // Share price 1,000,000 (assets per 10**12 shares); a mark of 1,111,112 with a 10% limit puts the floor at 1,000,001.
  const below = (mark: bigint, over: Partial<VaultSnapshot> = {}) => vaultSnapshot({ highWaterMark: mark, ...over });
  it("drawdown: a call that raises a strategy stops while the price after is under the floor; one at the floor passes", () => {
    expect(error(check([{ strategy: A, assets: 310_000n }], { snapshot: below(1_111_112n) }))).toEqual({
      name: "DrawdownLimitReached",
      args: { price: 1_000_000n, floor: 1_000_001n },
    });
    expect(check([{ strategy: A, assets: 310_000n }], { snapshot: below(1_111_111n) }).ok, "floor 1,000,000").toBe(
      true,
    );
    expect(
      check([{ strategy: A, assets: 310_000n }], { snapshot: below(1_111_112n, { maxDrawdownBps: 1_001 }) }).ok,
      "a wider limit",
    ).toBe(true);
  });
  it("drawdown: moving money back to idle without a loss still passes; with a loss it stops", () => {
    expect(check([{ strategy: A, assets: 200_000n }], { snapshot: below(1_111_112n) }).ok).toBe(true);
    // A withdrawal fee: the leg is worth less than its target after, a loss of the moves.
    const exitFee = { ...oneToOne(vaultSnapshot()), previewWithdraw: (_s: string, assets: bigint) => assets + 10n };
    const v = check([{ strategy: A, assets: 200_000n }], { snapshot: below(1_111_112n), valuation: exitFee });
    expect(v.error?.name).toBe("DrawdownLimitReached");
  });
  it("drawdown: the price after counts the call's own loss, and an empty vault has no guard", () => {
    // Mark 1,000,000, limit 0: any loss of the call puts the price under the mark.
    const tight = below(1_000_000n, { maxDrawdownBps: 0 });
    expect(check([{ strategy: A, assets: 310_000n }], { snapshot: tight }).ok, "no loss").toBe(true);
    expect(
      error(check([{ strategy: A, assets: 310_000n }], { snapshot: tight, valuation: depositFee(1_000n) })),
    ).toEqual({ name: "DrawdownLimitReached", args: { price: 999_000n, floor: 1_000_000n } });
    expect(
      check([{ strategy: A, assets: 310_000n }], {
        snapshot: { ...tight, totalSupply: 0n },
        valuation: depositFee(1_000n),
      }).ok,
      "no shares",
    ).toBe(true);
  });
  it("after the drawdown guard, the session's own loss allowance: a loss up to what is left passes, one unit more stops", () => {
    const lossy = [{ strategy: A, assets: 310_000n }];
    const valuation = depositFee(5_000n);
    expect(check(lossy, { session: { maxLoss: 8_000n, lossUsed: 3_000n }, valuation }).ok, "exactly left").toBe(true);
    expect(error(check(lossy, { session: { maxLoss: 8_000n, lossUsed: 3_001n }, valuation }))).toEqual({
      name: "SessionLossBudgetExceeded",
      args: { sessionId: 7n, loss: 5_000n, lossLeft: 4_999n },
    });
    expect(check(lossy, { session: { maxLoss: 0n, lossUsed: 0n }, valuation }).ok, "no allowance of its own").toBe(
      true,
    );
    expect(
      check(lossy, { session: { maxLoss: 8_000n, lossUsed: 8_000n } }).ok,
      "a call without loss is not charged, even with the allowance spent",
    ).toBe(true);
  });
  it("the session's own loss allowance comes after the drawdown guard", () => {
    const v = check([{ strategy: A, assets: 310_000n }], {
      snapshot: below(1_000_000n, { maxDrawdownBps: 0 }),
      session: { maxLoss: 1n },
      valuation: depositFee(1_000n),
    });
    expect(error(v)).toEqual({ name: "DrawdownLimitReached", args: { price: 999_000n, floor: 1_000_000n } });
  });
  it("drawdown comes after the loss checks", () => {
    const v = check([{ strategy: A, assets: 310_000n }], {
      snapshot: below(1_111_112n),
      valuation: depositFee(6_000n),
    });
    expect(v.error?.name).toBe("LossExceedsCallLimit");
  });
});

describe("check mirror: order and figures", () => {
  it("the earliest failing row wins", () => {
    // Expired (11) and over the cap (18): expiry is reported.
    expect(check([{ strategy: A, assets: 900_000n }], { now: SESSION.validUntil }).error?.name).toBe("SessionExpired");
    // Out of scope (12) and over the per-call volume (13): scope.
    expect(check([{ strategy: C, assets: 900_000n }]).error?.name).toBe("OutOfScope");
    // Insufficient idle (17) before caps (18), though the session passes.
    const snapshot = vaultSnapshot({ bounds: { ...vaultSnapshot().bounds, idleBufferBps: 0 } });
    expect(
      check([{ strategy: A, assets: 750_000n }], {
        snapshot,
        session: { maxVolumePerCall: 10n ** 12n, maxVolumePerEpoch: 10n ** 12n },
      }).error?.name,
    ).toBe("InsufficientIdle");
    // Cap (18) before the buffer (20).
    expect(
      check([
        { strategy: A, assets: 500_001n },
        { strategy: B, assets: 290_000n },
      ]).error?.name,
    ).toBe("AbsoluteCapExceeded");
    // A session error wins over a loss error.
    expect(check([{ strategy: A, assets: 310_000n }], { valuation: depositFee(9_000n), now: 1_559n }).error?.name).toBe(
      "CooldownActive",
    );
  });
  it("for each pair of adjacent rows broken together, the earlier one is reported", () => {
    const move = [{ strategy: A, assets: 310_000n }];
    const paused = vaultSnapshot({ agentsPaused: true });
    const noBuffer = vaultSnapshot({ bounds: { ...vaultSnapshot().bounds, idleBufferBps: 0 } });
    const bigSession = { maxVolumePerCall: 10n ** 12n, maxVolumePerEpoch: 10n ** 12n };
    const cases: [string, ReturnType<typeof check>][] = [
      ["NotSessionVault", check(move, { session: { vault: OTHER }, agent: OTHER })],
      ["NotSessionAgent", check(move, { session: { revoked: true }, agent: OTHER })],
      ["SessionRevoked", check(move, { session: { revoked: true }, snapshot: paused })],
      ["AgentsPaused", check(move, { session: { ...fresh, validAfter: 3_000n }, snapshot: paused })],
      ["SessionNotStarted", check([{ strategy: C, assets: 1n }], { session: { ...fresh, validAfter: 3_000n } })],
      ["SessionExpired", check([{ strategy: C, assets: 1n }], { now: SESSION.validUntil })],
      ["OutOfScope", check([{ strategy: C, assets: 900_000n }])],
      ["ReduceOnlySession", check([{ strategy: B, assets: 600_000n }], { session: { reduceOnly: true } })],
      ["VolumeExceedsCallLimit", check([{ strategy: B, assets: 600_000n }], { session: { volumeInEpoch: 400_000n } })],
      ["VolumeExceedsEpochLimit", check(move, { session: { volumeInEpoch: 495_000n, callsInEpoch: 3n } })],
      ["TooManyCalls", check(move, { session: { callsInEpoch: 3n }, now: 1_559n })],
      ["CooldownActive", check([{ strategy: A, assets: 800_000n }], { now: 1_559n, session: bigSession })],
      ["InsufficientIdle", check([{ strategy: A, assets: 800_000n }], { session: bigSession })],
      [
        "AbsoluteCapExceeded",
        check([{ strategy: A, assets: 700_000n }], {
          session: bigSession,
          snapshot: vaultSnapshot({
            strategies: [
              strategy(A, 0, 300_000n, { relativeCapBps: 1_000 }),
              strategy(B, 1, 200_000n),
              strategy(C, 2, 100_000n),
            ],
          }),
        }),
      ],
      [
        "RelativeCapExceeded",
        check([{ strategy: A, assets: 400_000n }], {
          snapshot: vaultSnapshot({
            idle: 150_000n,
            strategies: [
              strategy(A, 0, 300_000n, { relativeCapBps: 1_000 }),
              strategy(B, 1, 200_000n),
              strategy(C, 2, 100_000n),
            ],
          }),
        }),
      ],
      [
        "IdleBufferBreached",
        check([{ strategy: A, assets: 400_000n }], {
          snapshot: vaultSnapshot({ idle: 150_000n }),
          valuation: depositFee(6_000n),
        }),
      ],
      [
        "LossExceedsCallLimit",
        check(move, {
          snapshot: vaultSnapshot({
            bounds: noBuffer.bounds,
            epochLoss: { ...noBuffer.epochLoss, lossInEpoch: 9_000n },
          }),
          valuation: depositFee(6_000n),
        }),
      ],
      [
        "DrawdownLimitReached",
        check(move, {
          snapshot: vaultSnapshot({ highWaterMark: 1_000_000n, maxDrawdownBps: 0 }),
          session: { maxLoss: 1n },
          valuation: depositFee(1_000n),
        }),
      ],
      ["SessionLossBudgetExceeded", check(move, { session: { maxLoss: 999n }, valuation: depositFee(1_000n) })],
    ];
    for (const [name, verdict] of cases) expect(verdict.error?.name, name).toBe(name);
  });

  it("computes volume, idle and total after, and the room under each cap", () => {
    const v = check([
      { strategy: A, assets: 250_000n },
      { strategy: B, assets: 260_000n },
    ]);
    expect(v).toMatchObject({
      ok: true,
      volume: 110_000n,
      idleAfter: 390_000n,
      totalAssetsAfter: 1_000_000n,
      predictedLoss: 0n,
    });
    // A: min(500,000, 60% of 1,000,000) - 250,000; B: 500,000 - 260,000.
    expect(v.capHeadroom).toEqual([250_000n, 240_000n]);
  });
  it("starts from total assets as the vault values them live: book values do not enter it", () => {
    // A is booked at 290,000 but worth 300,000: the vault's live total (the snapshot's) already counts 300,000.
    const snapshot = vaultSnapshot({
      strategies: [
        strategy(A, 0, 300_000n, { allocation: 290_000n }),
        strategy(B, 1, 200_000n),
        strategy(C, 2, 100_000n),
      ],
    });
    const v = check([{ strategy: A, assets: 310_000n }], { snapshot });
    expect(v).toMatchObject({ ok: true, volume: 10_000n, totalAssetsAfter: snapshot.totalAssets, predictedLoss: 0n });
  });
  it("a failing call reports only the volume and the session headroom, every other figure 0", () => {
    const v = check([
      { strategy: A, assets: 500_001n },
      { strategy: B, assets: 190_000n },
    ]);
    expect(v).toMatchObject({
      ok: false,
      volume: 210_001n,
      callVolumeHeadroom: 89_999n,
      epochVolumeHeadroom: 189_999n,
      predictedLoss: 0n,
      lossHeadroom: 0n,
      idleAfter: 0n,
      totalAssetsAfter: 0n,
    });
    expect(v.capHeadroom).toEqual([0n, 0n]);
  });
  it("finds a session in the snapshot by id", () => {
    expect(sessionFromSnapshot(vaultSnapshot(), 7n)?.agent).toBe(AGENT);
    expect(sessionFromSnapshot(vaultSnapshot(), 8n)).toBeUndefined();
  });
});
