// The `tool` table (read side). Tools are Python sources; only their stored rows are read here.
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
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

async function findTool(db: Db, id: string): Promise<ToolRow | undefined> {
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
