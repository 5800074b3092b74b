/**
 * The session parameters of `grant-session`: `--max-loss` as the operator gives it, and why the session manager
 * refuses a grant with `InvalidSessionParams()`: the error carries no figures, so the parameters that were sent are
 * checked again here, in the contract's order, and each one that fails is named with its value and the option that
 * set it.
 */
import { ZeroAddress } from "ethers";
import { formatChainTime, formatDuration } from "@agent-treasury/agent";
import type { ISessionManager } from "../../types/ethers-contracts/index.js";
import { tokenAmount } from "./context.js";
import { InputError } from "./errors.js";
import { parseAmount } from "./parse.js";

/** One sentence per failed condition of `SessionManager.grant`'s parameter check; empty when none fails. */
export function invalidSessionParamReasons(
  p: ISessionManager.SessionParamsStruct,
  now: bigint,
  asset: { decimals: number; symbol: string },
): string[] {
  const amount = tokenAmount(asset);
  const perCall = BigInt(p.maxVolumePerCall);
  const perEpoch = BigInt(p.maxVolumePerEpoch);
  const validAfter = BigInt(p.validAfter);
  const validUntil = BigInt(p.validUntil);
  const reasons: string[] = [];
  if (String(p.agent) === ZeroAddress) reasons.push("--agent is the zero address");
  if (String(p.vault) === ZeroAddress) reasons.push("the vault is the zero address");
  if (BigInt(p.scope) === 0n) reasons.push("the scope names no strategy (--strategies)");
  if (perCall === 0n) reasons.push("--max-per-call is 0: the agent could move nothing");
  if (perCall > perEpoch) {
    reasons.push(
      `--max-per-call ${amount(perCall)} is above --max-per-epoch ${amount(perEpoch)}: one call cannot move more than its epoch allows`,
    );
  }
  if (BigInt(p.maxCallsPerEpoch) === 0n) reasons.push("--calls-per-epoch is 0: the agent could make no call");
  if (validUntil <= validAfter) {
    reasons.push(
      `--duration is ${formatDuration(0)}: the session would end when it starts (${formatChainTime(validAfter)})`,
    );
  } else if (validUntil <= now) {
    reasons.push(
      `the session would end at ${formatChainTime(validUntil)} (--valid-after ${formatChainTime(validAfter)} + --duration ${formatDuration(validUntil - validAfter)}), ` +
        `which is not after the chain's time now, ${formatChainTime(now)}`,
    );
  }
  return reasons;
}

/**
 * `--max-loss`: the session's own loss allowance over its life, in token units (converted with the asset's
 * decimals). Absent or 0: the session has none of its own (the vault's loss limits still bind). `max` is refused: an
 * allowance no loss can pass is the same as none, and saying 0 says so.
 */
export function parseMaxLoss(value: string | undefined, decimals: number): bigint {
  if (value === undefined) return 0n;
  if (value === "max") {
    throw new InputError(
      "--max-loss: give an amount in token units (0, or leaving it out, means no allowance of its own)",
    );
  }
  return parseAmount(value, decimals, "--max-loss");
}
