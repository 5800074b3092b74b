/**
 * The demo's closing summary: structured (tests assert on it; `--json` writes it) and rendered as text. Amounts are
 * bigints in the asset's smallest unit; times are chain timestamps (seconds).
 */
import { countReversals, formatAmount, formatBps, renderTable } from "@agent-treasury/agent";
import { formatUnits } from "ethers";

export interface AllocationRow {
  /** "Strategy 0" … or "Idle". */
  name: string;
  address?: string;
  assets: bigint;
  /** Share of the vault's value, in bps. */
  shareBps: number;
  /** The strategy's relative cap, in bps (strategies only). */
  capBps?: number;
}

export interface Counterfactual {
  /** Value at the end of the period. */
  endValue: bigint;
  /** endValue minus what was deposited. */
  earned: bigint;
}

export interface RebalanceRow {
  /** Chain time of the decision. */
  at: number;
  txHash: string;
  intentHash: string;
  gasUsed: bigint;
  reason: string;
  volume: bigint;
  /** Per strategy moved: value before and target after. */
  legs: { strategy: number; from: bigint; to: bigint }[];
}

export interface RejectionRow {
  at: number;
  /** Who tried: the daemon itself, or the rogue client holding the agent's key. */
  who: string;
  /** What was tried, in words. */
  attempt: string;
  /** Where it was stopped: "chain" (a mined transaction reverted), "simulation" or "mirror". */
  stage: "chain" | "simulation" | "mirror";
  /** The custom error's name, e.g. RelativeCapExceeded. */
  error: string;
  /** The decoded error with its arguments. */
  detail: string;
  txHash?: string;
  gasUsed?: bigint;
}

export interface StandDown {
  at: number;
  reason: string;
}

/** The lending world only: its vaults, what the markets did, and what the daemon made of it. */
export interface LendingReport {
  /** The curated vaults, by strategy index, with the markets (indices) they supply to. */
  vaults: { strategy: number; name: string; address: string; markets: number[] }[];
  /** A market at 100% utilization, liquidity back, a default with its bad debt. */
  events: { at: number; text: string }[];
  /** Strategies the daemon quarantined, when, and why. */
  quarantines: { at: number; strategy: number; code: string; reason: string; exit: boolean }[];
  /** Ticks the daemon could not complete. */
  tickErrors: { at: number; error: string }[];
}

/** The session scenes: a session revoked for passing its own loss allowance, and a reduce-only keeper. */
export interface SessionScenes {
  /** The scenes' vault (not the story's, and on the scenes' own chain). */
  vault: string;
  misbehaving: {
    agent: string;
    sessionId: bigint;
    /** The session's own loss allowance. */
    maxLoss: bigint;
    entryFeeBps: number;
    /** Its first rebalance, without a loss. */
    firstTxHash: string;
    /** The lossy rebalance: returned, undone, the session revoked. */
    volume: bigint;
    txHash: string;
    /** The loss charged with it, as SessionLossBudgetSpent says (above maxLoss). */
    lossUsed: bigint;
    /** Who SessionRevoked names: the vault. */
    revokedBy: string;
    revoked: boolean;
  };
  keeper: {
    agent: string;
    sessionId: bigint;
    /** How far the strategy's share price fell before the exit. */
    priceDropBps: number;
    exit: { strategy: number; from: bigint; txHash: string; gasUsed: bigint };
    /** Its attempt to raise a strategy. */
    refused: { error: string; detail: string };
  };
}

export interface DemoSummary {
  seed: number;
  days: number;
  symbol: string;
  decimals: number;
  agent: string;
  addresses: {
    vault: string;
    sessionManager: string;
    lens: string;
    governor: string;
    timelock: string;
    asset: string;
    strategies: string[];
  };
  /** Chain time when the agent's session started, and when the run ended. */
  start: number;
  end: number;
  governance: { title: string; proposalId: string; calls: number }[];
  session: {
    id: bigint;
    validAfter: number;
    validUntil: number;
    maxVolumePerCall: bigint;
    maxVolumePerEpoch: bigint;
    maxCallsPerEpoch: number;
    minInterval: number;
  };
  deposits: bigint;
  allocations: { before: AllocationRow[]; after: AllocationRow[] };
  /** From the first tick to the end, on the same yield path. */
  outcome: { agent: Counterfactual; idle: Counterfactual; equalSplit: Counterfactual; periodSeconds: number };
  gas: { rebalances: number; gasUsed: bigint; paidWei: bigint };
  rebalances: RebalanceRow[];
  rejections: RejectionRow[];
  standDowns: StandDown[];
  ticks: { total: number; byResult: Record<string, number> };
  /** The daemon's last tick. */
  final: { result: string; reason: string };
  /** The session scenes, on a second vault on a chain of its own (story/scene-treasury.ts). */
  scenes?: SessionScenes;
  /** `treasury-agent explain` on every rebalance of the run: how many its records reproduce exactly. */
  explain?: { reproduced: number; total: number; diverged: { txHash: string; divergences: string[] }[] };
  /** Present for `--world lending` only (the default world's summary has neither field). */
  world?: "lending";
  lending?: LendingReport;
}

