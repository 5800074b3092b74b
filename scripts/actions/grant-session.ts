/**
 * Grants an agent a session on the vault. The grant is simulated first, so one beyond the governance ceilings (for
 * the session admin) or the protocol maxima is refused with the session manager's own reason and nothing is sent.
 */
import { formatChainTime, formatDuration } from "@agent-treasury/agent";
import type { ISessionManager } from "../../types/ethers-contracts/index.js";
import { tokenAmount, type TreasuryContext } from "../lib/context.js";
import { InputError, OperationError, toOperationError } from "../lib/errors.js";
import { invalidSessionParamReasons } from "../lib/session-params.js";
import { simulateAndSend } from "../lib/send.js";

export interface GrantSessionOptions {
  agent: string;
  /** Strategy addresses the agent may touch; "all" = every listed strategy. */
  strategies: string[] | "all";
  /** Unix seconds; default: the latest block's time. */
  validAfter?: number;
  /** Seconds from validAfter. */
  duration: number;
  maxVolumePerCall: bigint;
  maxVolumePerEpoch: bigint;
  /** Seconds. */
  epochLength: number;
  /** Seconds between two calls. */
  minInterval: number;
  maxCallsPerEpoch: number;
  /** The session's own loss allowance, in asset base units; 0 (the default): none of its own. */
  maxLoss?: bigint;
  /** Only moves money from strategies into idle. */
  reduceOnly?: boolean;
}

export async function grantSession(
  ctx: TreasuryContext,
  options: GrantSessionOptions,
): Promise<{ sessionId: bigint; txHash: string; params: ISessionManager.SessionParamsStruct }> {
  const strategies = options.strategies === "all" ? [...(await ctx.vault.withdrawQueue())] : options.strategies;
  if (strategies.length === 0)
    throw new InputError("the vault lists no strategy yet: a session needs at least one in scope");
  let scope: bigint;
  try {
    scope = await ctx.vault.scopeMask(strategies);
  } catch (error) {
    throw toOperationError("building the session scope", error);
  }
  const validAfter = options.validAfter ?? (await ctx.ethers.provider.getBlock("latest"))!.timestamp;
  const params: ISessionManager.SessionParamsStruct = {
    agent: options.agent,
    vault: await ctx.vault.getAddress(),
    scope,
    validAfter,
    validUntil: validAfter + options.duration,
    maxVolumePerCall: options.maxVolumePerCall,
    maxVolumePerEpoch: options.maxVolumePerEpoch,
    epochLength: options.epochLength,
    minInterval: options.minInterval,
    maxCallsPerEpoch: options.maxCallsPerEpoch,
    maxLoss: options.maxLoss ?? 0n,
    reduceOnly: options.reduceOnly ?? false,
  };
  let receipt: Awaited<ReturnType<typeof simulateAndSend>>;
  try {
    receipt = await simulateAndSend("the grant", ctx.sessions.grant, params);
  } catch (error) {
    if (error instanceof OperationError && error.revert?.name === "InvalidSessionParams") {
      const now = BigInt((await ctx.ethers.provider.getBlock("latest"))!.timestamp);
      const reasons = invalidSessionParamReasons(params, now, ctx.asset);
      if (reasons.length > 0) {
        throw new OperationError(
          `the grant was refused by the contract: InvalidSessionParams(): ${reasons.join("; ")}`,
          {
            cause: error,
            revert: error.revert,
          },
        );
      }
    }
    throw error;
  }
  const granted = receipt.logs
    .map((log) => {
      try {
        return ctx.sessions.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .find((parsed) => parsed?.name === "SessionGranted");
  if (!granted) throw new OperationError("the grant emitted no SessionGranted event");
  const sessionId = granted.args.sessionId as bigint;
  const amount = tokenAmount(ctx.asset);
  ctx.log(
    `Session ${sessionId} granted to ${options.agent} by ${ctx.signer.address} (tx ${receipt.hash}): ` +
      `${strategies.length} strategies, ${formatChainTime(validAfter)} for ${formatDuration(options.duration)}, ` +
      `${amount(options.maxVolumePerCall)} per call, ${amount(options.maxVolumePerEpoch)} per ${formatDuration(options.epochLength)}` +
      (params.maxLoss === 0n ? "" : `, its own loss allowance ${amount(BigInt(params.maxLoss))}`) +
      (params.reduceOnly ? ", reduce-only (strategies into idle only)" : ""),
  );
  return { sessionId, txHash: receipt.hash, params };
}
