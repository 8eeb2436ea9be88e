// The `function` table: admin-managed Python plugins (pipes, filters, actions). Callers tell the
// model list after each write (changes.ts).
import { eq, notInArray, sql } from "drizzle-orm";
import type { Db, Query } from "../db/client";
import { storedJson } from "../db/json";

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

/** What a write may change; `updated_at` is renewed by every write. */
export type FunctionChange = Partial<Pick<FunctionRow, "name" | "type" | "content" | "meta" | "valves" | "is_active" | "is_global">>;

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

const now = () => Math.floor(Date.now() / 1000);

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

async function findIn(db: Db, tx: Query, id: string): Promise<FunctionRow | undefined> {
  const { fn } = db.t;
  const [row] = await tx.select(columns(db)).from(fn).where(eq(fn.id, id)).limit(1);
  return row;
}

const stored = (db: Db, row: FunctionRow) => ({ ...row, meta: storedJson(db, row.meta), valves: storedJson(db, row.valves) });

/** The new row, or "taken" when the id exists already. */
export async function insertFunction(db: Db, row: FunctionRow): Promise<FunctionRow | "taken"> {
  const { fn } = db.t;
  try {
    return await db.write(async (tx) => {
      if (await findIn(db, tx, row.id)) return "taken" as const;
      await tx.insert(fn).values(stored(db, row));
      return row;
    });
  } catch (error) {
    // Another request took the id between our check and our insert.
    if (await findFunction(db, row.id)) return "taken";
    throw error;
  }
}

/** The row after the change, or undefined when there is none. */
export async function updateFunction(db: Db, id: string, change: FunctionChange): Promise<FunctionRow | undefined> {
  const { fn } = db.t;
  return db.write(async (tx) => {
    const row = await findIn(db, tx, id);
    if (!row) return undefined;
    const next = { ...row, ...change, updated_at: now() };
    const set: Record<string, unknown> = { ...change, updated_at: next.updated_at };
    if ("meta" in change) set.meta = storedJson(db, change.meta);
    if ("valves" in change) set.valves = storedJson(db, change.valves);
    await tx.update(fn).set(set).where(eq(fn.id, id));
    return next;
  });
}

/** Flips `is_active` or `is_global`; the row after, or undefined when there is none. */
export async function toggleFunction(db: Db, id: string, flag: "is_active" | "is_global"): Promise<FunctionRow | undefined> {
  const { fn } = db.t;
  return db.write(async (tx) => {
    const row = await findIn(db, tx, id);
    if (!row) return undefined;
    const next = { ...row, [flag]: !row[flag], updated_at: now() };
    await tx.update(fn).set({ [flag]: next[flag], updated_at: next.updated_at }).where(eq(fn.id, id));
    return next;
  });
}

export async function deleteFunction(db: Db, id: string): Promise<void> {
  const { fn } = db.t;
  await db.write((tx) => tx.delete(fn).where(eq(fn.id, id)));
}

/**
 * Makes the table hold exactly these functions, all owned by `userId`: existing ids are
 * overwritten, new ones inserted, the others deleted. Gives the table afterwards.
 */
export async function syncFunctions(db: Db, userId: string, functions: FunctionRow[]): Promise<FunctionRow[]> {
  const { fn } = db.t;
  await db.write(async (tx) => {
    const existing = new Set((await tx.select({ id: fn.id }).from(fn)).map((r) => r.id));
    for (const given of functions) {
      const row = stored(db, { ...given, user_id: userId, updated_at: now() });
      if (existing.has(given.id)) await tx.update(fn).set(row).where(eq(fn.id, given.id));
      else {
        await tx.insert(fn).values(row);
        existing.add(given.id);
      }
    }
    const kept = functions.map((f) => f.id);
    if (kept.length === 0) await tx.delete(fn);
    else await tx.delete(fn).where(notInArray(fn.id, kept));
  });
  return listFunctions(db);
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
