/**
 * Drafted proposals on disk: `drafts/<hash>.json` in the chain's data folder, one file per proposal. The hash is of the
 * vault and the bound as it stands (`draftHash`), so the same proposal tick after tick is one file, written once. A
 * draft whose bound has since changed on chain, or that a newer proposal of the same kind (caps, buffer, ceilings) for
 * the same vault replaces, is marked superseded (its file is kept). Nothing here sends anything: a draft is for people
 * to propose.
 */
import fs from "node:fs";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { vaultInterface } from "../abi/index.js";
import type { VaultSnapshot } from "../chain/types.js";
import { formatAmount, formatBps, formatWadPercent } from "../util/format.js";
import type { BoundsChange } from "../whatif/changes.js";
import type { BoundFinding } from "./detect.js";
import { type SafeBatch, safeBatch } from "./safe-batch.js";

export interface DraftCall {
  target: string;
  value: string;
  data: string;
  signature: string;
  summary: string;
}

/** The bound a draft proposes to change. */
export type DraftKind = "caps" | "buffer" | "ceilings";

/** The bound as it was on chain when drafted: a strategy's caps, the idle buffer, or the session ceilings. */
export type DraftBound =
  | { strategy: string; absoluteCap: string; relativeCapBps: number }
  | { idleBufferBps: number }
  | { maxDuration: string; maxVolumePerCall: string; maxVolumePerEpoch: string };

export interface Draft {
  hash: string;
  /** Absent in drafts written before buffer and ceiling drafts: caps. */
  kind?: DraftKind;
  status: "open" | "superseded";
  vault: string;
  label: string;
  chainId: string;
  /** Chain time (seconds) and block of the snapshot the draft was made on. */
  at: number;
  block: string;
  /** The changes, amounts as decimal strings (base units). */
  changes: Record<string, string | number | boolean>[];
  /** The bound as it was on chain when drafted (base units): a change of it supersedes the draft. */
  bound: DraftBound[];
  calls: DraftCall[];
  safeBatch: SafeBatch;
  /** The reason in words, with the figures. */
  rationale: string;
  /** The plan now and under the proposal, from the tick's state and yield estimates. */
  whatIf: string;
  /** What the proposal rests on beyond the tick's state (recorded flows, clipped ticks), in words. */
  evidence?: string;
  figures: {
    assetDecimals: number;
    yieldPerYearNow: string;
    yieldPerYearProposed: string;
    gainPerYear: string;
    extraPlaced: string;
  };
  superseded?: { at: number; reason: string; by?: string };
}

const jsonChange = (c: BoundsChange): Record<string, string | number | boolean> =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])) as Record<
    string,
    string | number | boolean
  >;

interface Caps {
  absoluteCap: bigint;
  relativeCapBps: number | bigint;
}

/**
 * `TreasuryVault.setCaps` as governance makes it, with the line stating the caps before and after (the operator CLI's
 * `propose` and `safe-batch` encode it so too).
 */
export function setCapsCall(vault: string, strategy: string, now: Caps, proposed: Caps, amount: (v: bigint) => string) {
  return {
    target: vault,
    value: 0n,
    data: vaultInterface.encodeFunctionData("setCaps", [strategy, proposed.absoluteCap, proposed.relativeCapBps]),
    signature: "TreasuryVault.setCaps",
    summary:
      `Set caps of strategy ${strategy}: absolute ${amount(now.absoluteCap)} -> ${amount(proposed.absoluteCap)}, ` +
      `relative ${formatBps(now.relativeCapBps)} -> ${formatBps(proposed.relativeCapBps)}`,
  };
}

/**
 * The draft's identity: the vault and the bound it proposes to change, as it stands (each strategy's caps now). The
 * figures proposed move with the vault's total from tick to tick; the same bound gets one draft until it changes.
 */
export function draftHash(chainId: bigint, vault: string, bound: Draft["bound"], kind: DraftKind = "caps"): string {
  const key = bound.map((b) => ("strategy" in b ? { ...b, strategy: b.strategy.toLowerCase() } : b));
  return keccak256(
    toUtf8Bytes(
      JSON.stringify({
        chainId: chainId.toString(),
        vault: vault.toLowerCase(),
        ...(kind === "caps" ? {} : { kind }),
        bound: key,
      }),
    ),
  );
}

