/**
 * An on-chain action of the agent key that the journal holds no record of: the key's mined transaction count against
 * the nonces the journal signed (the audit's own test, `unrecordedNonces`). The journal records an intent and its
 * nonce before it broadcasts, so a nonce the chain counts and the journal lacks was sent by something else: a second
 * daemon, a rogue client, a stolen key. Each nonce is judged once; the first check judges the key's whole history.
 */
import { unrecordedNonces } from "../audit/audit.js";
import type { RecordSet } from "../audit/records.js";
import type { Journal } from "../executor/journal.js";
import type { Alert } from "./alert.js";

/** Nonces listed in an alert, at most. */
const LISTED = 20;

export class NonceWatch {
  /** Nonces below this were judged already. */
  private judgedBelow = 0;

  constructor(
    private readonly agent: string,
    private readonly journal: Journal,
    /** The agent key's mined transaction count (`eth_getTransactionCount` at `latest`). */
    private readonly minedCount: () => Promise<number>,
  ) {}

  /** The alert for the key's transactions mined since the last check that the journal holds no record of, if any. */
  async check(): Promise<Alert | undefined> {
    // The count first, then the journal: a nonce of ours that the count includes is journaled by then.
    const end = await this.minedCount();
    if (end <= this.judgedBelow) return undefined;
    const records: RecordSet = { source: "journal", byHash: new Map(), problems: [] };
    for (const e of this.journal.entries())
      records.byHash.set(e.intentHash, { intentHash: e.intentHash, record: e.record, txHashes: [] });
    // Nonces of intents a compaction left out of the journal were journaled: the header keeps them.
    const missing = unrecordedNonces(this.agent, { first: this.judgedBelow, end }, records).filter(
      (n) => !this.journal.compactedNonce?.(n),
    );
    this.judgedBelow = end;
    if (missing.length === 0) return undefined;
    const listed =
      missing.slice(0, LISTED).join(", ") + (missing.length > LISTED ? `, … (${missing.length} in all)` : "");
    const many = missing.length === 1 ? "a transaction" : `${missing.length} transactions`;
    return {
      key: `unrecorded-action:${missing[0]}-${missing[missing.length - 1]}`,
      event: "unrecorded-action",
      severity: "critical",
      message:
        `the agent key ${this.agent} sent ${many} the journal holds no record of (nonce ${listed}): a second daemon, a rogue ` +
        `client or a stolen key; run \`treasury-agent audit\` and have the sessions revoked if it was not yours`,
      details: { agent: this.agent, nonces: listed, count: String(missing.length) },
    };
  }
}
