/**
 * What every step of the demo's story works with: the embedded chain, the treasury as deployed, its asset, the
 * story's accounts, the world its strategies come from, and where the progress lines go.
 */
import { devKey, type EmbeddedChain as DemoChain } from "@agent-treasury/agent/devnet";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { TreasuryAddresses } from "../../lib/addresses.js";
import type { TreasuryContext } from "../../lib/context.js";
import type { LendingMarket } from "../lending.js";
import type { DemoMarket } from "../market.js";
import type { DemoSummary } from "../summary.js";

export const MAX_DAYS = 7;
export const HOUR = 3_600n;

/** Hardhat's default accounts, as deploy/parameters/local.json names them. */
export const ACCOUNT = {
  deployer: 0,
  guardian: 1,
  sessionAdmin: 2,
  agent: 3,
  member: 4,
  outsider: 5,
  /** The session scenes' keys: one that misbehaves, and a reduce-only keeper. */
  secondKey: 6,
  keeper: 7,
} as const;
/** Account #3 of Hardhat's public development mnemonic: a key for the embedded chain only. */
export const AGENT_DEV_KEY = devKey(ACCOUNT.agent);

export interface Stage {
  chain: DemoChain;
  days: number;
  seed: number;
  out: (line: string) => void;
  ctx: TreasuryContext;
  addresses: TreasuryAddresses;
  /** The context signing as one of the story's accounts. */
  as(account: keyof typeof ACCOUNT): Promise<TreasuryContext>;
  signers: HardhatEthersSigner[];
  agentAddress: string;
  fmt: { symbol: string; decimals: number };
  unit: bigint;
  market: DemoMarket;
  /** The lending world's market, when the strategies are its curated vaults. */
  lendingWorld?: LendingMarket;
  /** Chain time the agent's session starts at (0 until the session step sets it). */
  start: bigint;
}

/** Governance proposals executed, for the summary. */
export type Governance = DemoSummary["governance"];

/** `74910018…9533`: the start and end of a proposal id. */
export function shortId(id: bigint): string {
  const s = id.toString();
  return `${s.slice(0, 8)}…${s.slice(-4)}`;
}
