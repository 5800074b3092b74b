/**
 * The agent package's front door: what code outside `agent/` may import (`@agent-treasury/agent`). `createAgent`, the
 * daemon as `treasury-agent run` creates it; the configuration parser and key loader; the lens reader; the revert
 * decoder, the formatters and `BPS` every surface shares; the public types. The devnet has its own door
 * (`@agent-treasury/agent/devnet`, devnet/index.ts). Everything else in `src/` is internal and may change without
 * notice.
 */
export { AGENT_VERSION } from "./version.js";
export { loadConfig, parseConfig } from "./config/load.js";
export type { AgentConfig } from "./config/schema.js";
export { loadWallet } from "./config/key.js";
export { createProvider } from "./daemon/build.js";
export { createAgent, type Agent, type AgentOptions } from "./daemon/create-agent.js";
export { chainConfigs, createChains, type ChainAgent, type Chains, type ChainsOptions } from "./daemon/chains.js";
export type { DaemonTick } from "./daemon/daemon.js";
export type { TickReport, TickResult } from "./daemon/vault-runner.js";
export { LensReader, type ChainReader } from "./chain/reader.js";
export type { SessionState, StrategyState, Target, VaultSnapshot } from "./chain/types.js";
export { createLogger } from "./obs/logger.js";
export { Metrics } from "./obs/metrics.js";
export type { ObservabilityServer } from "./obs/server.js";
export { ChainTimeClock, systemClock, type Clock } from "./util/clock.js";
export { decodeRevert, explainRevert, formatErrorForPeople, hintFor, type DecodedRevert } from "./errors.js";
export { revertDataOf } from "./executor/revert-data.js";
export { BPS } from "./checks/math.js";
export {
  formatAmount,
  formatBps,
  formatChainTime,
  formatDuration,
  formatRiskGroups,
  formatWadPercent,
  renderTable,
  shortAddress,
} from "./util/format.js";
export {
  countReversals,
  REVERSAL_WINDOW_SECONDS,
  type ReversalEvidence,
  type ReversalMove,
  type TickObservation,
} from "./planner/reversals.js";
export { erc4626Valuation } from "./checks/valuation.js";
export { passiveOutcomes, type PassiveOutcomes } from "./yield/passive.js";
export {
  explainDecision,
  renderExplanation,
  type ExplainDivergence,
  type ExplainOptions,
  type Explanation,
} from "./explain/index.js";
export {
  coSignatureDigest,
  coSignatureTypedData,
  targetsHash,
  type CoSignatureRequest,
} from "./cosign/typed-data.js";
export {
  BoundEvidence,
  type BufferDraftSettings,
  type CeilingDraftSettings,
  type Draft,
  type DraftKind,
  DraftStore,
  type DraftThreshold,
  findBindingBound,
  findBufferCut,
  findSessionClip,
  isMaterial,
  largestOutflow,
  makeBufferDraft,
  makeCeilingsDraft,
  makeDraft,
  type SafeBatch,
  safeBatch,
  safeBatchChecksum,
  setCapsCall,
  setCeilingsCall,
  setIdleBufferCall,
  TX_BUILDER_VERSION,
} from "./drafts/index.js";
export {
  type BoundsChange,
  renderWhatIf,
  type WhatIf,
  whatIf,
  whatIfRecords,
  whatIfSummary,
} from "./whatif/index.js";
