// The `tool` table: users' Python toolkits with Open WebUI's access control. Changes that need
// write access decide inside their transaction whether the caller has it.
import { desc, eq } from "drizzle-orm";
import type { Db, Query } from "../db/client";
import { storedJson } from "../db/json";
import type { AccessType } from "../core/access";
import { mayReach, ownsOrGranted, type Caller } from "../core/caller";

export interface ToolRow {
  id: string;
  user_id: string;
  name: string;
  content: string;
  specs: unknown;
  meta: unknown;
  valves: unknown;
  access_control: unknown;
  updated_at: number;
  created_at: number;
}

const columns = (db: Db) => {
  const { tool } = db.t;
  return {
    id: tool.id,
    user_id: tool.user_id,
    name: tool.name,
    content: tool.content,
    specs: tool.specs,
    meta: tool.meta,
    valves: tool.valves,
    access_control: tool.access_control,
    updated_at: tool.updated_at,
    created_at: tool.created_at,
  };
};

/** Every tool, most recently updated first. */
export async function listAllTools(db: Db): Promise<ToolRow[]> {
  const { tool } = db.t;
  return db.read.select(columns(db)).from(tool).orderBy(desc(tool.updated_at));
}

/** The tools the caller owns or may `type`, most recently updated first. */
export async function listToolsFor(db: Db, caller: Caller, type: AccessType): Promise<ToolRow[]> {
  const { tool } = db.t;
  const rows = await db.read
    .select(columns(db))
    .from(tool)
    .where(mayReach(tool.user_id, tool.access_control, caller, type))
    .orderBy(desc(tool.updated_at));
  return rows.filter((row) => ownsOrGranted(caller, row, type));
}

export async function findTool(db: Db, id: string): Promise<ToolRow | undefined> {
  const { tool } = db.t;
  const [row] = await db.read.select(columns(db)).from(tool).where(eq(tool.id, id)).limit(1);
  return row;
}

/** The tool if the caller (an admin, its owner, or a reader) may read it. */
export async function readTool(db: Db, caller: Caller, id: string): Promise<ToolRow | "not_found" | "forbidden"> {
  const row = await findTool(db, id);
  if (!row) return "not_found";
  return caller.role === "admin" || ownsOrGranted(caller, row, "read") ? row : "forbidden";
}

export type Refusal = "not_found" | "forbidden";

/** The owner, a user or group with a write grant, or an admin. */
export const mayWriteTool = (caller: Caller, row: ToolRow) => caller.role === "admin" || ownsOrGranted(caller, row, "write");

async function findIn(db: Db, tx: Query, id: string): Promise<ToolRow | undefined> {
  const { tool } = db.t;
  const [row] = await tx.select(columns(db)).from(tool).where(eq(tool.id, id)).limit(1);
  return row;
}

const now = () => Math.floor(Date.now() / 1000);

const stored = (db: Db, row: Partial<ToolRow>) => {
  const values: Record<string, unknown> = { ...row };
  for (const key of ["specs", "meta", "valves", "access_control"] as const) if (key in row) values[key] = storedJson(db, row[key]);
  return values;
};

/** The new tool, or "taken" when the id exists already. */
export async function insertTool(db: Db, row: ToolRow): Promise<ToolRow | "taken"> {
  const { tool } = db.t;
  try {
    return await db.write(async (tx) => {
      if (await findIn(db, tx, row.id)) return "taken" as const;
      await tx.insert(tool).values(stored(db, row) as typeof tool.$inferInsert);
      return row;
    });
  } catch (error) {
    // Another request took the id between our check and our insert.
    if (await findTool(db, row.id)) return "taken";
    throw error;
  }
}

export type ToolChange = Partial<Pick<ToolRow, "name" | "content" | "specs" | "meta" | "valves" | "access_control">>;

/** Changes the tool (renewing updated_at) if the caller may write it; null: without asking. */
export async function updateTool(db: Db, caller: Caller | null, id: string, change: ToolChange): Promise<ToolRow | Refusal> {
  const { tool } = db.t;
  return db.write(async (tx) => {
    const row = await findIn(db, tx, id);
    if (!row) return "not_found";
    if (caller && !mayWriteTool(caller, row)) return "forbidden";
    const next = { ...row, ...change, updated_at: now() };
    await tx.update(tool).set(stored(db, { ...change, updated_at: next.updated_at })).where(eq(tool.id, id));
    return next;
  });
}

export async function deleteTool(db: Db, caller: Caller, id: string): Promise<true | Refusal> {
  const { tool } = db.t;
  return db.write(async (tx) => {
    const row = await findIn(db, tx, id);
    if (!row) return "not_found";
    if (!mayWriteTool(caller, row)) return "forbidden";
    await tx.delete(tool).where(eq(tool.id, id));
    return true;
  });
}
