/**
 * Drafts for the idle buffer and the session ceilings: a lower buffer only with a record of flows that shows the idle
 * held is more than the exits need and a material yield on the excess; never below the outflow plus the floor, never a
 * cut beyond one ramp period's budget. A ceiling only when the session's volume limit clipped the plan in enough ticks
 * and the session admin cannot grant a session that carries it; below the ceiling, a grant (no proposal). The store
 * keeps drafts of different kinds apart and supersedes a ceilings draft only when it knows the ceilings changed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sessionManagerInterface, vaultInterface } from "../../src/abi/index.js";
import { findBindingBound } from "../../src/drafts/detect.js";
import {
  type Ceilings,
  ceilingsOutcome,
  clipRecord,
  DEFAULT_BUFFER_SETTINGS,
  findBufferCut,
  findSessionClip,
  MIN_DURATION_CEILING_STEP,
  maxPlanVolume,
} from "../../src/drafts/detect-limits.js";
import { BoundEvidence, type FlowSample, largestOutflow, summarizeClips } from "../../src/drafts/evidence.js";
import { makeBufferDraft, makeCeilingsDraft } from "../../src/drafts/make-limits.js";
import { DraftStore, makeDraft } from "../../src/drafts/store.js";
import { sessionVolumeBudget } from "../../src/planner/context.js";
import { EqualWeightPlanner } from "../../src/planner/equal-weight.js";
import { YieldPlanner } from "../../src/planner/yield-planner.js";
import type { PlannerInput } from "../../src/planner/types.js";
import { A, B, C, NOW, sessionState } from "../support/fixtures.js";
import { apr, empty, generatedPlannerInput, PLANNER_SESSION, plannerInput } from "../support/planner-fixtures.js";
import { Random } from "../support/random.js";

const planner = new YieldPlanner();
const DAY = 86_400n;
const threshold = { minGainBps: 10, minGainPerYear: 0n };

/** Share supply samples (12 share decimals at 1e6 assets per 1e12 shares: supply/1e6 = assets), one an hour. */
function flows(days: number, dailyOutflow: bigint, start = 1_000_000n): FlowSample[] {
  const out: FlowSample[] = [];
  let assets = start;
  for (let h = 0; h <= days * 24; h++) {
    // Members take `dailyOutflow` out over the first hour of each day and put it back at noon.
    if (h % 24 === 1) assets -= dailyOutflow;
    if (h % 24 === 12) assets += dailyOutflow;
    out.push({ t: NOW - BigInt(days * 24 - h) * 3_600n, supply: assets * 1_000_000n, price: 1_000_000n });
  }
  return out;
}

/** 1,000,000 idle, a 20% buffer; A earns `aprA`% (5 by default) with room for all of it, B and C 0.2%. */
function bufferInput(o: { bufferBps?: number; floorBps?: number; aprA?: number } = {}): PlannerInput {
  const room = { relativeCapBps: 10_000 };
  return plannerInput({
    strategies: [empty(A, 0, room), empty(B, 1, room), empty(C, 2, room)],
    yields: { [A]: apr(o.aprA ?? 5), [B]: apr(0.2), [C]: apr(0.2) },
    snapshot: {
      bounds: {
        idleBufferBps: o.bufferBps ?? 2_000,
        maxLossPerCallBps: 50,
        epochLossBudgetBps: 100,
        lossEpochLength: DAY,
      },
      liquidityFloorBps: o.floorBps ?? 0,
    },
    session: { maxVolumePerCall: 2_000_000n },
  });
}

