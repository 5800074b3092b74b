/**
 * Drafts of a lower idle buffer and of raised session ceilings (drafts/detect-limits.ts finds them): the calls as
 * governance makes them (`TreasuryVault.setIdleBuffer`, `SessionManager.setCeilings`), the Safe Transaction Builder
 * batch, the rationale with the figures and the evidence, and the plan under the proposal. Pure: no I/O.
 */
import { sessionManagerInterface, vaultInterface } from "../abi/index.js";
import type { VaultSnapshot } from "../chain/types.js";
import { formatAmount, formatBps, formatChainTime, formatDuration } from "../util/format.js";
import type { BoundsChange } from "../whatif/changes.js";
import type { BufferFinding, Ceilings, CeilingsFinding } from "./detect-limits.js";
import { safeBatch } from "./safe-batch.js";
import { type Draft, type DraftBound, type DraftCall, type DraftKind, draftHash } from "./store.js";

const jsonChange = (c: BoundsChange): Record<string, string | number | boolean> =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])) as Record<
    string,
    string | number | boolean
  >;

/** `TreasuryVault.setIdleBuffer` as governance makes it, with its before-and-after line. */
export function setIdleBufferCall(vault: string, now: number, proposed: number): DraftCall {
  return {
    target: vault,
    value: "0",
    data: vaultInterface.encodeFunctionData("setIdleBuffer", [proposed]),
    signature: "TreasuryVault.setIdleBuffer",
    summary: `Set the idle buffer: ${formatBps(now)} -> ${formatBps(proposed)} of total assets`,
  };
}

/** `SessionManager.setCeilings` as governance makes it, with its before-and-after line. */
export function setCeilingsCall(
  sessionManager: string,
  vault: string,
  now: Ceilings,
  proposed: Ceilings,
  amount: (v: bigint) => string,
): DraftCall {
  return {
    target: sessionManager,
    value: "0",
    data: sessionManagerInterface.encodeFunctionData("setCeilings", [
      vault,
      {
        maxDuration: proposed.maxDuration,
        maxVolumePerCall: proposed.maxVolumePerCall,
        maxVolumePerEpoch: proposed.maxVolumePerEpoch,
      },
    ]),
    signature: "SessionManager.setCeilings",
    summary:
      `Set the session admin's ceilings for this vault: duration ${formatDuration(now.maxDuration)} -> ` +
      `${formatDuration(proposed.maxDuration)}, volume per call ${amount(now.maxVolumePerCall)} -> ` +
      `${amount(proposed.maxVolumePerCall)}, volume per epoch ${amount(now.maxVolumePerEpoch)} -> ` +
      `${amount(proposed.maxVolumePerEpoch)}`,
  };
}

interface Parts {
  kind: DraftKind;
  title: string;
  bound: DraftBound[];
  calls: DraftCall[];
  rationale: string;
  whatIf: string;
  evidence: string;
  /** How `propose --what-if` treats the change. */
  replay: string;
  finding: BufferFinding | CeilingsFinding;
}

function assemble(chainId: bigint, label: string, snapshot: VaultSnapshot, p: Parts): Draft {
  const hash = draftHash(chainId, snapshot.vault, p.bound, p.kind);
  const description =
    `# ${p.title} (${label})\n\n${p.calls.map((c) => `- ${c.summary}`).join("\n")}\n\n` +
    `${p.rationale}\n\nEvidence: ${p.evidence}\n\nDrafted by the treasury agent (draft ${hash}); not sent. ${p.replay}`;
  const f = p.finding;
  return {
    hash,
    kind: p.kind,
    status: "open",
    vault: snapshot.vault,
    label,
    chainId: chainId.toString(),
    at: Number(snapshot.timestamp),
    block: snapshot.blockNumber.toString(),
    changes: f.changes.map(jsonChange),
    bound: p.bound,
    calls: p.calls,
    safeBatch: safeBatch({
      chainId,
      safe: snapshot.governance,
      description,
      createdAt: Number(snapshot.timestamp) * 1000,
      calls: p.calls.map((c) => ({ ...c, value: 0n })),
    }),
    rationale: p.rationale,
    whatIf: p.whatIf,
    evidence: p.evidence,
    figures: {
      assetDecimals: snapshot.assetDecimals,
      yieldPerYearNow: f.yieldPerYear.now.toString(),
      yieldPerYearProposed: f.yieldPerYear.proposed.toString(),
      gainPerYear: f.gainPerYear.toString(),
      extraPlaced: f.extraPlaced.toString(),
    },
  };
}

function planUnder(f: BufferFinding | CeilingsFinding, amount: (v: bigint) => string, under: string): string {
  const plan = f.proposedPlan;
  return plan.kind === "rebalance"
    ? `${under} the agent would move ${amount(plan.volume)} (${plan.legs.length} legs) at its next tick: ${plan.reason}`
    : `${under} the agent would still hold: ${plan.reason}`;
}

