// JSON values written the way Open WebUI writes them.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";

/** The JSON literal `null`, as Open WebUI stores None in JSON columns (not SQL NULL). */
export function jsonNull(db: Db): SQL {
  return db.dialect === "postgres" ? sql`'null'::json` : sql`'null'`;
}