/** The draft of `finding` on `snapshot` (see the file comment). */
export function makeDraft(
  chainId: bigint,
  label: string,
  snapshot: VaultSnapshot,
  finding: BoundFinding,
  yields: ReadonlyMap<string, { aprWad: bigint }>,
): Draft {
  const d = snapshot.assetDecimals;
  const amount = (v: bigint) => formatAmount(v, d, 2);
  const apr = (s: string) => {
    const y = [...yields].find(([k]) => k.toLowerCase() === s.toLowerCase())?.[1];
    return y ? formatWadPercent(y.aprWad) : "no estimate";
  };
  const calls: DraftCall[] = finding.caps.map((c) => ({
    ...setCapsCall(
      snapshot.vault,
      c.strategy,
      { absoluteCap: c.absoluteCap.now, relativeCapBps: c.relativeCapBps.now },
      { absoluteCap: c.absoluteCap.proposed, relativeCapBps: c.relativeCapBps.proposed },
      amount,
    ),
    value: "0",
  }));
  const lines = finding.caps.map(
    (c) =>
      `strategy ${c.strategy} (estimated ${apr(c.strategy)} a year) is held at ${amount(c.allocation.now)} by its caps ` +
      `(absolute ${amount(c.absoluteCap.now)}, relative ${formatBps(c.relativeCapBps.now)}); the agent would place ` +
      `${amount(c.allocation.proposed)} there`,
  );
  const rationale =
    `The caps keep the agent's best plan from placing ${amount(finding.extraPlaced)} where it earns more: ` +
    `${lines.join("; ")}. They cost about ${amount(finding.gainPerYear)} a year at the current yield estimates ` +
    `(${amount(finding.yieldPerYear.now)} a year under them, ${amount(finding.yieldPerYear.proposed)} under the proposal).`;
  const plan = finding.proposedPlan;
  const whatIf =
    plan.kind === "rebalance"
      ? `Under the proposal the agent would move ${amount(plan.volume)} (${plan.legs.length} legs) at its next tick: ${plan.reason}`
      : `Under the proposal the agent would still hold: ${plan.reason}`;
  const bound = finding.caps.map((c) => ({
    strategy: c.strategy,
    absoluteCap: c.absoluteCap.now.toString(),
    relativeCapBps: c.relativeCapBps.now,
  }));
  const hash = draftHash(chainId, snapshot.vault, bound);
  const description =
    `# Raise the caps the agent's plan runs into (${label})\n\n${calls.map((c) => `- ${c.summary}`).join("\n")}\n\n` +
    `${rationale}\n\nDrafted by the treasury agent (draft ${hash}); not sent. Before proposing, replay the agent's ` +
    "past rebalances under these changes: `propose <changes> --what-if --journal <the daemon's journal>`.";
  return {
    hash,
    kind: "caps",
    status: "open",
    vault: snapshot.vault,
    label,
    chainId: chainId.toString(),
    at: Number(snapshot.timestamp),
    block: snapshot.blockNumber.toString(),
    changes: finding.changes.map(jsonChange),
    bound,
    calls,
    safeBatch: safeBatch({
      chainId,
      safe: snapshot.governance,
      description,
      createdAt: Number(snapshot.timestamp) * 1000,
      calls: calls.map((c) => ({ ...c, value: 0n })),
    }),
    rationale,
    whatIf,
    figures: {
      assetDecimals: d,
      yieldPerYearNow: finding.yieldPerYear.now.toString(),
      yieldPerYearProposed: finding.yieldPerYear.proposed.toString(),
      gainPerYear: finding.gainPerYear.toString(),
      extraPlaced: finding.extraPlaced.toString(),
    },
  };
}

/** The session ceilings of the vault, as `SessionManager.ceilings` returns them. */
export interface CeilingsNow {
  maxDuration: bigint;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
}

/**
 * Whether the bound a draft was made against still stands in `snapshot` (and `ceilings`, read from the session manager
 * when the tick has them); undefined when it cannot tell (a ceilings draft on a tick that did not read them).
 */
