/** Command-line options that describe a bounds or roles change, shared by `propose` and `safe-batch`. */
import type { BoundsChange } from "./bounds-changes.js";
import type { TreasuryContext } from "./context.js";
import { ZeroAddress } from "ethers";
import { InputError } from "./errors.js";
import { parseAddress, parseAmount, parseBps, parseDuration, parseInteger, parseStrategy, splitSpec } from "./parse.js";

/** A risk id, 0 to 31. */
function parseRiskId(value: string | undefined, what: string): number {
  return Number(parseInteger(value, what, 31n));
}

/** `0,3` (risk ids) or `none`, as a bit mask. */
function parseRiskIds(value: string | undefined, what: string): number {
  if (value === "none") return 0;
  if (!value) throw new InputError(`${what}: give risk ids (0 to 31) separated by commas, or none`);
  return value.split(",").reduce((mask, id) => (mask | (1 << parseRiskId(id.trim(), what))) >>> 0, 0);
}

/** An address, or `none` for the zero address. */
function parseAddressOrNone(value: string, what: string): string {
  return value === "none" ? ZeroAddress : parseAddress(value, what);
}

export const CHANGE_OPTIONS = {
  "add-strategy": { type: "string", multiple: true },
  "remove-strategy": { type: "string", multiple: true },
  caps: { type: "string", multiple: true },
  "risk-group-cap": { type: "string", multiple: true },
  "risk-groups": { type: "string", multiple: true },
  "enable-strategy": { type: "string", multiple: true },
  "disable-strategy": { type: "string", multiple: true },
  "idle-buffer": { type: "string" },
  "liquidity-floor": { type: "string" },
  "step-up": { type: "string" },
  "loss-limits": { type: "string" },
  ceilings: { type: "string" },
  "price-rate": { type: "string" },
  "dead-man": { type: "string" },
  "clear-freeze": { type: "string", multiple: true },
  "unpause-agents": { type: "boolean" },
  "set-governance": { type: "string" },
  "accept-governance": { type: "boolean" },
  "set-guardian": { type: "string" },
  "set-session-admin": { type: "string" },
  "withdraw-queue": { type: "string" },
} as const;

export const CHANGE_HELP = `Changes (combine any; repeat the strategy ones; all go into ONE proposal):
  --add-strategy <strategy>:<absoluteCap>:<relativeCap>   list a strategy with its caps
  --remove-strategy <strategy>                            delist an empty strategy
  --caps <strategy>:<absoluteCap>:<relativeCap>           set a listed strategy's caps
  --risk-group-cap <id>:<absoluteCap>:<relativeCap>       cap risk group <id> (0-31): its members together hold at most this
  --risk-groups <strategy>:<id,id,...|none>               the risk groups a strategy belongs to (set after the caps: a
                                                          group never capped caps its members at 0)
  --enable-strategy <strategy> / --disable-strategy <strategy>
  --idle-buffer <bps|N%>                                  idle assets kept, share of total assets
  --liquidity-floor <bps|N%>                              idle plus what strategies let go now, after a rebalance that
                                                          raises one, share of total assets (0: off; a cut is ramped)
  --step-up <threshold>:<signer|none>                     a rebalance moving more than <threshold> needs <signer>'s
                                                          EIP-712 co-signature (EOA or ERC-1271); 0:none turns it off
  --loss-limits <perCall>:<perEpoch>[:<lossEpoch>]        bps or N%; loss epoch as a duration (default: unchanged)
  --ceilings <maxDuration>:<maxPerCall>:<maxPerEpoch>     what the session admin may grant on this vault
  --price-rate <bps|N%|off>                               share-price rate bound, a day: a strategy whose price moves
                                                          from its mark faster is frozen to exit-only (off: no bound)
  --dead-man <staleAfter>:<dropBps>:<maxExitBps>|off      dead-man's switch: after staleAfter (a duration) with no agent
                                                          rebalance, anyone may move a strategy down more than dropBps
                                                          from its mark to idle, maxExitBps of total assets a call
  --clear-freeze <strategy>                               unfreeze a frozen strategy, re-marked at its current price
  --unpause-agents                                        lift the guardian's agent pause
  --withdraw-queue <strategy>,<strategy>,...              the order exits pull from (every listed strategy once)
Roles (the SessionManager holds them for the vault too):
  --set-governance <address|none>                         propose the next governance (a Timelock or a Safe); it takes
                                                          over when it accepts; none cancels a pending handover
  --accept-governance                                     the pending governance accepts (alone in its proposal; propose
                                                          it through the new Governor with --governor, or safe-batch it
                                                          from the new Safe)
  --set-guardian <address>                                replace the guardian; through a Timelock the proposal also moves
                                                          the Timelock's CANCELLER_ROLE to it
  --set-session-admin <address|none>                      replace the session admin; none: only governance grants
  <strategy> is an address or @N (the N-th strategy of the addresses file, e.g. the local mocks).
  Amounts are in asset units (250000, 1_000_000, 0.5, or max); durations 3600, 90s, 15m, 12h, 7d, 2w.`;

