// The `user` table. Every function names the account it works on; nothing here trusts a body's ids.
import { asc, count, desc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { removeMemberEverywhere } from "../groups/repository";
import type { Db } from "../db/client";

export type UserRow = typeof import("../db/schema.pg").user.$inferSelect;
export type Role = "pending" | "user" | "admin";
export const ROLES: Role[] = ["pending", "user", "admin"];

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const { user } = db.t;
  const [row] = await db.read.select().from(user).where(eq(user.id, id)).limit(1);
  return row;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const { user } = db.t;
  const [row] = await db.read.select().from(user).where(eq(user.email, email.toLowerCase())).limit(1);
  return row;
}

export async function findUserByApiKey(db: Db, apiKey: string): Promise<UserRow | undefined> {
  const { user } = db.t;
  const [row] = await db.read.select().from(user).where(eq(user.api_key, apiKey)).limit(1);
  return row;
}

/** The primary admin: the oldest account (an admin first among accounts of the same second). */
export async function findFirstUser(db: Db): Promise<UserRow | undefined> {
  const { user } = db.t;
  const adminFirst = sql`CASE WHEN ${user.role} = 'admin' THEN 0 ELSE 1 END`;
  const [row] = await db.read.select().from(user).orderBy(asc(user.created_at), adminFirst).limit(1);
  return row;
}

/** The oldest admin account, which owns what no signed-in user creates (groups made over SCIM). */
export async function findFirstAdmin(db: Db): Promise<UserRow | undefined> {
  const { user } = db.t;
  const [row] = await db.read.select().from(user).where(eq(user.role, "admin")).orderBy(asc(user.created_at)).limit(1);
  return row;
}

// /api/config counts users on every signed-in request, so the statement is built once per database.
const countStatements = new WeakMap<Db, { execute(): Promise<{ n: number }[]> }>();

export async function countUsers(db: Db): Promise<number> {
  let statement = countStatements.get(db);
  if (!statement) {
    statement = db.read.select({ n: count() }).from(db.t.user).prepare("count_users");
    countStatements.set(db, statement);
  }
  const [row] = await statement.execute();
  return Number(row?.n ?? 0);
}

export async function touchLastActive(db: Db, id: string, nowSeconds: number): Promise<void> {
  const { user } = db.t;
  await db.write((tx) => tx.update(user).set({ last_active_at: nowSeconds }).where(eq(user.id, id)));
}

export const USER_ORDER_COLUMNS = ["name", "email", "created_at", "last_active_at", "updated_at", "role"] as const;
export type UserOrder = (typeof USER_ORDER_COLUMNS)[number];

export interface UserListQuery {
  query?: string;
  orderBy?: UserOrder;
  direction?: "asc" | "desc";
  skip?: number;
  limit?: number;
}

/** A page of users, filtered by name or e-mail, with the count of all users (as the reference). */
export async function listUsers(db: Db, q: UserListQuery = {}): Promise<{ users: UserRow[]; total: number }> {
  const { user } = db.t;
  let where: SQL | undefined;
  if (q.query) {
    const pattern = `%${q.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where = or(
      sql`lower(${user.name}) LIKE ${pattern} ESCAPE '\\'`,
      sql`lower(${user.email}) LIKE ${pattern} ESCAPE '\\'`,
    );
  }
  const column = user[q.orderBy ?? "created_at"];
  const order = q.direction === "asc" ? asc(column) : desc(column);
  let statement = db.read.select().from(user).where(where).orderBy(order, asc(user.id)).$dynamic();
  if (q.limit !== undefined) statement = statement.limit(q.limit);
  if (q.skip) statement = statement.offset(q.skip);
  const [users, total] = await Promise.all([statement, countUsers(db)]);
  return { users, total };
}

export async function existingUserIds(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { user } = db.t;
  const rows = await db.read.select({ id: user.id }).from(user).where(inArray(user.id, ids));
  const found = new Set(rows.map((r) => r.id));
  return ids.filter((id) => found.has(id));
}

/** The accounts among `ids`, in the order of `ids` (unknown ids are skipped). */
export async function findUsersByIds(db: Db, ids: string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  const { user } = db.t;
  const byId = new Map<string, UserRow>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const row of await db.read.select().from(user).where(inArray(user.id, ids.slice(i, i + 500)))) byId.set(row.id, row);
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}

type UserChange = Partial<
  Pick<UserRow, "name" | "email" | "role" | "profile_image_url" | "api_key" | "oauth_sub" | "settings" | "info" | "bio" | "gender" | "date_of_birth">
>;

export async function updateUser(db: Db, id: string, change: UserChange): Promise<UserRow | undefined> {
  const { user, auth } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select().from(user).where(eq(user.id, id)).limit(1);
    if (!row) return undefined;
    const values = { ...change, updated_at: Math.floor(Date.now() / 1000) };
    await tx.update(user).set(values).where(eq(user.id, id));
    if (change.email !== undefined) await tx.update(auth).set({ email: change.email }).where(eq(auth.id, id));
    return { ...row, ...values };
  });
}

/** Read-modify-write of one JSON column, in one transaction. */
export async function mergeUserJson(
  db: Db,
  id: string,
  column: "settings" | "info",
  merge: (current: Record<string, unknown>) => Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const { user } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select({ value: user[column] }).from(user).where(eq(user.id, id)).limit(1);
    if (!row) return undefined;
    const current = typeof row.value === "object" && row.value !== null ? (row.value as Record<string, unknown>) : {};
    const next = merge(current);
    await tx.update(user).set({ [column]: next, updated_at: Math.floor(Date.now() / 1000) }).where(eq(user.id, id));
    return next;
  });
}

/**
 * Deletes an account and the personal data it owns (chats and their share snapshots, folders,
 * tags, memories, notes, feedback, files' rows, OAuth sessions, group memberships) in one
 * transaction. Workspace items other users may rely on (models, prompts, tools, knowledge) stay.
 */
export async function deleteUserAndData(db: Db, id: string): Promise<boolean> {
  const t = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select({ id: t.user.id }).from(t.user).where(eq(t.user.id, id)).limit(1);
    if (!row) return false;
    const chats = await tx.select({ id: t.chat.id }).from(t.chat).where(eq(t.chat.user_id, id));
    const snapshotOwners = chats.map((c) => `shared-${c.id}`);
    for (let i = 0; i < snapshotOwners.length; i += 500) {
      await tx.delete(t.chat).where(inArray(t.chat.user_id, snapshotOwners.slice(i, i + 500)));
    }
    await tx.delete(t.chat).where(eq(t.chat.user_id, id));
    await tx.delete(t.folder).where(eq(t.folder.user_id, id));
    await tx.delete(t.tag).where(eq(t.tag.user_id, id));
    await tx.delete(t.memory).where(eq(t.memory.user_id, id));
    await tx.delete(t.note).where(eq(t.note.user_id, id));
    await tx.delete(t.feedback).where(eq(t.feedback.user_id, id));
    await tx.delete(t.file).where(eq(t.file.user_id, id));
    await tx.delete(t.oauth_session).where(eq(t.oauth_session.user_id, id));
    await removeMemberEverywhere(db, tx, id);
    await tx.delete(t.auth).where(eq(t.auth.id, id));
    await tx.delete(t.user).where(eq(t.user.id, id));
    return true;
  });
}
