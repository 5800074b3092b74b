/**
 * Replaying a decision: the planner run again on the vault as it was at the record's block, with the record's inputs
 * and the given (or the record's) settings, and every place the result parts from the record. Pure: the caller reads
 * the snapshot (a historical call at the record's block) and picks the planner by the settings' name.
 */
import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import type { Target, VaultSnapshot } from "../chain/types.js";
import {
  type IntentRecord,
  type PlannerSettings,
  settingsHash,
  stateDigest,
  stateFieldDigests,
} from "../executor/intent.js";
import type { PlanDecision, Planner, PlannerInput } from "../planner/types.js";
import { canonicalJson, type Json, toCanonical } from "../util/json.js";
import type { YieldEstimate } from "../yield/estimate.js";

/** One place a replay parts from its record. */
export type Divergence =
  /** The record's settings do not hash to its `settingsHash` (the record was edited). */
  | { kind: "settings-hash"; recorded: string; computed: string }
  /** The settings replayed with are not the record's. */
  | { kind: "settings"; recordedHash: string; givenHash: string; keys: KeyDifference[] }
  /** The vault at the record's block is not the vault the plan was made from. */
  | { kind: "state"; recorded: string; computed: string; fields: string[] }
  /** The planner re-derived other targets (or held). */
  | { kind: "targets"; strategies: TargetDifference[]; rederived: PlanDecision }
  /** Same targets, but another reason. */
  | { kind: "reason"; recorded: string; rederived: string };

export interface KeyDifference {
  key: string;
  recorded: string | undefined;
  given: string | undefined;
}

export interface TargetDifference {
  strategy: string;
  recorded: bigint | undefined;
  rederived: bigint | undefined;
}

export interface ReplayOptions {
  /** A version 2 rebalance record. */
  record: IntentRecord;
  /** The vault as the lens reads it at the record's block. */
  snapshot: VaultSnapshot;
  /** The planner named by `settings.planner`. */
  planner: Planner;
  /** Settings to replay with (from a configuration); default: the record's own. */
  settings?: PlannerSettings;
}

export interface Replay {
  settings: PlannerSettings;
  input: PlannerInput;
  decision: PlanDecision;
  divergences: Divergence[];
}

/** Keys of a value flattened to `a.b.c` paths with their canonical text. */
function flatten(value: Json, prefix = "", out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(value));
  return out;
}

/** The keys whose values differ between two settings, in order. */
export function settingsDifferences(recorded: PlannerSettings, given: PlannerSettings): KeyDifference[] {
  const a = flatten(toCanonical(recorded));
  const b = flatten(toCanonical(given));
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k)).map((key) => ({ key, recorded: a.get(key), given: b.get(key) }));
}

/** The snapshot the planner saw: the lens's view with the sessions the daemon had seen end merged back in. */
function mergedDigest(snapshot: VaultSnapshot, ended: Json[]): { digest: string; canonical: Json } {
  const canonical = toCanonical(snapshot) as { [key: string]: Json };
  if (ended.length > 0) {
    const id = (s: Json) => BigInt((s as { id: string }).id);
    const sessions = [...ended, ...(canonical.sessions as Json[])].sort((x, y) =>
      id(x) < id(y) ? -1 : id(x) > id(y) ? 1 : 0,
    );
    canonical.sessions = sessions;
  }
  const digest = ended.length > 0 ? keccak256(toUtf8Bytes(canonicalJson(canonical))) : stateDigest(snapshot);
  return { digest, canonical };
}

/** The planner input the record describes, on `snapshot`, with `settings`. */
export function recordedInput(record: IntentRecord, snapshot: VaultSnapshot, settings: PlannerSettings): PlannerInput {
  const inputs = record.inputs!;
  const session = snapshot.sessions.find((s) => s.id === record.sessionId);
  if (!session) throw new Error(`session ${record.sessionId} is not listed at block ${record.blockNumber}`);
  const yields = new Map<string, YieldEstimate>(
    inputs.yields.map((y) => [
      getAddress(y.strategy),
      {
        aprWad: y.aprWad,
        volatilityWad: y.volatilityWad,
        samples: y.samples,
        windowSeconds: y.windowSeconds,
        ...(y.losses ? { losses: y.losses } : {}),
      },
    ]),
  );
  return {
    snapshot,
    sessionId: record.sessionId,
    session: session.session,
    remaining: session.remaining,
    yields,
    params: settings.params,
    cost: { ...settings.gas, gasPriceWei: inputs.gasPriceWei },
    now: inputs.now,
    quarantined: new Map(inputs.quarantined.map((q) => [q.strategy.toLowerCase(), q.exit])),
    ...(settings.minWithdrawableBps === undefined ? {} : { minWithdrawableBps: settings.minWithdrawableBps }),
    recentMoves: inputs.recentMoves,
  };
}

function targetDifferences(recorded: readonly Target[], rederived: readonly Target[]): TargetDifference[] {
  const a = new Map(recorded.map((t) => [t.strategy.toLowerCase(), t]));
  const b = new Map(rederived.map((t) => [t.strategy.toLowerCase(), t]));
  const out: TargetDifference[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const r = a.get(key)?.assets;
    const d = b.get(key)?.assets;
    if (r !== d) out.push({ strategy: (a.get(key) ?? b.get(key))!.strategy, recorded: r, rederived: d });
  }
  return out;
}

/** Runs the planner again on the record's inputs and lists where the result parts from the record. */
export function replayDecision(options: ReplayOptions): Replay {
  const { record, snapshot, planner } = options;
  if (!record.inputs || !record.settings || !record.settingsHash)
    throw new Error(`a version ${record.version} record carries no planner inputs; it cannot be replayed`);
  const divergences: Divergence[] = [];
  const ownHash = settingsHash(record.settings);
  if (ownHash !== record.settingsHash)
    divergences.push({ kind: "settings-hash", recorded: record.settingsHash, computed: ownHash });
  const settings = options.settings ?? record.settings;
  const givenHash = settingsHash(settings);
  if (givenHash !== record.settingsHash) {
    divergences.push({
      kind: "settings",
      recordedHash: record.settingsHash,
      givenHash,
      keys: settingsDifferences(record.settings, settings),
    });
  }
  const { digest, canonical } = mergedDigest(snapshot, record.inputs.endedSessions);
  if (digest !== record.stateDigest) {
    const now = stateFieldDigests(canonical);
    const then = record.inputs.stateFields;
    const fields = [...new Set([...Object.keys(now), ...Object.keys(then)])].filter((k) => now[k] !== then[k]).sort();
    divergences.push({ kind: "state", recorded: record.stateDigest, computed: digest, fields });
  }
  const input = recordedInput(record, snapshot, settings);
  const decision = planner.plan(input);
  if (decision.kind === "hold") {
    divergences.push({
      kind: "targets",
      strategies: record.targets.map((t) => ({ strategy: t.strategy, recorded: t.assets, rederived: undefined })),
      rederived: decision,
    });
  } else {
    const diff = targetDifferences(record.targets, decision.targets);
    if (diff.length > 0) divergences.push({ kind: "targets", strategies: diff, rederived: decision });
    else if (decision.reason !== record.reason)
      divergences.push({ kind: "reason", recorded: record.reason, rederived: decision.reason });
  }
  return { settings, input, decision, divergences };
}
