// The `function` table (read side): admin-managed Python plugins (pipes, filters, actions).
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";

export interface FunctionRow {
  id: string;
  user_id: string;
  name: string;
  type: string;
  content: string;
  meta: unknown;
  valves: unknown;
  is_active: boolean;
  is_global: boolean;
  updated_at: number;
  created_at: number;
}

const columns = (db: Db) => {
  const { fn } = db.t;
  return {
    id: fn.id,
    user_id: fn.user_id,
    name: fn.name,
    type: fn.type,
    content: fn.content,
    meta: fn.meta,
    valves: fn.valves,
    is_active: fn.is_active,
    is_global: fn.is_global,
    updated_at: fn.updated_at,
    created_at: fn.created_at,
  };
};

/** In the table's own order (the order of writing), as the reference lists them. */
export async function listFunctions(db: Db): Promise<FunctionRow[]> {
  const { fn } = db.t;
  return db.read.select(columns(db)).from(fn);
}

export async function findFunction(db: Db, id: string): Promise<FunctionRow | undefined> {
  const { fn } = db.t;
  const [row] = await db.read.select(columns(db)).from(fn).where(eq(fn.id, id)).limit(1);
  return row;
}

/** Changes when any function is added, removed or updated (for instances that did not write). */
export async function functionTableFingerprint(db: Db): Promise<string> {
  const { fn } = db.t;
  const [row] = await db.read
    .select({
      n: sql<number>`count(*)`,
      latest: sql<number>`max(${fn.updated_at})`,
      total: sql<number>`sum(${fn.updated_at})`,
      // Two toggles within a second leave updated_at as it was.
      active: sql<number>`sum(case when ${fn.is_active} then 1 else 0 end)`,
      global: sql<number>`sum(case when ${fn.is_global} then 1 else 0 end)`,
    })
    .from(fn);
  return [row?.n, row?.latest, row?.total, row?.active, row?.global].map((v) => Number(v ?? 0)).join(":");
}
