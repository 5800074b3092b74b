/**
 * Reads a vault's whole state with one `TreasuryLens.snapshot` eth_call, whatever the number of strategies, decoded
 * into plain values (`decodePlain`). A call that reverts while the node still answers is the lens's fault, not the
 * node's (`LensFaultError`, `lens-reverted`).
 */
import { getAddress, type Provider } from "ethers";
import { lensInterface, type ITreasuryLens } from "../abi/index.js";
import { decodePlain } from "./abi-decode.js";
import type { RiskGroupState, SessionState, StrategyState, VaultSnapshot } from "./types.js";
import { decodeRevert, explainRevert } from "../errors.js";
import { isRevert, revertDataOf } from "../executor/revert-data.js";
import { LensFaultError, RpcError } from "../failures.js";

const SNAPSHOT = lensInterface.getFunction("snapshot")!;

/** The chain reader the daemon depends on. */
export interface ChainReader {
  snapshot(vault: string, agent: string): Promise<VaultSnapshot>;
}

export class LensReader implements ChainReader {
  constructor(
    private readonly provider: Provider,
    private readonly lens: string,
  ) {}

  /** The snapshot at the latest block, or at `blockTag` (a historical call: `treasury-agent explain`). */
  async snapshot(vault: string, agent: string, blockTag?: bigint): Promise<VaultSnapshot> {
    let raw: ITreasuryLens.SnapshotStructOutput;
    try {
      const result = await this.provider.call({
        to: this.lens,
        data: lensInterface.encodeFunctionData("snapshot", [vault, agent]),
        ...(blockTag === undefined ? {} : { blockTag }),
      });
      raw = decodeSnapshotResult(result);
    } catch (err) {
      throw await this.classify(vault, err);
    }
    return toSnapshot(raw);
  }

  /**
   * A revert is the lens's only if the node answers a plain request (eth_blockNumber) right after: a node that cannot
   * answer that is down, whatever its error said. Costs a request only on the failure path.
   */
  private async classify(vault: string, err: unknown): Promise<Error> {
    if (!isRevert(err)) return new RpcError(`lens snapshot of ${vault} failed`, { cause: err });
    try {
      await this.provider.getBlockNumber();
    } catch {
      return new RpcError(`lens snapshot of ${vault} failed, and the node does not answer eth_blockNumber either`, {
        cause: err,
      });
    }
    const data = revertDataOf(err);
    const decoded = decodeRevert(data);
    const revert = decoded ? explainRevert(decoded) : data;
    return new LensFaultError(
      "lens-reverted",
      `lens ${this.lens} reverted reading vault ${vault} (${revert === undefined ? "no revert data" : revert === "0x" ? "bare revert" : revert}) while the node answers`,
      { revertData: data, revert },
      { cause: err },
    );
  }
}

/** The lens's `snapshot` answer (hex) in the ABI's shape, decoded by the plain decoder (`decodePlain`). */
export function decodeSnapshotResult(result: string): ITreasuryLens.SnapshotStructOutput {
  return decodePlain(SNAPSHOT.outputs, result)[0] as ITreasuryLens.SnapshotStructOutput;
}

/** The lens's `snapshot` answer (hex) as the daemon reads it: what `LensReader.snapshot` does after the call. */
export function decodeSnapshot(result: string): VaultSnapshot {
  return toSnapshot(decodeSnapshotResult(result));
}

/** Checksummed addresses by their lower-case form: the same few addresses come back at every tick, and checksumming
 *  (a keccak each) was most of a snapshot's decoding time. Emptied if it ever holds more than `MAX_ADDRESSES`. */
const checksummed = new Map<string, string>();
const MAX_ADDRESSES = 4_096;

function address(a: string): string {
  const key = a.toLowerCase();
  let out = checksummed.get(key);
  if (out === undefined) {
    if (checksummed.size >= MAX_ADDRESSES) checksummed.clear();
    out = getAddress(a);
    checksummed.set(key, out);
  }
  return out;
}

