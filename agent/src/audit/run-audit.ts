/**
 * The audit's stages: read the vault's context and history, check the agent keys' nonces, judge against the records.
 */
import type { Provider } from "ethers";
import { errorDetail } from "../failures.js";
import { agentKeys, buildAudit, unrecordedNonces, type AuditReport } from "./audit.js";
import { findByNonce, nonceRange, readHistory, readVaultContext, type HistoryOptions } from "./read-chain.js";
import type { RecordSet } from "./records.js";
import type { UnrecordedTransaction, VaultHistory } from "./types.js";

/** Most unrecorded nonces looked up one by one (each a binary search over past nonces). */
const MAX_LOOKUPS = 50;

export interface AuditOptions extends HistoryOptions {
  vault: string;
  records?: RecordSet;
}

/**
 * Every nonce the vault's agent keys used in the range that no record holds, with its transaction. A provider that
 * does not serve past nonces (no archive state) leaves the check undone, and says so.
 */
async function checkNonces(
  provider: Provider,
  history: VaultHistory,
  records: RecordSet | undefined,
): Promise<{ unrecorded: UnrecordedTransaction[]; note: string }> {
  if (!records) return { unrecorded: [], note: "not checked (no records given)" };
  const unrecorded: UnrecordedTransaction[] = [];
  let sent = 0;
  try {
    for (const agent of agentKeys(history)) {
      const range = await nonceRange(provider, agent, history.fromBlock, history.toBlock);
      sent += range.end - range.first;
      for (const nonce of unrecordedNonces(agent, range, records).slice(0, MAX_LOOKUPS - unrecorded.length)) {
        unrecorded.push(await findByNonce(provider, agent, nonce, history.fromBlock, history.toBlock));
      }
    }
  } catch (err) {
    return {
      unrecorded: [],
      note: `not checked: the endpoint does not serve the agent keys' past nonces (${errorDetail(err as Error)})`,
    };
  }
  return {
    unrecorded,
    note: `${sent} transactions sent by agent keys in these blocks, ${unrecorded.length} with no record`,
  };
}

export async function auditVault(provider: Provider, options: AuditOptions): Promise<AuditReport> {
  const ctx = await readVaultContext(provider, options.vault);
  const history = await readHistory(provider, ctx, options);
  const nonces = await checkNonces(provider, history, options.records);
  return buildAudit(history, options.records, nonces);
}
