/**
 * The Governor's proposals, oldest first, read from its ProposalCreated events since the deployment's start block:
 * each with its index (`@N`), the shortest unique prefix of its id, its state and its title. A proposal id on the
 * command line may be either of those short forms (see `resolveProposalId`).
 */
import type { TreasuryGovernor } from "../../types/ethers-contracts/index.js";
import { requireGovernance, type TreasuryContext } from "../lib/context.js";
import { InputError } from "../lib/errors.js";
import { PROPOSAL_STATES, type ProposalStateName } from "../lib/governance.js";

export interface ProposalRow {
  /** Position among the Governor's proposals since the start block, oldest first: `@index` on the command line. */
  index: number;
  proposalId: bigint;
  /** The shortest prefix of the decimal id that names it alone (at least MIN_SHORT_ID digits). */
  shortId: string;
  state: ProposalStateName;
  /** The description's first line, without a Markdown heading mark. */
  title: string;
  proposer: string;
  /** Block of the ProposalCreated event. */
  block: number;
}

/** Digits a short id has at least: short enough to type, long enough to stay unique as proposals are added. */
export const MIN_SHORT_ID = 6;

/**
 * The ProposalCreated events of `governor` in [from, to]; a range the node refuses is split in two, down to one block.
 */
type ProposalCreatedEvent = Awaited<ReturnType<TreasuryGovernor["queryFilter"]>>[number] & {
  args: { proposalId: bigint } & unknown[];
};

async function proposalEvents(governor: TreasuryGovernor, from: number, to: number): Promise<ProposalCreatedEvent[]> {
  try {
    return (await governor.queryFilter(
      governor.filters.ProposalCreated(),
      from,
      to,
    )) as unknown as ProposalCreatedEvent[];
  } catch (error) {
    if (from >= to) throw error;
    const middle = Math.floor((from + to) / 2);
    return [...(await proposalEvents(governor, from, middle)), ...(await proposalEvents(governor, middle + 1, to))];
  }
}

/** Gives each id the shortest prefix (at least `min` digits) that no other id of `ids` starts with. */
export function shortIds(ids: bigint[], min = MIN_SHORT_ID): string[] {
  const texts = ids.map(String);
  return texts.map((text, i) => {
    for (let length = Math.min(min, text.length); length < text.length; length++) {
      const prefix = text.slice(0, length);
      if (!texts.some((other, j) => j !== i && other.startsWith(prefix))) return prefix;
    }
    return text;
  });
}

export async function listProposals(
  ctx: TreasuryContext,
  options: { fromBlock?: number } = {},
): Promise<ProposalRow[]> {
  const { governor } = requireGovernance(ctx);
  const from = options.fromBlock ?? ctx.addresses.startBlock ?? 0;
  const latest = await ctx.ethers.provider.getBlockNumber();
  const events = await proposalEvents(governor, from, latest);
  const ids = events.map((e) => e.args.proposalId as bigint);
  const short = shortIds(ids);
  const rows: ProposalRow[] = [];
  for (const [index, event] of events.entries()) {
    const proposalId = ids[index];
    // By position: ProposalCreated(proposalId, proposer, targets, values, signatures, calldatas, voteStart, voteEnd,
    // description).
    const description = String(event.args[8]);
    rows.push({
      index,
      proposalId,
      shortId: short[index],
      state: PROPOSAL_STATES[Number(await governor.state(proposalId))],
      title: description.split("\n")[0].replace(/^#+\s*/, ""),
      proposer: String(event.args[1]),
      block: event.blockNumber,
    });
  }
  return rows;
}

/**
 * A proposal id from the command line: the full id, `@N` (the N-th of `proposals`), or a unique prefix of the id.
 * An unknown or ambiguous one is refused with an InputError naming the candidates.
 */
export async function resolveProposalId(
  ctx: TreasuryContext,
  text: string | undefined,
  what = "proposal id",
): Promise<bigint> {
  const { governor } = requireGovernance(ctx);
  const value = text?.replaceAll("_", "") ?? "";
  const index = /^@(\d+)$/.exec(value);
  if (!index && !/^\d+$/.test(value)) {
    throw new InputError(
      `${what}: "${text ?? ""}" is not a proposal id (the full id, a unique prefix of it, or @N from \`proposals\`)`,
    );
  }
  if (!index && (await governor.proposalSnapshot(BigInt(value))) !== 0n) return BigInt(value);
  const rows = await listProposals(ctx);
  const since = `since block ${ctx.addresses.startBlock ?? 0}`;
  if (index) {
    const row = rows[Number(index[1])];
    if (!row) {
      throw new InputError(
        `${what}: no proposal ${value}: the Governor has ${rows.length} ${since}` +
          (rows.length ? ` (@0 to @${rows.length - 1}; \`proposals\` lists them)` : ""),
      );
    }
    return row.proposalId;
  }
  const matches = rows.filter((r) => String(r.proposalId).startsWith(value));
  if (matches.length === 1) return matches[0].proposalId;
  if (matches.length === 0) {
    throw new InputError(
      `${what}: no proposal id starts with ${value} (the Governor has ${rows.length} ${since}; \`proposals\` lists them)`,
    );
  }
  const candidates = matches.map((r) => `  @${r.index}  ${r.proposalId}  ${r.state}  ${r.title}`);
  throw new InputError(
    `${what}: ${value} is ambiguous, ${matches.length} proposal ids start with it:\n${candidates.join("\n")}\ngive more digits, or @N`,
  );
}