describe("drafts: the idle buffer", () => {
  it("largestOutflow: the deepest fall of the supply within the window, valued at the price; none on a short record", () => {
    const f = flows(8, 30_000n);
    expect(largestOutflow(f, 12, DAY, 7n * DAY)).toMatchObject({ largestOutflow: 30_000n, samples: f.length });
    expect(largestOutflow(f, 12, DAY, 9n * DAY), "8 days of record, 9 asked").toBeUndefined();
    expect(largestOutflow([], 12, DAY, 0n)).toBeUndefined();
    // Two days of steady exits: a window of two days sees both.
    const steady: FlowSample[] = [0n, 1n, 2n].map((d) => ({
      t: d * DAY,
      supply: (1_000_000n - d * 10_000n) * 1_000_000n,
      price: 1_000_000n,
    }));
    expect(largestOutflow(steady, 12, DAY, 0n)!.largestOutflow).toBe(10_000n);
    expect(largestOutflow(steady, 12, 2n * DAY, 0n)!.largestOutflow).toBe(20_000n);
    // At twice the price the same shares are twice the money.
    expect(
      largestOutflow(
        steady.map((s) => ({ ...s, price: 2_000_000n })),
        12,
        DAY,
        0n,
      )!.largestOutflow,
    ).toBe(20_000n);
  });

  it("largestOutflow agrees with every pair of samples within the window (random flows)", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    for (let run = 0; run < 50; run++) {
      const samples: FlowSample[] = [];
      let t = 0n;
      for (let k = 0; k < 40; k++) {
        t += BigInt(next() % 5_000);
        samples.push({ t, supply: BigInt(next() % 1_000) * 10n ** 12n, price: BigInt(1 + (next() % 3)) * 1_000_000n });
      }
      let brute = 0n;
      for (let i = 0; i < samples.length; i++)
        for (let j = 0; j < i; j++) {
          const [a, b] = [samples[j]!, samples[i]!];
          if (b.t - a.t <= 10_000n && a.supply > b.supply) {
            const out = ((a.supply - b.supply) * b.price) / 10n ** 12n;
            if (out > brute) brute = out;
          }
        }
      expect(largestOutflow(samples, 12, 10_000n, 0n)!.largestOutflow, `run ${run}`).toBe(brute);
    }
  });

  it("a buffer far above the recorded exits: the cut they support, and the yield the excess forgoes", () => {
    const i = bufferInput();
    const plan = planner.plan(i);
    const f = findBufferCut(planner, i, plan, flows(8, 30_000n))!;
    expect(f, "the record supports a cut").toBeDefined();
    // 30,000 outflow + no floor + 1% margin (10,000) = 40,000: 4% of 1,000,000.
    expect(f.needed).toBe(40_000n);
    expect(f.idleBufferBps).toEqual({ now: 2_000, proposed: 400 });
    expect(f.changes).toEqual([{ kind: "setIdleBuffer", idleBufferBps: 400 }]);
    // 16% of the total placed in A instead of idle, at 5%.
    expect(f.extraPlaced).toBe(160_000n);
    expect(f.gainPerYear).toBe(f.yieldPerYear.proposed - f.yieldPerYear.now);
    expect(f.gainPerYear).toBe(8_000n);
    // Without the feature's evidence rule, a binding buffer alone would draft (every buffer binds at a positive yield).
    expect(findBindingBound(planner, i, plan), "caps do not bind").toBeUndefined();
  });

  it("no draft without evidence: a short record, exits that need the buffer, or a yield below the threshold", () => {
    const i = bufferInput();
    const plan = planner.plan(i);
    expect(findBufferCut(planner, i, plan, flows(6, 30_000n)), "6 days of record").toBeUndefined();
    expect(findBufferCut(planner, i, plan, []), "no record").toBeUndefined();
    // 190,000 out in a day + 1% margin: 20%, the buffer itself.
    expect(findBufferCut(planner, i, plan, flows(8, 190_000n)), "the exits need it").toBeUndefined();
    // 180,000 + 10,000 = 19%: a cut of 1% (the least) is drafted; of less, not.
    expect(findBufferCut(planner, i, plan, flows(8, 180_000n))?.idleBufferBps.proposed).toBe(1_900);
    expect(findBufferCut(planner, i, plan, flows(8, 181_000n)), "a cut under minCutBps").toBeUndefined();
    // Everything earns 0.2%: the 160,000 earn 320 a year, below 0.5% of it.
    const low = bufferInput({ aprA: 0.2 });
    expect(findBufferCut(planner, low, planner.plan(low), flows(8, 30_000n)), "not material").toBeUndefined();
    expect(
      findBufferCut(planner, i, plan, flows(8, 30_000n), { ...DEFAULT_BUFFER_SETTINGS, enabled: false }),
    ).toBeUndefined();
  });

  it("never below the liquidity floor with the outflow, never a cut beyond the ramp's budget or its room", () => {
    const floored = bufferInput({ floorBps: 1_000 });
    const f = findBufferCut(planner, floored, planner.plan(floored), flows(8, 30_000n))!;
    // 30,000 + 100,000 (the floor) + 10,000: 14%.
    expect(f.needed).toBe(140_000n);
    expect(f.idleBufferBps.proposed).toBe(1_400);
    const high = bufferInput({ bufferBps: 9_000 });
    const g = findBufferCut(planner, high, planner.plan(high), flows(8, 30_000n))!;
    expect(g.idleBufferBps.proposed, "a cut of 50% at most (MAX_EXPOSURE_RAISE_BPS)").toBe(4_000);
    // The ramp has 300 bps of room left: the cut stays within it; with less than the least cut, no draft.
    const i = bufferInput();
    const p = planner.plan(i);
    expect(findBufferCut(planner, i, p, flows(8, 30_000n), DEFAULT_BUFFER_SETTINGS, 300)?.idleBufferBps.proposed).toBe(
      1_700,
    );
    expect(findBufferCut(planner, i, p, flows(8, 30_000n), DEFAULT_BUFFER_SETTINGS, 99)).toBeUndefined();
  });

  it("the draft: setIdleBuffer as governance calls it, the evidence in words, the what-if named", () => {
    const i = bufferInput();
    const f = findBufferCut(planner, i, planner.plan(i), flows(8, 30_000n))!;
    const d = makeBufferDraft(31337n, "treasury", i.snapshot, f);
    expect(d.kind).toBe("buffer");
    expect(d.calls[0]!.data).toBe(vaultInterface.encodeFunctionData("setIdleBuffer", [400]));
    expect(d.calls[0]!.summary).toBe("Set the idle buffer: 20.00% -> 4.00% of total assets");
    expect(d.bound).toEqual([{ idleBufferBps: 2_000 }]);
    expect(d.rationale).toContain("largest net outflow over any 1d 0h was 0.03");
    expect(d.evidence).toMatch(/^193 samples of the vault's share supply/);
    expect(d.safeBatch.meta.description).toContain("propose --idle-buffer 400 --what-if");
    expect(d.whatIf).toMatch(/^Under the proposal the agent would move /);
  });
});