export interface ChangeOptionValues {
  "add-strategy"?: string[];
  "remove-strategy"?: string[];
  caps?: string[];
  "risk-group-cap"?: string[];
  "risk-groups"?: string[];
  "enable-strategy"?: string[];
  "disable-strategy"?: string[];
  "idle-buffer"?: string;
  "liquidity-floor"?: string;
  "step-up"?: string;
  "loss-limits"?: string;
  ceilings?: string;
  "price-rate"?: string;
  "dead-man"?: string;
  "clear-freeze"?: string[];
  "unpause-agents"?: boolean;
  "set-governance"?: string;
  "accept-governance"?: boolean;
  "set-guardian"?: string;
  "set-session-admin"?: string;
  "withdraw-queue"?: string;
}

/** Turns the change options into BoundsChanges (in the order above), reading the asset's decimals from `ctx`. */
export function changesFromOptions(values: ChangeOptionValues, ctx: TreasuryContext): BoundsChange[] {
  const decimals = ctx.asset.decimals;
  const known = ctx.addresses.strategies;
  const changes: BoundsChange[] = [];
  for (const spec of values["add-strategy"] ?? []) {
    const [s, abs, rel] = splitSpec(spec, "--add-strategy", ["strategy", "absoluteCap", "relativeCap"]);
    changes.push({
      kind: "addStrategy",
      strategy: parseStrategy(s, "--add-strategy", known),
      absoluteCap: parseAmount(abs, decimals, "--add-strategy absolute cap"),
      relativeCapBps: parseBps(rel, "--add-strategy relative cap"),
    });
  }
  for (const s of values["remove-strategy"] ?? []) {
    changes.push({ kind: "removeStrategy", strategy: parseStrategy(s, "--remove-strategy", known) });
  }
  for (const spec of values.caps ?? []) {
    const [s, abs, rel] = splitSpec(spec, "--caps", ["strategy", "absoluteCap", "relativeCap"]);
    changes.push({
      kind: "setCaps",
      strategy: parseStrategy(s, "--caps", known),
      absoluteCap: parseAmount(abs, decimals, "--caps absolute cap"),
      relativeCapBps: parseBps(rel, "--caps relative cap"),
    });
  }
  // Group caps before tags, so a proposal that does both never leaves a member under a group without caps (0).
  for (const spec of values["risk-group-cap"] ?? []) {
    const [id, abs, rel] = splitSpec(spec, "--risk-group-cap", ["id", "absoluteCap", "relativeCap"]);
    changes.push({
      kind: "setRiskGroupCap",
      id: parseRiskId(id, "--risk-group-cap id"),
      absoluteCap: parseAmount(abs, decimals, "--risk-group-cap absolute cap"),
      relativeCapBps: parseBps(rel, "--risk-group-cap relative cap"),
    });
  }
  for (const spec of values["risk-groups"] ?? []) {
    const [s, ids] = splitSpec(spec, "--risk-groups", ["strategy", "ids"]);
    changes.push({
      kind: "setRiskGroups",
      strategy: parseStrategy(s, "--risk-groups", known),
      riskGroups: parseRiskIds(ids, "--risk-groups"),
    });
  }
  for (const s of values["enable-strategy"] ?? []) {
    changes.push({ kind: "setStrategyEnabled", strategy: parseStrategy(s, "--enable-strategy", known), enabled: true });
  }
  for (const s of values["disable-strategy"] ?? []) {
    changes.push({
      kind: "setStrategyEnabled",
      strategy: parseStrategy(s, "--disable-strategy", known),
      enabled: false,
    });
  }
  if (values["idle-buffer"] !== undefined) {
    changes.push({ kind: "setIdleBuffer", idleBufferBps: parseBps(values["idle-buffer"], "--idle-buffer") });
  }
  if (values["liquidity-floor"] !== undefined) {
    changes.push({
      kind: "setLiquidityFloor",
      liquidityFloorBps: parseBps(values["liquidity-floor"], "--liquidity-floor"),
    });
  }
  if (values["step-up"] !== undefined) {
    const [threshold, signer] = splitSpec(values["step-up"], "--step-up", ["threshold", "signer"]);
    changes.push({
      kind: "setStepUp",
      threshold: parseAmount(threshold, decimals, "--step-up threshold"),
      policySigner: parseAddressOrNone(signer ?? "", "--step-up signer"),
    });
  }
  if (values["loss-limits"] !== undefined) {
    const [perCall, perEpoch, epoch] = splitSpec(
      values["loss-limits"],
      "--loss-limits",
      ["perCall", "perEpoch", "lossEpoch"],
      1,
    );
    changes.push({
      kind: "setLossLimits",
      maxLossPerCallBps: parseBps(perCall, "--loss-limits per call"),
      epochLossBudgetBps: parseBps(perEpoch, "--loss-limits per epoch"),
      lossEpochLength: epoch === undefined ? undefined : parseDuration(epoch, "--loss-limits loss epoch"),
    });
  }
  if (values.ceilings !== undefined) {
    const [duration, perCall, perEpoch] = splitSpec(values.ceilings, "--ceilings", [
      "maxDuration",
      "maxPerCall",
      "maxPerEpoch",
    ]);
    changes.push({
      kind: "setCeilings",
      maxDuration: parseDuration(duration, "--ceilings max duration"),
      maxVolumePerCall: parseAmount(perCall, decimals, "--ceilings max per call"),
      maxVolumePerEpoch: parseAmount(perEpoch, decimals, "--ceilings max per epoch"),
    });
  }
  if (values["price-rate"] !== undefined) {
    const rate = values["price-rate"];
    changes.push({ kind: "setMaxPriceRate", maxPriceRateBps: rate === "off" ? 0 : parseBps(rate, "--price-rate") });
  }
  if (values["dead-man"] !== undefined) {
    const rule = values["dead-man"];
    if (rule === "off") {
      changes.push({ kind: "setDeadManSwitch", staleAfter: 0, dropBps: 0, maxExitBps: 0 });
    } else {
      const [stale, drop, exit] = splitSpec(rule, "--dead-man", ["staleAfter", "dropBps", "maxExitBps"]);
      changes.push({
        kind: "setDeadManSwitch",
        staleAfter: parseDuration(stale, "--dead-man staleAfter"),
        dropBps: parseBps(drop ?? "", "--dead-man dropBps"),
        maxExitBps: parseBps(exit ?? "", "--dead-man maxExitBps"),
      });
    }
  }
  for (const s of values["clear-freeze"] ?? []) {
    changes.push({ kind: "clearFreeze", strategy: parseStrategy(s, "--clear-freeze", known) });
  }
  if (values["unpause-agents"]) changes.push({ kind: "unpauseAgents" });
  if (values["withdraw-queue"] !== undefined) {
    changes.push({
      kind: "setWithdrawQueue",
      queue: values["withdraw-queue"].split(",").map((s) => parseStrategy(s.trim(), "--withdraw-queue", known)),
    });
  }
  if (values["set-governance"] !== undefined) {
    changes.push({
      kind: "setGovernance",
      governance: parseAddressOrNone(values["set-governance"], "--set-governance"),
    });
  }
  if (values["accept-governance"]) changes.push({ kind: "acceptGovernance" });
  if (values["set-guardian"] !== undefined) {
    changes.push({ kind: "setGuardian", guardian: parseAddress(values["set-guardian"], "--set-guardian") });
  }
  if (values["set-session-admin"] !== undefined) {
    changes.push({
      kind: "setSessionAdmin",
      sessionAdmin: parseAddressOrNone(values["set-session-admin"], "--set-session-admin"),
    });
  }
  return changes;
}