/**
 * Reversals among the agent's rebalances, counted by the agent's own counter: a strategy raised by one rebalance and
 * lowered by the next one that moves it (or lowered, then raised) within a day. Each such pair counts once.
 */
export function reversalsIn(rebalances: Pick<RebalanceRow, "at" | "legs">[]): number {
  const moves = rebalances.flatMap((r) =>
    r.legs.filter((l) => l.to !== l.from).map((l) => ({ at: r.at, strategy: l.strategy, raised: l.to > l.from })),
  );
  return countReversals(moves).all;
}

/** An amount of the asset as the demo's columns show it: exactly `digits` fraction digits, then the symbol. */
export function amount(value: bigint, s: Pick<DemoSummary, "decimals" | "symbol">, digits = 2): string {
  return formatAmount(value, s.decimals, digits, s.symbol, { fixed: true });
}

/** `d2 06:00`: day of the run (from 1) and time of day, from the start of the session. */
export function dayClock(at: number, start: number): string {
  const t = at - start;
  const day = Math.floor(t / 86_400) + 1;
  const h = Math.floor((t % 86_400) / 3_600);
  const m = Math.floor((t % 3_600) / 60);
  return `d${day} ${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

function yieldLine(name: string, c: Counterfactual, s: DemoSummary): string[] {
  const bps = s.deposits === 0n ? 0 : Number((c.earned * 1_000_000n) / s.deposits) / 100;
  const annual = s.outcome.periodSeconds > 0 ? (bps * 31_536_000) / s.outcome.periodSeconds : 0;
  return [name, amount(c.endValue, s), amount(c.earned, s), formatBps(bps), formatBps(annual)];
}

/** `0x12345678…abcd`: a transaction or intent hash, shortened for the columns. */
function short(h: string): string {
  return `${h.slice(0, 10)}…${h.slice(-4)}`;
}

/** The summary as the demo prints it. */
export function renderSummary(s: DemoSummary): string {
  const out: string[] = [];
  out.push(
    `Summary: seed ${s.seed}, ${s.days} day${s.days === 1 ? "" : "s"} of simulated time, ${amount(s.deposits, s)} deposited`,
  );
  out.push("");
  out.push("Allocations (share of the vault's value; cap in brackets)");
  const names = s.allocations.after.map((r) => r.name);
  const before = new Map(s.allocations.before.map((r) => [r.name, r]));
  out.push(
    ...renderTable(
      ["", "before", "", "after", "", "cap"],
      names.map((n) => {
        const a = s.allocations.after.find((r) => r.name === n)!;
        const b = before.get(n);
        return [
          n,
          b ? amount(b.assets, s) : "-",
          b ? formatBps(b.shareBps) : "",
          amount(a.assets, s),
          formatBps(a.shareBps),
          a.capBps === undefined ? "buffer" : `[${formatBps(a.capBps)}]`,
        ];
      }),
      ["left", "right", "right", "right", "right", "left"],
    )
      .split("\n")
      .map((l) => `  ${l}`),
  );
  out.push("");
  const days = (s.outcome.periodSeconds / 86_400).toFixed(2);
  out.push(
    s.lending
      ? `Yield over the same ${days} days and the same borrowers (the equal split at the vaults' share prices, without its own effect on their rates)`
      : `Yield over the same ${days} days and the same yield path`,
  );
  out.push(
    ...renderTable(
      ["", "end value", "earned", "return", "annualized"],
      [
        yieldLine("the agent", s.outcome.agent, s),
        yieldLine("everything idle", s.outcome.idle, s),
        yieldLine("fixed equal split", s.outcome.equalSplit, s),
      ],
    )
      .split("\n")
      .map((l) => `  ${l}`),
  );
  const signed = (v: bigint) => `${v >= 0n ? "+" : ""}${amount(v, s)}`;
  out.push(
    `  the agent against everything idle: ${signed(s.outcome.agent.earned - s.outcome.idle.earned)}; against the equal split: ${signed(s.outcome.agent.earned - s.outcome.equalSplit.earned)}`,
  );
  const reversals = reversalsIn(s.rebalances);
  out.push(
    `  its ${s.gas.rebalances} rebalances (${reversals} reversal${reversals === 1 ? "" : "s"}: a strategy moved in and out, or out and back in, within a day) used ${s.gas.gasUsed.toLocaleString("en-US")} gas, paid by the agent's key (${Number(formatUnits(s.gas.paidWei, 18)).toPrecision(3)} ETH at this chain's fees)`,
  );
  out.push("");
  out.push(`Rebalances (${s.rebalances.length})`);
  if (s.rebalances.length === 0) out.push("  none");
  for (const r of s.rebalances) {
    const bare = { decimals: s.decimals, symbol: "" };
    const legs = r.legs
      .map((l) => `strategy ${l.strategy} ${amount(l.from, bare, 0)} -> ${amount(l.to, bare, 0)}`)
      .join(", ");
    out.push(
      `  ${dayClock(r.at, s.start)}  gas ${r.gasUsed.toLocaleString("en-US").padStart(7)}  tx ${short(r.txHash)}  intent ${short(r.intentHash)}`,
    );
    out.push(`             ${legs} ${s.symbol} (volume ${amount(r.volume, s, 0)})`);
    out.push(`             reason: ${r.reason}`);
  }
  if (s.explain) {
    out.push(`  explain: ${s.explain.reproduced} of ${s.explain.total} rebalances reproduced`);
    for (const d of s.explain.diverged) out.push(`    ${short(d.txHash)} diverges: ${d.divergences.join(", ")}`);
  }
  out.push("");
  out.push(`Rejections (${s.rejections.length})`);
  if (s.rejections.length === 0) out.push("  none");
  for (const r of s.rejections) {
    const where =
      r.stage === "chain"
        ? `reverted on chain${r.txHash ? ` in tx ${short(r.txHash)}` : ""}${r.gasUsed ? `, ${r.gasUsed.toLocaleString("en-US")} gas burnt` : ""}`
        : `stopped by the ${r.stage}`;
    out.push(`  ${dayClock(r.at, s.start)}  ${r.who}: ${r.attempt}`);
    out.push(`             ${r.detail}`);
    out.push(`             ${where}`);
  }
  out.push("");
  if (s.lending) out.push(...renderLending(s, s.lending), "");
  out.push("Stand-downs");
  for (const d of s.standDowns) out.push(`  ${dayClock(d.at, s.start)}  ${d.reason}`);
  out.push("");
  if (s.scenes) out.push(...renderScenes(s, s.scenes), "");
  const tally = Object.entries(s.ticks.byResult)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  out.push(`Daemon: ${s.ticks.total} ticks (${tally}); last: ${s.final.result}: ${s.final.reason}`);
  return out.join("\n");
}

