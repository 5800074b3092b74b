/** One alert: a condition that holds (a vault standing down) or a thing that happened (a transaction reverted). */
import type { AlertEventName } from "../config/schema.js";

export type AlertEvent = AlertEventName | "recovery";
export type Severity = "critical" | "warning" | "info";

export interface Alert {
  /** What dedupes it: the event and its subject (`main:stand-down`, `main:quarantine:0xabc…`, `gas-low`). */
  key: string;
  event: AlertEvent;
  severity: Severity;
  /** The vault's address and label; absent for the agent key's own alerts (gas, unrecorded transactions). */
  vault?: string;
  label?: string;
  message: string;
  /** Figures behind the message, as strings (addresses, hashes, amounts). */
  details: Record<string, string>;
  /** For a condition: what its end says (sent as `recovery`). Absent for a thing that happened, which has no end. */
  ended?: string;
}

/** The `recovery` alert sent when the condition `alert` ends. */
export function recoveryOf(alert: Alert): Alert {
  return {
    key: alert.key,
    event: "recovery",
    severity: "info",
    vault: alert.vault,
    label: alert.label,
    message: alert.ended ?? `${alert.message}: over`,
    details: { ...alert.details, resolves: alert.event },
  };
}