/** Chain time of the clip tests' snapshot: ten days in. */
const T = 10n * DAY;

/** 1,000,000 idle, A earns 5% with room for all of it; the session moves `perCall` a call. */
function clipInput(perCall: bigint): PlannerInput {
  const session = { ...PLANNER_SESSION, maxVolumePerCall: perCall };
  const i = plannerInput({
    strategies: [empty(A, 0, { relativeCapBps: 10_000 }), empty(B, 1), empty(C, 2)],
    yields: { [A]: apr(5), [B]: apr(1), [C]: apr(1) },
    session,
  });
  return { ...i, snapshot: { ...i.snapshot, timestamp: T, sessions: [sessionState(session, 7n)] } };
}

const ceilingsOf = (perCall: bigint, perEpoch = 2_000_000n, maxDuration = 30n * DAY): Ceilings => ({
  maxDuration,
  maxVolumePerCall: perCall,
  maxVolumePerEpoch: perEpoch,
});

/** `input` with both volume limits left set so that the planner's volume budget (less the margin) is `budget`. */
function withBudget(input: PlannerInput, budget: bigint): PlannerInput {
  const m = BigInt(input.params.safetyMarginBps);
  let limit = (budget * BPS_) / (BPS_ - m);
  while (limit - (limit * m + BPS_ - 1n) / BPS_ < budget) limit++;
  while (limit > 0n && limit - 1n - ((limit - 1n) * m + BPS_ - 1n) / BPS_ >= budget) limit--;
  return { ...input, remaining: { ...input.remaining, volumePerCall: limit, volumeInEpoch: limit } };
}
const BPS_ = 10_000n;

