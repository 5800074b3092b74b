/**
 * Verifying what the agent did, from the chain: `audit` rebuilds a vault's history from its events and matches every
 * action of an agent key with a decision record; `authority` lists every live power over a vault and what should
 * worry a DAO. Read only: nothing here signs.
 */
export { auditVault, type AuditOptions } from "./run-audit.js";
export type { AgentAction, AuditReport, HistoryRow, MatchStatus } from "./audit.js";
export {
  authorityWarnings,
  DEFAULT_WARNING_POLICY,
  type AuthorityInventory,
  type AuthorityWarning,
  type WarningPolicy,
} from "./authority.js";
export { readAuthority, type AuthorityOptions } from "./read-authority.js";
export { journalRecords, publishedRecords, type RecordSet } from "./records.js";
export { getLogsPaged, isRangeLimitError } from "./log-pages.js";
export { renderAudit, renderAuthority, toJson } from "./render.js";
export { UnmatchedActionsError } from "./unmatched-error.js";
