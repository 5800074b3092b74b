/**
 * Webhook alerts: derived from the tick reports, deduped, retried, never carrying secrets (see agent/README.md,
 * "Alerts").
 */
export type { Alert, AlertEvent, Severity } from "./alert.js";
export { alertBody, scrub, type AlertFormat, type Notice } from "./bodies.js";
export { AlertRules, type Derived, type FundsView } from "./derive.js";
export { alertSecrets, createNotifier } from "./create.js";
export { Notifier, type NotifierOptions } from "./notifier.js";
export { NonceWatch } from "./unrecorded.js";
