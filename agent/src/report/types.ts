/**
 * The governance report as data: what `treasury-agent report` reads from the chain (and the daemon's journal and
 * quarantine list, where the chain cannot tell), before it is written as Markdown and HTML. Amounts are bigints in the
 * asset's smallest unit; times are chain timestamps (seconds).
 */

/** Where a figure comes from. */
export type Source = "chain" | "journal" | "records" | "quarantine list" | "event log";

/** The vault at one sampled block, as the lens reads it (a historical call at that block). */
export interface ReportSample {
  block: number;
  time: bigint;
  /** Assets per 10**shareDecimals vault shares. */
  sharePrice: bigint;
  totalAssets: bigint;
  idle: bigint;
  /** Each listed strategy's live value (the lens's `currentValue`), by checksummed address. */
  values: Record<string, bigint>;
}

/** A strategy the charts show, named by its ERC-20 name. */
export interface ReportStrategy {
  address: string;
  index: number;
  label: string;
}

export interface YieldComparison {
  /** The first sample where the vault held assets: where the comparison starts. */
  fromBlock: number;
  /** The vault's live value then: what each choice starts with. */
  principal: bigint;
  periodSeconds: number;
  /** The principal grown at the vault's share price. */
  agent: bigint;
  idle: bigint;
  equalSplit: bigint;
}

export interface ReportRebalance {
  block: number;
  time: bigint;
  txHash: string;
  intentHash: string;
  sessionId: bigint;
  agent: string;
  volume: bigint;
  loss: bigint;
  legs: { strategy: string; before: bigint; after: bigint }[];
  /** The decision record's reason, when a record with this intent hash was given. */
  reason?: string;
  /** Where the reason comes from. */
  reasonSource?: Source;
}

/** A session's budget used in the period (its `SessionConsumed` events) against its limits. */
export interface SessionBudget {
  sessionId: bigint;
  agent: string;
  calls: number;
  volume: bigint;
  largestCall: bigint;
  maxVolumePerCall: bigint;
  /** The most of one epoch's volume and calls used. */
  peakEpochVolume: bigint;
  maxVolumePerEpoch: bigint;
  peakEpochCalls: bigint;
  maxCallsPerEpoch: bigint;
  /** Its own loss allowance (0: none) and what was charged to it, at the last block. */
  lossUsed: bigint;
  maxLoss: bigint;
  validUntil: bigint;
  revoked: boolean;
}

/** A rejection, stand-down or quarantine, with where it was seen. */
export interface ReportOccurrence {
  time: bigint;
  block?: number;
  what: string;
  source: Source;
  txHash?: string;
}

export interface GovernanceReport {
  chainId: bigint;
  vault: string;
  lens: string;
  assetDecimals: number;
  symbol: string;
  fromBlock: number;
  toBlock: number;
  from: bigint;
  to: bigint;
  /** The period asked for, in days (absent with --from-block). */
  days?: number;
  strategies: ReportStrategy[];
  samples: ReportSample[];
  yield: YieldComparison;
  rebalances: ReportRebalance[];
  budgets: SessionBudget[];
  rejections: ReportOccurrence[];
  standDowns: ReportOccurrence[];
  quarantines: ReportOccurrence[];
  /** What was read: the chain always, and the journal, records or quarantine list when given. */
  sources: string[];
}