/** Converts the lens's ABI result into the plain snapshot type. */
export function toSnapshot(raw: ITreasuryLens.SnapshotStructOutput): VaultSnapshot {
  return {
    vault: address(raw.vault),
    asset: address(raw.asset),
    assetDecimals: Number(raw.assetDecimals),
    shareDecimals: Number(raw.shareDecimals),
    totalAssets: raw.totalAssets,
    totalSupply: raw.totalSupply,
    idle: raw.idle,
    totalAllocated: raw.totalAllocated,
    sharePrice: raw.sharePrice,
    inflowInBlock: raw.inflowInBlock,
    highWaterMark: raw.highWaterMark,
    maxDrawdownBps: Number(raw.maxDrawdownBps),
    gainRateBps: Number(raw.gainRateBps),
    maxPriceRateBps: Number(raw.maxPriceRateBps),
    deadManSwitch: {
      staleAfter: Number(raw.deadManSwitch.staleAfter),
      dropBps: Number(raw.deadManSwitch.dropBps),
      maxExitBps: Number(raw.deadManSwitch.maxExitBps),
      lastRebalanceAt: raw.deadManSwitch.lastRebalanceAt,
    },
    bounds: {
      idleBufferBps: Number(raw.bounds.idleBufferBps),
      maxLossPerCallBps: Number(raw.bounds.maxLossPerCallBps),
      epochLossBudgetBps: Number(raw.bounds.epochLossBudgetBps),
      lossEpochLength: raw.bounds.lossEpochLength,
    },
    epochLoss: { lossEpoch: raw.epochLoss.lossEpoch, lossInEpoch: raw.epochLoss.lossInEpoch },
    governance: address(raw.governance),
    guardian: address(raw.guardian),
    sessionManager: address(raw.sessionManager),
    agentsPaused: raw.agentsPaused,
    strategies: raw.strategies.map(
      (s): StrategyState => ({
        strategy: address(s.strategy),
        index: Number(s.index),
        enabled: s.enabled,
        absoluteCap: s.absoluteCap,
        relativeCapBps: Number(s.relativeCapBps),
        allocation: s.allocation,
        currentValue: s.currentValue,
        convertedValue: s.convertedValue,
        shares: s.shares,
        sharePrice: s.sharePrice,
        withdrawable: s.withdrawable,
        redeemableShares: s.redeemableShares,
        depositable: s.depositable,
        decimals: Number(s.decimals),
        strategyTotalAssets: s.strategyTotalAssets,
        strategyTotalSupply: s.strategyTotalSupply,
        viewsOk: s.viewsOk,
        liquidityGroup: Number(s.liquidityGroup),
        price: s.price,
        priceOk: s.priceOk,
        markPrice: s.markPrice,
        markedAt: s.markedAt,
        frozen: s.frozen,
        riskGroups: Number(s.riskGroups),
      }),
    ),
    riskGroups: raw.riskGroups.map(
      (g): RiskGroupState => ({
        id: Number(g.id),
        absoluteCap: g.absoluteCap,
        relativeCapBps: Number(g.relativeCapBps),
        value: g.value,
      }),
    ),
    withdrawQueue: raw.withdrawQueue.map((a) => address(a)),
    liquidityFloorBps: Number(raw.liquidityFloorBps),
    availableLiquidity: raw.availableLiquidity,
    stepUpThreshold: raw.stepUpThreshold,
    policySigner: address(raw.policySigner),
    sessions: raw.sessions.map(
      (v): SessionState => ({
        id: v.id,
        session: {
          agent: address(v.session.agent),
          vault: address(v.session.vault),
          validAfter: v.session.validAfter,
          validUntil: v.session.validUntil,
          revoked: v.session.revoked,
          epochLength: v.session.epochLength,
          minInterval: v.session.minInterval,
          maxCallsPerEpoch: v.session.maxCallsPerEpoch,
          maxVolumePerCall: v.session.maxVolumePerCall,
          maxVolumePerEpoch: v.session.maxVolumePerEpoch,
          volumeInEpoch: v.session.volumeInEpoch,
          epoch: v.session.epoch,
          callsInEpoch: v.session.callsInEpoch,
          lastCallAt: v.session.lastCallAt,
          scope: v.session.scope,
          reduceOnly: v.session.reduceOnly,
          maxLoss: v.session.maxLoss,
          lossUsed: v.session.lossUsed,
        },
        remaining: {
          active: v.remaining.active,
          timeLeft: v.remaining.timeLeft,
          volumePerCall: v.remaining.volumePerCall,
          volumeInEpoch: v.remaining.volumeInEpoch,
          callsInEpoch: v.remaining.callsInEpoch,
          nextCallAt: v.remaining.nextCallAt,
          epochEndsAt: v.remaining.epochEndsAt,
          lossLeft: v.remaining.lossLeft,
        },
      }),
    ),
    blockNumber: raw.blockNumber,
    timestamp: raw.timestamp,
  };
}
