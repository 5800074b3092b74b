/** Names a DAO member recognises: strategies by their ERC-20 name and index, session scopes as lists of them. */
import { getAddress } from "ethers";
import { shortAddress } from "../util/format.js";
import type { StrategyRef } from "./types.js";

/** "Strategy 1 (#1)", or the short address with the index when the token has no name. */
export function strategyLabel(address: string, strategies: readonly StrategyRef[]): string {
  const ref = strategies.find((s) => s.address === getAddress(address));
  if (!ref) return shortAddress(address);
  return `${ref.name || shortAddress(ref.address)} (#${ref.index})`;
}

/** The strategies a session scope (a mask over strategy indices) covers, by name; indices no strategy has as `#n`. */
export function scopeNames(scope: bigint, strategies: readonly StrategyRef[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < 256 && scope >> BigInt(i) !== 0n; i++) {
    if (((scope >> BigInt(i)) & 1n) === 0n) continue;
    const ref = strategies.find((s) => s.index === i);
    names.push(ref ? strategyLabel(ref.address, strategies) : `#${i}`);
  }
  return names;
}
