/** A pino destination that keeps every log line in memory, for assertions. */
import { createLogger } from "../../src/obs/logger.js";

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function memoryLogger(level = "debug") {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const log = createLogger(level, {
    write(chunk: string) {
      raw.push(chunk);
      lines.push(JSON.parse(chunk) as LogLine);
    },
  });
  return { log, lines, raw, messages: () => lines.map((l) => l.msg) };
}
