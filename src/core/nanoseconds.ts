// channel, message, message_reaction and note keep epoch nanoseconds (about 1.8e18), past what a
// JS number holds exactly. They are read as text and written into the JSON answer digit for digit.
import { sql, type AnyColumn, type SQL } from "drizzle-orm";

declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

/** The column as exact decimal text (or null). */
export function nanosecondsText(column: AnyColumn): SQL<string | null> {
  return sql<string | null>`CAST(${column} AS TEXT)`;
}

/** A JSON number with exactly these digits, or null when there is none. */
export function exactInteger(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  const digits = String(text).trim();
  return /^-?\d+$/.test(digits) ? JSON.rawJSON(digits) : null;
}

let lastIssued = 0n;

/**
 * Epoch nanoseconds now (Python's time.time_ns()) as exact decimal text: the wall clock's
 * milliseconds with the sub-millisecond digits of the high-resolution timer, strictly
 * increasing within this process so two writes never share a time.
 */
export function nowNanoseconds(): string {
  const wall = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastIssued = wall > lastIssued ? wall : lastIssued + 1n;
  return lastIssued.toString();
}

/** Exact nanosecond text as the value of an integer column (a JS number would round it). */
export function nanosecondsValue(text: string): SQL<number> {
  return sql<number>`CAST(${text} AS BIGINT)`;
}
