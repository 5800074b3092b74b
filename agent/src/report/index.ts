/**
 * The governance report (`treasury-agent report`): a vault's last days from the chain (and the daemon's journal and
 * quarantine list where the chain cannot tell), as Markdown and as a self-contained HTML page with charts. Read only.
 */
export { buildReport } from "./build.js";
export { renderHtml } from "./html.js";
export { renderMarkdown } from "./markdown.js";
export {
  blockAtTime,
  readGovernanceReport,
  readReportInputs,
  sampleBlocks,
  type ReportInputs,
  type ReportOptions,
} from "./read.js";
export { returnBps } from "../yield/returns.js";
export { reportTables, type Table } from "./tables.js";
export type * from "./types.js";
