// The `group` table. Members live in the JSON array `user_ids` (never JSON null: Open WebUI's
// PostgreSQL membership query fails on a null there).
import { desc, eq, sql } from "drizzle-orm";
import type { Db, Query } from "../db/client";

export type GroupRow = typeof import("../db/schema.pg").group.$inferSelect;

export interface GroupView {
  id: string;
  user_id: string;
  name: string;
  description: string;
  permissions: Record<string, unknown> | null;
  data: Record<string, unknown> | null;
  meta: Record<string, unknown> | null;
  user_ids: string[];
  created_at: number;
  updated_at: number;
}

export function toGroupView(row: GroupRow): GroupView {
  return {
    id: row.id,
    user_id: row.user_id ?? "",
    name: row.name ?? "",
    description: row.description ?? "",
    permissions: asObject(row.permissions),
    data: asObject(row.data),
    meta: asObject(row.meta),
    user_ids: memberIds(row),
    created_at: row.created_at ?? 0,
    updated_at: row.updated_at ?? 0,
  };
}

export function memberIds(row: Pick<GroupRow, "user_ids">): string[] {
  return Array.isArray(row.user_ids) ? row.user_ids.filter((id): id is string => typeof id === "string") : [];
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export async function listGroups(db: Db): Promise<GroupRow[]> {
  const { group } = db.t;
  return db.read.select().from(group).orderBy(desc(group.updated_at));
}

/** Groups whose member list holds `userId` (a text pre-filter in SQL, checked exactly here). */
export async function listGroupsOfMember(db: Db, userId: string, q: Query = db.read): Promise<GroupRow[]> {
  const { group } = db.t;
  const pattern = `%${JSON.stringify(userId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await q
    .select()
    .from(group)
    .where(sql`CAST(${group.user_ids} AS TEXT) LIKE ${pattern} ESCAPE '\\'`)
    .orderBy(desc(group.updated_at));
  return rows.filter((row) => memberIds(row).includes(userId));
}

export async function findGroup(db: Db, id: string): Promise<GroupRow | undefined> {
  const { group } = db.t;
  const [row] = await db.read.select().from(group).where(eq(group.id, id)).limit(1);
  return row;
}

export async function insertGroup(
  db: Db,
  ownerId: string,
  form: { name: string; description: string; permissions?: Record<string, unknown> | null },
): Promise<GroupRow> {
  const now = Math.floor(Date.now() / 1000);
  const row = {
    id: crypto.randomUUID(),
    user_id: ownerId,
    name: form.name,
    description: form.description,
    data: null,
    meta: null,
    permissions: form.permissions ?? null,
    user_ids: [] as string[],
    created_at: now,
    updated_at: now,
  };
  const { group } = db.t;
  await db.write((tx) => tx.insert(group).values(row));
  return row;
}

/** Applies `change` to the group's row in one transaction; undefined when there is no such group. */
export async function updateGroup(
  db: Db,
  id: string,
  change: (row: GroupRow) => Partial<Pick<GroupRow, "name" | "description" | "permissions" | "user_ids">>,
): Promise<GroupRow | undefined> {
  const { group } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select().from(group).where(eq(group.id, id)).limit(1);
    if (!row) return undefined;
    const values = { ...change(row), updated_at: Math.floor(Date.now() / 1000) };
    await tx.update(group).set(values).where(eq(group.id, id));
    return { ...row, ...values };
  });
}

export async function deleteGroup(db: Db, id: string): Promise<boolean> {
  const { group } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select({ id: group.id }).from(group).where(eq(group.id, id)).limit(1);
    if (!row) return false;
    await tx.delete(group).where(eq(group.id, id));
    return true;
  });
}

/** Removes a user from every group it belongs to, inside the caller's transaction. */
export async function removeMemberEverywhere(db: Db, tx: Query, userId: string): Promise<void> {
  const { group } = db.t;
  for (const row of await listGroupsOfMember(db, userId, tx)) {
    const remaining = memberIds(row).filter((id) => id !== userId);
    await tx.update(group).set({ user_ids: remaining, updated_at: Math.floor(Date.now() / 1000) }).where(eq(group.id, row.id));
  }
}
