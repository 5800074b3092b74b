/** Plain-text rendering of action results for the CLI. */
import { formatBps, formatChainTime, formatDuration, formatRiskGroups, renderTable } from "@agent-treasury/agent";
import type { ProposalRow } from "../actions/list-proposals.js";
import type { MemberStatus } from "../actions/member-status.js";
import type { ProposalStatus } from "../actions/proposal-status.js";
import type { SessionRow } from "../actions/list-sessions.js";
import type { Rotation } from "../actions/rotate-session.js";
import type { TreasuryStatus } from "../actions/treasury-status.js";
import { tokenAmount, type TreasuryContext } from "../lib/context.js";

/** Prints a table (text columns to the left, figures to the right) line by line. */
function printTable(
  out: (line: string) => void,
  headers: string[],
  rows: string[][],
  align: ("left" | "right")[],
): void {
  for (const line of renderTable(headers, rows, align).split("\n")) out(line);
}

/** The dead-man's switch in one line: off, waiting (and how long), or live (anyone may `de-risk`). */
export function deadManLine(
  d: { staleAfter: number; dropBps: number; maxExitBps: number; lastRebalanceAt: bigint },
  now: bigint,
): string {
  if (d.staleAfter === 0) return "  dead-man's switch off";
  const firesFrom = d.lastRebalanceAt + BigInt(d.staleAfter);
  const rule =
    `after ${formatDuration(d.staleAfter)} without a rebalance, a strategy more than ${formatBps(d.dropBps)} below ` +
    `its mark may be moved to idle by anyone, ${formatBps(d.maxExitBps)} of total assets a call`;
  return now >= firesFrom
    ? `  dead-man's switch LIVE (last rebalance ${formatChainTime(d.lastRebalanceAt)}): ${rule}`
    : `  dead-man's switch armed, ${formatDuration(Number(firesFrom - now))} left: ${rule}`;
}

