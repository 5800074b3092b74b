/** Structured logs (pino). Secrets are redacted by path as a second line of defence; none should reach a log call. */
import { pino, type DestinationStream, type Logger } from "pino";

export const REDACT_PATHS = [
  "privateKey",
  "password",
  "keystorePassword",
  "*.privateKey",
  "*.password",
  "*.keystorePassword",
  "key.privateKey",
  "key.keystorePassword",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "treasury-agent" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