function boundStands(draft: Draft, snapshot: VaultSnapshot, ceilings?: CeilingsNow): boolean | undefined {
  let unknown = false;
  const stands = draft.bound.every((b) => {
    if ("strategy" in b) {
      const s = snapshot.strategies.find((x) => x.strategy.toLowerCase() === b.strategy.toLowerCase());
      return s !== undefined && s.absoluteCap.toString() === b.absoluteCap && s.relativeCapBps === b.relativeCapBps;
    }
    if ("idleBufferBps" in b) return snapshot.bounds.idleBufferBps === b.idleBufferBps;
    if (!ceilings) {
      unknown = true;
      return true;
    }
    return (
      ceilings.maxDuration.toString() === b.maxDuration &&
      ceilings.maxVolumePerCall.toString() === b.maxVolumePerCall &&
      ceilings.maxVolumePerEpoch.toString() === b.maxVolumePerEpoch
    );
  });
  return stands ? (unknown ? undefined : true) : false;
}

/** A draft's kind (drafts written before there were other kinds are caps). */
export const kindOf = (d: Draft): DraftKind => d.kind ?? "caps";

export class DraftStore {
  /**
   * This store's drafts, read from `dir` once, then kept with every write: a tick's `observe` reads no file. Each
   * vault's runner has its own store over the chain's folder and writes only its vault's drafts, which `list(vault)`
   * returns.
   */
  private cache?: Draft[];

  constructor(
    readonly dir: string,
    readonly chainId: bigint,
  ) {}

  /** Every draft in `dir`, newest first (none when there is no folder; an unreadable file is left out). */
  static read(dir: string): Draft[] {
    if (!fs.existsSync(dir)) return [];
    const out: Draft[] = [];
    for (const name of fs.readdirSync(dir)) {
      if (!name.endsWith(".json")) continue;
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as Draft);
      } catch {
        // Being written, or not a draft.
      }
    }
    return out.sort((a, b) => b.at - a.at || a.hash.localeCompare(b.hash));
  }

  private drafts(): Draft[] {
    this.cache ??= DraftStore.read(this.dir);
    return this.cache;
  }

  /** Whether a draft with this hash is on disk already. */
  has(hash: string): boolean {
    return this.drafts().some((d) => d.hash === hash);
  }

  list(vault?: string): Draft[] {
    return this.drafts().filter((d) => vault === undefined || d.vault.toLowerCase() === vault.toLowerCase());
  }

  private write(draft: Draft): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${draft.hash}.json`);
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(draft, null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
    const rest = this.drafts().filter((d) => d.hash !== draft.hash);
    this.cache = [draft, ...rest].sort((a, b) => b.at - a.at || a.hash.localeCompare(b.hash));
  }

  /** Whether the vault has an open draft of `kind`. */
  hasOpen(vault: string, kind: DraftKind): boolean {
    return this.list(vault).some((d) => d.status === "open" && kindOf(d) === kind);
  }

  /**
   * A tick's outcome for one vault: open drafts whose bound changed, or that a draft of `drafts` of the same kind
   * replaces, are marked superseded; each of `drafts` is written unless it is already on disk. `ceilings`: the session
   * ceilings, when the tick read them (without them a ceilings draft is superseded only by a newer one). The drafts
   * written.
   */
  observe(snapshot: VaultSnapshot, drafts: Draft | readonly Draft[] | undefined, ceilings?: CeilingsNow): Draft[] {
    const fresh = drafts === undefined ? [] : Array.isArray(drafts) ? (drafts as readonly Draft[]) : [drafts as Draft];
    for (const old of this.list(snapshot.vault)) {
      if (old.status !== "open" || fresh.some((d) => d.hash === old.hash)) continue;
      const by = fresh.find((d) => kindOf(d) === kindOf(old));
      const reason =
        boundStands(old, snapshot, ceilings) === false
          ? "the bound it proposes to change has changed on chain"
          : by
            ? "a newer draft proposes other figures"
            : undefined;
      if (!reason) continue;
      this.write({
        ...old,
        status: "superseded",
        superseded: { at: Number(snapshot.timestamp), reason, ...(by ? { by: by.hash } : {}) },
      });
    }
    const written: Draft[] = [];
    for (const draft of fresh) {
      if (this.has(draft.hash)) continue;
      this.write(draft);
      written.push(draft);
    }
    return written;
  }
}
