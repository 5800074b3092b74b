/** The report as Markdown: a header saying what was read, then every table with its source. */
import { formatChainTime } from "../util/format.js";
import { reportTables, type Table } from "./tables.js";
import type { GovernanceReport } from "./types.js";

const cellText = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function markdownTable(t: Table): string[] {
  const out = [`## ${t.title}`, "", `Source: ${t.source}.`, ""];
  if (t.rows.length === 0) return [...out, `(${t.empty})`, ""];
  out.push(`| ${t.headers.map(cellText).join(" | ")} |`, `|${t.headers.map(() => " --- ").join("|")}|`);
  for (const row of t.rows) out.push(`| ${row.map((c) => cellText(c.text)).join(" | ")} |`);
  return [...out, ""];
}

export function reportTitle(r: GovernanceReport): string {
  return `Governance report: vault ${r.vault}`;
}

/** The period in words: dates, blocks, and how it was chosen. */
export function periodText(r: GovernanceReport): string {
  return (
    `${formatChainTime(r.from)} to ${formatChainTime(r.to)}, blocks ${r.fromBlock} to ${r.toBlock}` +
    (r.days !== undefined ? ` (the last ${r.days} day${r.days === 1 ? "" : "s"})` : " (from --from-block)")
  );
}

export function renderMarkdown(r: GovernanceReport): string {
  const lines = [
    `# ${reportTitle(r)}`,
    "",
    `- chain ${r.chainId}, period ${periodText(r)}`,
    `- ${r.samples.length} samples of the vault at block intervals; strategies named by their ERC-20 name`,
    `- read: ${r.sources.join("; ")}`,
    "",
  ];
  for (const t of reportTables(r)) lines.push(...markdownTable(t));
  return `${lines.join("\n").trimEnd()}\n`;
}
