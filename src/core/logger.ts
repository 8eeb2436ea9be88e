// A small leveled logger writing one line per event to stderr, with Open WebUI's level names.
import type { LogLevel } from "./env";

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

export interface Logger {
  level: LogLevel;
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
  enabled(level: LogLevel): boolean;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const enabled = (at: LogLevel) => ORDER[at] >= ORDER[level];
  const log = (at: LogLevel, message: string, extra: unknown[]) => {
    if (!enabled(at)) return;
    const tail = extra.map(format).join(" ");
    write(`${new Date().toISOString()} ${at.padEnd(7)} ${message}${tail ? ` ${tail}` : ""}\n`);
  };
  return {
    level,
    enabled,
    debug: (m, ...e) => log("DEBUG", m, e),
    info: (m, ...e) => log("INFO", m, e),
    warn: (m, ...e) => log("WARNING", m, e),
    error: (m, ...e) => log("ERROR", m, e),
  };
}

function format(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