describe("drafts: the session ceilings", () => {
  it("a per-call limit that keeps the plan from moving what it wants is a clip; a loose one is not", () => {
    const i = clipInput(100_000n);
    const plan = planner.plan(i);
    const clip = findSessionClip(planner, i, plan, threshold)!;
    expect(clip).toMatchObject({ limit: "per-call", moved: 100_000n, wanted: 900_000n });
    expect(clip.gainPerYear).toBe(clip.yieldPerYear.proposed - clip.yieldPerYear.now);
    const loose = clipInput(2_000_000n);
    expect(findSessionClip(planner, loose, planner.plan(loose), threshold)).toBeUndefined();
  });

  it("at the ceiling: drafted once clipped in minTicks ticks; below it, a grant and no proposal", () => {
    const i = clipInput(100_000n);
    const clip = findSessionClip(planner, i, planner.plan(i), threshold)!;
    const one = [clipRecord(clip, T)];
    expect(ceilingsOutcome(i, clip, ceilingsOf(100_000n), one).kind, "one clipped tick: not yet").toBe("wait");
    const three = [clipRecord(clip, T - 7_200n), clipRecord(clip, T - 3_600n), clipRecord(clip, T)];
    const old = [clipRecord(clip, T - 2n * DAY), clipRecord(clip, T - 2n * DAY + 1n), clipRecord(clip, T)];
    expect(ceilingsOutcome(i, clip, ceilingsOf(100_000n), old).kind, "two of them outside the window").toBe("wait");
    const out = ceilingsOutcome(i, clip, ceilingsOf(100_000n), three);
    expect(out.kind).toBe("draft");
    if (out.kind !== "draft") return;
    const f = out.finding;
    expect(f.needed, "what the plan wanted (no margin here)").toBe(900_000n);
    expect(f.ceilings.proposed).toEqual(ceilingsOf(900_000n));
    expect(f.summary).toMatchObject({ ticks: 3, largestUnmoved: 800_000n, totalUnmoved: 2_400_000n });
    expect(f.changes).toEqual([
      { kind: "setCeilings", maxDuration: 30 * 86_400, maxVolumePerCall: 900_000n, maxVolumePerEpoch: 2_000_000n },
    ]);
    // The session admin could grant 900,000 under a ceiling of 1,000,000: a hint, no draft.
    const grant = ceilingsOutcome(i, clip, ceilingsOf(1_000_000n), three);
    expect(grant).toMatchObject({ kind: "grant", needed: 900_000n, room: 1_000_000n, ceiling: 1_000_000n });
    // Another session of the agent's holds 200,000 of that ceiling: 800,000 is left, not enough.
    const crowded = {
      ...i,
      snapshot: {
        ...i.snapshot,
        sessions: [
          ...i.snapshot.sessions,
          sessionState({ ...PLANNER_SESSION, maxVolumePerCall: 200_000n, maxVolumePerEpoch: 200_000n }, 8n),
        ],
      },
    };
    const c = ceilingsOutcome(crowded, clip, ceilingsOf(1_000_000n), three);
    expect(c.kind).toBe("draft");
    if (c.kind === "draft") expect(c.finding.ceilings.proposed.maxVolumePerCall).toBe(1_100_000n);
  });

  it("the per-call ceiling raised past the epoch ceiling raises it too; a duration of 0 within one ramp step", () => {
    const i = clipInput(100_000n);
    const clip = findSessionClip(planner, i, planner.plan(i), threshold)!;
    const three = [clipRecord(clip, T - 2n), clipRecord(clip, T - 1n), clipRecord(clip, T)];
    const out = ceilingsOutcome(i, clip, ceilingsOf(100_000n, 500_000n, 0n), three);
    expect(out.kind).toBe("draft");
    if (out.kind !== "draft") return;
    expect(out.finding.ceilings.proposed.maxVolumePerEpoch).toBe(900_000n);
    expect(out.finding.ceilings.proposed.maxDuration).toBe(MIN_DURATION_CEILING_STEP);
  });

  it("the draft: setCeilings on the session manager, how often and how much was left unmoved", () => {
    const i = clipInput(100_000n);
    const clip = findSessionClip(planner, i, planner.plan(i), threshold)!;
    const three = [clipRecord(clip, T - 2n), clipRecord(clip, T - 1n), clipRecord(clip, T)];
    const out = ceilingsOutcome(i, clip, ceilingsOf(100_000n), three);
    if (out.kind !== "draft") throw new Error("expected a draft");
    const d = makeCeilingsDraft(31337n, "treasury", i.snapshot, out.finding);
    expect(d.kind).toBe("ceilings");
    expect(d.calls[0]!.target).toBe(i.snapshot.sessionManager);
    expect(d.calls[0]!.data).toBe(
      sessionManagerInterface.encodeFunctionData("setCeilings", [
        i.snapshot.vault,
        { maxDuration: 30n * DAY, maxVolumePerCall: 900_000n, maxVolumePerEpoch: 2_000_000n },
      ]),
    );
    expect(d.evidence).toContain("clipped the plan in 3 ticks");
    expect(d.evidence).toContain("leaving up to 0.8 unmoved in one tick (2.4 over them)");
    expect(d.safeBatch.meta.description).toContain("cannot show the gain of a raise");
  });

  it("the gate: a session that leaves the planner at least twice what the places hold plans no second time", () => {
    const i = clipInput(100_000n);
    const bound = maxPlanVolume(i);
    expect(bound, "twice idle plus the strategies").toBe(
      2n * i.snapshot.strategies.reduce((sum, x) => sum + x.currentValue, i.snapshot.idle),
    );
    // A planner that counts its passes: the daemon's own plan is made before, so every call here is the second pass.
    let passes = 0;
    const counting = {
      ...planner,
      plan: (x: PlannerInput) => {
        passes++;
        return planner.plan(x);
      },
    } as typeof planner;
    const at = withBudget(i, bound);
    expect(sessionVolumeBudget(at)).toBe(bound);
    expect(findSessionClip(counting, at, planner.plan(at), threshold)).toBeUndefined();
    expect(passes, "at the bound: no second pass").toBe(0);
    const below = withBudget(i, bound - 1n);
    expect(sessionVolumeBudget(below)).toBe(bound - 1n);
    findSessionClip(counting, below, planner.plan(below), threshold);
    expect(passes, "a unit below: the second pass runs").toBe(1);
    // Below the bound a binding limit is still found: the per-call limit of 100,000 clips the plan.
    expect(findSessionClip(counting, i, planner.plan(i), threshold)).toMatchObject({ limit: "per-call" });
    expect(passes).toBe(2);
    // The epoch's volume left counts too: a loose per-call limit with little left in the epoch is a clip.
    const epoch = { ...i, remaining: { ...i.remaining, volumePerCall: 10n * bound, volumeInEpoch: 100_000n } };
    expect(findSessionClip(counting, epoch, planner.plan(epoch), threshold)).toMatchObject({ limit: "per-epoch" });
  });

  it("the gate is exact: at the bound the plan under the session's limits is the plan without them (generated states)", () => {
    const rng = new Random(15);
    const planners = [new YieldPlanner(), new EqualWeightPlanner()];
    let compared = 0;
    for (let k = 0; k < 600; k++) {
      const generated = generatedPlannerInput(rng, k % 2 === 0);
      const at = withBudget(generated, maxPlanVolume(generated));
      const unlimited = withBudget(generated, 2n ** 200n);
      for (const p of planners) {
        expect(p.plan(at), `state ${k}, ${p.constructor.name}`).toEqual(p.plan(unlimited));
        compared++;
      }
    }
    expect(compared).toBe(1_200);
  });
});