/** The draft of a lower idle buffer (see detect-limits.ts). */
export function makeBufferDraft(
  chainId: bigint,
  label: string,
  snapshot: VaultSnapshot,
  finding: BufferFinding,
): Draft {
  const amount = (v: bigint) => formatAmount(v, snapshot.assetDecimals, 2);
  const f = finding;
  const e = f.evidence;
  const calls = [setIdleBufferCall(snapshot.vault, f.idleBufferBps.now, f.idleBufferBps.proposed)];
  const held = (f.base * BigInt(f.idleBufferBps.now)) / 10_000n;
  const rationale =
    `The idle buffer (${formatBps(f.idleBufferBps.now)}, ${amount(held)}) holds more than the recorded exits need: ` +
    `the largest net outflow over any ${formatDuration(e.windowSeconds)} was ${amount(e.largestOutflow)}, the ` +
    `liquidity floor (${formatBps(f.liquidityFloorBps)}) asks ${amount(f.floorAmount)}, and a margin of ` +
    `${amount(f.marginAmount)} on top makes ${amount(f.needed)}. A buffer of ${formatBps(f.idleBufferBps.proposed)} ` +
    `keeps that; the agent would place ${amount(f.extraPlaced)} more, earning about ${amount(f.gainPerYear)} a year ` +
    `more at the current yield estimates (${amount(f.yieldPerYear.now)} a year now, ${amount(f.yieldPerYear.proposed)} ` +
    "under the proposal). A buffer cut spends the vault's exposure ramp budget.";
  const evidence =
    `${e.samples} samples of the vault's share supply from ${formatChainTime(e.from)} to ${formatChainTime(e.to)} ` +
    `(${formatDuration(e.to - e.from)}): largest net outflow ${amount(e.largestOutflow)} within ` +
    `${formatDuration(e.windowSeconds)}.`;
  return assemble(chainId, label, snapshot, {
    kind: "buffer",
    title: "Lower the idle buffer the recorded exits do not need",
    bound: [{ idleBufferBps: f.idleBufferBps.now }],
    calls,
    rationale,
    whatIf: planUnder(f, amount, "Under the proposal"),
    evidence,
    replay:
      "Before proposing, replay the agent's past rebalances under this buffer: " +
      `\`propose --idle-buffer ${f.idleBufferBps.proposed} --what-if --journal <the daemon's journal>\`.`,
    finding,
  });
}

/** The draft of raised session ceilings (see detect-limits.ts). */
export function makeCeilingsDraft(
  chainId: bigint,
  label: string,
  snapshot: VaultSnapshot,
  finding: CeilingsFinding,
): Draft {
  const amount = (v: bigint) => formatAmount(v, snapshot.assetDecimals, 2);
  const f = finding;
  const { now, proposed } = f.ceilings;
  const calls = [setCeilingsCall(snapshot.sessionManager, snapshot.vault, now, proposed, amount)];
  const which = f.limit === "per-call" ? "volume per call" : "volume per epoch";
  const ceiling = f.limit === "per-call" ? now.maxVolumePerCall : now.maxVolumePerEpoch;
  const s = f.summary;
  const rationale =
    `The session's ${which} kept the agent's best plan to ${amount(f.moved)} this tick where it would move ` +
    `${amount(f.wanted)}, leaving ${amount(f.extraPlaced)} unmoved and costing ` +
    `about ${amount(f.gainPerYear)} a year at the current yield estimates (${amount(f.yieldPerYear.now)} a year under ` +
    `the limit, ${amount(f.yieldPerYear.proposed)} without it). A session carrying it needs ${amount(f.needed)} ${which}; ` +
    `the agent's other sessions hold ${amount(f.others)} of the ceiling of ${amount(ceiling)}, so the session admin ` +
    `cannot grant it: only governance can raise the ceiling. Once raised, the session admin grants the session ` +
    `(replacing session ${f.sessionId}).`;
  const evidence =
    `the ${which} clipped the plan in ${s.ticks} ticks since ${formatChainTime(s.since)}, leaving up to ` +
    `${amount(s.largestUnmoved)} unmoved in one tick (${amount(s.totalUnmoved)} over them).`;
  return assemble(chainId, label, snapshot, {
    kind: "ceilings",
    title: `Raise the session ceiling on ${which} the agent's plan runs into`,
    bound: [
      {
        maxDuration: now.maxDuration.toString(),
        maxVolumePerCall: now.maxVolumePerCall.toString(),
        maxVolumePerEpoch: now.maxVolumePerEpoch.toString(),
      },
    ],
    calls,
    rationale,
    whatIf: planUnder(
      f,
      amount,
      `Ceilings bind grants, not rebalances: with a session granted up to ${amount(f.needed)} ${which} under the proposal,`,
    ),
    evidence,
    replay:
      "`propose --ceilings ... --what-if` replays past rebalances with sessions cut to the ceilings, never raised: it " +
      "cannot show the gain of a raise (the figures above are this tick's plan with a session granted up to it).",
    finding,
  });
}
