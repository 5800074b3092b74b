/**
 * Literal fixtures: a vault with three strategies priced 1:1 (shares = assets), amounts in base units.
 * A (index 0) 300,000 · B (index 1) 200,000 · C (index 2) 100,000 · idle 400,000 · total 1,000,000.
 * The agent's session #7 covers A and B, 300,000 per call, 500,000 per epoch (100,000 used), 3 calls (1 used),
 * 60 s minimum interval (last call at 1,500); now = 2,000.
 */
import type { SessionRecord, SessionState, StrategyState, VaultSnapshot } from "../../src/chain/types.js";
import { sessionRemaining } from "../../src/checks/session-check.js";
import { erc4626Valuation, type StrategyValuation } from "../../src/checks/valuation.js";

export const A = "0x1111111111111111111111111111111111111111";
export const B = "0x2222222222222222222222222222222222222222";
export const C = "0x3333333333333333333333333333333333333333";
export const AGENT = "0x4444444444444444444444444444444444444444";
export const OTHER = "0x5555555555555555555555555555555555555555";
export const VAULT = "0x9999999999999999999999999999999999999999";
export const UNLISTED = "0x6666666666666666666666666666666666666666";

export function strategy(
  address: string,
  index: number,
  value: bigint,
  over: Partial<StrategyState> = {},
): StrategyState {
  return {
    strategy: address,
    index,
    enabled: true,
    absoluteCap: 500_000n,
    relativeCapBps: 6_000,
    allocation: value,
    currentValue: value,
    convertedValue: value,
    shares: value,
    sharePrice: 1_000_000n,
    withdrawable: value,
    redeemableShares: value,
    depositable: 2n ** 256n - 1n,
    decimals: 6,
    strategyTotalAssets: 0n,
    strategyTotalSupply: 0n,
    viewsOk: true,
    liquidityGroup: 0,
    price: 10n ** 18n,
    priceOk: true,
    markPrice: 10n ** 18n,
    markedAt: 1_000n,
    frozen: false,
    ...over,
  };
}

export const SESSION: SessionRecord = {
  agent: AGENT,
  vault: VAULT,
  validAfter: 1_000n,
  validUntil: 1_000n + 7n * 86_400n,
  revoked: false,
  epochLength: 86_400n,
  minInterval: 60n,
  maxCallsPerEpoch: 3n,
  maxVolumePerCall: 300_000n,
  maxVolumePerEpoch: 500_000n,
  volumeInEpoch: 100_000n,
  epoch: 0n,
  callsInEpoch: 1n,
  lastCallAt: 1_500n,
  scope: 0b011n,
  reduceOnly: false,
  maxLoss: 0n,
  lossUsed: 0n,
};

export const NOW = 2_000n;

export function sessionState(session: SessionRecord = SESSION, id = 7n, paused = false, now = NOW): SessionState {
  return { id, session, remaining: sessionRemaining(session, paused, now) };
}

export function vaultSnapshot(over: Partial<VaultSnapshot> = {}): VaultSnapshot {
  const strategies = over.strategies ?? [strategy(A, 0, 300_000n), strategy(B, 1, 200_000n), strategy(C, 2, 100_000n)];
  const idle = over.idle ?? 400_000n;
  const allocated = strategies.reduce((s, x) => s + x.allocation, 0n);
  return {
    vault: VAULT,
    asset: "0x7777777777777777777777777777777777777777",
    assetDecimals: 6,
    shareDecimals: 12,
    totalAssets: idle + allocated,
    totalSupply: (idle + allocated) * 1_000_000n,
    idle,
    totalAllocated: allocated,
    sharePrice: 1_000_000n,
    inflowInBlock: 0n,
    highWaterMark: 1_000_000n,
    maxDrawdownBps: 1_000,
    gainRateBps: 2_500,
    maxPriceRateBps: 0,
    deadManSwitch: { staleAfter: 0, dropBps: 0, maxExitBps: 0, lastRebalanceAt: 0n },
    bounds: { idleBufferBps: 1_000, maxLossPerCallBps: 50, epochLossBudgetBps: 100, lossEpochLength: 86_400n },
    epochLoss: { lossEpoch: 0n, lossInEpoch: 0n },
    governance: "0x8888888888888888888888888888888888888888",
    guardian: "0x8888888888888888888888888888888888888889",
    sessionManager: "0x888888888888888888888888888888888888888A",
    agentsPaused: false,
    strategies,
    withdrawQueue: strategies.map((s) => s.strategy),
    liquidityFloorBps: 0,
    availableLiquidity: strategies.reduce((s, x) => s + x.withdrawable, idle),
    stepUpThreshold: 0n,
    policySigner: "0x0000000000000000000000000000000000000000",
    sessions: [sessionState()],
    blockNumber: 100n,
    timestamp: NOW,
    ...over,
  };
}

/** 1:1 share math for every strategy of the snapshot (total assets = total supply). */
export function oneToOne(snapshot: VaultSnapshot): StrategyValuation {
  return erc4626Valuation(
    snapshot.strategies.map((s) => ({ strategy: s.strategy, totalAssets: 10n ** 12n, totalSupply: 10n ** 12n })),
  );
}

/** 1:1, but every deposit loses `fee` assets (an entry fee). */
export function depositFee(fee: bigint): StrategyValuation {
  return {
    previewRedeem: (_s, shares) => shares,
    previewWithdraw: (_s, assets) => assets,
    previewDeposit: (_s, assets) => (assets > fee ? assets - fee : 0n),
    previewRedeemAfter: (_s, shares) => shares,
  };
}
