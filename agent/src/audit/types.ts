/**
 * What the audit and the authority inventory read from the chain: plain data, so the pure parts can be tested with
 * literals.
 */

export interface StrategyRef {
  index: number;
  address: string;
  /** The strategy's ERC-20 name ("" when it has none). */
  name: string;
  listed: boolean;
}

export interface VaultContext {
  chainId: bigint;
  vault: string;
  sessionManager: string;
  assetDecimals: number;
  /** Every strategy the vault ever listed, by index. */
  strategies: StrategyRef[];
}

/** One decoded event of the vault or its session manager. */
export interface ChainEvent {
  contract: "vault" | "sessions";
  name: string;
  /** The event's arguments by name (structs as objects, amounts as bigint). */
  args: Record<string, unknown>;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  /** The transaction's sender (`from`), which may differ from the caller the event names (a Safe, a Timelock). */
  sender: string;
  /** The block's time, in seconds. */
  timestamp: bigint;
}

export interface VaultHistory extends VaultContext {
  fromBlock: number;
  toBlock: number;
  /** Log queries that answered, and the block range the provider accepted last. */
  pages: number;
  blockRange: number;
  events: ChainEvent[];
  /**
   * The agent of each of the vault's sessions seen (granted in the range, or used, revoked or rotated in it), as of the
   * last event read: a rotated session's new key (its earlier keys are in its `SessionAgentRotated` events).
   */
  sessionAgents: Map<bigint, string>;
  /** Logs of the vault that are not treasury events (ERC-4626 deposits and withdrawals, share transfers). */
  otherLogs: number;
}

/** A transaction an agent key sent that no record accounts for, found by its nonce. */
export interface UnrecordedTransaction {
  agent: string;
  nonce: number;
  blockNumber: number;
  timestamp?: bigint;
  /** Unset when the transaction could not be found in the block its nonce was used in. */
  txHash?: string;
  to?: string;
  reverted?: boolean;
}
