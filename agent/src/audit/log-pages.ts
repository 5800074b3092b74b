/**
 * Log queries in block ranges, so public providers that cap `eth_getLogs` ranges can be used: each page spans at most
 * `maxBlockRange` blocks; a page the provider refuses as too large is halved and asked again, and later pages keep the
 * smaller size. Any other error ends the query.
 */
import type { Filter, Log } from "ethers";
import { RpcError } from "../failures.js";

/** The part of a provider a paged query needs. */
export interface LogSource {
  getLogs(filter: Filter): Promise<Log[]>;
}

export interface PagedLogs {
  logs: Log[];
  /** Queries sent that answered. */
  pages: number;
  /** The page size the provider accepted last (smaller than asked for when it refused larger ones). */
  blockRange: number;
}

/** Messages providers answer a too-large `eth_getLogs` with (Alchemy, Infura, QuickNode, Ankr, public nodes). */
const RANGE_LIMIT =
  /block range|range (is )?too (large|wide|big)|range (limit|exceed)|exceed(s|ed)? (the )?(max(imum)? )?(block )?range|max(imum)? (block )?range|more than \d+ (blocks|results|logs)|too many (blocks|results|logs)|limited to (a )?\d+|response size|query returned more than/i;

/** Every message an ethers error carries, the JSON-RPC error's included. */
function messagesOf(err: unknown): string {
  const e = err as {
    message?: unknown;
    shortMessage?: unknown;
    error?: { message?: unknown };
    info?: { error?: { message?: unknown } };
    rpcError?: { message?: unknown };
  };
  return [e?.message, e?.shortMessage, e?.error?.message, e?.info?.error?.message, e?.rpcError?.message]
    .filter((m) => typeof m === "string")
    .join(" | ");
}

/** Whether a provider refused a log query for the size of its block range (or of its answer). */
export function isRangeLimitError(err: unknown): boolean {
  return RANGE_LIMIT.test(messagesOf(err));
}

/**
 * Every log matching `filter` in blocks [fromBlock, toBlock], oldest first, in pages of at most `maxBlockRange` blocks.
 * Throws `RpcError` when a page fails for another reason than its size, or when even a one-block page is refused.
 */
export async function getLogsPaged(
  source: LogSource,
  filter: Omit<Filter, "fromBlock" | "toBlock">,
  fromBlock: number,
  toBlock: number,
  maxBlockRange: number,
): Promise<PagedLogs> {
  if (!Number.isInteger(maxBlockRange) || maxBlockRange < 1)
    throw new RangeError(`maxBlockRange must be a positive integer, got ${maxBlockRange}`);
  const logs: Log[] = [];
  let range = maxBlockRange;
  let pages = 0;
  for (let start = fromBlock; start <= toBlock; ) {
    const end = Math.min(toBlock, start + range - 1);
    try {
      logs.push(...(await source.getLogs({ ...filter, fromBlock: start, toBlock: end })));
    } catch (err) {
      if (!isRangeLimitError(err)) throw new RpcError(`log query for blocks ${start} to ${end} failed`, { cause: err });
      if (end === start)
        throw new RpcError(`the provider refuses log queries even for block ${start} alone`, { cause: err });
      range = Math.ceil((end - start + 1) / 2);
      continue;
    }
    pages++;
    start = end + 1;
  }
  return { logs, pages, blockRange: range };
}
