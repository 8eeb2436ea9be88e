// JSON values written the way Open WebUI writes them.
import { sql, type SQL } from "drizzle-orm";
import { nanosecondsValue } from "../core/nanoseconds";
import type { Db } from "./client";

/** The JSON literal `null`, as Open WebUI stores None in JSON columns (not SQL NULL). */
export function jsonNull(db: Db): SQL {
  return db.dialect === "postgres" ? sql`'null'::json` : sql`'null'`;
}

/** A JSON column's value as written: null and undefined become the JSON literal `null`. */
export function storedJson(db: Db, value: unknown): unknown {
  return value === null || value === undefined ? jsonNull(db) : value;
}

/** A workspace item (note, channel) as inserted: its JSON columns stored as JSON, its times as BIGINT. */
export function workspaceItemValues<T extends { created_at: string | null; updated_at: string | null }>(
  db: Db,
  row: T & { data: unknown; meta: unknown; access_control: unknown },
): Omit<T, "created_at" | "updated_at"> & { created_at: SQL<number>; updated_at: SQL<number> } {
  return {
    ...row,
    data: storedJson(db, row.data),
    meta: storedJson(db, row.meta),
    access_control: storedJson(db, row.access_control),
    created_at: nanosecondsValue(row.created_at ?? "0"),
    updated_at: nanosecondsValue(row.updated_at ?? "0"),
  };
}