export function printStatus(ctx: TreasuryContext, status: TreasuryStatus, out: (line: string) => void): void {
  const s = status.snapshot;
  const amount = tokenAmount(ctx.asset);
  out(`Vault ${s.vault} on ${ctx.networkName} (chain ${ctx.chainId}), block ${s.blockNumber}`);
  out(`  total assets ${amount(s.totalAssets)}, idle ${amount(s.idle)}, allocated ${amount(s.totalAllocated)}`);
  out(`  governance ${s.governance}${s.governance === ctx.addresses.timelock ? " (the Timelock)" : ""}`);
  out(`  guardian   ${s.guardian}`);
  out(`  session admin ${status.sessionAdmin}; agents ${s.agentsPaused ? "PAUSED" : "not paused"}`);
  out(
    `  idle buffer ${formatBps(s.bounds.idleBufferBps)}; loss limits ${formatBps(s.bounds.maxLossPerCallBps)} per call, ` +
      `${formatBps(s.bounds.epochLossBudgetBps)} per ${formatDuration(s.bounds.lossEpochLength)}`,
  );
  out(
    `  session ceilings: ${formatDuration(status.ceilings.maxDuration)}, ${amount(status.ceilings.maxVolumePerCall)} per call, ` +
      `${amount(status.ceilings.maxVolumePerEpoch)} per epoch`,
  );
  out(
    s.maxPriceRateBps === 0
      ? "  share-price rate bound off"
      : `  share-price rate bound ${formatBps(s.maxPriceRateBps)} a day; frozen (exit-only): ${
          s.strategies
            .filter((st) => st.frozen)
            .map((st) => `#${st.index}`)
            .join(", ") || "none"
        }`,
  );
  out(deadManLine(s.deadManSwitch, s.timestamp));
  if (s.strategies.length === 0) {
    out("  no strategy listed");
    return;
  }
  const rows = s.strategies.map((st) => [
    `  ${st.index}`,
    st.strategy,
    st.enabled ? (s.maxPriceRateBps !== 0 && st.frozen ? "frozen" : "yes") : "no",
    amount(st.absoluteCap),
    formatBps(st.relativeCapBps),
    amount(st.allocation),
    formatRiskGroups(st.riskGroups ?? 0),
  ]);
  const headers = ["  #", "strategy", "enabled", "absolute cap", "relative cap", "allocation", "risk groups"];
  printTable(out, headers, rows, ["left", "left", "left", "right", "right", "right", "left"]);
  const groups = s.riskGroups ?? [];
  if (groups.length === 0) return;
  out("  Risk groups (members together, against the tighter cap; measured without the block's deposits):");
  const base = s.totalAssets - s.inflowInBlock;
  const groupRows = groups.map((g) => {
    const cap = riskGroupCapNow(g, base);
    return [
      `  ${g.id}`,
      amount(g.value),
      amount(cap),
      cap === 0n ? (g.value === 0n ? "0%" : "over") : `${((Number(g.value) / Number(cap)) * 100).toFixed(1)}%`,
      amount(g.absoluteCap),
      formatBps(g.relativeCapBps),
    ];
  });
  printTable(out, ["  id", "members hold", "cap now", "used", "absolute cap", "relative cap"], groupRows, [
    "left",
    "right",
    "right",
    "right",
    "right",
    "right",
  ]);
}

/** The tighter of a risk group's caps on `base` (total assets less the block's deposits), as the vault measures it. */
function riskGroupCapNow(g: { absoluteCap: bigint; relativeCapBps: number }, base: bigint): bigint {
  const rel = (base * BigInt(g.relativeCapBps)) / 10_000n;
  return g.absoluteCap < rel ? g.absoluteCap : rel;
}

export function printSessions(ctx: TreasuryContext, rows: SessionRow[], out: (line: string) => void): void {
  if (rows.length === 0) {
    out("No sessions on this vault");
    return;
  }
  const amount = tokenAmount(ctx.asset);
  const lines = rows.map((r) => [
    String(r.id),
    r.agent,
    r.status,
    formatChainTime(r.validUntil),
    amount(r.maxVolumePerCall),
    amount(r.maxVolumePerEpoch),
    amount(r.volumeLeftInEpoch),
    String(r.callsLeftInEpoch),
    r.maxLoss === 0n ? "none of its own" : `${amount(r.lossUsed)} of ${amount(r.maxLoss)}`,
    r.reduceOnly ? "reduce-only" : "",
  ]);
  const headers = [
    "id",
    "agent",
    "status",
    "valid until",
    "per call",
    "per epoch",
    "left in epoch",
    "calls left",
    "loss used",
    "",
  ];
  printTable(out, headers, lines, [
    "right",
    "left",
    "left",
    "left",
    "right",
    "right",
    "right",
    "right",
    "right",
    "left",
  ]);
}

export function printRotation(ctx: TreasuryContext, r: Rotation, out: (line: string) => void): void {
  const amount = tokenAmount(ctx.asset);
  const s = r.session;
  out(`Session ${r.sessionId} rotated (tx ${r.txHash})`);
  out(`  old key  ${r.previousAgent} (no longer holds it)`);
  out(`  new key  ${r.newAgent}`);
  out("  the session keeps:");
  out(
    `    valid ${formatChainTime(s.validAfter)} to ${formatChainTime(s.validUntil)}, scope mask 0b${s.scope.toString(2)}`,
  );
  out(
    `    limits ${amount(s.maxVolumePerCall)} per call, ${amount(s.maxVolumePerEpoch)} per ${formatDuration(s.epochLength)}, ` +
      `${s.maxCallsPerEpoch} calls per epoch, ${formatDuration(s.minInterval)} apart${s.reduceOnly ? ", reduce-only" : ""}`,
  );
  out(
    `    used   ${amount(s.volumeInEpoch)} and ${s.callsInEpoch} calls in epoch ${s.epoch}` +
      (s.lastCallAt === 0n ? ", no call yet" : `, last call ${formatChainTime(s.lastCallAt)}`),
  );
  out(
    s.maxLoss === 0n
      ? "    loss   no allowance of its own (the vault's loss limits bind)"
      : `    loss   ${amount(s.lossUsed)} used of its own ${amount(s.maxLoss)} allowance`,
  );
}

export function printProposal(status: ProposalStatus, out: (line: string) => void): void {
  out(`Proposal ${status.proposalId}: ${status.state}`);
  out(
    `  votes for ${status.votes.for}, against ${status.votes.against}, abstain ${status.votes.abstain}; quorum ${status.quorum ?? "set when voting opens"}`,
  );
  out(`  voting clock ${status.voteStart + 1n} to ${status.voteEnd}`);
  if (status.eta !== 0n) out(`  executable from ${formatChainTime(status.eta)}`);
  for (const [i, c] of status.calls.entries()) out(`  call ${i + 1}: ${c}`);
  out("");
  for (const line of status.description.split("\n")) out(`  | ${line}`);
}

export function printProposals(
  ctx: TreasuryContext,
  rows: ProposalRow[],
  out: (line: string) => void,
  fromBlock: number,
): void {
  const governor = ctx.addresses.governor ?? "the Governor";
  if (rows.length === 0) {
    out(`No proposals on ${governor} since block ${fromBlock}`);
    return;
  }
  out(
    `Proposals on the Governor ${governor} since block ${fromBlock}, oldest first (a command takes the short id or @N):`,
  );
  const lines = rows.map((r) => [`  @${r.index}`, r.shortId, r.state, r.title]);
  printTable(out, ["  #", "short id", "state", "title"], lines, ["left", "left", "left", "left"]);
}

export function printMemberStatus(ctx: TreasuryContext, m: MemberStatus, out: (line: string) => void): void {
  const assets = tokenAmount(ctx.asset);
  const shares = tokenAmount(m.shareToken);
  out(
    `Member ${m.account} of vault ${ctx.addresses.vault} on ${ctx.networkName} (chain ${ctx.chainId}), block ${m.blockNumber}`,
  );
  out(`  shares            ${shares(m.shares)}`);
  out(`  worth now         ${assets(m.value)} (what redeeming them all pays now)`);
  out(
    `  withdraw now      up to ${assets(m.maxWithdraw)}, ${shares(m.maxRedeem)} (limited by idle plus what the strategies release now)`,
  );
  out(`  share price       ${assets(m.sharePrice)} per ${m.shareToken.symbol}`);
  out(`  wallet            ${assets(m.wallet)}`);
  const open = [
    m.routerAllowance.assets > 0n ? assets(m.routerAllowance.assets) : "",
    m.routerAllowance.shares > 0n ? shares(m.routerAllowance.shares) : "",
  ].filter(Boolean);
  out(`  router approvals  ${open.length ? open.join(", ") : "none"}`);
  if (m.agentsPaused) out("  agents are paused by the guardian: deposits and exits are not affected");
}
