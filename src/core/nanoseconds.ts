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