describe("drafts: store and evidence file", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "drafts-limits-"));

  it("drafts of different kinds stand side by side; a ceilings draft is superseded only when the ceilings are known to change", () => {
    const store = new DraftStore(tmp(), 31337n);
    const bi = bufferInput();
    const buffer = makeBufferDraft(
      31337n,
      "t",
      bi.snapshot,
      findBufferCut(planner, bi, planner.plan(bi), flows(8, 30_000n))!,
    );
    const capIn = plannerInput({
      strategies: [empty(A, 0, { absoluteCap: 100_000n, relativeCapBps: 10_000 }), empty(B, 1), empty(C, 2)],
      yields: { [A]: apr(5), [B]: apr(1), [C]: apr(1) },
    });
    const caps = makeDraft(
      31337n,
      "t",
      capIn.snapshot,
      findBindingBound(planner, capIn, planner.plan(capIn))!,
      capIn.yields,
    );
    const ci = clipInput(100_000n);
    const clip = findSessionClip(planner, ci, planner.plan(ci), threshold)!;
    const out = ceilingsOutcome(ci, clip, ceilingsOf(100_000n), [
      clipRecord(clip, T),
      clipRecord(clip, T),
      clipRecord(clip, T),
    ]);
    if (out.kind !== "draft") throw new Error("expected a draft");
    const ceilings = makeCeilingsDraft(31337n, "t", ci.snapshot, out.finding);
    expect(new Set([buffer.hash, caps.hash, ceilings.hash]).size).toBe(3);

    // One vault state in which all three bounds stand as drafted.
    const snap = { ...bi.snapshot, strategies: capIn.snapshot.strategies };
    expect(store.observe(snap, [buffer, caps, ceilings]).map((d) => d.kind)).toEqual(["buffer", "caps", "ceilings"]);
    // A later tick with only a caps draft: the buffer and ceilings drafts stay open (their bounds stand).
    store.observe(snap, [caps]);
    expect(store.list().every((d) => d.status === "open")).toBe(true);
    // Ceilings not read this tick: unknown, left open; read and unchanged: open; changed: superseded.
    store.observe(snap, []);
    store.observe(snap, [], ceilingsOf(100_000n));
    expect(store.hasOpen(snap.vault, "ceilings")).toBe(true);
    store.observe(snap, [], ceilingsOf(900_000n));
    expect(store.list().find((d) => d.hash === ceilings.hash)?.status).toBe("superseded");
    // The buffer changed on chain: its draft is superseded.
    store.observe({ ...snap, bounds: { ...snap.bounds, idleBufferBps: 400 } }, []);
    expect(store.list().find((d) => d.hash === buffer.hash)?.superseded?.reason).toMatch(/changed on chain/);
    expect(
      DraftStore.read(store.dir)
        .filter((d) => d.status === "open")
        .map((d) => d.kind),
    ).toEqual(["caps"]);
  });

  it("the evidence file keeps flows (one every 5 minutes), clips and the hint across restarts", () => {
    const file = path.join(tmp(), "v", "bound-evidence.json");
    const e = new BoundEvidence(file);
    const snap = bufferInput().snapshot;
    expect(e.recordFlow(snap)).toBe(true);
    expect(e.recordFlow({ ...snap, timestamp: snap.timestamp + 299n }), "too soon").toBe(false);
    expect(e.recordFlow({ ...snap, timestamp: snap.timestamp + 300n, totalSupply: 5n })).toBe(true);
    e.recordClip({ t: NOW, limit: "per-call", moved: 1n, wanted: 5n });
    expect(e.setHint({ at: NOW, text: "grant" })).toBe(true);
    expect(e.setHint({ at: NOW + 1n, text: "grant" }), "the same hint").toBe(false);
    e.save();
    const again = new BoundEvidence(file);
    expect(again.flows.map((f) => f.supply)).toEqual([snap.totalSupply, 5n]);
    expect(summarizeClips(again.clips, "per-call", 0n)).toMatchObject({ ticks: 1, largestUnmoved: 4n });
    expect(BoundEvidence.hintOf(file)?.text).toBe("grant");
    fs.writeFileSync(file, "{not json");
    expect(new BoundEvidence(file).flows, "an unreadable file starts afresh").toEqual([]);
  });
});
