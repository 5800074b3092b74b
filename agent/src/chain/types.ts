/**
 * Plain, typed views of the on-chain state the daemon works with: what the lens returns, converted once. Every
 * amount and timestamp is a bigint; small enumerations (decimals, indices, bps) are numbers. Addresses are checksummed.
 */

export interface StrategyState {
  strategy: string;
  /** Permanent index in the vault: bit `index` of a session scope. */
  index: number;
  enabled: boolean;
  absoluteCap: bigint;
  relativeCapBps: number;
  /** Allocation as last marked by the vault. */
  allocation: bigint;
  /** Redeemable value of the vault's shares now (`previewRedeem`), what a rebalance measures moves against. */
  currentValue: bigint;
  /** `convertToAssets` of the same shares: an honest strategy's `currentValue` is at or below it. */
  convertedValue: bigint;
  shares: bigint;
  /** Assets per 10**decimals strategy shares. */
  sharePrice: bigint;
  /** What the vault can withdraw from the strategy now, in assets. */
  withdrawable: bigint;
  /** What the vault can redeem from the strategy now, in strategy shares (a full exit needs all `shares`). */
  redeemableShares: bigint;
  /** What the strategy accepts from the vault now (`maxDeposit`), in assets: a deposit leg above it reverts. */
  depositable: bigint;
  /** The strategy's share decimals (0 when its view fails). */
  decimals: number;
  /** The strategy's own total assets and share supply (0 when they revert). */
  strategyTotalAssets: bigint;
  strategyTotalSupply: bigint;
  /**
   * Whether every view the lens asked of the strategy answered (no revert, within the lens's gas allowance, a full
   * word). When false the failed fields read 0: the strategy is broken or hostile, and a 0 is not an empty position.
   */
  viewsOk: boolean;
  /** Liquidity group (0: its own): strategies of one group count once, at the most one lets go, in the floor. */
  liquidityGroup: number;
  /** The price the share-price rate bound reads: `convertToAssets(PRICE_UNIT)` (1e18 shares), capped at 2^128-1. */
  price: bigint;
  /** Whether that view answered: a failed price view neither freezes nor re-marks. */
  priceOk: boolean;
  /** The vault's mark of that price and when it was taken (0: never marked). */
  markPrice: bigint;
  markedAt: bigint;
  /** Frozen to exit-only by the rate bound until governance clears it: no leg may raise it. */
  frozen: boolean;
  /** Risk groups the strategy carries: bit `id` per risk id (0..31). Absent or 0: none. */
  riskGroups?: number;
}

/** One risk group a listed strategy carries (`IRiskGroups`): its caps and its members' value now. */
export interface RiskGroupState {
  id: number;
  absoluteCap: bigint;
  relativeCapBps: number;
  /** Sum of the members' value now (live, or book where views fail), in assets. */
  value: bigint;
}

export interface VaultBounds {
  idleBufferBps: number;
  maxLossPerCallBps: number;
  epochLossBudgetBps: number;
  lossEpochLength: bigint;
}

/** The vault's loss-epoch accounting (`epochLoss()`), as stored: the loss taken by rebalances in epoch `lossEpoch`. */
export interface EpochLoss {
  lossEpoch: bigint;
  lossInEpoch: bigint;
}

/** A session as stored by the SessionManager. */
export interface SessionRecord {
  agent: string;
  vault: string;
  validAfter: bigint;
  validUntil: bigint;
  revoked: boolean;
  epochLength: bigint;
  minInterval: bigint;
  maxCallsPerEpoch: bigint;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
  volumeInEpoch: bigint;
  epoch: bigint;
  callsInEpoch: bigint;
  lastCallAt: bigint;
  scope: bigint;
  /** Only lowers exposure: no leg may raise a strategy. */
  reduceOnly: boolean;
  /** The session's own loss allowance over its life, in asset base units; 0: none of its own. */
  maxLoss: bigint;
  /** Loss charged to that allowance so far. */
  lossUsed: bigint;
}

/** What a session has left at the snapshot's block (`SessionManager.remaining`). */
export interface SessionRemaining {
  active: boolean;
  timeLeft: bigint;
  volumePerCall: bigint;
  volumeInEpoch: bigint;
  callsInEpoch: bigint;
  nextCallAt: bigint;
  epochEndsAt: bigint;
  /** Loss the session may still take; 2^256-1 for a session without its own allowance. */
  lossLeft: bigint;
}

export interface SessionState {
  id: bigint;
  session: SessionRecord;
  remaining: SessionRemaining;
}

/** The whole state of one vault, and the agent's sessions for it, at one block. */
export interface VaultSnapshot {
  vault: string;
  asset: string;
  assetDecimals: number;
  shareDecimals: number;
  totalAssets: bigint;
  totalSupply: bigint;
  idle: bigint;
  /** Sum of the strategies' book values: total assets are valued live, so they differ in general. */
  totalAllocated: bigint;
  /** Assets per 10**shareDecimals vault shares. */
  sharePrice: bigint;
  /** Assets deposited in the snapshot's block: caps, the idle buffer and loss limits are measured without them. */
  inflowInBlock: bigint;
  /** The drawdown guard's share price high-water mark (assets per 10**shareDecimals vault shares). */
  highWaterMark: bigint;
  /** Rebalances that raise a strategy or lose anything stop while the price is this many bps below the mark. */
  maxDrawdownBps: number;
  /** The highest yearly rate at which recorded total assets may grow, in bps. */
  gainRateBps: number;
  /** The share-price rate bound: how far a strategy's price may move from its mark, in bps a day (0 = off). */
  maxPriceRateBps: number;
  /** The dead-man's switch: after staleAfter seconds without a successful rebalance (counted from lastRebalanceAt),
   * anyone may move a strategy whose price fell more than dropBps below its mark to idle, maxExitBps of total assets a
   * call (staleAfter 0 = off). */
  deadManSwitch: { staleAfter: number; dropBps: number; maxExitBps: number; lastRebalanceAt: bigint };
  bounds: VaultBounds;
  epochLoss: EpochLoss;
  governance: string;
  guardian: string;
  sessionManager: string;
  agentsPaused: boolean;
  /** Listed strategies (exactly those of the withdraw queue), in index order. */
  strategies: StrategyState[];
  withdrawQueue: string[];
  /** The withdrawable-liquidity floor, in bps of total assets (0: off). */
  liquidityFloorBps: number;
  /** Idle plus what the strategies let go now (a liquidity group once), before subtracting the block's deposits. */
  availableLiquidity: bigint;
  /** Volume above which a rebalance needs the policy signer's co-signature (0: off). */
  stepUpThreshold: bigint;
  /** The key whose EIP-712 co-signature passes the step-up threshold (EOA, or ERC-1271 contract). */
  policySigner: string;
  /** The agent's active sessions for this vault (not revoked, not expired; not yet started included), oldest first. */
  sessions: SessionState[];
  blockNumber: bigint;
  timestamp: bigint;
  /** Every risk group a listed strategy carries, by id (absent: none). */
  riskGroups?: RiskGroupState[];
}

/** One rebalance target: the allocation a strategy should hold after the call. */
export interface Target {
  strategy: string;
  assets: bigint;
}
