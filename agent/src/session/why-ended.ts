/**
 * Why a session left the agent's active list before its end, read from the session manager: it went over its own loss
 * allowance (`SessionLossBudgetSpent`: the vault undid the rebalance and revoked it), or it moved to another key
 * (`SessionAgentRotated`, or `getSession(id).agent` is no longer this key). Anything else is a plain revocation, which
 * needs no reading. Read only: the daemon asks once per session that ended, over the blocks since it last saw it.
 */
import { getAddress, type Provider, ZeroAddress } from "ethers";
import { eventsInterface, ISessionManager__factory } from "../abi/index.js";
import { getLogsPaged } from "../audit/log-pages.js";

/** A session ended by the chain for a reason the plain "revoked" does not tell. */
export type SessionEnd =
  | {
      kind: "loss-allowance";
      /** What the refused rebalance would have lost, and what the session's own allowance had left before it. */
      loss: bigint;
      lossLeft: bigint;
      maxLoss: bigint;
      txHash?: string;
    }
  | {
      kind: "rotated";
      /** The key the session moved to, who moved it and when (chain time; unknown when the event was not found). */
      to: string;
      by?: string;
      at?: bigint;
      txHash?: string;
    };

/** Where to look: the session, the vault and key it should act for, and the blocks its end may lie in. */
export interface EndQuery {
  sessionManager: string;
  sessionId: bigint;
  vault: string;
  agent: string;
  /** The last block the session was listed at (the block read, for a session never listed: only its state is read). */
  sinceBlock: bigint;
  toBlock: bigint;
}

/**
 * Explains why a session is not listed for `agent`; undefined when the chain tells no more than a plain revocation, or
 * the session is no session of the vault's.
 */
export interface SessionEndReader {
  explain(query: EndQuery): Promise<SessionEnd | undefined>;
}

/** Blocks per log query: the window since the last tick is short, this only bounds a long pause. */
const MAX_BLOCK_RANGE = 10_000;

const LOSS_SPENT = eventsInterface.getEvent("SessionLossBudgetSpent")!;
const ROTATED = eventsInterface.getEvent("SessionAgentRotated")!;

export class ChainSessionEnds implements SessionEndReader {
  constructor(private readonly provider: Provider) {}

  async explain({
    sessionManager,
    sessionId,
    vault,
    agent,
    sinceBlock,
    toBlock,
  }: EndQuery): Promise<SessionEnd | undefined> {
    const manager = ISessionManager__factory.connect(sessionManager, this.provider);
    const session = await manager.getSession(sessionId, { blockTag: Number(toBlock) });
    // An unknown id (no agent) or another vault's session: nothing this key lost.
    if (session.agent === ZeroAddress || getAddress(session.vault) !== getAddress(vault)) return undefined;
    const { logs } = await getLogsPaged(
      this.provider,
      {
        address: sessionManager,
        topics: [[LOSS_SPENT.topicHash, ROTATED.topicHash], idTopic(sessionId)],
      },
      Number(sinceBlock),
      Number(toBlock),
      MAX_BLOCK_RANGE,
    );
    const events = logs.map((log) => ({
      log,
      parsed: eventsInterface.parseLog({ topics: [...log.topics], data: log.data })!,
    }));
    const spent = events.find((e) => e.parsed.name === "SessionLossBudgetSpent");
    if (spent && session.revoked) {
      const used = spent.parsed.args.lossUsed as bigint;
      const maxLoss = spent.parsed.args.maxLoss as bigint;
      // The refused loss was never charged: the session's `lossUsed` is what it was before that rebalance.
      return {
        kind: "loss-allowance",
        loss: used - session.lossUsed,
        lossLeft: maxLoss - session.lossUsed,
        maxLoss,
        txHash: spent.log.transactionHash,
      };
    }
    const rotated = events.filter(
      (e) =>
        e.parsed.name === "SessionAgentRotated" &&
        getAddress(e.parsed.args.previousAgent as string) === getAddress(agent),
    );
    const last = rotated[rotated.length - 1];
    if (last) {
      const block = await this.provider.getBlock(last.log.blockNumber);
      return {
        kind: "rotated",
        to: getAddress(last.parsed.args.newAgent as string),
        by: getAddress(last.parsed.args.by as string),
        at: block ? BigInt(block.timestamp) : undefined,
        txHash: last.log.transactionHash,
      };
    }
    if (getAddress(session.agent) !== getAddress(agent)) return { kind: "rotated", to: getAddress(session.agent) };
    return undefined;
  }
}

/** A uint256 as an indexed topic. */
function idTopic(id: bigint): string {
  return `0x${id.toString(16).padStart(64, "0")}`;
}
