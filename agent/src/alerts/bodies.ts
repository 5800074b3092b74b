/**
 * What a webhook receives, by the target's format: generic JSON, Slack's `{text, blocks}` or Discord's
 * `{content, embeds}`. Every text is scrubbed first: a URL is cut to its scheme, host and port (an RPC or webhook URL
 * carries its key in the path or the user part), and the configured secrets (keys, passwords, header values, URLs) are
 * replaced wherever they appear.
 */
import { endpointName } from "../chain/provider.js";
import type { Alert, Severity } from "./alert.js";

export type AlertFormat = "json" | "slack" | "discord";

/** An alert as sent: the chain it is on and when it was raised (wall time, ISO 8601). */
export interface Notice extends Alert {
  chainId: string;
  at: string;
}

/**
 * A URL in a text; it ends at a space, a quote, a bracket or a backslash (JSON's escape, when a body is scrubbed
 * whole).
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()\\]+/gi;
const REDACTED = "[redacted]";

/** Removes every secret from a text: URLs cut to scheme, host and port, then each listed secret replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(URL_IN_TEXT, (url) => endpointName(url));
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}

function scrubbed(n: Notice, secrets: readonly string[]): Notice {
  return {
    ...n,
    message: scrub(n.message, secrets),
    details: Object.fromEntries(Object.entries(n.details).map(([k, v]) => [k, scrub(v, secrets)])),
  };
}

const SEVERITY_TAG: Record<Severity, string> = { critical: "CRITICAL", warning: "WARNING", info: "RESOLVED" };
/** Discord embed colours: red, amber, green. */
const SEVERITY_COLOUR: Record<Severity, number> = { critical: 0xd32f2f, warning: 0xf9a825, info: 0x2e7d32 };

/** Cuts a text to a receiver's limit (Discord: 2,000 characters of content, 1,024 per field). */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The request body for a target of `format`, secrets removed. */
export function alertBody(notice: Notice, format: AlertFormat, secrets: readonly string[]): string {
  const n = scrubbed(notice, secrets);
  const headline = `[${SEVERITY_TAG[n.severity]}] ${n.message}`;
  const facts = Object.entries({
    event: n.event,
    ...(n.label ? { vault: n.label } : {}),
    chain: n.chainId,
    ...n.details,
  });
  let body: unknown;
  if (format === "slack") {
    body = {
      text: cut(headline, 3_000),
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: cut(headline, 3_000) } },
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: cut(facts.map(([k, v]) => `*${k}*: ${v}`).join(" · "), 3_000) }],
        },
      ],
    };
  } else if (format === "discord") {
    body = {
      content: cut(headline, 2_000),
      embeds: [
        {
          title: cut(`${n.event}${n.label ? ` · ${n.label}` : ""}`, 256),
          description: cut(n.message, 4_096),
          color: SEVERITY_COLOUR[n.severity],
          timestamp: n.at,
          fields: facts
            .slice(0, 25)
            .map(([k, v]) => ({ name: cut(k, 256), value: cut(v === "" ? "-" : v, 1_024), inline: true })),
        },
      ],
    };
  } else {
    body = {
      event: n.event,
      severity: n.severity,
      vault: n.vault ?? null,
      label: n.label ?? null,
      chainId: n.chainId,
      message: n.message,
      details: n.details,
      at: n.at,
    };
  }
  // Last guard: a secret that reached the body some other way (a field not scrubbed above) is replaced too.
  return scrub(JSON.stringify(body), secrets);
}