function renderScenes(s: DemoSummary, c: SessionScenes): string[] {
  const m = c.misbehaving;
  const k = c.keeper;
  return [
    `Session scenes (a second vault, ${c.vault}, on a chain of its own)`,
    `  a misbehaving session #${m.sessionId} (own loss allowance ${amount(m.maxLoss, s)}): ${amount(m.volume, s)} into a strategy with a ${formatBps(m.entryFeeBps)} entry fee`,
    `             returned, nothing moved, session ${m.revoked ? "revoked" : "NOT revoked"} by ${m.revokedBy === c.vault ? "the vault" : m.revokedBy} (loss ${amount(m.lossUsed, s)} > ${amount(m.maxLoss, s)}; tx ${short(m.txHash)})`,
    `  a reduce-only keeper #${k.sessionId}: strategy ${k.exit.strategy} down to idle after a ${formatBps(k.priceDropBps)} price fall, ${amount(k.exit.from, s)} -> ${amount(0n, s)} (${k.exit.gasUsed.toLocaleString("en-US")} gas)`,
    `             its try to raise a strategy: ${k.refused.detail}`,
  ];
}

function renderLending(s: DemoSummary, l: LendingReport): string[] {
  const out = ["Lending world: curated vaults over Morpho Blue markets"];
  for (const v of l.vaults)
    out.push(
      `  strategy ${v.strategy}  ${v.name} (${v.address}), supplying market${v.markets.length === 1 ? "" : "s"} ${v.markets.join(", ")}`,
    );
  out.push(`Market events (${l.events.length})`);
  if (l.events.length === 0) out.push("  none");
  for (const e of l.events) out.push(`  ${dayClock(e.at, s.start)}  ${e.text}`);
  out.push(`Quarantined by the daemon (${l.quarantines.length})`);
  if (l.quarantines.length === 0) out.push("  none");
  for (const q of l.quarantines) {
    out.push(
      `  ${dayClock(q.at, s.start)}  strategy ${q.strategy} (${l.vaults[q.strategy]?.name ?? "?"}): ${q.code}, ${q.exit ? "moving out of it" : "left in place"}`,
    );
    out.push(`             ${q.reason}`);
  }
  if (l.tickErrors.length > 0) {
    out.push(`Ticks that failed (${l.tickErrors.length})`);
    for (const e of l.tickErrors) out.push(`  ${dayClock(e.at, s.start)}  ${e.error}`);
  }
  return out;
}

/** The summary as JSON (bigints as decimal strings). */
export function summaryJson(s: DemoSummary): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}
